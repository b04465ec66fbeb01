package mutate

import (
	"fmt"
	"go/ast"
	"go/build"
	"go/parser"
	"go/token"
	"go/types"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"unicode"
)

// srcFile is one Go file of the package.
type srcFile struct {
	name  string // base name
	rel   string // module-relative, slash-separated
	src   []byte
	ast   *ast.File
	tok   *token.File
	mode  string // git file mode, for the patch
	blob  string // git object name of src, for the patch; computed when needed
	lines []int  // offset of the start of each line
	skip  bool   // type-checked, not mutated
}

// pkg is the package's files, parsed.
type pkg struct {
	fset  *token.FileSet
	files []*srcFile
	notes []string
}

// load reads and parses the package's non-test Go files that the host's
// build constraints select (cgo files included, so that they can be named
// as skipped). Files that are not to be mutated are marked and noted.
func load(modDir, dir string) (*pkg, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("mutate: read package: %w", err)
	}
	ctxt := build.Default
	ctxt.CgoEnabled = true
	p := &pkg{fset: token.NewFileSet()}
	for _, e := range entries {
		name := e.Name()
		symlink := e.Type()&os.ModeSymlink != 0
		// As go build does, ignore test files and names starting with _ or .
		if !e.Type().IsRegular() && !symlink || !strings.HasSuffix(name, ".go") ||
			strings.HasSuffix(name, "_test.go") || strings.HasPrefix(name, "_") || strings.HasPrefix(name, ".") {
			continue
		}
		abs := filepath.Join(dir, name)
		rel, err := filepath.Rel(modDir, abs)
		if err != nil {
			return nil, fmt.Errorf("mutate: %w", err)
		}
		rel = filepath.ToSlash(rel)
		if symlink { // its patch would not apply: git tracks the link
			p.note(rel, "a symbolic link")
			continue
		}
		if ok, err := ctxt.MatchFile(dir, name); err != nil {
			p.note(rel, "build constraints: "+err.Error())
			continue
		} else if !ok {
			p.note(rel, "excluded by build constraints")
			continue
		}
		fi, err := e.Info()
		if err != nil {
			return nil, fmt.Errorf("mutate: %w", err)
		}
		src, err := os.ReadFile(abs)
		if err != nil {
			return nil, fmt.Errorf("mutate: %w", err)
		}
		af, err := parser.ParseFile(p.fset, abs, src, parser.ParseComments|parser.SkipObjectResolution)
		if err != nil {
			p.note(rel, "does not parse: "+firstError(err))
			continue
		}
		f := &srcFile{
			name: name, rel: rel, src: src, ast: af,
			tok:   p.fset.File(af.FileStart),
			mode:  "100644",
			lines: lineStarts(src),
		}
		if fi.Mode()&0o111 != 0 {
			f.mode = "100755"
		}
		switch {
		case ast.IsGenerated(af):
			f.skip = true
			p.note(rel, "generated code")
		case importsC(af):
			f.skip = true
			p.note(rel, "uses cgo")
		}
		p.files = append(p.files, f)
	}
	return p, nil
}

func (p *pkg) note(rel, why string) {
	p.notes = append(p.notes, rel+": "+why)
}

func firstError(err error) string {
	s, _, _ := strings.Cut(err.Error(), "\n")
	return s
}

func importsC(f *ast.File) bool {
	for _, imp := range f.Imports {
		if imp.Path.Value == `"C"` {
			return true
		}
	}
	return false
}

func lineStarts(src []byte) []int {
	starts := []int{0}
	for i, b := range src {
		if b == '\n' && i+1 < len(src) {
			starts = append(starts, i+1)
		}
	}
	return starts
}

// check type-checks the package, ignoring errors, for whatever types and
// objects can be known.
func (p *pkg) check(imp types.Importer) *types.Info {
	info := &types.Info{
		Types: make(map[ast.Expr]types.TypeAndValue),
		Defs:  make(map[*ast.Ident]types.Object),
		Uses:  make(map[*ast.Ident]types.Object),
	}
	if len(p.files) == 0 {
		return info
	}
	if imp == nil {
		imp = opaqueImporter{}
	}
	conf := types.Config{Importer: imp, FakeImportC: true, Error: func(error) {}}
	files := make([]*ast.File, len(p.files))
	for i, f := range p.files {
		files[i] = f.ast
		if f.skip {
			files[i] = withoutBodies(f.ast)
		}
	}
	conf.Check(files[0].Name.Name, p.fset, files, info) // errors are expected: imports may be empty
	return info
}

// withoutBodies is a copy of f without function bodies: the declarations
// of a file that is not mutated are needed, not the insides of its
// functions, and a big generated file can be most of a package.
func withoutBodies(f *ast.File) *ast.File {
	c := *f
	c.Decls = make([]ast.Decl, len(f.Decls))
	for i, d := range f.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok && fd.Body != nil {
			fd2 := *fd
			fd2.Body = nil
			d = &fd2
		}
		c.Decls[i] = d
	}
	return &c
}

// opaqueImporter imports every package as an empty one.
type opaqueImporter map[string]*types.Package

func (o opaqueImporter) Import(path string) (*types.Package, error) {
	if p := o[path]; p != nil {
		return p, nil
	}
	p := types.NewPackage(path, guessName(path))
	p.MarkComplete()
	o[path] = p
	return p, nil
}

// guessName guesses a package's name from its import path, as goimports
// does: the last element, without a major version, a "go-" prefix, a "-go"
// suffix or a ".v3" suffix. A wrong guess only leaves more types unknown.
func guessName(importPath string) string {
	elems := strings.Split(importPath, "/")
	name := elems[len(elems)-1]
	if len(elems) > 1 && len(name) > 1 && name[0] == 'v' {
		if _, err := strconv.Atoi(name[1:]); err == nil {
			name = elems[len(elems)-2]
		}
	}
	name = strings.TrimPrefix(name, "go-")
	name = strings.TrimSuffix(name, "-go")
	name, _, _ = strings.Cut(name, ".")
	return strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' {
			return r
		}
		return '_'
	}, name)
}
