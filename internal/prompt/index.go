package prompt

import (
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/printer"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/agentic-optimizer/optimizer/internal/source"
)

var (
	// ErrNoGoFiles is returned for a package without non-test Go files in the module.
	ErrNoGoFiles = errors.New("no Go files")
	// ErrUnknownFunc is returned for a target that names no function of the package.
	ErrUnknownFunc = errors.New("no such function")
	// ErrNoTarget is returned when no target is given and the package has
	// no function worth optimizing.
	ErrNoTarget = errors.New("no function worth optimizing")
)

// srcFile is one parsed Go file of the module.
type srcFile struct {
	rel  string // module-relative, slash-separated
	src  []byte
	ast  *ast.File
	test bool
	gen  bool // "// Code generated ... DO NOT EDIT."
}

// fn is one function or method declaration.
type fn struct {
	name string // "F" or "T.M"
	recv string // "T", or "" for a function
	decl *ast.FuncDecl
	file *srcFile
}

// spec is one package-level type, var or const.
type spec struct {
	name string
	kind string // "type", "var" or "const"
	gen  *ast.GenDecl
	spec ast.Spec
	file *srcFile
}

// index is the parsed package under study: its declarations by name, its
// test files, and the module it belongs to.
type index struct {
	fset *token.FileSet
	root string // the module's directory; paths are relative to it
	pkg  *source.Package

	files     []*srcFile // non-test files, sorted by path
	testFiles []*srcFile // test files, sorted by path

	funcs   []*fn            // non-test functions and methods, in file order
	byName  map[string]*fn   // "F" / "T.M" -> first declaration
	methods map[string][]*fn // method name "M" -> every T.M
	specs   map[string]*spec // types, vars and consts by name
}

// load parses the non-test and test Go files of pkg, a package of the
// module in directory root. Files outside root or under a testdata directory
// are never read.
func load(root string, pkg *source.Package) (*index, error) {
	if pkg == nil {
		return nil, fmt.Errorf("prompt: no package given")
	}
	x := &index{
		fset:    token.NewFileSet(),
		root:    root,
		pkg:     pkg,
		byName:  map[string]*fn{},
		methods: map[string][]*fn{},
		specs:   map[string]*spec{},
	}
	var err error
	if x.files, err = x.parse(pkg.GoFiles, 0); err != nil {
		return nil, err
	}
	if len(x.files) == 0 {
		return nil, fmt.Errorf("prompt: package %s: %w in the module (test files only, or every file excluded by build constraints)", pkg.ImportPath, ErrNoGoFiles)
	}
	if x.testFiles, err = x.parse(pkg.TestFiles, 0); err != nil {
		return nil, err
	}
	for _, f := range x.files {
		for _, d := range f.ast.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				x.addFunc(d, f)
			case *ast.GenDecl:
				x.addSpecs(d, f)
			}
		}
	}
	return x, nil
}

// parse reads and parses the given absolute paths, keeping those that are
// Go files of the module outside testdata, sorted by module-relative path.
func (x *index) parse(paths []string, mode parser.Mode) ([]*srcFile, error) {
	var out []*srcFile
	for _, abs := range paths {
		rel, ok := x.rel(abs)
		if !ok {
			continue
		}
		src, err := os.ReadFile(abs)
		if err != nil {
			return nil, fmt.Errorf("prompt: package %s: %w", x.pkg.ImportPath, err)
		}
		f, err := parser.ParseFile(x.fset, abs, src, mode|parser.ParseComments|parser.SkipObjectResolution)
		if err != nil {
			return nil, fmt.Errorf("prompt: package %s: parse %s: %w", x.pkg.ImportPath, rel, err)
		}
		out = append(out, &srcFile{rel: rel, src: src, ast: f, test: strings.HasSuffix(rel, "_test.go"), gen: ast.IsGenerated(f)})
	}
	slices.SortFunc(out, func(a, b *srcFile) int { return strings.Compare(a.rel, b.rel) })
	return out, nil
}

// rel is the module-relative path of a file the context may quote: a .go
// file inside the module, not under testdata.
func (x *index) rel(abs string) (string, bool) {
	r, err := filepath.Rel(x.root, abs)
	if err != nil || !strings.HasSuffix(abs, ".go") {
		return "", false
	}
	r = filepath.ToSlash(r)
	if r == ".." || strings.HasPrefix(r, "../") || filepath.IsAbs(r) {
		return "", false
	}
	if slices.Contains(strings.Split(r, "/"), "testdata") {
		return "", false
	}
	return r, true
}

func (x *index) addFunc(d *ast.FuncDecl, f *srcFile) {
	if d.Name.Name == "_" {
		return
	}
	g := &fn{name: d.Name.Name, decl: d, file: f}
	if d.Recv != nil && len(d.Recv.List) > 0 {
		g.recv = recvType(d.Recv.List[0].Type)
		g.name = g.recv + "." + g.name
		x.methods[d.Name.Name] = append(x.methods[d.Name.Name], g)
	}
	x.funcs = append(x.funcs, g)
	if x.byName[g.name] == nil {
		x.byName[g.name] = g
	}
}

func (x *index) addSpecs(d *ast.GenDecl, f *srcFile) {
	for _, s := range d.Specs {
		switch s := s.(type) {
		case *ast.TypeSpec:
			x.addSpec(&spec{name: s.Name.Name, kind: "type", gen: d, spec: s, file: f})
		case *ast.ValueSpec:
			for _, n := range s.Names {
				x.addSpec(&spec{name: n.Name, kind: d.Tok.String(), gen: d, spec: s, file: f})
			}
		}
	}
}

func (x *index) addSpec(s *spec) {
	if s.name != "_" && x.specs[s.name] == nil {
		x.specs[s.name] = s
	}
}

// recvType names the type of a receiver: T for T, *T, T[K] and *T[K, V].
func recvType(e ast.Expr) string {
	switch t := e.(type) {
	case *ast.StarExpr:
		return recvType(t.X)
	case *ast.ParenExpr:
		return recvType(t.X)
	case *ast.IndexExpr:
		return recvType(t.X)
	case *ast.IndexListExpr:
		return recvType(t.X)
	case *ast.Ident:
		return t.Name
	}
	return "?"
}

// names lists the package's non-test functions, sorted, for error messages.
func (x *index) names() string {
	var out []string
	for name := range x.byName {
		out = append(out, name)
	}
	slices.Sort(out)
	if len(out) == 0 {
		return "none"
	}
	return strings.Join(out, ", ")
}

// line is the line of pos.
func (x *index) line(pos token.Pos) int { return x.fset.Position(pos).Line }

// lines returns the whole source lines of f from the line of start to the
// line of end, verbatim, so that a model can quote them back exactly.
func (x *index) lines(f *srcFile, start, end token.Pos) string {
	from, to := x.fset.Position(start).Offset, x.fset.Position(end).Offset
	for from > 0 && f.src[from-1] != '\n' {
		from--
	}
	for to < len(f.src) && f.src[to] != '\n' {
		to++
	}
	return string(f.src[from:to]) + "\n"
}

// funcSource is a function with its doc comment.
func (x *index) funcSource(g *fn) string {
	start := g.decl.Pos()
	if g.decl.Doc != nil {
		start = g.decl.Doc.Pos()
	}
	return x.lines(g.file, start, g.decl.End())
}

// signature is a function's declaration without its body or doc comment,
// as gofmt prints it (comments inside the parameter list are dropped).
func (x *index) signature(d *ast.FuncDecl) string {
	var b strings.Builder
	sig := &ast.FuncDecl{Recv: d.Recv, Name: d.Name, Type: d.Type}
	if err := printer.Fprint(&b, x.fset, sig); err != nil {
		return "func " + d.Name.Name
	}
	return b.String()
}

// groupLines is the longest var or type group quoted whole when one of its
// specs is used.
const groupLines = 30

// specSource quotes a type, var or const declaration: the whole declaration
// when it is alone, a const group (whose iota the specs may need) or a short
// group, else the spec's own lines.
func (x *index) specSource(s *spec) string {
	if len(s.gen.Specs) == 1 || s.gen.Tok == token.CONST || x.line(s.gen.End())-x.line(s.gen.Pos()) < groupLines {
		start := s.gen.Pos()
		if s.gen.Doc != nil {
			start = s.gen.Doc.Pos()
		}
		return x.lines(s.file, start, s.gen.End())
	}
	start, doc := s.spec.Pos(), specDoc(s.spec)
	if doc != nil {
		start = doc.Pos()
	}
	return x.lines(s.file, start, s.spec.End())
}

func specDoc(s ast.Spec) *ast.CommentGroup {
	switch s := s.(type) {
	case *ast.TypeSpec:
		return s.Doc
	case *ast.ValueSpec:
		return s.Doc
	}
	return nil
}

// specLine is the line a spec is declared on.
func (x *index) specLine(s *spec) int { return x.line(s.spec.Pos()) }
