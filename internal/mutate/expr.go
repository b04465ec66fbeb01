package mutate

import (
	"go/ast"
	"go/build"
	"go/constant"
	"go/token"
	"go/types"
	"math/big"
)

var (
	negation = map[token.Token]token.Token{
		token.LSS: token.GEQ, token.GEQ: token.LSS,
		token.GTR: token.LEQ, token.LEQ: token.GTR,
		token.EQL: token.NEQ, token.NEQ: token.EQL,
	}
	offByOne = map[token.Token]token.Token{
		token.LSS: token.LEQ, token.LEQ: token.LSS,
		token.GTR: token.GEQ, token.GEQ: token.GTR,
	}
	logical = map[token.Token]token.Token{token.LAND: token.LOR, token.LOR: token.LAND}
	arith   = map[token.Token]token.Token{
		token.ADD: token.SUB, token.SUB: token.ADD,
		token.MUL: token.QUO, token.QUO: token.MUL,
		token.ADD_ASSIGN: token.SUB_ASSIGN, token.SUB_ASSIGN: token.ADD_ASSIGN,
		token.MUL_ASSIGN: token.QUO_ASSIGN, token.QUO_ASSIGN: token.MUL_ASSIGN,
	}
)

// binary makes the compare, boundary, bool and arith mutants of e.
func (w *walker) binary(e *ast.BinaryExpr, stack []ast.Node) {
	if to, ok := negation[e.Op]; ok && w.ops[OpCompare] && !w.errChecks[e] {
		w.replaceOp(OpCompare, e, e.OpPos, e.Op, to.String())
	}
	if to, ok := offByOne[e.Op]; ok && w.ops[OpBoundary] {
		w.replaceOp(OpBoundary, e, e.OpPos, e.Op, to.String())
	}
	if to, ok := logical[e.Op]; ok && w.ops[OpBool] {
		w.replaceOp(OpBool, e, e.OpPos, e.Op, to.String())
	}
	if to, ok := arith[e.Op]; ok && w.ops[OpArith] && w.arithmetic(e, e.Op, e.X, e.Y) && w.constantOK(e, stack) {
		w.replaceOp(OpArith, e, e.OpPos, e.Op, to.String())
	}
}

// assignOp mutates x += y and the like, except as the post statement of a
// for loop: for i := 0; i < n; i -= 2 would mostly just hang.
func (w *walker) assignOp(s *ast.AssignStmt, parent ast.Node) {
	if _, ok := arith[s.Tok]; !ok || !w.ops[OpArith] || len(s.Lhs) != 1 || len(s.Rhs) != 1 {
		return
	}
	if f, ok := parent.(*ast.ForStmt); ok && f.Post == s {
		return
	}
	if w.arithmetic(s.Lhs[0], s.Tok, s.Lhs[0], s.Rhs[0]) {
		w.replaceOp(OpArith, s, s.TokPos, s.Tok, arith[s.Tok].String())
	}
}

// arithmetic reports whether e = x op y may have its operator swapped: its
// type is an integer one, or unknown and not evidently a string; and a
// product does not become a division by zero.
func (w *walker) arithmetic(e ast.Expr, op token.Token, x, y ast.Expr) bool {
	if (op == token.MUL || op == token.MUL_ASSIGN) && w.isZero(y) {
		return false
	}
	if t := w.typeOf(e); t != nil {
		switch u := t.Underlying().(type) {
		case *types.Basic:
			return u.Info()&types.IsInteger != 0
		case *types.Interface: // a type parameter's constraint: unknown
		default:
			return false
		}
	}
	if op == token.ADD || op == token.ADD_ASSIGN {
		return !w.stringy(x) && !w.stringy(y)
	}
	return true
}

// constantOK reports whether a constant integer expression e = x op y
// still compiles with op swapped, as far as can be told: its value fits its
// type (maxInt/2 → maxInt*2 does not), it is not inside a constant shift
// (1<<(w-1) → 1<<(w+1) may overflow), and as a constant index or slice
// bound it stays inside an array and in order. An expression that is not
// constant is OK.
func (w *walker) constantOK(e *ast.BinaryExpr, stack []ast.Node) bool {
	xv, yv := w.intConst(e.X), w.intConst(e.Y)
	if w.info.Types[e].Value == nil || xv == nil || yv == nil {
		return true
	}
	to := arith[e.Op]
	if to == token.QUO {
		if constant.Sign(yv) == 0 {
			return false
		}
		to = token.QUO_ASSIGN // integer division
	}
	v := constant.BinaryOp(xv, to, yv)
	if t, ok := w.typeOf(e).(*types.Basic); ok && !fits(v, t) {
		return false
	}
	var child ast.Node = e
	for i := len(stack) - 1; i >= 0; i-- {
		switch p := stack[i].(type) {
		case *ast.ParenExpr:
			child = p
			continue
		case *ast.BinaryExpr:
			if w.info.Types[p].Value == nil {
				return true
			}
			if p.Op == token.SHL || p.Op == token.SHR {
				return false
			}
			child = p
			continue
		case *ast.IndexExpr:
			if p.Index != child {
				return true
			}
			a, ok := w.indexed(p.X).(*types.Array)
			return constant.Sign(v) >= 0 && (!ok || constant.Compare(v, token.LSS, constant.MakeInt64(a.Len())))
		case *ast.SliceExpr:
			lo, hi := w.intConst(p.Low), w.intConst(p.High)
			switch child {
			case p.Low:
				lo = v
			case p.High:
				hi = v
			default:
				return true
			}
			return constant.Sign(v) >= 0 && (lo == nil || hi == nil || !constant.Compare(lo, token.GTR, hi))
		}
		return true
	}
	return true
}

// fits reports whether the integer constant v is a value of type t.
func fits(v constant.Value, t *types.Basic) bool {
	if t.Info()&types.IsUntyped != 0 || t.Info()&types.IsInteger == 0 {
		return true
	}
	bits := int64(64)
	if sizes := types.SizesFor("gc", build.Default.GOARCH); sizes != nil {
		bits = 8 * sizes.Sizeof(t)
	}
	lo, hi := new(big.Int), new(big.Int).Lsh(big.NewInt(1), uint(bits))
	if t.Info()&types.IsUnsigned == 0 {
		hi.Rsh(hi, 1)
		lo.Neg(hi)
	}
	hi.Sub(hi, big.NewInt(1))
	n, ok := new(big.Int).SetString(v.ExactString(), 10)
	return ok && n.Cmp(lo) >= 0 && n.Cmp(hi) <= 0
}

// intConst is the value of e when it is a constant integer, or nil.
func (w *walker) intConst(e ast.Expr) constant.Value {
	if e == nil {
		return nil
	}
	if tv, ok := w.info.Types[e]; ok && tv.Value != nil {
		if v := constant.ToInt(tv.Value); v.Kind() == constant.Int {
			return v
		}
		return nil
	}
	if lit, ok := ast.Unparen(e).(*ast.BasicLit); ok && lit.Kind == token.INT {
		if v := constant.MakeFromLiteral(lit.Value, lit.Kind, 0); v.Kind() == constant.Int {
			return v
		}
	}
	return nil
}

// plus is v+d, or nil when v is nil.
func plus(v constant.Value, d int64) constant.Value {
	if v == nil {
		return nil
	}
	return constant.BinaryOp(v, token.ADD, constant.MakeInt64(d))
}

// stringy reports whether e is evidently a string: a string literal, a sum
// with one, or of a string type.
func (w *walker) stringy(e ast.Expr) bool {
	e = ast.Unparen(e)
	if t := w.typeOf(e); t != nil {
		if b, ok := t.Underlying().(*types.Basic); ok && b.Info()&types.IsString != 0 {
			return true
		}
	}
	switch e := e.(type) {
	case *ast.BasicLit:
		return e.Kind == token.STRING
	case *ast.BinaryExpr:
		return e.Op == token.ADD && (w.stringy(e.X) || w.stringy(e.Y))
	}
	return false
}

func (w *walker) isZero(e ast.Expr) bool {
	if tv, ok := w.info.Types[e]; ok && tv.Value != nil {
		return tv.Value.Kind() != constant.Unknown && constant.Sign(tv.Value) == 0
	}
	lit, ok := ast.Unparen(e).(*ast.BasicLit)
	if !ok || lit.Kind != token.INT && lit.Kind != token.FLOAT {
		return false
	}
	v := constant.MakeFromLiteral(lit.Value, lit.Kind, 0)
	return v.Kind() != constant.Unknown && constant.Sign(v) == 0
}

// boolLiteral flips true and false, except as a key of a composite literal
// (two keys could become the same).
func (w *walker) boolLiteral(id *ast.Ident, parent ast.Node) {
	if !w.ops[OpBool] || id.Name != "true" && id.Name != "false" || !w.isUniverse(id) {
		return
	}
	switch p := parent.(type) {
	case *ast.KeyValueExpr:
		if p.Key == id {
			return
		}
	case *ast.SelectorExpr:
		if p.Sel == id {
			return
		}
	}
	to := "false"
	if id.Name == "false" {
		to = "true"
	}
	w.replace(OpBool, id, to)
}

// plusMinusOne returns x when e is x+1 or x-1.
func plusMinusOne(e ast.Expr) (ast.Expr, bool) {
	b, ok := ast.Unparen(e).(*ast.BinaryExpr)
	if !ok || b.Op != token.ADD && b.Op != token.SUB {
		return nil, false
	}
	lit, ok := b.Y.(*ast.BasicLit)
	if !ok || lit.Kind != token.INT || lit.Value != "1" {
		return nil, false
	}
	return b.X, true
}

// index mutates a[i±1] to a[i], and a[i] to a[i+1] when a is known to be a
// slice, array or string and i is not a constant.
func (w *walker) index(e *ast.IndexExpr) {
	if !w.ops[OpBoundary] {
		return
	}
	t := w.indexed(e.X)
	if x, ok := plusMinusOne(e.Index); ok {
		// A constant index must stay inside an array.
		if a, ok := t.(*types.Array); ok {
			if v := w.intConst(x); v != nil && constant.Compare(v, token.GEQ, constant.MakeInt64(a.Len())) {
				return
			}
		}
		w.replace(OpBoundary, e.Index, w.text(x))
		return
	}
	switch t := t.(type) {
	case *types.Slice, *types.Array:
	case *types.Basic:
		if t.Info()&types.IsString == 0 {
			return
		}
	default:
		return
	}
	it, ok := w.info.Types[e.Index]
	if !ok || it.Value != nil || it.Type == nil {
		return
	}
	if b, ok := it.Type.Underlying().(*types.Basic); !ok || b.Info()&types.IsInteger == 0 {
		return
	}
	w.replace(OpBoundary, e.Index, addOne(w.text(e.Index), e.Index, token.ADD))
}

// indexed is the underlying type of the value x that is indexed, through
// a pointer to an array; nil if unknown or not a value (F[int]).
func (w *walker) indexed(x ast.Expr) types.Type {
	tv, ok := w.info.Types[x]
	if !ok || !tv.IsValue() || tv.Type == nil {
		return nil
	}
	t := tv.Type.Underlying()
	if p, ok := t.(*types.Pointer); ok {
		t = p.Elem().Underlying()
	}
	return t
}

// slice mutates s[lo±1:hi±1] to s[lo:hi], and s[lo:hi] to s[lo+1:hi] and
// s[lo:hi-1], unless constant bounds would then be out of order or
// negative (s[0:0] → s[1:0] does not compile).
func (w *walker) slice(e *ast.SliceExpr) {
	if !w.ops[OpBoundary] {
		return
	}
	lo, hi := w.intConst(e.Low), w.intConst(e.High)
	for _, b := range []ast.Expr{e.Low, e.High} {
		if b == nil {
			continue
		}
		var text string
		var v constant.Value // the new bound, if constant
		if x, ok := plusMinusOne(b); ok {
			text, v = w.text(x), w.intConst(x)
		} else if b == e.Low {
			text, v = addOne(w.text(b), b, token.ADD), plus(w.intConst(b), 1)
		} else {
			text, v = addOne(w.text(b), b, token.SUB), plus(w.intConst(b), -1)
		}
		newLo, newHi := lo, hi
		if b == e.Low {
			newLo = v
		} else {
			newHi = v
		}
		if newLo != nil && constant.Sign(newLo) < 0 || newHi != nil && constant.Sign(newHi) < 0 ||
			newLo != nil && newHi != nil && constant.Compare(newLo, token.GTR, newHi) {
			continue
		}
		w.replace(OpBoundary, b, text)
	}
}

// addOne is the text of e+1 or e-1 (op): 2 for the literal 1, and "x+1"
// otherwise. No parentheses are needed: an index is an integer, and + and -
// bind no tighter than any other integer operator.
func addOne(text string, e ast.Expr, op token.Token) string {
	if lit, ok := e.(*ast.BasicLit); ok && lit.Kind == token.INT {
		v := constant.MakeFromLiteral(lit.Value, lit.Kind, 0)
		if v.Kind() == constant.Int {
			return constant.BinaryOp(v, op, constant.MakeInt64(1)).ExactString()
		}
	}
	return text + op.String() + "1"
}
