package stdapi

import (
	"fmt"
	"go/ast"
	"go/build"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/passes/inspect"
	"golang.org/x/tools/go/analysis/passes/stdversion"
	"golang.org/x/tools/go/ast/inspector"
)

// TestCheckStdSource type-checks std packages from GOROOT/src, real code
// that uses other packages' newest APIs freely: at the toolchain's own
// version nothing may be reported.
func TestCheckStdSource(t *testing.T) {
	if testing.Short() {
		t.Skip("type-checks std packages from source")
	}
	m := loadToolchain(t)
	fset := token.NewFileSet()
	imp := importer.ForCompiler(fset, "gc", nil)
	// Packages without cgo or vendored imports, which the gc importer
	// cannot resolve from outside GOROOT/src.
	pkgs := []string{"encoding/json", "log/slog", "os", "reflect", "syscall", "testing", "text/template"}
	for _, path := range pkgs {
		t.Run(path, func(t *testing.T) {
			files, info, _ := typecheckStd(t, imp, fset, path, path, "")
			for _, u := range m.Check(fset, files, info, release(m.latest), nil) {
				t.Errorf("%v", u)
			}
		})
	}
}

// TestCheckAgreesWithVet compares Check with go vet's stdversion analyzer,
// which works only from go1.21 on, over real code: copies of std packages
// type-checked as user packages of a go1.21 module, where they use many
// newer APIs. The two must report the same positions and releases.
func TestCheckAgreesWithVet(t *testing.T) {
	if testing.Short() {
		t.Skip("type-checks std packages from source")
	}
	m := loadToolchain(t)
	fset := token.NewFileSet()
	imp := importer.ForCompiler(fset, "gc", nil)
	const goVersion = "go1.21"
	// Packages that import no internal or vendored package.
	pkgs := []string{"bufio", "database/sql", "encoding/json", "go/ast", "go/printer", "net/textproto", "slices", "testing/fstest", "text/template/parse"}
	total := 0
	for _, path := range pkgs {
		t.Run(path, func(t *testing.T) {
			files, info, pkg := typecheckStd(t, imp, fset, path, "example.com/copy/"+path, goVersion)
			var vet []string
			pass := &analysis.Pass{
				Analyzer:  stdversion.Analyzer,
				Fset:      fset,
				Files:     files,
				Pkg:       pkg,
				TypesInfo: info,
				ResultOf:  map[*analysis.Analyzer]any{inspect.Analyzer: inspector.New(files)},
				Report: func(d analysis.Diagnostic) {
					release := d.Message
					if m := vetRelease.FindStringSubmatch(d.Message); m != nil {
						release = m[1]
					}
					vet = append(vet, fmt.Sprintf("%v %s", fset.Position(d.Pos), release))
				},
			}
			if _, err := stdversion.Analyzer.Run(pass); err != nil {
				t.Fatalf("stdversion: %v", err)
			}
			var ours []string
			for _, u := range m.Check(fset, files, info, goVersion, nil) {
				ours = append(ours, fmt.Sprintf("%v %s", u.Pos, u.Since))
			}
			slices.Sort(vet)
			slices.Sort(ours)
			if !slices.Equal(slices.Compact(vet), slices.Compact(ours)) {
				t.Errorf("stdversion reports\n\t%s\nCheck reports\n\t%s", strings.Join(vet, "\n\t"), strings.Join(ours, "\n\t"))
			}
			total += len(ours)
		})
	}
	t.Logf("%d uses of too-new APIs in %d packages", total, len(pkgs))
}

// vetRelease extracts the release from a stdversion diagnostic:
// "strings.CutPrefix requires go1.20 or later (module is go1.19)".
var vetRelease = regexp.MustCompile(`requires (go1\.\d+) or later`)

// typecheckStd parses std package path's files for this GOOS/GOARCH and
// type-checks them as package asPath of a module declaring goVersion ("" for
// the toolchain's). Uses of language features newer than goVersion are type
// errors, which are ignored: the type information stays complete enough.
func typecheckStd(t *testing.T, imp types.Importer, fset *token.FileSet, path, asPath, goVersion string) ([]*ast.File, *types.Info, *types.Package) {
	t.Helper()
	bp, err := build.Default.Import(path, "", 0)
	if err != nil {
		t.Fatalf("import %s: %v", path, err)
	}
	var files []*ast.File
	for _, name := range bp.GoFiles {
		f, err := parser.ParseFile(fset, filepath.Join(bp.Dir, name), nil, parser.ParseComments|parser.SkipObjectResolution)
		if err != nil {
			t.Fatalf("parse: %v", err)
		}
		files = append(files, f)
	}
	info := &types.Info{
		Types:        make(map[ast.Expr]types.TypeAndValue),
		Defs:         make(map[*ast.Ident]types.Object),
		Uses:         make(map[*ast.Ident]types.Object),
		Selections:   make(map[*ast.SelectorExpr]*types.Selection),
		FileVersions: make(map[*ast.File]string),
	}
	var errs []error
	conf := types.Config{
		Importer:  imp,
		GoVersion: goVersion,
		Sizes:     types.SizesFor("gc", runtime.GOARCH),
		Error:     func(err error) { errs = append(errs, err) },
	}
	pkg, _ := conf.Check(asPath, fset, files, info)
	if goVersion == "" && len(errs) > 0 {
		t.Fatalf("type-check %s: %v", path, errs[0])
	}
	return files, info, pkg
}
