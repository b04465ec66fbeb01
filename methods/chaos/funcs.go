package chaos

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// kind is what a parameter is to the templates.
type kind int

const (
	kindBasic       kind = iota // fuzzable: a string, []byte, bool or number
	kindReader                  // io.Reader
	kindReadCloser              // io.ReadCloser
	kindWriter                  // io.Writer
	kindWriteCloser             // io.WriteCloser
)

// basicTypes are the parameter types go test -fuzz accepts, as written.
var basicTypes = map[string]bool{
	"string": true, "[]byte": true, "bool": true, "byte": true, "rune": true,
	"int": true, "int8": true, "int16": true, "int32": true, "int64": true,
	"uint": true, "uint8": true, "uint16": true, "uint32": true, "uint64": true,
	"float32": true, "float64": true,
}

// ioTypes are the I/O interfaces the fault templates can stand in for.
var ioTypes = map[string]kind{
	"Reader": kindReader, "ReadCloser": kindReadCloser,
	"Writer": kindWriter, "WriteCloser": kindWriteCloser,
}

// param is one parameter of a function the templates call.
type param struct {
	Type string // as the templates write it: "string", "[]byte", "io.Reader"
	Kind kind
}

// function is a package-level function of the package, with what the
// templates need to call it.
type function struct {
	Name      string
	File      string // absolute
	Line      int
	Params    []param
	Results   int   // how many results it has
	ErrorAt   []int // the indexes of its error results
	Unequal   []int // the indexes of results reflect.DeepEqual cannot compare (funcs, channels)
	bodyLits  literals
	testCalls [][]ast.Expr // argument lists of calls in the package's tests
}

// literals are the constants a function's body mentions: realistic seeds.
type literals struct {
	strs   []string
	ints   []int64
	floats []float64
}

// fuzzable reports whether go test -fuzz can call f: every parameter is a
// basic type, and there is at least one.
func (f *function) fuzzable() bool {
	if len(f.Params) == 0 {
		return false
	}
	for _, p := range f.Params {
		if p.Kind != kindBasic {
			return false
		}
	}
	return true
}

// doesIO reports whether the fault templates can call f: at least one
// parameter is a reader or writer, and the others are basic types.
func (f *function) doesIO() bool {
	io := false
	for _, p := range f.Params {
		if p.Kind != kindBasic {
			io = true
		}
	}
	return io
}

// reservedNames are names the templates use inside their functions: a
// function so named would be shadowed there.
var reservedNames = regexp.MustCompile(`^(f|t|r|w|in[0-9]+|testing|io|strings|bytes|errors|fmt|json|reflect|debug|time|iotest)$`)

// packageFunctions returns the package-level functions of the non-test
// files that the templates can call (fuzzable or doing I/O), in file and
// line order, each with the literal arguments its tests pass it. Files
// that do not parse are skipped: the package's build reports them.
func packageFunctions(goFiles, testFiles []string) []*function {
	fset := token.NewFileSet()
	var files []*ast.File
	for _, name := range goFiles {
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		if err == nil {
			files = append(files, f)
		}
	}
	// A package that declares a type named like a basic one (type byte
	// …) would make the templates' reading of "byte" wrong.
	shadowed := map[string]bool{}
	for _, f := range files {
		for _, d := range f.Decls {
			if g, ok := d.(*ast.GenDecl); ok && g.Tok == token.TYPE {
				for _, s := range g.Specs {
					shadowed[s.(*ast.TypeSpec).Name.Name] = true
				}
			}
		}
	}
	var out []*function
	byName := map[string]*function{}
	for _, f := range files {
		ioName := importName(f, "io")
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Recv != nil || fd.Body == nil || fd.Type.TypeParams != nil {
				continue
			}
			name := fd.Name.Name
			if name == "init" || name == "main" || name == "_" || reservedNames.MatchString(name) {
				continue
			}
			fn := &function{Name: name, File: fset.Position(fd.Pos()).Filename, Line: fset.Position(fd.Pos()).Line}
			ok = true
			for _, field := range fd.Type.Params.List {
				p, good := paramOf(field.Type, ioName, shadowed)
				if !good {
					ok = false
					break
				}
				for range max(len(field.Names), 1) {
					fn.Params = append(fn.Params, p)
				}
			}
			if !ok || (!fn.fuzzable() && !fn.doesIO()) {
				continue
			}
			if fd.Type.Results != nil {
				for _, field := range fd.Type.Results.List {
					for range max(len(field.Names), 1) {
						switch t := field.Type.(type) {
						case *ast.Ident:
							if t.Name == "error" && !shadowed["error"] {
								fn.ErrorAt = append(fn.ErrorAt, fn.Results)
							}
						case *ast.FuncType, *ast.ChanType:
							fn.Unequal = append(fn.Unequal, fn.Results)
						}
						fn.Results++
					}
				}
			}
			fn.bodyLits = bodyLiterals(fd.Body)
			out = append(out, fn)
			byName[name] = fn
		}
	}
	testCalls(testFiles, byName)
	return out
}

// paramOf reads a parameter's type: a basic type, []byte, or one of the
// io interfaces (ioName is what the file calls package io; "" when it
// does not import it).
func paramOf(e ast.Expr, ioName string, shadowed map[string]bool) (param, bool) {
	switch t := e.(type) {
	case *ast.Ident:
		if basicTypes[t.Name] && !shadowed[t.Name] {
			return param{Type: t.Name, Kind: kindBasic}, true
		}
	case *ast.ArrayType:
		if el, ok := t.Elt.(*ast.Ident); ok && t.Len == nil && (el.Name == "byte" || el.Name == "uint8") && !shadowed[el.Name] {
			return param{Type: "[]byte", Kind: kindBasic}, true
		}
	case *ast.SelectorExpr:
		if x, ok := t.X.(*ast.Ident); ok && ioName != "" && x.Name == ioName {
			if k, ok := ioTypes[t.Sel.Name]; ok {
				return param{Type: "io." + t.Sel.Name, Kind: k}, true
			}
		}
	}
	return param{}, false
}

// importName is the name file f gives the package at path, "" when it
// does not import it (or imports it with a dot or a blank).
func importName(f *ast.File, path string) string {
	for _, imp := range f.Imports {
		if p, err := strconv.Unquote(imp.Path.Value); err != nil || p != path {
			continue
		}
		if imp.Name == nil {
			return filepath.Base(path)
		}
		if imp.Name.Name == "." || imp.Name.Name == "_" {
			return ""
		}
		return imp.Name.Name
	}
	return ""
}

// maxLiteral bounds the seeds taken from the code: a long literal is
// prose or data, not a realistic input.
const maxLiteral = 64

// bodyLiterals collects the short string, integer, character and float
// literals of a function body, each once, in order.
func bodyLiterals(body *ast.BlockStmt) literals {
	var l literals
	ast.Inspect(body, func(n ast.Node) bool {
		lit, ok := n.(*ast.BasicLit)
		if !ok {
			return true
		}
		switch lit.Kind {
		case token.STRING:
			if s, err := strconv.Unquote(lit.Value); err == nil && len(s) <= maxLiteral && !slices.Contains(l.strs, s) {
				l.strs = append(l.strs, s)
			}
		case token.INT:
			if v, err := strconv.ParseInt(lit.Value, 0, 64); err == nil && !slices.Contains(l.ints, v) {
				l.ints = append(l.ints, v)
			}
		case token.CHAR:
			if s, err := strconv.Unquote(lit.Value); err == nil {
				if r, _ := utf8.DecodeRuneInString(s); !slices.Contains(l.ints, int64(r)) {
					l.ints = append(l.ints, int64(r))
				}
			}
		case token.FLOAT:
			if v, err := strconv.ParseFloat(lit.Value, 64); err == nil && !slices.Contains(l.floats, v) {
				l.floats = append(l.floats, v)
			}
		}
		return true
	})
	return l
}

// testCalls records, for each function of byName, the argument lists of
// the calls the test files make to it (F(…) in the package's own tests,
// pkg.F(…) in its external ones).
func testCalls(testFiles []string, byName map[string]*function) {
	fset := token.NewFileSet()
	for _, name := range testFiles {
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		if err != nil {
			continue
		}
		external := strings.HasSuffix(f.Name.Name, "_test")
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			var callee string
			switch fun := call.Fun.(type) {
			case *ast.Ident:
				if !external {
					callee = fun.Name
				}
			case *ast.SelectorExpr:
				if _, ok := fun.X.(*ast.Ident); ok && external {
					callee = fun.Sel.Name
				}
			}
			if fn := byName[callee]; fn != nil && len(call.Args) == len(fn.Params) && call.Ellipsis == token.NoPos {
				fn.testCalls = append(fn.testCalls, call.Args)
			}
			return true
		})
	}
}

// exported is name with its first letter upper-cased: the part after
// "Fuzz" or "Test" in a generated name.
func exported(name string) string {
	r, n := utf8.DecodeRuneInString(name)
	return string(unicode.ToUpper(r)) + name[n:]
}
