package prompt

import (
	"go/ast"
	"go/token"
	"slices"
	"strings"
	"unicode"
)

// testFunc is a function of the package's test files.
type testFunc struct {
	kind   string // "test", "benchmark", "fuzz", "example", or "" for a helper
	name   string // "F", or "T.M" for a method
	decl   *ast.FuncDecl
	file   *srcFile
	inside bool // in the package itself, not its external _test package
}

// testFuncs lists the functions of the test files, in file order.
func (x *index) testFuncs() []*testFunc {
	var out []*testFunc
	for _, f := range x.testFiles {
		inside := f.ast.Name.Name == x.pkg.Name
		for _, d := range f.ast.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Body == nil {
				continue
			}
			tf := &testFunc{kind: testKind(fd), name: fd.Name.Name, decl: fd, file: f, inside: inside}
			if fd.Recv != nil && len(fd.Recv.List) > 0 {
				tf.name = recvType(fd.Recv.List[0].Type) + "." + tf.name
			}
			out = append(out, tf)
		}
	}
	return out
}

// testKind tells what go test makes of a function: TestXxx(*testing.T),
// BenchmarkXxx(*testing.B), FuzzXxx(*testing.F) and ExampleXxx().
func testKind(fd *ast.FuncDecl) string {
	if fd.Recv != nil || fd.Type.TypeParams != nil {
		return ""
	}
	name := fd.Name.Name
	if strings.HasPrefix(name, "Example") && fd.Type.Params.NumFields() == 0 && fd.Type.Results.NumFields() == 0 {
		return "example"
	}
	for _, k := range []struct{ prefix, param, kind string }{
		{"Test", "T", "test"}, {"Benchmark", "B", "benchmark"}, {"Fuzz", "F", "fuzz"},
	} {
		rest, ok := strings.CutPrefix(name, k.prefix)
		if !ok || rest != "" && unicode.IsLower([]rune(rest)[0]) {
			continue
		}
		params := fd.Type.Params.List
		if len(params) != 1 || len(params[0].Names) > 1 {
			continue
		}
		if star, ok := params[0].Type.(*ast.StarExpr); ok {
			if sel, ok := star.X.(*ast.SelectorExpr); ok && sel.Sel.Name == k.param {
				return k.kind
			}
		}
	}
	return ""
}

// helperIndex maps the names of the test files' helper functions (not
// tests, not methods) to them, apart for the package's internal test files
// (true) and its external test package (false).
func helperIndex(tfs []*testFunc) map[bool]map[string]*testFunc {
	out := map[bool]map[string]*testFunc{true: {}, false: {}}
	for _, tf := range tfs {
		if tf.kind == "" && tf.decl.Recv == nil {
			out[tf.inside][tf.name] = tf
		}
	}
	return out
}

// closure returns the test functions for which direct holds, or that call,
// directly or not, a helper of the same test package for which it holds.
func closure(tfs []*testFunc, direct func(*testFunc) bool) map[*testFunc]bool {
	in := map[*testFunc]bool{}
	for _, tf := range tfs {
		if direct(tf) {
			in[tf] = true
		}
	}
	helpers := helperIndex(tfs)
	for changed := true; changed; {
		changed = false
		for _, tf := range tfs {
			if in[tf] {
				continue
			}
			for _, r := range refsOf(tf.decl.Body, importsOf(tf.file.ast)) {
				if h := helpers[tf.inside][r.name]; r.kind == refIdent && in[h] {
					in[tf] = true
					changed = true
					break
				}
			}
		}
	}
	return in
}

// covering splits the test functions into those that exercise a target
// directly (or through test helpers), those that reach one only through
// other functions of the package (a test of Read that exercises the
// unexported readRecord), and the rest, each in file order.
func (x *index) covering(targets []*fn) (direct, indirect, others []*testFunc) {
	tfs := x.testFuncs()
	uses := func(ts targetSet) map[*testFunc]bool {
		return closure(tfs, func(tf *testFunc) bool {
			return ts.firstUse(tf.decl.Body, importsOf(tf.file.ast), tf.inside) != token.NoPos
		})
	}
	in := uses(newTargetSet(x, targets))
	var via map[*testFunc]bool
	if reach := x.reaching(targets); len(reach) > 0 {
		via = uses(newTargetSet(x, reach))
	}
	helps := helpersOf(tfs, in)
	helpsVia := helpersOf(tfs, via)
	for _, tf := range tfs {
		switch {
		case in[tf] || helps[tf]:
			direct = append(direct, tf)
		case via[tf] || helpsVia[tf]:
			indirect = append(indirect, tf)
		default:
			others = append(others, tf)
		}
	}
	return direct, indirect, others
}

// helpersOf are the helpers of the test files that the given test
// functions call, directly or not, and that are not among them: a test of
// a target is easier to read, and to imitate, with its fixtures.
func helpersOf(tfs []*testFunc, in map[*testFunc]bool) map[*testFunc]bool {
	helpers := helperIndex(tfs)
	var queue []*testFunc
	for _, tf := range tfs {
		if in[tf] {
			queue = append(queue, tf)
		}
	}
	out := map[*testFunc]bool{}
	for len(queue) > 0 {
		tf := queue[0]
		queue = queue[1:]
		for _, r := range refsOf(tf.decl.Body, importsOf(tf.file.ast)) {
			if h := helpers[tf.inside][r.name]; r.kind == refIdent && h != nil && !in[h] && !out[h] {
				out[h] = true
				queue = append(queue, h)
			}
		}
	}
	return out
}

// reaching are the package's functions, targets aside, whose calls lead to
// a target, in declaration order.
func (x *index) reaching(targets []*fn) []*fn {
	callers := map[*fn][]*fn{}
	for _, g := range x.funcs {
		for _, c := range x.callees(g) {
			callers[c] = append(callers[c], g)
		}
	}
	in := map[*fn]bool{}
	queue := slices.Clone(targets)
	for len(queue) > 0 {
		g := queue[0]
		queue = queue[1:]
		for _, c := range callers[g] {
			if !in[c] {
				in[c] = true
				queue = append(queue, c)
			}
		}
	}
	var out []*fn
	for _, g := range x.funcs {
		if in[g] && !slices.Contains(targets, g) {
			out = append(out, g)
		}
	}
	return out
}
