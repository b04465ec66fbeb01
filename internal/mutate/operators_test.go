package mutate

import (
	"fmt"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// generate writes files (name → content) into a new module and returns the
// mutants of its root package.
func generate(t *testing.T, files map[string]string, opt Options) *Result {
	t.Helper()
	dir := t.TempDir()
	files["go.mod"] = "module example.com/m\n\ngo 1.22\n"
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	res, err := Generate(dir, dir, opt)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// brief is "line:col original → mutated" for each mutant.
func brief(ms []Mutant) []string {
	var out []string
	for _, m := range ms {
		out = append(out, fmt.Sprintf("%d:%d %s → %s", m.Line, m.Col, m.Original, m.Mutated))
	}
	return out
}

// parses checks that src is a Go file.
func parses(src []byte) error {
	_, err := parser.ParseFile(token.NewFileSet(), "x.go", src, parser.SkipObjectResolution)
	return err
}

// TestOperators checks each operator on small sources: what is mutated,
// into what, and where; and what is left alone.
func TestOperators(t *testing.T) {
	tests := []struct {
		name string
		op   string
		src  string
		want []string
	}{
		{"compare", OpCompare, `package p

func F(a, b int, p *int) bool {
	return a < b || a == b || a >= b && p != nil
}
`, []string{
			"4:9 a < b → a >= b",
			"4:18 a == b → a != b",
			"4:28 a >= b → a < b",
			"4:38 p != nil → p == nil",
		}},
		{"operators do not run into the next token", OpCompare + "," + OpArith, `package p

func F(a, b int) bool {
	return a+-b >= -1 && a<=-b
}
`, []string{
			"4:9 a+-b → a- -b",
			"4:9 a+-b >= -1 → a+-b < -1",
			"4:23 a<=-b → a> -b",
		}},
		{"compare/multi-line expression: only the operator", OpCompare, `package p

func F(a, b int) bool {
	return a <
		b
}
`, []string{
			"4:11 < → >=",
		}},
		{"boundary", OpBoundary, `package p

func F(s []int, i int, m map[int]int) []int {
	if i <= len(s) && i != 0 && i == 1 {
		return s[i+1 : len(s)-1]
	}
	_ = s[i] + m[i] + s[2]
	return s[1:i]
}
`, []string{
			"4:5 i <= len(s) → i < len(s)",
			"5:12 i+1 → i",
			"5:18 len(s)-1 → len(s)",
			"7:8 i → i+1", // s[i], not m[i] nor s[2]
			"8:11 1 → 2",
			"8:13 i → i-1",
		}},
		{"boundary/no s[:0-1]", OpBoundary, `package p

func F(s []int) []int { return s[:0] }
`, nil},
		{"constants stay valid", OpBoundary + "," + OpArith, `package p

const max = 1<<63 - 1

func F(s []int, a [4]int) (int, uint8) {
	_ = s[0:0]
	_ = s[2:2]
	_ = a[4-1]
	_ = max/2 + a[3-1]
	var u uint8 = 255 - 1
	u += 1 << (8 - 1)
	return len(s[1:3]), u
}
`, []string{
			"9:6 max/2 + a[3-1] → max/2 - a[3-1]",
			"9:16 3-1 → 3",
			"11:2 u += 1 << (8 - 1) → u -= 1 << (8 - 1)",
			"12:15 1 → 2",
			"12:17 3 → 2",
		}},
		{"bool", OpBool, `package p

func F(ok bool, m map[bool]int) bool {
	x := true
	y := !ok || false
	_ = m[true] + map[bool]int{true: 1}[false]
	return x && y
}

func G() bool { true := false; return true }
`, []string{
			"4:7 true → false",
			"5:7 !ok → ok",
			"5:7 !ok || false → !ok && false",
			"5:14 false → true",
			"6:8 true → false",
			"6:38 false → true", // not the key true:
			"7:9 x && y → x || y",
			"10:25 false → true", // not the shadowing true
		}},
		{"error", OpError, `package p

import (
	"errors"
	"fmt"
	"io"
)

var ErrX = errors.New("x")

var _ = fmt.Sprint // a second use of fmt

type E struct{}

func (*E) Error() string { return "e" }

func F(w io.Writer, n int) (int, error) {
	if n < 0 {
		return 0, fmt.Errorf("n = %d", n)
	}
	if n == 1 {
		return 0, ErrX
	}
	if n == 2 {
		return 0, &E{}
	}
	_, err := w.Write(nil)
	if err != nil {
		return 0, err
	}
	if err := g(); err != nil {
		return n, nil
	}
	return 1, nil
}

func g() error {
	return errors.New("g")
}

func H(w interface{ Close() error }) error {
	return w.Close() // a call that does work: not dropped
}

func Only() error {
	err := g()
	return err // its only use: dropping it would not compile
}
`, []string{
			"19:13 fmt.Errorf(\"n = %d\", n) → nil",
			"22:13 ErrX → nil",
			"25:13 &E{} → nil",
			"28:16 { return 0, err } → {}",
			"29:13 err → nil",
			"31:28 { return n, nil } → {}",
			"38:9 errors.New(\"g\") → nil",
		}},
		{"error/if err != nil is not also negated", OpCompare + "," + OpError, `package p

func f() error { return nil }

func F() error {
	if err := f(); err != nil {
		return err
	}
	if err := f(); err != nil {
		println(err)
	}
	return nil
}
`, []string{
			"6:28 { return err } → {}",
			"7:10 err → nil",
			"9:17 err != nil → err == nil", // the body does not return
		}},
		{"error/negated when error is not asked for", OpCompare, `package p

func f() error { return nil }

func F() error {
	if err := f(); err != nil {
		return err
	}
	return nil
}
`, []string{
			"6:17 err != nil → err == nil",
		}},
		{"statement", OpStatement, `package p

import "fmt"

func F(xs []int) (n int) {
	v := 1 // a definition: kept
	var w int
	w = v
	_, _ = w, v
	fmt.Println(n) // the only use of fmt: kept
loop:
	for i, x := range xs {
		n += x
		n++
		if x < 0 {
			continue
		}
		if x > 10 {
			break loop // the only use of the label: kept
		}
		switch i {
		case 0:
			g()
			break
		}
		g(); g()
		continue
	}
	return n
}

func g() {}

func P() int {
	g()
	panic("unreachable")
}
`, []string{
			"8:2 w = v → ",
			"13:3 n += x → ",
			"14:3 n++ → ",
			"16:4 continue → ",
			"23:4 g() → ",
			"26:3 g() → ",
			"26:8 g() → ",
			"35:2 g() → ",
		}},
		{"arith", OpArith, `package p

import "time"

func F(a, b int, f float64, s string) int {
	a += b
	a *= 2
	_ = a * 0
	_ = f * 2
	_ = s + "x"
	_ = time.Duration(a) * time.Second
	for i := 0; i < a; i += 2 { // not i -= 2
	}
	return a - b/2
}
`, []string{
			"6:2 a += b → a -= b",
			"7:2 a *= 2 → a /= 2",
			"11:6 time.Duration(a) * time.Second → time.Duration(a) / time.Second",
			"14:9 a - b/2 → a + b/2",
			"14:13 b/2 → b*2",
		}},
		{"arith/unknown types: string literals", OpArith, `package p

import "strings"

func F(s string) string {
	return strings.ToUpper(s) + "!" + strings.ToLower(s)
}

func G(n int) int { return strings.Count("a", "b") + n }
`, []string{
			"9:28 strings.Count(\"a\", \"b\") + n → strings.Count(\"a\", \"b\") - n",
		}},
		{"const and type declarations are not mutated", "", `package p

const N = 1 + 2

type A [N + 1]int

var v = N < 2
`, []string{
			"7:9 N < 2 → N <= 2",
			"7:9 N < 2 → N >= 2",
		}},
	}
	imp := importer.ForCompiler(token.NewFileSet(), "source", nil)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := typeCheck(imp, []byte(tt.src)); err != nil {
				t.Fatalf("the source does not compile: %v", err)
			}
			opt := Options{Max: -1}
			if tt.op != "" {
				opt.Operators = strings.Split(tt.op, ",")
			}
			res := generate(t, map[string]string{"x.go": tt.src}, opt)
			if got := brief(res.Mutants); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got\n\t%s\nwant\n\t%s", strings.Join(got, "\n\t"), strings.Join(tt.want, "\n\t"))
			}
			for _, m := range res.Mutants {
				mutated, err := m.Apply([]byte(tt.src))
				if err != nil {
					t.Fatal(err)
				}
				if err := typeCheck(imp, mutated); err != nil {
					t.Errorf("%s: the mutant does not compile: %v", m, err)
				}
			}
		})
	}
}

// typeCheck type-checks a package of one file.
func typeCheck(imp types.Importer, src []byte) error {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "x.go", src, parser.SkipObjectResolution)
	if err != nil {
		return err
	}
	_, err = (&types.Config{Importer: imp}).Check("p", fset, []*ast.File{f}, nil)
	return err
}

// TestSkippedFiles checks which files are not mutated, and that the notes
// say why.
func TestSkippedFiles(t *testing.T) {
	fn := func(name string) string { return "\nfunc " + name + "(a int) bool { return a < 1 }\n" }
	res := generate(t, map[string]string{
		"a.go":         "package p\n" + fn("A"),
		"a_test.go":    "package p\n" + fn("T"),
		"gen.go":       "// Code generated by a tool. DO NOT EDIT.\n\npackage p\n" + fn("G"),
		"cgo.go":       "package p\n\nimport \"C\"\n" + fn("C"),
		"bad.go":       "package p\n\nfunc B( {\n",
		"x_plan9.go":   "package p\n" + fn("P"),
		"ignored.go":   "//go:build ignore\n\npackage p\n" + fn("I"),
		"_hidden.go":   "package p\n" + fn("H"),
		"README.md":    "a < b",
		"b_windows.go": "package p\n" + fn("W"),
	}, Options{Operators: []string{OpCompare}})
	var files []string
	for _, m := range res.Mutants {
		files = append(files, m.File+" "+m.Func)
	}
	if want := []string{"a.go A"}; !reflect.DeepEqual(files, want) {
		t.Errorf("mutated %v, want %v", files, want)
	}
	want := []string{
		"b_windows.go: excluded by build constraints",
		"bad.go: does not parse: ",
		"cgo.go: uses cgo",
		"gen.go: generated code",
		"ignored.go: excluded by build constraints",
		"x_plan9.go: excluded by build constraints",
	}
	if len(res.Notes) != len(want) {
		t.Fatalf("notes %q, want %q", res.Notes, want)
	}
	for i, n := range res.Notes {
		if !strings.HasPrefix(n, want[i]) {
			t.Errorf("note %q, want %q…", n, want[i])
		}
	}
}

// TestFuncs checks that Options.Funcs limits the mutants to the functions
// named, in either spelling of a method.
func TestFuncs(t *testing.T) {
	src := `package p

var V = 1 < 2

type T[K any] struct{ n int }

func (t *T[K]) M(a int) bool { return a < t.n }

func (t T[K]) N(a int) bool { return a > t.n }

func F(a int) bool {
	g := func() bool { return a == 1 }
	return g()
}
`
	for _, tt := range []struct {
		funcs []string
		want  []string
	}{
		{nil, []string{"", "T.M", "T.N", "F"}},
		{[]string{"T.M", "(T).N"}, []string{"T.M", "T.N"}},
		{[]string{"(*T).M", "F"}, []string{"T.M", "F"}},
		{[]string{}, nil},
	} {
		res := generate(t, map[string]string{"x.go": src}, Options{Operators: []string{OpCompare}, Funcs: tt.funcs})
		var got []string
		for _, m := range res.Mutants {
			got = append(got, m.Func)
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Funcs %q: mutated in %q, want %q", tt.funcs, got, tt.want)
		}
	}
}

func TestGenerateErrors(t *testing.T) {
	dir := t.TempDir()
	for _, tt := range []struct {
		name     string
		mod, pkg string
		opt      Options
		want     string
	}{
		{"unknown operator", dir, dir, Options{Operators: []string{"flip"}}, `unknown operator "flip"`},
		{"outside the module", filepath.Join(dir, "m"), dir, Options{}, "is not inside module"},
		{"no Go files", dir, dir, Options{}, "no non-test Go files"},
		{"no directory", dir, filepath.Join(dir, "nope"), Options{}, "no such file"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Generate(tt.mod, tt.pkg, tt.opt)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one saying %q", err, tt.want)
			}
		})
	}
}
