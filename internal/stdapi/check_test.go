package stdapi

import (
	"fmt"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"maps"
	"slices"
	"strings"
	"testing"
)

// typecheck parses and type-checks one package made of files (name ->
// source), importing std from the toolchain's export data.
func typecheck(t testing.TB, imp types.Importer, fset *token.FileSet, files map[string]string) ([]*ast.File, *types.Info) {
	t.Helper()
	return typecheckPath(t, imp, fset, "example.com/p", files)
}

// typecheckPath is typecheck for a package of the given path.
func typecheckPath(t testing.TB, imp types.Importer, fset *token.FileSet, path string, files map[string]string) ([]*ast.File, *types.Info) {
	t.Helper()
	var parsed []*ast.File
	for _, name := range slices.Sorted(maps.Keys(files)) {
		f, err := parser.ParseFile(fset, name, files[name], parser.ParseComments|parser.SkipObjectResolution)
		if err != nil {
			t.Fatalf("parse: %v", err)
		}
		parsed = append(parsed, f)
	}
	info := &types.Info{
		Defs:       make(map[*ast.Ident]types.Object),
		Uses:       make(map[*ast.Ident]types.Object),
		Selections: make(map[*ast.SelectorExpr]*types.Selection),
	}
	conf := types.Config{Importer: imp}
	if _, err := conf.Check(path, fset, parsed, info); err != nil {
		t.Fatalf("type-check: %v", err)
	}
	return parsed, info
}

// summary formats uses as "file:line symbol since" (plus " build=V").
func summary(uses []Use) []string {
	var out []string
	for _, u := range uses {
		s := fmt.Sprintf("%s:%d %s %s", u.Pos.Filename, u.Pos.Line, u.Symbol, u.Since)
		if u.Build != "" {
			s += " build=" + u.Build
		}
		out = append(out, s)
	}
	return out
}

func TestCheck(t *testing.T) {
	m := loadToolchain(t)
	fset := token.NewFileSet()
	imp := importer.ForCompiler(fset, "gc", nil)

	tests := []struct {
		name      string
		files     map[string]string
		goVersion string
		lines     map[string]map[int]bool
		want      []string
	}{
		{
			name: "reflect.Pointer is go1.18, reflect.Ptr is go1",
			files: map[string]string{"a.go": `package p

import "reflect"

func IsPtr(t reflect.Type) bool { return t.Kind() == reflect.Ptr }
func IsPointer(t reflect.Type) bool { return t.Kind() == reflect.Pointer }
`},
			goVersion: "1.12",
			want:      []string{"a.go:6 reflect.Pointer go1.18"},
		},
		{
			name:      "strings.CutPrefix at go1.19",
			files:     map[string]string{"a.go": cutPrefix},
			goVersion: "go1.19",
			want:      []string{"a.go:5 strings.CutPrefix go1.20"},
		},
		{
			name:      "strings.CutPrefix at go1.20",
			files:     map[string]string{"a.go": cutPrefix},
			goVersion: "1.20",
		},
		{
			name:      "strings.CutPrefix at go1.20.3",
			files:     map[string]string{"a.go": cutPrefix},
			goVersion: "1.20.3",
		},
		{
			name:      "strings.CutPrefix at go1.20rc1",
			files:     map[string]string{"a.go": cutPrefix},
			goVersion: "go1.20rc1",
		},
		{
			name:      "unparseable version reports nothing",
			files:     map[string]string{"a.go": cutPrefix},
			goVersion: "1.x",
		},
		{
			name: "methods through selectors: calls, method values, method expressions",
			files: map[string]string{"a.go": `package p

import (
	"bytes"
	"time"
)

func F(b *bytes.Buffer, t, u time.Time) int {
	_ = b.AvailableBuffer()
	f := b.AvailableBuffer
	g := (*bytes.Buffer).AvailableBuffer
	_, _ = f, g
	b.Grow(1)
	return t.Compare(u)
}
`},
			goVersion: "1.19",
			want: []string{
				"a.go:9 bytes.Buffer.AvailableBuffer go1.21",
				"a.go:10 bytes.Buffer.AvailableBuffer go1.21",
				"a.go:11 bytes.Buffer.AvailableBuffer go1.21",
				"a.go:14 time.Time.Compare go1.20",
			},
		},
		{
			name: "struct fields: selector and composite-literal key",
			files: map[string]string{"a.go": `package p

import (
	"go/ast"
	"net/http"
)

func F(f *ast.File) *http.Server {
	_ = f.FileStart
	_ = f.Package
	return &http.Server{Addr: ":80", DisableGeneralOptionsHandler: true}
}
`},
			goVersion: "1.19",
			want: []string{
				"a.go:9 go/ast.File.FileStart go1.20",
				"a.go:11 net/http.Server.DisableGeneralOptionsHandler go1.20",
			},
		},
		{
			name: "promoted from an unexported embedded type: testing.T.TempDir",
			files: map[string]string{"a_test.go": `package p

import "testing"

func TestX(t *testing.T) {
	dir := t.TempDir()
	t.Log(dir)
	t.Setenv("K", "V")
}
`},
			goVersion: "1.14",
			want: []string{
				"a_test.go:6 testing.T.TempDir go1.15",
				"a_test.go:8 testing.T.Setenv go1.17",
			},
		},
		{
			name: "interface methods, direct and through an embedding interface",
			files: map[string]string{"a.go": `package p

import (
	"io"
	"reflect"
)

func F(t reflect.Type, rw io.ReadWriter) bool {
	rw.Read(nil)
	return t.CanSeq()
}
`},
			goVersion: "1.22",
			want:      []string{"a.go:10 reflect.Type.CanSeq go1.23"},
		},
		{
			name: "types moved to io/fs keep the age of their os names",
			files: map[string]string{"a.go": `package p

import (
	"io/fs"
	"os"
)

func F(name string) (bool, error) {
	fi, err := os.Stat(name)
	if err != nil {
		return false, &os.PathError{Op: "stat", Path: name, Err: err}
	}
	var mode os.FileMode = fi.Mode()
	_ = mode.Type()
	var pe *os.PathError
	_ = pe.Op
	_ = fs.ModeDir
	return fi.IsDir() && mode.IsRegular(), nil
}
`},
			goVersion: "1.12",
			want: []string{
				"a.go:14 io/fs.FileMode.Type go1.16",
				"a.go:17 io/fs.ModeDir go1.16",
			},
		},
		{
			name: "generic types: a std generic type, and a user generic type embedding a std type",
			files: map[string]string{"a.go": `package p

import (
	"bytes"
	"sync/atomic"
)

type W[T any] struct {
	*bytes.Buffer
	v T
}

func F(w W[int], p *atomic.Pointer[int]) []byte {
	_ = p.Load()
	return w.AvailableBuffer()
}
`},
			goVersion: "1.18",
			want: []string{
				// Load is not reported: its type is too new already.
				"a.go:13 sync/atomic.Pointer go1.19",
				"a.go:15 bytes.Buffer.AvailableBuffer go1.21",
			},
		},
		{
			name: "generic funcs",
			files: map[string]string{"a.go": `package p

import "slices"

func F(a, b []int) []int {
	if slices.Contains(a, 1) {
		return slices.Concat(a, b)
	}
	return a
}
`},
			goVersion: "1.21",
			want:      []string{"a.go:7 slices.Concat go1.22"},
		},
		{
			name: "//go:build go1.N exempts symbols up to go1.N",
			files: map[string]string{
				"new.go": `//go:build go1.21 && !purego

package p

import (
	"bytes"
	"slices"
)

func F(b *bytes.Buffer, a []int) bool {
	_ = slices.Concat(a, a)
	_ = b.AvailableBuffer()
	return slices.Contains(a, 1)
}
`,
				"old.go": `//go:build !go1.21

package p

import "strings"

func G(s string) (string, bool) { return strings.CutPrefix(s, "x") }
`,
				"plus.go": `// +build go1.20

package p

import "strings"

func H(s string) (string, bool) { return strings.CutPrefix(s, "x") }
`,
				"low.go": `//go:build go1.10

package p

import "strings"

func I(s string) (string, bool) { return strings.CutPrefix(s, "x") }
`,
			},
			goVersion: "1.18",
			want: []string{
				"low.go:7 strings.CutPrefix go1.20",
				"new.go:11 slices.Concat go1.22 build=go1.21",
				"old.go:7 strings.CutPrefix go1.20",
			},
		},
		{
			name: "lines filter",
			files: map[string]string{
				"a.go": `package p

import "strings"

func F(s string) bool {
	_, a := strings.CutPrefix(s, "x")
	_, b := strings.CutSuffix(s, "y")
	return a && b
}
`,
				"b.go": `package p

import "strings"

func G(s string) (string, bool) { return strings.CutPrefix(s, "x") }
`,
			},
			goVersion: "1.19",
			lines:     map[string]map[int]bool{"a.go": {7: true, 8: true}, "c.go": {5: true}},
			want:      []string{"a.go:7 strings.CutSuffix go1.20"},
		},
		{
			name:      "empty lines filter reports nothing",
			files:     map[string]string{"a.go": cutPrefix},
			goVersion: "1.19",
			lines:     map[string]map[int]bool{},
		},
		{
			name: "generated files are skipped, except code //line maps back to a source file",
			files: map[string]string{
				"gen.go": "// Code generated by stringer; DO NOT EDIT.\n\n" + cutPrefix,
				"x.cgo1.go": `// Code generated by cmd/cgo; DO NOT EDIT.

package p

import "strings"

func G(s string) (string, bool) {
	_, _ = strings.CutSuffix(s, "y")
//line user.go:10:1
	return strings.CutPrefix(s, "x")
}
`,
			},
			goVersion: "1.19",
			want:      []string{"user.go:10 strings.CutPrefix go1.20"},
		},
		{
			name: "user code named like std is not std",
			files: map[string]string{"a.go": `package p

type Buffer struct{}

func (*Buffer) AvailableBuffer() []byte { return nil }

func CutPrefix(s, p string) (string, bool) { return s, false }

func F(b *Buffer) {
	b.AvailableBuffer()
	CutPrefix("", "")
}
`},
			goVersion: "1.12",
		},
		{
			name: "a too-new type named through a user alias: only the type is reported, not its methods",
			files: map[string]string{"a.go": `package p

import "strings"

type B = strings.Builder

func F() string {
	var b B
	b.Grow(10)
	b.WriteString("x")
	return b.String()
}
`},
			goVersion: "1.9",
			want: []string{
				"a.go:5 strings.Builder go1.10",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files, info := typecheck(t, imp, fset, tt.files)
			got := summary(m.Check(fset, files, info, tt.goVersion, tt.lines))
			if !slices.Equal(got, tt.want) {
				t.Errorf("Check(%q) =\n\t%s\nwant\n\t%s", tt.goVersion, strings.Join(got, "\n\t"), strings.Join(tt.want, "\n\t"))
			}
		})
	}
}

const cutPrefix = `package p

import "strings"

func F(s string) (string, bool) { return strings.CutPrefix(s, "x") }
`

// TestCheckWithoutSelections checks the fallback to info.Uses alone.
func TestCheckWithoutSelections(t *testing.T) {
	m := loadToolchain(t)
	fset := token.NewFileSet()
	files, info := typecheck(t, importer.ForCompiler(fset, "gc", nil), fset, map[string]string{"a.go": `package p

import (
	"bytes"
	"go/ast"
)

func F(b *bytes.Buffer, f *ast.File) []byte {
	_ = f.FileStart
	return b.AvailableBuffer()
}
`})
	info.Selections = nil
	got := summary(m.Check(fset, files, info, "1.19", nil))
	want := []string{"a.go:9 go/ast.File.FileStart go1.20", "a.go:10 bytes.Buffer.AvailableBuffer go1.21"}
	if !slices.Equal(got, want) {
		t.Errorf("Check = %q, want %q", got, want)
	}
}

func TestUseString(t *testing.T) {
	tests := []struct {
		use  Use
		want string
	}{
		{
			Use{Pos: token.Position{Filename: "x.go", Line: 12, Column: 9}, Symbol: "reflect.Pointer", Since: "go1.18", Module: "go1.12"},
			"x.go:12:9: reflect.Pointer requires go1.18, but go.mod declares go 1.12",
		},
		{
			Use{Pos: token.Position{Filename: "y.go", Line: 3, Column: 2}, Symbol: "slices.Concat", Since: "go1.22", Module: "go1.18", Build: "go1.21"},
			"y.go:3:2: slices.Concat requires go1.22, but the file's //go:build line requires only go1.21 (go.mod declares go 1.18)",
		},
	}
	for _, tt := range tests {
		if got := tt.use.String(); got != tt.want {
			t.Errorf("String() = %q, want %q", got, tt.want)
		}
	}
}

func TestParseGoVersion(t *testing.T) {
	tests := []struct {
		in     string
		module string
		minor  int
		ok     bool
	}{
		{"1.12", "go1.12", 12, true},
		{"go1.12", "go1.12", 12, true},
		{"1.21.3", "go1.21.3", 21, true},
		{" 1.22 ", "go1.22", 22, true},
		{"go1.23rc1", "go1.23rc1", 23, true},
		{"1", "go1", 0, true},
		{"", "", 0, false},
		{"1.x", "", 0, false},
		{"2.0", "", 0, false},
	}
	for _, tt := range tests {
		module, minor, ok := parseGoVersion(tt.in)
		if module != tt.module || minor != tt.minor || ok != tt.ok {
			t.Errorf("parseGoVersion(%q) = %q, %d, %v; want %q, %d, %v", tt.in, module, minor, ok, tt.module, tt.minor, tt.ok)
		}
	}
}

// TestCheckSyntheticManifest checks real code against a made-up history,
// for cases the real one does not offer: an embedded field added after the
// methods it promotes, which only the implicit path of a selection shows.
func TestCheckSyntheticManifest(t *testing.T) {
	goroot := writeAPI(t, map[string]string{
		"go1.txt": `pkg text/template/parse, type ActionNode struct
pkg text/template/parse, type ActionNode struct, Line int
pkg text/template/parse, type Pos int
pkg text/template/parse, method (Pos) Position() Pos
`,
		"go1.5.txt": `pkg text/template/parse, type ActionNode struct, embedded Pos
pkg text/template/parse, type ActionNode struct, Pipe *PipeNode
`,
	})
	m, err := Load(goroot)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	fset := token.NewFileSet()
	files, info := typecheck(t, importer.ForCompiler(fset, "gc", nil), fset, map[string]string{"a.go": `package p

import "text/template/parse"

func F(n *parse.ActionNode) int {
	_ = n.Line
	_ = n.Pipe
	return int(n.Position())
}
`})
	tests := []struct {
		goVersion string
		want      []string
	}{
		{"1.4", []string{
			"a.go:7 text/template/parse.ActionNode.Pipe go1.5",
			"a.go:8 text/template/parse.ActionNode.Pos go1.5",
		}},
		{"1.5", nil},
	}
	for _, tt := range tests {
		got := summary(m.Check(fset, files, info, tt.goVersion, nil))
		if !slices.Equal(got, tt.want) {
			t.Errorf("Check(%q) = %q, want %q", tt.goVersion, got, tt.want)
		}
	}
}

// TestCheckOwnSymbols checks that a std package's use of its own symbols is
// not reported: it is the package being checked, not a dependency.
func TestCheckOwnSymbols(t *testing.T) {
	m := loadToolchain(t)
	fset := token.NewFileSet()
	files, info := typecheckPath(t, importer.ForCompiler(fset, "gc", nil), fset, "strings", map[string]string{"a.go": `package strings

import "unicode/utf8"

func CutPrefix(s, prefix string) (string, bool) { return s, false }

func F(s string) []byte {
	CutPrefix(s, "x")
	return utf8.AppendRune(nil, 'x')
}
`})
	got := summary(m.Check(fset, files, info, "1.12", nil))
	want := []string{"a.go:9 unicode/utf8.AppendRune go1.18"}
	if !slices.Equal(got, want) {
		t.Errorf("Check = %q, want %q", got, want)
	}
}
