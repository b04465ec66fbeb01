package mutate

import (
	"bytes"
	"go/ast"
	"go/token"
	"go/types"
	"strings"
)

var errorType = types.Universe.Lookup("error").Type()

// errorReturn makes `return …, err` return nil in a function whose last
// result is error, when the value dropped is one that only carries the
// error, not one whose computation would be dropped with it.
func (w *walker) errorReturn(r *ast.ReturnStmt, stack []ast.Node) {
	ft := enclosingFunc(stack)
	if !w.ops[OpError] || ft == nil || ft.Results == nil || len(ft.Results.List) == 0 || len(r.Results) == 0 {
		return
	}
	n, last := 0, ft.Results.List[len(ft.Results.List)-1]
	for _, f := range ft.Results.List {
		n += max(1, len(f.Names))
	}
	if id, ok := last.Type.(*ast.Ident); !ok || id.Name != "error" || !w.isUniverse(id) || len(r.Results) != n {
		return
	}
	e := r.Results[len(r.Results)-1]
	if !carriesError(e) || w.orphans(e) {
		return
	}
	w.replace(OpError, e, "nil")
}

// carriesError reports whether e is a non-nil error value whose
// evaluation does nothing else: a name, a field or package variable, an
// error constructed by errors.New, errors.Join or fmt.Errorf, or a
// composite literal.
func carriesError(e ast.Expr) bool {
	switch e := ast.Unparen(e).(type) {
	case *ast.Ident:
		return e.Name != "nil"
	case *ast.SelectorExpr, *ast.CompositeLit:
		return true
	case *ast.UnaryExpr:
		_, ok := e.X.(*ast.CompositeLit)
		return e.Op == token.AND && ok
	case *ast.CallExpr:
		sel, ok := e.Fun.(*ast.SelectorExpr)
		if !ok {
			return false
		}
		pkg, ok := sel.X.(*ast.Ident)
		if !ok {
			return false
		}
		switch pkg.Name + "." + sel.Sel.Name {
		case "errors.New", "errors.Join", "fmt.Errorf":
			return true
		}
	}
	return false
}

// errorCheck empties the body of `if err != nil { …; return … }`, as if the
// check were not there. The body, not the whole statement, goes: err stays
// used, and an init statement stays.
func (w *walker) errorCheck(s *ast.IfStmt) {
	if !w.ops[OpError] || s.Else != nil || len(s.Body.List) == 0 {
		return
	}
	if _, ok := s.Body.List[len(s.Body.List)-1].(*ast.ReturnStmt); !ok {
		return
	}
	cond, ok := ast.Unparen(s.Cond).(*ast.BinaryExpr)
	if !ok || cond.Op != token.NEQ || !isNil(cond.Y) || !w.errorish(cond.X) || w.orphans(s.Body) {
		return
	}
	w.errChecks[cond] = true
	w.replace(OpError, s.Body, "{}")
}

func isNil(e ast.Expr) bool {
	id, ok := ast.Unparen(e).(*ast.Ident)
	return ok && id.Name == "nil"
}

// errorish reports whether e is an error: by its type when that is known,
// by its name ("err", "readErr", "r.err") otherwise.
func (w *walker) errorish(e ast.Expr) bool {
	if t := w.typeOf(e); t != nil {
		return types.Implements(t, errorType.Underlying().(*types.Interface))
	}
	var name string
	switch e := ast.Unparen(e).(type) {
	case *ast.Ident:
		name = e.Name
	case *ast.SelectorExpr:
		name = e.Sel.Name
	default:
		return false
	}
	return strings.Contains(strings.ToLower(name), "err")
}

// statements removes the removable statements of a block or clause.
func (w *walker) statements(list []ast.Stmt, owner ast.Node, stack []ast.Node) {
	if !w.ops[OpStatement] {
		return
	}
	parent := stack[len(stack)-1]
	for i, s := range list {
		last := i == len(list)-1
		switch s := s.(type) {
		case *ast.ExprStmt:
			call, ok := s.X.(*ast.CallExpr)
			if !ok {
				continue
			}
			// Without its final panic, a function with results may lack a
			// terminating statement.
			if id, ok := call.Fun.(*ast.Ident); ok && id.Name == "panic" && w.isUniverse(id) {
				if ft := enclosingFunc(stack); ft != nil && ft.Results != nil && len(ft.Results.List) > 0 {
					continue
				}
			}
		case *ast.AssignStmt:
			if s.Tok == token.DEFINE || allBlank(s.Lhs) && !hasCall(s.Rhs) {
				continue
			}
		case *ast.IncDecStmt:
		case *ast.BranchStmt:
			if s.Tok != token.BREAK && s.Tok != token.CONTINUE {
				continue
			}
			if last && s.Label == nil && endsBody(s.Tok, owner, parent) {
				continue // removing it changes nothing
			}
		default:
			continue
		}
		if w.orphans(s) {
			continue
		}
		start, end := w.wholeLines(s)
		w.addShown(OpStatement, start, end, "", w.off(s.Pos()), w.off(s.End()))
	}
}

// endsBody reports whether an unlabeled break or continue that ends the
// statements of owner (whose parent is parent) does nothing: a break at the
// end of a case or a continue at the end of a loop body.
func endsBody(tok token.Token, owner, parent ast.Node) bool {
	switch owner.(type) {
	case *ast.CaseClause, *ast.CommClause:
		return tok == token.BREAK
	}
	if tok != token.CONTINUE {
		return false
	}
	switch p := parent.(type) {
	case *ast.ForStmt:
		return p.Body == owner
	case *ast.RangeStmt:
		return p.Body == owner
	}
	return false
}

func allBlank(es []ast.Expr) bool {
	for _, e := range es {
		if id, ok := e.(*ast.Ident); !ok || id.Name != "_" {
			return false
		}
	}
	return true
}

func hasCall(es []ast.Expr) bool {
	found := false
	for _, e := range es {
		ast.Inspect(e, func(n ast.Node) bool {
			if _, ok := n.(*ast.CallExpr); ok {
				found = true
			}
			return !found
		})
	}
	return found
}

// wholeLines is the byte range that removes n: its whole lines, with a
// trailing line comment, when nothing else is on them; n alone otherwise.
func (w *walker) wholeLines(n ast.Node) (start, end int) {
	src := w.f.src
	s, e := w.off(n.Pos()), w.off(n.End())
	ls := s
	for ls > 0 && (src[ls-1] == ' ' || src[ls-1] == '\t') {
		ls--
	}
	if ls > 0 && src[ls-1] != '\n' {
		return s, e
	}
	le := e
	for le < len(src) && (src[le] == ' ' || src[le] == '\t' || src[le] == '\r') {
		le++
	}
	if bytes.HasPrefix(src[le:], []byte("//")) {
		if i := bytes.IndexByte(src[le:], '\n'); i >= 0 {
			le += i
		} else {
			le = len(src)
		}
	}
	switch {
	case le == len(src):
		return ls, le
	case src[le] == '\n':
		return ls, le + 1
	}
	return s, e
}
