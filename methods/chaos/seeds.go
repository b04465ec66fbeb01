package chaos

import (
	"go/ast"
	"go/token"
	"math"
	"slices"
	"strconv"
	"unicode/utf8"
)

// seeds are the inputs a fuzz target starts from, each a Go expression per
// parameter: the zero values, the literal arguments of the package's
// tests, and one input made of the body's own literals.
func (f *function) seeds(limit int) [][]string {
	var out [][]string
	add := func(s []string) {
		if s == nil || len(out) == limit {
			return
		}
		for _, o := range out {
			if slices.Equal(o, s) {
				return
			}
		}
		out = append(out, s)
	}
	zero := make([]string, len(f.Params))
	for i, p := range f.Params {
		zero[i] = goValue(p.Type, constant{})
	}
	add(zero)
	for _, args := range f.testCalls {
		add(f.fromArgs(args))
	}
	// The body's literals: the i-th of each type, so that two string
	// parameters take different ones.
	lit := make([]string, len(f.Params))
	used := map[string]int{}
	for i, p := range f.Params {
		var c constant
		n := used[p.Type]
		switch {
		case p.Type == "string" || p.Type == "[]byte":
			if n < len(f.bodyLits.strs) {
				c = constant{str: f.bodyLits.strs[n], isStr: true}
			}
		case p.Type == "float32" || p.Type == "float64":
			if n < len(f.bodyLits.floats) {
				c = constant{float: f.bodyLits.floats[n], isFloat: true}
			} else if n < len(f.bodyLits.ints) {
				c = constant{float: float64(f.bodyLits.ints[n]), isFloat: true}
			}
		case p.Type == "bool":
			c = constant{isBool: true, b: true}
		default:
			if n < len(f.bodyLits.ints) {
				c = constant{i: f.bodyLits.ints[n], isInt: true}
			}
		}
		used[p.Type]++
		lit[i] = goValue(p.Type, c)
	}
	add(lit)
	return out
}

// constant is a literal value of a seed; the zero value means "the type's
// zero value".
type constant struct {
	str     string
	i       int64
	float   float64
	b       bool
	isStr   bool
	isInt   bool
	isFloat bool
	isBool  bool
}

// fromArgs turns the arguments of a test's call into a seed, or nil when
// one of them is not a literal of its parameter's type.
func (f *function) fromArgs(args []ast.Expr) []string {
	seed := make([]string, len(args))
	for i, a := range args {
		c, ok := literal(a)
		if !ok {
			return nil
		}
		v := goValue(f.Params[i].Type, c)
		if v == "" {
			return nil
		}
		seed[i] = v
	}
	return seed
}

// literal reads a constant argument: a basic literal, a negated number,
// true or false, or []byte("…").
func literal(e ast.Expr) (constant, bool) {
	switch x := e.(type) {
	case *ast.ParenExpr:
		return literal(x.X)
	case *ast.Ident:
		if x.Name == "true" || x.Name == "false" {
			return constant{isBool: true, b: x.Name == "true"}, true
		}
	case *ast.UnaryExpr:
		if x.Op == token.SUB {
			c, ok := literal(x.X)
			switch {
			case ok && c.isInt:
				c.i = -c.i
				return c, true
			case ok && c.isFloat:
				c.float = -c.float
				return c, true
			}
		}
	case *ast.CallExpr:
		// []byte("…") and conversions such as int64(3).
		if len(x.Args) == 1 {
			switch fun := x.Fun.(type) {
			case *ast.ArrayType:
				return literal(x.Args[0])
			case *ast.Ident:
				if basicTypes[fun.Name] {
					return literal(x.Args[0])
				}
			}
		}
	case *ast.BasicLit:
		switch x.Kind {
		case token.STRING:
			if s, err := strconv.Unquote(x.Value); err == nil && len(s) <= 4*maxLiteral {
				return constant{str: s, isStr: true}, true
			}
		case token.INT:
			if v, err := strconv.ParseInt(x.Value, 0, 64); err == nil {
				return constant{i: v, isInt: true}, true
			}
		case token.CHAR:
			if s, err := strconv.Unquote(x.Value); err == nil {
				r, _ := utf8.DecodeRuneInString(s)
				return constant{i: int64(r), isInt: true}, true
			}
		case token.FLOAT:
			if v, err := strconv.ParseFloat(x.Value, 64); err == nil {
				return constant{float: v, isFloat: true}, true
			}
		}
	}
	return constant{}, false
}

// intRange is the range of each integer type.
var intRange = map[string][2]float64{
	"int": {math.MinInt64, math.MaxInt64}, "int64": {math.MinInt64, math.MaxInt64},
	"int8": {math.MinInt8, math.MaxInt8}, "int16": {math.MinInt16, math.MaxInt16},
	"int32": {math.MinInt32, math.MaxInt32}, "rune": {math.MinInt32, math.MaxInt32},
	"uint": {0, math.MaxUint64}, "uint64": {0, math.MaxUint64}, "uintptr": {0, math.MaxUint64},
	"uint8": {0, math.MaxUint8}, "byte": {0, math.MaxUint8},
	"uint16": {0, math.MaxUint16}, "uint32": {0, math.MaxUint32},
}

// goValue writes c as a Go expression of type typ, exactly typed (f.Add
// wants the fuzz function's types). The zero constant gives the zero
// value; a constant that does not fit the type gives "".
func goValue(typ string, c constant) string {
	switch typ {
	case "string":
		if c.isStr {
			return strconv.Quote(c.str)
		}
		if c.isInt || c.isFloat || c.isBool {
			return ""
		}
		return `""`
	case "[]byte":
		if c.isStr {
			return "[]byte(" + strconv.Quote(c.str) + ")"
		}
		if c.isInt || c.isFloat || c.isBool {
			return ""
		}
		return `[]byte("")`
	case "bool":
		if c.isStr || c.isInt || c.isFloat {
			return ""
		}
		return strconv.FormatBool(c.b)
	case "float32", "float64":
		switch {
		case c.isStr || c.isBool:
			return ""
		case c.isInt:
			return typ + "(" + strconv.FormatInt(c.i, 10) + ")"
		case c.isFloat:
			if typ == "float32" && math.Abs(c.float) > math.MaxFloat32 {
				return ""
			}
			s := strconv.FormatFloat(c.float, 'g', -1, 64)
			return typ + "(" + s + ")"
		}
		return typ + "(0)"
	}
	r, ok := intRange[typ]
	if !ok || c.isStr || c.isBool || c.isFloat {
		return ""
	}
	if !c.isInt {
		return typ + "(0)"
	}
	if float64(c.i) < r[0] || float64(c.i) > r[1] {
		return ""
	}
	return typ + "(" + strconv.FormatInt(c.i, 10) + ")"
}
