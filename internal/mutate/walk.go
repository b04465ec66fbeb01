package mutate

import (
	"bytes"
	"go/ast"
	"go/token"
	"go/types"

	"github.com/agentic-optimizer/optimizer/internal/source"
)

// walker finds the candidates of one file.
type walker struct {
	f     *srcFile
	info  *types.Info
	ops   map[string]bool
	funcs map[string]bool // nil: all
	fn    string          // the top-level function being walked
	// declStart and declEnd are the top-level declaration being walked.
	declStart, declEnd int

	uses   map[types.Object]int // reads of the objects an edit could leave unused
	writes map[*ast.Ident]bool  // identifiers only assigned to: not uses
	params map[types.Object]bool
	// errChecks are the `err != nil` conditions whose if-statement the
	// error operator mutates; compare leaves them alone.
	errChecks map[*ast.BinaryExpr]bool

	out []*candidate
}

func newWalker(f *srcFile, info *types.Info, ops, funcs map[string]bool) *walker {
	return &walker{
		f: f, info: info, ops: ops, funcs: funcs,
		uses:      make(map[types.Object]int),
		writes:    make(map[*ast.Ident]bool),
		params:    make(map[types.Object]bool),
		errChecks: make(map[*ast.BinaryExpr]bool),
	}
}

func (w *walker) walk() []*candidate {
	w.countUses()
	ast.PreorderStack(w.f.ast, nil, w.visit)
	return w.out
}

// countUses counts the reads of each local variable, import and label of
// the file, so that an edit that removes all of them can be refused: the
// mutant would not compile ("declared and not used").
func (w *walker) countUses() {
	fields := func(fl *ast.FieldList) {
		if fl == nil {
			return
		}
		for _, f := range fl.List {
			for _, name := range f.Names {
				if obj := w.info.Defs[name]; obj != nil {
					w.params[obj] = true
				}
			}
		}
	}
	ast.Inspect(w.f.ast, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncDecl:
			fields(n.Recv)
			fields(n.Type.Params)
			fields(n.Type.Results)
		case *ast.FuncLit:
			fields(n.Type.Params)
			fields(n.Type.Results)
		case *ast.AssignStmt:
			if n.Tok != token.DEFINE {
				for _, l := range n.Lhs {
					if id, ok := l.(*ast.Ident); ok {
						w.writes[id] = true
					}
				}
			}
		case *ast.IncDecStmt:
			if id, ok := n.X.(*ast.Ident); ok {
				w.writes[id] = true
			}
		}
		return true
	})
	ast.Inspect(w.f.ast, func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok && !w.writes[id] {
			if obj := w.info.Uses[id]; obj != nil && w.tracked(obj) {
				w.uses[obj]++
			}
		}
		return true
	})
}

// tracked reports whether obj must be used: a local variable (not a
// parameter or result), an import or a label.
func (w *walker) tracked(obj types.Object) bool {
	switch obj := obj.(type) {
	case *types.PkgName, *types.Label:
		return true
	case *types.Var:
		s := obj.Parent()
		return !obj.IsField() && !w.params[obj] && s != nil && s != types.Universe && s.Parent() != types.Universe
	}
	return false
}

// orphans reports whether removing n would leave a variable, import or
// label declared outside n without a use.
func (w *walker) orphans(n ast.Node) bool {
	inside := make(map[types.Object]int)
	ast.Inspect(n, func(m ast.Node) bool {
		if id, ok := m.(*ast.Ident); ok && !w.writes[id] {
			if obj := w.info.Uses[id]; obj != nil && w.tracked(obj) && (obj.Pos() < n.Pos() || obj.Pos() >= n.End()) {
				inside[obj]++
			}
		}
		return true
	})
	for obj, k := range inside {
		if k >= w.uses[obj] {
			return true
		}
	}
	return false
}

func (w *walker) visit(n ast.Node, stack []ast.Node) bool {
	if len(stack) == 1 { // a top-level declaration
		w.declStart, w.declEnd = w.off(n.Pos()), w.off(n.End())
	}
	switch n := n.(type) {
	case *ast.FuncDecl:
		w.fn = source.FuncName(n)
		return n.Body != nil && (w.funcs == nil || w.funcs[w.fn])
	case *ast.GenDecl:
		if len(stack) == 1 { // package level
			w.fn = ""
			if w.funcs != nil {
				return false
			}
		}
		return n.Tok == token.VAR // not const, type or import
	case *ast.FieldList, *ast.ArrayType, *ast.StructType, *ast.FuncType, *ast.InterfaceType,
		*ast.MapType, *ast.ChanType, *ast.Ellipsis:
		return false // types: no code to mutate, and array lengths are constants
	case *ast.BinaryExpr:
		w.binary(n, stack)
	case *ast.UnaryExpr:
		if n.Op == token.NOT && w.ops[OpBool] {
			w.replaceOp(OpBool, n, n.OpPos, token.NOT, "")
		}
	case *ast.Ident:
		w.boolLiteral(n, stack[len(stack)-1])
	case *ast.AssignStmt:
		w.assignOp(n, stack[len(stack)-1])
	case *ast.ReturnStmt:
		w.errorReturn(n, stack)
	case *ast.IfStmt:
		w.errorCheck(n)
	case *ast.IndexExpr:
		w.index(n)
	case *ast.SliceExpr:
		w.slice(n)
	case *ast.BlockStmt:
		w.statements(n.List, n, stack)
	case *ast.CaseClause:
		w.statements(n.Body, n, stack)
	case *ast.CommClause:
		w.statements(n.Body, n, stack)
	}
	return true
}

// enclosingFunc is the type of the innermost function around the node
// whose ancestors are stack.
func enclosingFunc(stack []ast.Node) *ast.FuncType {
	for i := len(stack) - 1; i >= 0; i-- {
		switch f := stack[i].(type) {
		case *ast.FuncLit:
			return f.Type
		case *ast.FuncDecl:
			return f.Type
		}
	}
	return nil
}

func (w *walker) off(p token.Pos) int { return w.f.tok.Offset(p) }

func (w *walker) text(n ast.Node) string {
	return string(w.f.src[w.off(n.Pos()):w.off(n.End())])
}

func (w *walker) add(op string, start, end int, text string) {
	w.addShown(op, start, end, text, start, end)
}

func (w *walker) addShown(op string, start, end int, text string, shownStart, shownEnd int) {
	w.out = append(w.out, &candidate{
		file: w.f, op: op, fn: w.fn,
		start: start, end: end, text: text,
		shownStart: shownStart, shownEnd: shownEnd,
		declStart: w.declStart, declEnd: w.declEnd,
	})
}

// replaceOp replaces the operator tok at opPos in n by newOp. The edit is
// the whole of n when n is on one line, so that the report shows the
// expression; otherwise it is the operator alone, so that the diff stays one
// line. A space keeps the new operator from running into the next token:
// x+-y → x - -y, not x--y.
func (w *walker) replaceOp(op string, n ast.Node, opPos token.Pos, tok token.Token, newOp string) {
	s, e, o := w.off(n.Pos()), w.off(n.End()), w.off(opPos)
	l := len(tok.String())
	if o+l < len(w.f.src) && bytes.IndexByte([]byte("+-*/%&|^<>=!:"), w.f.src[o+l]) >= 0 {
		newOp += " "
	}
	if bytes.IndexByte(w.f.src[s:e], '\n') >= 0 {
		w.add(op, o, o+l, newOp)
		return
	}
	w.add(op, s, e, string(w.f.src[s:o])+newOp+string(w.f.src[o+l:e]))
}

// replace replaces n by text.
func (w *walker) replace(op string, n ast.Node, text string) {
	w.add(op, w.off(n.Pos()), w.off(n.End()), text)
}

// typeOf is the type of e, or nil when it is not known (it depends on an
// import that was not resolved).
func (w *walker) typeOf(e ast.Expr) types.Type {
	tv, ok := w.info.Types[e]
	if !ok || tv.Type == nil {
		return nil
	}
	if b, ok := tv.Type.(*types.Basic); ok && b.Kind() == types.Invalid {
		return nil
	}
	return tv.Type
}

// isUniverse reports whether id denotes the predeclared object of its
// name (or, when that is not known, is at least not declared here).
func (w *walker) isUniverse(id *ast.Ident) bool {
	if obj := w.info.Uses[id]; obj != nil {
		return obj.Parent() == types.Universe
	}
	return w.info.Defs[id] == nil
}
