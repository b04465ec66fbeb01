package stdapi

import (
	"cmp"
	"fmt"
	"go/ast"
	"go/build/constraint"
	"go/token"
	"go/types"
	"go/version"
	"slices"
	"strconv"
	"strings"
)

// Use is one too-new use found in code.
type Use struct {
	Pos    token.Position // file:line:col of the symbol's identifier
	Symbol string         // "reflect.Pointer", "strings.Builder.Grow", "net/http.Server.Protocols" (package path, type, member)
	Since  string         // "go1.18"
	Module string         // the module's go version, "go1.12"
	// Build is the Go version a //go:build line requires of the file, when
	// it is newer than Module ("go1.20"); the use is too new even for it.
	Build string
}

// String formats u as a compiler-style diagnostic:
// "x.go:12:9: reflect.Pointer requires go1.18, but go.mod declares go 1.12".
func (u Use) String() string {
	module := "go " + strings.TrimPrefix(u.Module, "go")
	if u.Build != "" {
		return fmt.Sprintf("%v: %s requires %s, but the file's //go:build line requires only %s (go.mod declares %s)",
			u.Pos, u.Symbol, u.Since, u.Build, module)
	}
	return fmt.Sprintf("%v: %s requires %s, but go.mod declares %s", u.Pos, u.Symbol, u.Since, module)
}

// Check reports every use, in the given files of a type-checked package, of a standard-library symbol
// newer than goVersion ("1.12", "1.21.3", or "go1.12" forms all accepted; anything else reports nothing).
// Only uses whose position is in lines[filename] are reported when lines is non-nil (filename as in
// token.Position.Filename, lines 1-based); lines == nil means report all uses.
//
// It reads info.Uses (qualified identifiers, composite-literal keys, the selected name of x.f) and
// info.Selections (method calls and field accesses, including promoted ones, where the manifest entry of
// the receiver's type is preferred: testing.T.TempDir is go1.15 though the method is declared on an
// unexported type, and os.FileInfo.IsDir is go1 though io/fs.FileInfo arrived in go1.16).
//
// Files with a //go:build constraint requiring a newer go version (e.g. //go:build go1.21) are exempt for
// symbols up to that version (that is how code legitimately uses newer APIs). As in go vet's stdversion,
// a field or method of a type that is itself too new is not reported: the type is reported where it is
// named, and a compatibility shim selected by build tags may provide the member on older releases.
// Generated files ("// Code generated ... DO NOT EDIT.") are skipped, except for code a //line directive
// maps back to another file (cgo's rewrite of user files): the rest is its generator's business, and often
// the toolchain's own (the test main uses testing.InternalFuzzTarget, cgo's types runtime/cgo.Incomplete).
// Language features (min, max, clear, unsafe.Slice, range-over-func) are the compiler's -lang business
// and are not reported here.
func (m *Manifest) Check(fset *token.FileSet, files []*ast.File, info *types.Info, goVersion string, lines map[string]map[int]bool) []Use {
	module, modMinor, ok := parseGoVersion(goVersion)
	if !ok || info == nil {
		return nil
	}
	c := &checker{m: m, fset: fset, info: info, lines: lines, self: checkedPackage(files, info),
		owners: make(map[*types.Package]map[*types.Var]*types.TypeName)}
	for _, f := range files {
		fv := fileVersion{module: module, minor: modMinor, generated: ast.IsGenerated(f)}
		if v, ok := buildVersion(f); ok && v > modMinor {
			fv.minor, fv.build = v, release(v)
		}
		if fv.minor >= m.latest {
			continue // nothing in the manifest is newer
		}
		c.file(f, fv)
	}
	slices.SortFunc(c.uses, func(a, b Use) int {
		return cmp.Or(
			cmp.Compare(a.Pos.Filename, b.Pos.Filename),
			cmp.Compare(a.Pos.Line, b.Pos.Line),
			cmp.Compare(a.Pos.Column, b.Pos.Column),
			cmp.Compare(a.Symbol, b.Symbol))
	})
	return c.uses
}

// checkedPackage returns the package files belong to, found through their
// package-level declarations, or nil.
func checkedPackage(files []*ast.File, info *types.Info) *types.Package {
	for _, f := range files {
		for _, d := range f.Decls {
			var name *ast.Ident
			switch d := d.(type) {
			case *ast.FuncDecl:
				name = d.Name
			case *ast.GenDecl:
				for _, spec := range d.Specs {
					switch spec := spec.(type) {
					case *ast.TypeSpec:
						name = spec.Name
					case *ast.ValueSpec:
						name = spec.Names[0]
					}
				}
			}
			if obj := info.Defs[name]; name != nil && obj != nil && obj.Pkg() != nil {
				return obj.Pkg()
			}
		}
	}
	return nil
}

// parseGoVersion accepts "1.12", "1.21.3", "go1.12" and returns the
// version with its "go" prefix and its minor release.
func parseGoVersion(v string) (string, int, bool) {
	v = strings.TrimSpace(v)
	if !strings.HasPrefix(v, "go") {
		v = "go" + v
	}
	if !version.IsValid(v) {
		return "", 0, false
	}
	minor, ok := langMinor(version.Lang(v))
	if !ok {
		return "", 0, false
	}
	return v, minor, true
}

// langMinor returns N for "go1.N" and 0 for "go1".
func langMinor(lang string) (int, bool) {
	rest, ok := strings.CutPrefix(lang, "go1")
	if !ok {
		return 0, false
	}
	if rest == "" {
		return 0, true
	}
	n, err := strconv.Atoi(strings.TrimPrefix(rest, "."))
	return n, err == nil && rest[0] == '.' && n >= 0
}

// buildVersion returns the minor Go release a file's build constraint
// requires (//go:build go1.21 && linux requires 21), if any.
func buildVersion(f *ast.File) (int, bool) {
	var plus constraint.Expr // legacy "// +build" lines, ANDed
	for _, g := range f.Comments {
		if g.End() >= f.Package {
			break
		}
		for _, c := range g.List {
			switch {
			case constraint.IsGoBuild(c.Text):
				x, err := constraint.Parse(c.Text)
				if err != nil {
					return 0, false
				}
				return langMinor(constraint.GoVersion(x))
			case constraint.IsPlusBuild(c.Text):
				x, err := constraint.Parse(c.Text)
				if err != nil {
					continue
				}
				if plus == nil {
					plus = x
				} else {
					plus = &constraint.AndExpr{X: plus, Y: x}
				}
			}
		}
	}
	if plus == nil {
		return 0, false
	}
	return langMinor(constraint.GoVersion(plus))
}

// fileVersion is the Go version in force in one file.
type fileVersion struct {
	module string // "go1.12"
	minor  int    // the larger of the module's and the //go:build line's
	build  string // "go1.20" when the //go:build line raised minor
	// generated is set for files marked "Code generated ... DO NOT EDIT."
	generated bool
}

// checker is the state of one Check call.
type checker struct {
	m     *Manifest
	fset  *token.FileSet
	info  *types.Info
	lines map[string]map[int]bool
	// self is the package being checked: its own symbols are never too
	// new for it, even when it is a std package.
	self *types.Package
	// owners maps the fields of a std package's struct types to the type
	// declaring them, built on first use of the package.
	owners map[*types.Package]map[*types.Var]*types.TypeName
	uses   []Use
}

// file reports the too-new uses in f.
func (c *checker) file(f *ast.File, fv fileVersion) {
	var visit func(n ast.Node) bool
	visit = func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.SelectorExpr:
			if sel, ok := c.info.Selections[n]; ok {
				c.selection(n, sel, fv)
				ast.Inspect(n.X, visit)
				return false // n.Sel is done
			}
		case *ast.Ident:
			if obj, ok := c.info.Uses[n]; ok {
				c.use(n, obj, fv)
			}
		}
		return true
	}
	ast.Inspect(f, visit)
}

// use checks an identifier that is not the selector of a recorded
// selection: a qualified identifier, a composite-literal key, or any name
// when info.Selections is not populated.
func (c *checker) use(id *ast.Ident, obj types.Object, fv fileVersion) {
	pkg := obj.Pkg()
	if pkg == nil || pkg == c.self || !c.m.packages[pkg.Path()] {
		return
	}
	switch obj := obj.(type) {
	case *types.Func:
		if obj.Signature().Recv() != nil {
			if owner := c.declaringType(obj); owner != nil {
				c.member(id.Pos(), []*types.TypeName{owner}, obj.Name(), fv)
			}
			return
		}
	case *types.Var:
		if obj.IsField() {
			if owner := c.declaringType(obj); owner != nil {
				c.member(id.Pos(), []*types.TypeName{owner}, obj.Name(), fv)
			}
			return
		}
	case *types.Const, *types.TypeName:
	default:
		return // package names, labels, builtins (unsafe.Slice is the compiler's concern)
	}
	if pkg.Scope().Lookup(obj.Name()) != obj {
		return // local
	}
	minor, ok := c.m.lookup(pkg.Path(), "", obj.Name())
	if ok && minor > fv.minor {
		c.report(id.Pos(), pkg.Path()+"."+obj.Name(), minor, fv)
	}
}

// selection checks x.f: the member f, and the embedded fields the selection
// goes through implicitly.
func (c *checker) selection(n *ast.SelectorExpr, sel *types.Selection, fv fileVersion) {
	obj := sel.Obj()
	if obj.Pkg() == nil || obj.Pkg() == c.self || !c.m.packages[obj.Pkg().Path()] {
		return // a user type's member, or error.Error
	}
	// holders lists, outermost first, the named types (and std aliases
	// naming them) along the path from the receiver to the member's
	// declaration. The manifest lists promoted members, so the first
	// holder the manifest knows dates this selection.
	var holders []*types.TypeName
	t := sel.Recv()
	path := sel.Index()
	var implicit []*types.Var // embedded fields traversed, with their holders
	var implicitHolders []*types.TypeName
	for i, index := range path {
		tn, alias := holder(t)
		if alias != nil {
			holders = append(holders, alias)
		}
		if tn != nil {
			holders = append(holders, tn)
		}
		if i == len(path)-1 {
			break
		}
		st, ok := deref(t).Underlying().(*types.Struct)
		if !ok || index >= st.NumFields() {
			return // not a well-typed path
		}
		f := st.Field(index)
		implicit = append(implicit, f)
		implicitHolders = append(implicitHolders, tn)
		t = f.Type()
	}
	// The declaring type comes last, for receivers that name no type
	// (type parameters).
	if owner := c.declaringType(obj); owner != nil && !slices.Contains(holders, owner) {
		holders = append(holders, owner)
	}
	if c.member(n.Sel.Pos(), holders, obj.Name(), fv) {
		return
	}
	for i, f := range implicit {
		if implicitHolders[i] != nil && c.member(n.Sel.Pos(), implicitHolders[i:i+1], f.Name(), fv) {
			return
		}
	}
}

// member reports name as a member of the first of holders the manifest
// lists it for, if it is too new while its holder is not. It reports
// whether it reported a use.
func (c *checker) member(pos token.Pos, holders []*types.TypeName, name string, fv fileVersion) bool {
	for _, h := range holders {
		if h.Pkg() == nil || h.Pkg() == c.self || !c.m.packages[h.Pkg().Path()] {
			continue
		}
		minor, ok := c.m.earliest(h.Pkg().Path(), h.Name(), name)
		if !ok {
			continue
		}
		if minor <= fv.minor {
			return false
		}
		if tminor, ok := c.m.earliest(h.Pkg().Path(), "", h.Name()); ok && tminor > fv.minor {
			return false // the type is too new itself
		}
		c.report(pos, h.Pkg().Path()+"."+h.Name()+"."+name, minor, fv)
		return true
	}
	return false
}

// report records a use at pos unless the lines filter excludes it.
func (c *checker) report(pos token.Pos, symbol string, minor int, fv fileVersion) {
	p := c.fset.Position(pos)
	if fv.generated && p.Filename == c.fset.PositionFor(pos, false).Filename {
		// Generated code is its generator's business, and often the
		// toolchain's own (the test main, cgo's _cgo_gotypes.go), written
		// for the toolchain at hand. Code that a //line directive maps
		// back to a source file (cgo's rewrite of user files) is checked.
		return
	}
	if c.lines != nil && !c.lines[p.Filename][p.Line] {
		return
	}
	c.uses = append(c.uses, Use{Pos: p, Symbol: symbol, Since: release(minor), Module: fv.module, Build: fv.build})
}

// declaringType returns the package-level type declaring a method or
// field, or nil.
func (c *checker) declaringType(obj types.Object) *types.TypeName {
	switch obj := obj.(type) {
	case *types.Func:
		if recv := obj.Origin().Signature().Recv(); recv != nil {
			return namedTypeName(recv.Type())
		}
	case *types.Var:
		if obj.IsField() {
			return c.fieldOwner(obj.Origin())
		}
	}
	return nil
}

// fieldOwner returns the package-level struct type declaring field f.
func (c *checker) fieldOwner(f *types.Var) *types.TypeName {
	pkg := f.Pkg()
	owners, ok := c.owners[pkg]
	if !ok {
		owners = make(map[*types.Var]*types.TypeName)
		scope := pkg.Scope()
		for _, name := range scope.Names() {
			tn, ok := scope.Lookup(name).(*types.TypeName)
			if !ok || tn.IsAlias() {
				continue
			}
			if st, ok := tn.Type().Underlying().(*types.Struct); ok {
				for i := range st.NumFields() {
					owners[st.Field(i)] = tn
				}
			}
		}
		c.owners[pkg] = owners
	}
	return owners[f]
}

// holder returns the declared type a selection step goes through and, if
// it was spelled through an alias, the alias.
func holder(t types.Type) (named, alias *types.TypeName) {
	if a, ok := t.(*types.Alias); ok {
		alias = a.Obj()
	}
	t = types.Unalias(t)
	if p, ok := t.(*types.Pointer); ok {
		t = p.Elem()
		if a, ok := t.(*types.Alias); ok {
			alias = a.Obj()
		}
	}
	return namedTypeName(t), alias
}

// namedTypeName returns the generic origin's name of a (pointer to a) named type.
func namedTypeName(t types.Type) *types.TypeName {
	if n, ok := deref(t).(*types.Named); ok {
		return n.Origin().Obj()
	}
	return nil
}

// deref strips aliases and one pointer.
func deref(t types.Type) types.Type {
	t = types.Unalias(t)
	if p, ok := t.(*types.Pointer); ok {
		return types.Unalias(p.Elem())
	}
	return t
}
