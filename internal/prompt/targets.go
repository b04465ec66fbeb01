package prompt

import (
	"cmp"
	"fmt"
	"go/ast"
	"slices"

	"github.com/agentic-optimizer/optimizer/internal/source"
)

// Targets ranks the package's non-test functions worth optimizing, best
// first: those a benchmark of the package exercises (directly, through test
// helpers or through the functions it calls), then those with loops, then
// the larger. It leaves out functions of generated files, init, main,
// functions without a body, and trivial ones: no loop, no call, a few
// statements. Ties are broken by name.
func Targets(pkg *source.Package) ([]string, error) {
	if pkg == nil {
		return nil, fmt.Errorf("prompt: no package given")
	}
	x, err := load(pkg.Dir, pkg)
	if err != nil {
		return nil, err
	}
	return x.targets(), nil
}

// trivialStmts is the most statements a function without loops or calls
// may have and still be too simple to be worth a model's time.
const trivialStmts = 5

func (x *index) targets() []string {
	type candidate struct {
		name            string
		exercised, loop bool
		size            int
	}
	ex := x.exercised()
	var cs []candidate
	seen := map[string]bool{}
	for _, g := range x.funcs {
		if g.file.gen || g.decl.Body == nil || seen[g.name] || g.recv == "" && (g.name == "init" || g.name == "main") {
			continue
		}
		seen[g.name] = true
		loop, call, size := x.shape(g.decl.Body)
		if !loop && !call && size <= trivialStmts {
			continue
		}
		cs = append(cs, candidate{g.name, ex[g], loop, size})
	}
	slices.SortFunc(cs, func(a, b candidate) int {
		return cmp.Or(
			cmpTrue(a.exercised, b.exercised),
			cmpTrue(a.loop, b.loop),
			cmp.Compare(b.size, a.size),
			cmp.Compare(a.name, b.name),
		)
	})
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.name
	}
	return out
}

// cmpTrue orders true before false.
func cmpTrue(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return -1
	}
	return 1
}

// shape tells whether a body has a loop and a call (other than to a
// builtin or a conversion), and counts its statements.
func (x *index) shape(body *ast.BlockStmt) (loop, call bool, stmts int) {
	ast.Inspect(body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.ForStmt, *ast.RangeStmt:
			loop = true
		case *ast.CallExpr:
			call = call || !x.isConversionOrBuiltin(n.Fun)
		case *ast.BlockStmt:
			return true // blocks are not statements of their own here
		}
		if _, ok := n.(ast.Stmt); ok {
			stmts++
		}
		return true
	})
	return loop, call, stmts
}

var builtins = map[string]bool{
	"append": true, "cap": true, "clear": true, "close": true, "complex": true, "copy": true,
	"delete": true, "imag": true, "len": true, "make": true, "max": true, "min": true, "new": true,
	"panic": true, "print": true, "println": true, "real": true, "recover": true,
	"any": true, "bool": true, "byte": true, "comparable": true, "complex64": true, "complex128": true,
	"error": true, "float32": true, "float64": true, "int": true, "int8": true, "int16": true,
	"int32": true, "int64": true, "rune": true, "string": true, "uint": true, "uint8": true,
	"uint16": true, "uint32": true, "uint64": true, "uintptr": true,
}

func (x *index) isConversionOrBuiltin(fun ast.Expr) bool {
	switch f := fun.(type) {
	case *ast.Ident:
		return builtins[f.Name] || x.isType(f.Name)
	case *ast.ParenExpr:
		return x.isConversionOrBuiltin(f.X)
	case *ast.StarExpr:
		return x.isConversionOrBuiltin(f.X)
	case *ast.IndexExpr:
		return x.isType(recvType(f.X))
	case *ast.IndexListExpr:
		return x.isType(recvType(f.X))
	case *ast.ArrayType, *ast.MapType, *ast.ChanType, *ast.FuncType, *ast.InterfaceType, *ast.StructType:
		return true
	}
	return false
}

// exercised are the package's functions that its benchmarks run: named in
// a benchmark or in a test helper it calls, or called by one of those.
func (x *index) exercised() map[*fn]bool {
	tfs := x.testFuncs()
	helpers := helperIndex(tfs)
	var queue []*testFunc
	for _, tf := range tfs {
		if tf.kind == "benchmark" {
			queue = append(queue, tf)
		}
	}
	out := map[*fn]bool{}
	var run []*fn
	mark := func(g *fn) {
		if g != nil && !out[g] {
			out[g] = true
			run = append(run, g)
		}
	}
	visited := map[*testFunc]bool{}
	for len(queue) > 0 {
		tf := queue[0]
		queue = queue[1:]
		if visited[tf] {
			continue
		}
		visited[tf] = true
		im := importsOf(tf.file.ast)
		reach := tf.inside || im.dots[x.pkg.ImportPath]
		unqualified := reach
		for _, p := range im.names {
			reach = reach || p == x.pkg.ImportPath
		}
		for _, r := range refsOf(tf.decl.Body, im) {
			switch r.kind {
			case refIdent:
				if h := helpers[tf.inside][r.name]; h != nil {
					queue = append(queue, h)
				}
				if g := x.byName[r.name]; unqualified && g != nil && g.recv == "" {
					mark(g)
				}
			case refPkg:
				if r.x == x.pkg.ImportPath {
					mark(x.byName[r.name])
				}
			case refSel:
				if reach {
					for _, g := range x.methods[r.name] {
						mark(g)
					}
				}
			}
		}
	}
	for i := 0; i < len(run); i++ {
		for _, c := range x.callees(run[i]) {
			mark(c)
		}
	}
	return out
}
