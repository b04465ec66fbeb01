package prompt

import (
	"go/ast"
	"go/token"
	"path"
	"strconv"
	"strings"
	"unicode"
)

// The context is found from syntax alone: a name used in a body is matched
// to the package's declarations by spelling, and a method call x.M to every
// method M of the package (the type of x is unknown without type checking).
// That may quote a declaration too many, never one too few where the code
// names it directly; and it needs no build, so it works on code that does
// not compile yet and costs milliseconds.

type refKind int

const (
	refIdent refKind = iota // F, T, v
	refSel                  // x.M, where x is not an imported package
	refPkg                  // pkg.F, where pkg is an imported package
)

// ref is one use of a name.
type ref struct {
	kind refKind
	x    string // refSel: the operand when it is an identifier; refPkg: the import path
	name string
	pos  token.Pos
}

// fileImports maps the names a file gives its imports to their paths; dot
// imports are listed apart, blank ones left out.
type fileImports struct {
	names map[string]string // local name -> import path
	dots  map[string]bool   // import paths imported with "."
}

func importsOf(f *ast.File) fileImports {
	im := fileImports{names: map[string]string{}, dots: map[string]bool{}}
	for _, s := range f.Imports {
		p, err := strconv.Unquote(s.Path.Value)
		if err != nil {
			continue
		}
		switch {
		case s.Name == nil:
			im.names[guessName(p)] = p
		case s.Name.Name == ".":
			im.dots[p] = true
		case s.Name.Name != "_":
			im.names[s.Name.Name] = p
		}
	}
	return im
}

// guessName is the usual name of the package at an import path: its last
// element, without a major-version suffix or a "go-" prefix.
func guessName(importPath string) string {
	elem := path.Base(importPath)
	if len(elem) > 1 && elem[0] == 'v' && isDigits(elem[1:]) && path.Dir(importPath) != "." {
		elem = path.Base(path.Dir(importPath))
	}
	if i := strings.Index(elem, ".v"); i > 0 && isDigits(elem[i+2:]) {
		elem = elem[:i]
	}
	elem = strings.TrimPrefix(elem, "go-")
	return strings.ReplaceAll(elem, "-", "_")
}

func isDigits(s string) bool {
	return s != "" && strings.IndexFunc(s, func(r rune) bool { return !unicode.IsDigit(r) }) < 0
}

// refsOf lists the names n uses, in source order. Parameter and field names
// are declarations, not uses, and are skipped.
func refsOf(n ast.Node, im fileImports) []ref {
	var out []ref
	var visit func(ast.Node) bool
	visit = func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.Field:
			if n.Type != nil {
				ast.Inspect(n.Type, visit)
			}
			return false
		case *ast.SelectorExpr:
			if id, ok := n.X.(*ast.Ident); ok {
				if p, ok := im.names[id.Name]; ok {
					out = append(out, ref{kind: refPkg, x: p, name: n.Sel.Name, pos: n.Pos()})
					return false
				}
				out = append(out, ref{kind: refIdent, name: id.Name, pos: id.Pos()})
				out = append(out, ref{kind: refSel, x: id.Name, name: n.Sel.Name, pos: n.Sel.Pos()})
				return false
			}
			ast.Inspect(n.X, visit)
			out = append(out, ref{kind: refSel, name: n.Sel.Name, pos: n.Sel.Pos()})
			return false
		case *ast.Ident:
			out = append(out, ref{kind: refIdent, name: n.Name, pos: n.Pos()})
		}
		return true
	}
	if n != nil {
		ast.Inspect(n, visit)
	}
	return out
}

// typeParams are the names of a function's type parameters and of its
// receiver's, which shadow the package's types inside it.
func typeParams(d *ast.FuncDecl) map[string]bool {
	out := map[string]bool{}
	if d.Type.TypeParams != nil {
		for _, f := range d.Type.TypeParams.List {
			for _, n := range f.Names {
				out[n.Name] = true
			}
		}
	}
	if d.Recv != nil && len(d.Recv.List) > 0 {
		t := d.Recv.List[0].Type
		if s, ok := t.(*ast.StarExpr); ok {
			t = s.X
		}
		var idx []ast.Expr
		switch t := t.(type) {
		case *ast.IndexExpr:
			idx = []ast.Expr{t.Index}
		case *ast.IndexListExpr:
			idx = t.Indices
		}
		for _, e := range idx {
			if id, ok := e.(*ast.Ident); ok {
				out[id.Name] = true
			}
		}
	}
	return out
}

// recvVar is the name of a method's receiver variable, "" for none.
func recvVar(d *ast.FuncDecl) string {
	if d.Recv == nil || len(d.Recv.List) == 0 || len(d.Recv.List[0].Names) == 0 {
		return ""
	}
	return d.Recv.List[0].Names[0].Name
}

// callees are the package's functions that g's body names, in order of
// first use, g itself excluded. A call on g's receiver variable resolves to
// the method of g's own type; other method calls to every method of that
// name.
func (x *index) callees(g *fn) []*fn {
	if g.decl.Body == nil {
		return nil
	}
	var out []*fn
	seen := map[*fn]bool{g: true}
	add := func(c *fn) {
		if c != nil && !seen[c] {
			seen[c] = true
			out = append(out, c)
		}
	}
	rv := recvVar(g.decl)
	for _, r := range refsOf(g.decl.Body, importsOf(g.file.ast)) {
		switch r.kind {
		case refIdent:
			if c := x.byName[r.name]; c != nil && c.recv == "" {
				add(c)
			}
		case refSel:
			if own := x.byName[g.recv+"."+r.name]; g.recv != "" && r.x == rv && own != nil {
				add(own)
				continue
			}
			if m := x.byName[r.x+"."+r.name]; m != nil && x.isType(r.x) { // method expression T.M
				add(m)
				continue
			}
			for _, c := range x.methods[r.name] {
				add(c)
			}
		}
	}
	return out
}

func (x *index) isType(name string) bool {
	s := x.specs[name]
	return s != nil && s.kind == "type"
}

// declsUsed are the package-level types, then vars and consts, that g
// uses: those of its receiver and signature first, then those of its body,
// then the types those types are made of.
func (x *index) declsUsed(g *fn, seen map[*spec]bool) []*spec {
	shadow := typeParams(g.decl)
	im := importsOf(g.file.ast)
	var types, values []*spec
	add := func(rs []ref) {
		for _, r := range rs {
			s := x.specs[r.name]
			if r.kind != refIdent || s == nil || shadow[r.name] || seen[s] {
				continue
			}
			seen[s] = true
			if s.kind == "type" {
				types = append(types, s)
			} else {
				values = append(values, s)
			}
		}
	}
	if g.decl.Recv != nil {
		add(refsOf(g.decl.Recv, im))
	}
	add(refsOf(g.decl.Type, im))
	if g.decl.Body != nil {
		add(refsOf(g.decl.Body, im))
	}
	// The types the used types are built from, breadth first.
	for i := 0; i < len(types); i++ {
		ts, ok := types[i].spec.(*ast.TypeSpec)
		if !ok {
			continue
		}
		for _, r := range refsOf(ts.Type, importsOf(types[i].file.ast)) {
			if s := x.specs[r.name]; r.kind == refIdent && s != nil && s.kind == "type" && !seen[s] {
				seen[s] = true
				types = append(types, s)
			}
		}
	}
	return append(types, values...)
}

// targetSet recognizes uses of the target functions.
type targetSet struct {
	importPath string
	pkgName    string
	funcs      map[string]bool // functions "F"
	methods    map[string]bool // method names "M" of method targets
}

func newTargetSet(x *index, targets []*fn) targetSet {
	ts := targetSet{importPath: x.pkg.ImportPath, pkgName: x.pkg.Name, funcs: map[string]bool{}, methods: map[string]bool{}}
	for _, t := range targets {
		if t.recv == "" {
			ts.funcs[t.decl.Name.Name] = true
		} else {
			ts.methods[t.decl.Name.Name] = true
		}
	}
	return ts
}

// firstUse is the position of the first use of a target in n, or
// token.NoPos. inside tells whether n is in a file of the target's package
// itself (its non-test files or internal test files), where the targets are
// named without qualifier.
func (ts targetSet) firstUse(n ast.Node, im fileImports, inside bool) token.Pos {
	unqualified := inside || im.dots[ts.importPath]
	// Outside the package, a method call counts only in files that import
	// it, the ones that can reach its types by name.
	reach := unqualified
	for _, p := range im.names {
		reach = reach || p == ts.importPath
	}
	for _, r := range refsOf(n, im) {
		switch {
		case r.kind == refIdent && unqualified && ts.funcs[r.name],
			r.kind == refPkg && r.x == ts.importPath && ts.funcs[r.name],
			r.kind == refSel && reach && ts.methods[r.name]:
			return r.pos
		}
	}
	return token.NoPos
}
