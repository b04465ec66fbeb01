// Package source describes the Go code the optimizer works on: the module,
// its packages, their functions, the tests and benchmarks of each package,
// and which packages depend on which — the affected set that validation
// must test when a package changes.
package source

import (
	"context"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"unicode"

	"golang.org/x/tools/go/packages"
)

// Module is one Go module and its packages.
type Module struct {
	Path      string // module path from go.mod
	Dir       string // absolute module root
	GoVersion string // the go directive, e.g. "1.21"
	Packages  []*Package

	byPath     map[string]*Package
	importedBy map[string][]string // import path -> packages of the module that import it, tests included
}

// Package is one package of the module.
type Package struct {
	ImportPath string
	Name       string
	Dir        string   // absolute
	RelDir     string   // relative to the module root, "." for the root
	GoFiles    []string // absolute paths, non-test files
	TestFiles  []string // absolute paths, _test.go files of the package and its external test package
	// ExcludedFiles are the package's Go files, tests included, that the
	// loading configuration excludes and another builds (x_windows.go,
	// //go:build appengine): a change may need to touch them too, and
	// validation type-checks them under a configuration that includes
	// them (see ConfigFor). Absolute paths; not in Funcs.
	ExcludedFiles []string
	Funcs         []Func
	Tests         []string // Test* functions
	Benchmarks    []string // Benchmark* functions
	Errors        []string // load errors (the package may still be usable)
}

// Func is one function or method declared in a package.
type Func struct {
	Name string // "F" or "T.M"
	File string // absolute
	Line int
	Test bool // declared in a _test.go file
}

// Pattern is the relative package pattern that names p from the module root ("./foo").
func (p *Package) Pattern() string {
	if p.RelDir == "." {
		return "."
	}
	return "./" + filepath.ToSlash(p.RelDir)
}

// Load loads every package of the module rooted at dir (patterns ./...),
// with their test files, and parses their declarations. env is the
// environment of the go command (nil: the current one).
func Load(ctx context.Context, dir string, env []string) (*Module, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("analysis: %s: %w", dir, err)
	}
	if _, err := os.Stat(filepath.Join(abs, "go.mod")); err != nil {
		return nil, fmt.Errorf("analysis: %s has no go.mod (pass --repo with the root of a Go module)", dir)
	}
	cfg := &packages.Config{
		Context: ctx,
		Dir:     abs,
		Env:     env,
		Tests:   true,
		Mode:    packages.NeedName | packages.NeedFiles | packages.NeedImports | packages.NeedModule,
	}
	pkgs, err := packages.Load(cfg, "./...")
	if err != nil {
		return nil, fmt.Errorf("analysis: load packages in %s: %w", dir, err)
	}
	m := &Module{Dir: abs, byPath: map[string]*Package{}, importedBy: map[string][]string{}}
	for _, lp := range pkgs {
		if lp.Module != nil && m.Path == "" && lp.Module.Main {
			m.Path, m.GoVersion = lp.Module.Path, lp.Module.GoVersion
		}
	}
	if m.Path == "" {
		return nil, fmt.Errorf("analysis: no packages found in module %s (is it an empty module?)", dir)
	}
	for _, lp := range pkgs {
		base, ok := basePath(lp)
		if !ok || !m.inModule(base) {
			continue
		}
		p := m.byPath[base]
		if p == nil {
			p = &Package{ImportPath: base, Dir: lp.Dir}
			if p.Dir == "" && len(lp.GoFiles) > 0 {
				p.Dir = filepath.Dir(lp.GoFiles[0])
			}
			p.RelDir, _ = filepath.Rel(abs, p.Dir)
			m.byPath[base] = p
			m.Packages = append(m.Packages, p)
		}
		if lp.PkgPath == base && !strings.Contains(lp.ID, " [") {
			p.Name = lp.Name
		}
		for _, f := range lp.GoFiles {
			if strings.HasSuffix(f, "_test.go") {
				p.TestFiles = appendNew(p.TestFiles, f)
			} else {
				p.GoFiles = appendNew(p.GoFiles, f)
			}
		}
		for _, f := range lp.IgnoredFiles {
			if strings.HasSuffix(f, ".go") {
				p.ExcludedFiles = appendNew(p.ExcludedFiles, f)
			}
		}
		for _, e := range lp.Errors {
			p.Errors = appendNew(p.Errors, e.Error())
		}
		for imp := range lp.Imports {
			if ib, ok := trimTestSuffix(imp); ok && m.inModule(ib) && ib != base {
				m.importedBy[ib] = appendNew(m.importedBy[ib], base)
			}
		}
	}
	sort.Slice(m.Packages, func(i, j int) bool { return m.Packages[i].ImportPath < m.Packages[j].ImportPath })
	for _, p := range m.Packages {
		p.ExcludedFiles = slices.DeleteFunc(p.ExcludedFiles, func(f string) bool { return !p.otherConfig(f) })
		if err := p.parseDecls(); err != nil {
			p.Errors = append(p.Errors, err.Error())
		}
	}
	return m, nil
}

// otherConfig reports whether f, a Go file of p's directory that the
// loading configuration excludes, is p's in another configuration: it
// declares p's package (or p's external test package), and some
// configuration builds it. A generator beside the package (package main,
// //go:build ignore) is not.
func (p *Package) otherConfig(f string) bool {
	src, err := os.ReadFile(f)
	if err != nil {
		return false
	}
	file, err := parser.ParseFile(token.NewFileSet(), f, src, parser.PackageClauseOnly)
	if err != nil {
		return false
	}
	if name := file.Name.Name; name != p.Name && !(name == p.Name+"_test" && strings.HasSuffix(f, "_test.go")) {
		return false
	}
	_, ok := ConfigFor(f, src, runtime.GOOS, runtime.GOARCH)
	return ok
}

// Files are the package's Go files in every configuration: GoFiles,
// TestFiles and ExcludedFiles.
func (p *Package) Files() []string {
	return slices.Concat(p.GoFiles, p.TestFiles, p.ExcludedFiles)
}

// SourceFiles are the package's non-test Go files in every configuration:
// the files a change of its code may have to touch (a function that
// x_gae.go and x_ngae.go both define).
func (p *Package) SourceFiles() []string {
	out := slices.Clone(p.GoFiles)
	for _, f := range p.ExcludedFiles {
		if !strings.HasSuffix(f, "_test.go") {
			out = append(out, f)
		}
	}
	return out
}

// basePath maps every variant go/packages reports (p, "p [p.test]",
// "p_test [p.test]") to the import path of the package under test. The
// synthesized test main "p.test" has none.
func basePath(lp *packages.Package) (string, bool) {
	if strings.HasSuffix(lp.ID, ".test") && !strings.Contains(lp.ID, " ") {
		return "", false
	}
	if i := strings.Index(lp.ID, " ["); i >= 0 {
		return strings.TrimSuffix(lp.ID[i+2:len(lp.ID)-1], ".test"), true
	}
	return lp.PkgPath, true
}

func trimTestSuffix(importPath string) (string, bool) {
	if strings.HasSuffix(importPath, ".test") {
		return "", false
	}
	return strings.TrimSuffix(importPath, "_test"), true
}

func (m *Module) inModule(path string) bool {
	return path == m.Path || strings.HasPrefix(path, m.Path+"/")
}

func appendNew(list []string, s string) []string {
	if slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}

// Package returns the package with the given import path.
func (m *Module) Package(importPath string) *Package { return m.byPath[importPath] }

// Resolve turns what a user typed — package patterns relative to the
// module root ("./foo", "./foo/...", "foo", "."), import paths, or file
// paths — into packages. It is an error when a path names nothing, with the
// list of packages that do exist.
func (m *Module) Resolve(paths []string) ([]*Package, error) {
	var out []*Package
	add := func(p *Package) {
		if !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	for _, raw := range paths {
		path := filepath.ToSlash(strings.TrimSpace(raw))
		found := false
		recursive := strings.HasSuffix(path, "/...") || path == "..."
		path = strings.TrimSuffix(strings.TrimSuffix(path, "..."), "/")
		rel := strings.TrimPrefix(path, "./")
		if rel == "" {
			rel = "."
		}
		if strings.HasSuffix(rel, ".go") {
			for _, p := range m.Packages {
				for _, f := range p.Files() {
					if r, _ := filepath.Rel(m.Dir, f); filepath.ToSlash(r) == rel {
						add(p)
						found = true
					}
				}
			}
		}
		for _, p := range m.Packages {
			pr := filepath.ToSlash(p.RelDir)
			switch {
			case pr == rel || p.ImportPath == path:
			case recursive && (rel == "." || strings.HasPrefix(pr, rel+"/") || strings.HasPrefix(p.ImportPath, path+"/")):
			default:
				continue
			}
			add(p)
			found = true
		}
		if !found {
			var names []string
			for _, p := range m.Packages {
				names = append(names, p.Pattern())
			}
			return nil, fmt.Errorf("analysis: %q names no package of module %s (packages: %s)", raw, m.Path, strings.Join(names, " "))
		}
	}
	return out, nil
}

// PackagesOfFiles returns the packages that hold the given files (absolute
// paths), in any configuration; files that are not Go files of the module
// are ignored.
func (m *Module) PackagesOfFiles(files []string) []*Package {
	var out []*Package
	for _, p := range m.Packages {
		for _, f := range p.Files() {
			if slices.Contains(files, f) && !slices.Contains(out, p) {
				out = append(out, p)
			}
		}
	}
	return out
}

// Affected returns the given packages and every package of the module that
// imports one of them, directly or not, from its code or its tests: the set
// whose tests can observe a change to the given packages. Sorted by import path.
func (m *Module) Affected(importPaths []string) []*Package {
	seen := map[string]bool{}
	queue := slices.Clone(importPaths)
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		if seen[p] {
			continue
		}
		seen[p] = true
		queue = append(queue, m.importedBy[p]...)
	}
	var out []*Package
	for _, p := range m.Packages {
		if seen[p.ImportPath] {
			out = append(out, p)
		}
	}
	return out
}

// parseDecls records the package's functions, tests and benchmarks.
func (p *Package) parseDecls() error {
	fset := token.NewFileSet()
	for _, name := range append(slices.Clone(p.GoFiles), p.TestFiles...) {
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		if err != nil {
			return fmt.Errorf("analysis: parse %s: %w", name, err)
		}
		isTest := strings.HasSuffix(name, "_test.go")
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok {
				continue
			}
			fn := Func{Name: FuncName(fd), File: name, Line: fset.Position(fd.Pos()).Line, Test: isTest}
			if fd.Recv == nil && isTest {
				switch {
				case isTestFunc(fd, "Test", "T"):
					p.Tests = append(p.Tests, fd.Name.Name)
				case isTestFunc(fd, "Benchmark", "B"):
					p.Benchmarks = append(p.Benchmarks, fd.Name.Name)
				}
			}
			p.Funcs = append(p.Funcs, fn)
		}
	}
	return nil
}

// FuncName names a declared function as the optimizer does everywhere:
// "F" for a function, "T.M" for a method of T, *T, T[K] or *T[K, V].
func FuncName(fd *ast.FuncDecl) string {
	if fd.Recv == nil || len(fd.Recv.List) == 0 {
		return fd.Name.Name
	}
	t := fd.Recv.List[0].Type
	for {
		switch x := t.(type) {
		case *ast.StarExpr:
			t = x.X
		case *ast.ParenExpr:
			t = x.X
		case *ast.IndexExpr:
			t = x.X
		case *ast.IndexListExpr:
			t = x.X
		case *ast.Ident:
			return x.Name + "." + fd.Name.Name
		default:
			return "?." + fd.Name.Name
		}
	}
}

// isTestFunc reports whether fd is func PrefixXxx(*testing.Typ), the shape
// go test runs.
func isTestFunc(fd *ast.FuncDecl, prefix, typ string) bool {
	name := fd.Name.Name
	if !strings.HasPrefix(name, prefix) || fd.Type.TypeParams != nil {
		return false
	}
	if rest := name[len(prefix):]; rest != "" && unicode.IsLower([]rune(rest)[0]) {
		return false
	}
	params := fd.Type.Params.List
	if len(params) != 1 || len(params[0].Names) > 1 {
		return false
	}
	star, ok := params[0].Type.(*ast.StarExpr)
	if !ok {
		return false
	}
	sel, ok := star.X.(*ast.SelectorExpr)
	return ok && sel.Sel.Name == typ
}
