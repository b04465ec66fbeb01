package chaos

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/agentic-optimizer/optimizer/internal/source"
	"github.com/agentic-optimizer/optimizer/internal/validate"
	"github.com/agentic-optimizer/optimizer/methods"
	"github.com/agentic-optimizer/optimizer/methods/methodstest"
)

// templatePkg is a package with a function of every shape the templates
// meet: ones they call, and ones they must leave alone.
const templatePkg = `package shapes

import (
	stdio "io"
	"strings"
)

type Set struct{ m map[string]bool }

func Parse(s string, base int) (int, error) {
	if strings.HasPrefix(s, "0x") {
		return 16, nil
	}
	return base, nil
}
func small(a int8, b uint8, c byte, d rune, e uint16, f float32, g float64, h bool, i []byte) int8 { return a }
func Unsigned(n uint, m uint64) uint { return n + uint(m) }
func Sum(xs ...int) int                { return len(xs) }
func Generic[T any](x T) T             { return x }
func (s *Set) Add(k string)            { s.m[k] = true }
func NoParams() int                    { return 1 }
func Lines(r stdio.Reader, max int) ([]string, error) { return nil, nil }
func Close(rc stdio.ReadCloser) func() { return nil }
func Emit(w stdio.Writer, title string)    {}
func EmitAll(wc stdio.WriteCloser, r stdio.Reader, more stdio.Reader) error { return nil }
func Mixed(r stdio.Reader, s Set) error { return nil }
func t(x int) int                       { return x }
func init()                             {}
`

const templatePkgTest = `package shapes

import "testing"

func TestParse(t *testing.T) {
	Parse("0x1f", 10)
	Parse("12", -3)
	Parse(name, 10) // not a literal: no seed
	Unsigned(3, 4)
}

var name = "n"
`

func writePkg(t *testing.T, files map[string]string) (dir string, goFiles, testFiles []string) {
	t.Helper()
	dir = t.TempDir()
	for name, src := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		switch {
		case strings.HasSuffix(name, "_test.go"):
			testFiles = append(testFiles, p)
		case strings.HasSuffix(name, ".go"):
			goFiles = append(goFiles, p)
		}
	}
	slices.Sort(goFiles)
	slices.Sort(testFiles)
	return dir, goFiles, testFiles
}

func TestPackageFunctions(t *testing.T) {
	_, goFiles, testFiles := writePkg(t, map[string]string{"shapes/shapes.go": templatePkg, "shapes/shapes_test.go": templatePkgTest})
	got := map[string]string{}
	for _, f := range packageFunctions(goFiles, testFiles) {
		var types []string
		for _, p := range f.Params {
			types = append(types, p.Type)
		}
		kind := "io"
		if f.fuzzable() {
			kind = "fuzz"
		}
		got[f.Name] = kind + " " + strings.Join(types, ",")
	}
	want := map[string]string{
		"Parse":    "fuzz string,int",
		"small":    "fuzz int8,uint8,byte,rune,uint16,float32,float64,bool,[]byte",
		"Unsigned": "fuzz uint,uint64",
		"Lines":    "io io.Reader,int",
		"Close":    "io io.ReadCloser",
		"Emit":     "io io.Writer,string",
		"EmitAll":  "io io.WriteCloser,io.Reader,io.Reader",
	}
	for name, w := range want {
		if got[name] != w {
			t.Errorf("%s: got %q, want %q", name, got[name], w)
		}
	}
	for name := range got {
		if _, ok := want[name]; !ok {
			t.Errorf("%s qualifies (%s), but the templates cannot call it", name, got[name])
		}
	}
}

func TestResultsAndSeeds(t *testing.T) {
	_, goFiles, testFiles := writePkg(t, map[string]string{"shapes.go": templatePkg, "shapes_test.go": templatePkgTest})
	byName := map[string]*function{}
	for _, f := range packageFunctions(goFiles, testFiles) {
		byName[f.Name] = f
	}
	parse := byName["Parse"]
	if parse.Results != 2 || !slices.Equal(parse.ErrorAt, []int{1}) {
		t.Errorf("Parse: %d results, errors at %v; want 2, [1]", parse.Results, parse.ErrorAt)
	}
	if c := byName["Close"]; c.Results != 1 || !slices.Equal(c.Unequal, []int{0}) {
		t.Errorf("Close: %d results, incomparable %v; want 1, [0]", c.Results, c.Unequal)
	}
	var seeds []string
	for _, s := range parse.seeds(maxSeeds) {
		seeds = append(seeds, strings.Join(s, ", "))
	}
	// Zero values, the tests' literal calls (not the one with a
	// variable), the body's literals.
	want := []string{`"", int(0)`, `"0x1f", int(10)`, `"12", int(-3)`, `"0x", int(16)`}
	if !slices.Equal(seeds, want) {
		t.Errorf("Parse seeds:\n got %q\nwant %q", seeds, want)
	}
	var unsigned []string
	for _, s := range byName["Unsigned"].seeds(maxSeeds) {
		unsigned = append(unsigned, strings.Join(s, ", "))
	}
	if want := []string{"uint(0), uint64(0)", "uint(3), uint64(4)"}; !slices.Equal(unsigned, want) {
		t.Errorf("Unsigned seeds: got %q, want %q", unsigned, want)
	}
}

func TestGoValue(t *testing.T) {
	for _, tc := range []struct {
		typ  string
		c    constant
		want string
	}{
		{"string", constant{}, `""`},
		{"string", constant{str: "a\"b", isStr: true}, `"a\"b"`},
		{"string", constant{i: 3, isInt: true}, ""},
		{"[]byte", constant{str: "x", isStr: true}, `[]byte("x")`},
		{"bool", constant{isBool: true, b: true}, "true"},
		{"int8", constant{i: 127, isInt: true}, "int8(127)"},
		{"int8", constant{i: 128, isInt: true}, ""},
		{"uint", constant{i: -1, isInt: true}, ""},
		{"byte", constant{i: 'a', isInt: true}, "byte(97)"},
		{"rune", constant{}, "rune(0)"},
		{"float32", constant{float: 1.5, isFloat: true}, "float32(1.5)"},
		{"float64", constant{i: 2, isInt: true}, "float64(2)"},
		{"complex128", constant{}, ""},
	} {
		if got := goValue(tc.typ, tc.c); got != tc.want {
			t.Errorf("goValue(%s, %+v) = %q, want %q", tc.typ, tc.c, got, tc.want)
		}
	}
}

// TestNoFuzzTargetsForOldModules: fuzz tests need go 1.18; a module that
// declares an older go gets the findings but no fuzz-target candidate
// (found on github.com/google/go-querystring, go 1.13, whose candidate the
// types level rejected: "testing.F requires go1.18").
func TestNoFuzzTargetsForOldModules(t *testing.T) {
	s := &task{
		t:   &methods.Task{ID: "chaos:./q", Module: &source.Module{GoVersion: "1.13"}},
		res: &methods.Result{},
		det: &Details{Fuzz: []FuzzReport{{Target: "FuzzParse"}}},
		pass: &methods.Pass{Driver: methodstest.Validator(func(context.Context, []byte) (*validate.Report, error) {
			t.Error("validated fuzz targets for a go 1.13 module")
			return nil, nil
		})},
		fuzzTargets: []*fuzzTarget{{fn: &function{Name: "Parse"}, name: "FuzzParse"}},
	}
	s.fuzzCandidate(context.Background())
	if len(s.res.Candidates) != 0 || len(s.res.Notes) != 1 || !strings.Contains(s.res.Notes[0], "need go 1.18") {
		t.Errorf("candidates %v, notes %q", s.res.Candidates, s.res.Notes)
	}
}
