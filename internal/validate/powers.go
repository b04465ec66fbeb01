package validate

import (
	"context"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/agentic-optimizer/optimizer/internal/diff"
)

// Powers: what a patch may not make code do. forbiddenImports keeps new
// imports of the dangerous packages out of non-test code, but a file
// reaches the same powers through packages it already imports or may
// always import (os.StartProcess; syscall.Exec in a file that imports
// syscall; more unsafe in a file that has it) and through the compiler
// (cgo, //go:linkname). These checks, part of the policy level, compare
// each Go file the patch leaves with its base version and reject what the
// patch adds:
//
//   - in non-test code, process execution (os.StartProcess, anything of
//     os/exec or golang.org/x/sys/execabs, the exec, fork, spawn, raw
//     system call and DLL loading functions of syscall and
//     golang.org/x/sys/unix and windows), plugin.Open, and references to
//     package unsafe;
//   - in any Go file, tests too: cgo (import "C", references to C.name, a
//     changed preamble, //go:cgo_ directives), //go:linkname, which binds a
//     name to unexported code of any package (a test file that rewires the
//     runtime or testing can fake the verdict), and //go:norace and
//     //go:nocheckptr, which hide code from the checks of the unit level's
//     -race build;
//   - assembly, C and object files, which the go command builds into a
//     package beside its Go files.
//
// "Adds" is counted: each use has a key ("os.StartProcess", "//go:linkname
// f runtime.g"; every reference to unsafe shares the key "unsafe", so that
// rewriting one unsafe expression into another, as the modernize suite's
// unsafefuncs does, is no addition), and a patch adds what the patched
// file holds more of than the base file. Moving a call within a file is
// not adding one; a second call is. A package is known by its import
// path whatever its local name, renamed and dot imports included; a local
// variable that shadows an import's name is not told apart, which errs on
// the side of rejecting.

// Why each power is refused: the second half of a rejection.
const (
	whyExec     = "a patch may not add process execution (optimizations never need it)"
	whyPlugin   = "a patch may not load plugins (optimizations never need it)"
	whyUnsafe   = "a patch may not add references to package unsafe (no test shows that a pointer conversion is memory-safe: keep to safe Go)"
	whyCgo      = "a patch may not add cgo (C code is beyond what the levels check: keep to Go)"
	whyLinkname = "a patch may not add //go:linkname directives (they bind names to unexported code of other packages, the runtime's and testing's included, and can fake the verdict: call exported API)"
	whyNorace   = "a patch may not hide code from the race detector that the unit level runs (remove the directive)"
	whyNocheck  = "a patch may not turn off the pointer checks of the unit level's -race build (remove the directive)"
	whyNative   = "a patch may not add or change code that the go command builds beside Go (write it in Go)"
)

// Keys that are not a package's name.
const (
	keyUnsafe   = "unsafe"
	keyImportC  = `import "C"`
	keyPreamble = "cgo preamble\n" // followed by the preamble's text
)

// guard says which exported names of a guarded package a patch may not add
// references to in non-test code.
type guard struct {
	// match reports whether a name counts; nil means every name does.
	match func(name string) bool
	// names are the package's exported names, for a nil match: those a
	// dot import makes unqualified.
	names []string
	// key, when set, counts every reference under one key instead of
	// pkg.Name.
	key string
	why string
}

// counts reports whether a reference to name counts, qualified or (dot)
// not.
func (g guard) counts(name string, qualified bool) bool {
	if g.match != nil {
		return g.match(name)
	}
	return qualified || slices.Contains(g.names, name)
}

// execNames are the exported names of os/exec, and of
// golang.org/x/sys/execabs, which mirrors it.
var execNames = []string{"Cmd", "Command", "CommandContext", "ErrDot", "ErrNotFound", "ErrWaitDelay", "Error", "ExitError", "LookPath"}

// guards are the packages whose references non-test code may not add, by
// import path.
var guards = map[string]guard{
	"os":                       {match: named("StartProcess"), why: whyExec},
	"os/exec":                  {names: execNames, why: whyExec},
	"golang.org/x/sys/execabs": {names: execNames, why: whyExec},
	"syscall":                  {match: spawns, why: whyExec},
	"golang.org/x/sys/unix":    {match: spawns, why: whyExec},
	"golang.org/x/sys/windows": {match: spawns, why: whyExec},
	"plugin":                   {match: named("Open"), why: whyPlugin},
	"unsafe": {
		names: []string{"Add", "Alignof", "Offsetof", "Pointer", "Sizeof", "Slice", "SliceData", "String", "StringData"},
		key:   keyUnsafe, why: whyUnsafe,
	},
}

func named(names ...string) func(string) bool {
	return func(name string) bool { return slices.Contains(names, name) }
}

// spawns matches the functions of syscall and golang.org/x/sys/... that run
// a program, fork, load native code or make a raw system call.
func spawns(name string) bool {
	switch name {
	case "Exec", "ForkExec", "StartProcess", "CreateProcess", "CreateProcessAsUser", "ShellExecute",
		"LoadDLL", "MustLoadDLL", "NewLazyDLL", "NewLazySystemDLL", "LoadLibrary", "LoadLibraryEx", "GetProcAddress":
		return true
	}
	return strings.Contains(name, "Syscall") // Syscall6, RawSyscall, SyscallN, AllThreadsSyscall, …
}

// use is one place where a file reaches for a guarded power.
type use struct {
	key  string // what is counted
	line int
	what string // what the code does there: "calls os.StartProcess"
	why  string
}

// message is the finding's text: what and why.
func (u use) message() string { return u.what + ": " + u.why }

// powerProblems reports what f, as the patch left it, adds of the guarded
// powers, and records each as a finding.
func (c *pass) powerProblems(ctx context.Context, f diff.File) []string {
	p := f.NewPath
	if p == "" || ignoredByGo(p) {
		return nil
	}
	var uses []use
	switch {
	case strings.HasSuffix(p, ".go"):
		src, err := os.ReadFile(c.abs(p))
		if err != nil {
			return nil // the syntax level reports unreadable files
		}
		uses = addedPowers(p, c.baseSource(ctx, f), src, diff.ChangedLines([]diff.File{f})[p])
	case nativeKind(p) != "":
		verb, line := "changes", 1
		if c.baseSource(ctx, f) == nil {
			verb = "adds"
		}
		for _, h := range f.Hunks {
			if len(h.Added) > 0 {
				line = h.Added[0].N
				break
			}
		}
		uses = []use{{line: line, what: verb + " " + nativeKind(p), why: whyNative}}
	}
	var problems []string
	for _, u := range uses {
		problems = append(problems, fmt.Sprintf("%s:%d: %s", p, u.line, u.message()))
		c.report(Finding{File: p, Line: u.line, Message: u.message()})
	}
	return problems
}

// ignoredByGo reports whether the go command leaves a repository-relative
// path out of every build: under testdata, or in a file or directory whose
// name starts with "_" or ".".
func ignoredByGo(p string) bool {
	for _, seg := range strings.Split(p, "/") {
		if seg == "testdata" || strings.HasPrefix(seg, "_") || strings.HasPrefix(seg, ".") {
			return true
		}
	}
	return false
}

// nativeKind names the kind of a file that the go command builds into a
// package beside its Go files (go/build's list), or "" for any other.
func nativeKind(p string) string {
	switch path.Ext(p) {
	case ".s", ".S", ".sx":
		return "assembly source"
	case ".c", ".cc", ".cpp", ".cxx", ".m", ".h", ".hh", ".hpp", ".hxx", ".f", ".F", ".for", ".f90":
		return "C, C++, Objective-C or Fortran source"
	case ".swig", ".swigcxx":
		return "SWIG source"
	case ".syso":
		return "object file"
	}
	return ""
}

// addedPowers compares the source of a Go file before (nil for a new
// file) and after the patch and returns the uses of guarded powers that
// the patch adds, in line order. Of several uses under one key, those on
// the lines the patch added (added) are the ones reported. A file that
// does not parse after the patch is the syntax level's to report.
func addedPowers(name string, before, after []byte, added map[int]bool) []use {
	test := strings.HasSuffix(name, "_test.go")
	fset := token.NewFileSet()
	now, err := parser.ParseFile(fset, name, after, parser.ParseComments|parser.SkipObjectResolution)
	if err != nil {
		return nil
	}
	had := map[string]int{}
	if before != nil {
		bset := token.NewFileSet()
		if was, err := parser.ParseFile(bset, name, before, parser.ParseComments|parser.SkipObjectResolution); err == nil {
			for _, u := range powerUses(bset, was, test) {
				had[u.key]++
			}
		}
	}
	byKey := map[string][]use{}
	var keys []string
	for _, u := range powerUses(fset, now, test) {
		if byKey[u.key] == nil {
			keys = append(keys, u.key)
		}
		byKey[u.key] = append(byKey[u.key], u)
	}
	newCgo := len(byKey[keyImportC]) > had[keyImportC]
	var out []use
	for _, k := range keys {
		us := byKey[k]
		extra := len(us) - had[k]
		if extra <= 0 || newCgo && strings.HasPrefix(k, keyPreamble) {
			continue // the new import "C" says it already
		}
		// Uses on added lines first, then the last ones.
		slices.Reverse(us)
		slices.SortStableFunc(us, func(a, b use) int {
			switch {
			case added[a.line] == added[b.line]:
				return 0
			case added[a.line]:
				return -1
			}
			return 1
		})
		out = append(out, us[:extra]...)
	}
	slices.SortStableFunc(out, func(a, b use) int { return a.line - b.line })
	return out
}

// powerUses lists the places where a parsed Go file reaches for a guarded
// power. In a test file only cgo and the directives count.
func powerUses(fset *token.FileSet, f *ast.File, test bool) []use {
	sc := &useScan{fset: fset, pkgs: map[string]string{}}
	sc.directives(f)
	sc.imports(f, test)
	if len(sc.pkgs) > 0 || len(sc.dots) > 0 {
		sc.references(f)
	}
	return sc.uses
}

// useScan collects the guarded uses of one file.
type useScan struct {
	fset *token.FileSet
	uses []use
	// pkgs maps the local name of each guarded import to its path; dots
	// lists the guarded packages imported with a dot.
	pkgs map[string]string
	dots []string
}

func (sc *useScan) add(pos token.Pos, key, what, why string) {
	sc.uses = append(sc.uses, use{key: key, line: sc.fset.Position(pos).Line, what: what, why: why})
}

// directives records the //go: directives that reach past the language.
func (sc *useScan) directives(f *ast.File) {
	for _, g := range f.Comments {
		for _, c := range g.List {
			// The compiler reads //go:name directives by fields:
			// "//go:linkname\tf runtime.g" is one.
			fields := strings.Fields(strings.TrimPrefix(c.Text, "//"))
			if !strings.HasPrefix(c.Text, "//go:") || len(fields) == 0 {
				continue
			}
			text := "//" + strings.Join(fields, " ")
			switch name := strings.TrimPrefix(fields[0], "go:"); {
			case name == "linkname":
				sc.add(c.Slash, text, "adds "+text, whyLinkname)
			case name == "norace":
				sc.add(c.Slash, text, "adds "+text, whyNorace)
			case name == "nocheckptr":
				sc.add(c.Slash, text, "adds "+text, whyNocheck)
			case strings.HasPrefix(name, "cgo_"):
				sc.add(c.Slash, text, "adds "+text, whyCgo)
			}
		}
	}
}

// imports records import "C" with its preamble, and the local names of
// the guarded packages a non-test file imports.
func (sc *useScan) imports(f *ast.File, test bool) {
	for _, d := range f.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok || gd.Tok != token.IMPORT {
			continue
		}
		for _, s := range gd.Specs {
			spec := s.(*ast.ImportSpec)
			p, err := strconv.Unquote(spec.Path.Value)
			if err != nil {
				continue
			}
			if p == "C" {
				sc.importC(gd, spec)
				continue
			}
			if _, ok := guards[p]; !ok || test {
				continue
			}
			name := path.Base(p)
			if spec.Name != nil {
				name = spec.Name.Name
			}
			switch name {
			case "_":
			case ".":
				sc.dots = append(sc.dots, p)
			default:
				sc.pkgs[name] = p
			}
		}
	}
}

// importC records import "C" and its preamble: the comment right before
// the import, as cmd/cgo reads it.
func (sc *useScan) importC(gd *ast.GenDecl, spec *ast.ImportSpec) {
	sc.add(spec.Pos(), keyImportC, `imports "C"`, whyCgo)
	doc := spec.Doc
	if doc == nil && len(gd.Specs) == 1 {
		doc = gd.Doc
	}
	if doc != nil {
		var text []string
		for _, c := range doc.List {
			text = append(text, c.Text)
		}
		sc.add(doc.Pos(), keyPreamble+strings.Join(text, "\n"), "changes the cgo preamble", whyCgo)
	}
	sc.pkgs["C"] = "C"
}

// count records a reference to name of the package at path p.
func (sc *useScan) count(pos token.Pos, p, name string, qualified, called bool) {
	if p == "C" {
		sc.add(pos, "C."+name, "uses C."+name, whyCgo)
		return
	}
	g := guards[p]
	if !g.counts(name, qualified) {
		return
	}
	ref := path.Base(p) + "." + name
	key := g.key
	if key == "" {
		key = ref
	}
	verb := "uses "
	if called && g.key == "" {
		verb = "calls "
	}
	sc.add(pos, key, verb+ref, g.why)
}

// references records each reference to a member of a guarded package.
func (sc *useScan) references(f *ast.File) {
	calls := map[ast.Expr]bool{} // the callees seen so far
	// skip holds identifiers that name no package member even when they
	// match one: selected fields and methods, declared functions, methods
	// and fields, composite literal keys.
	skip := map[*ast.Ident]bool{f.Name: true}
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.ImportSpec:
			return false
		case *ast.CallExpr:
			calls[ast.Unparen(n.Fun)] = true
		case *ast.SelectorExpr:
			skip[n.Sel] = true
			if id, ok := n.X.(*ast.Ident); ok {
				if p, ok := sc.pkgs[id.Name]; ok {
					sc.count(n.Pos(), p, n.Sel.Name, true, calls[n])
				}
			}
		case *ast.FuncDecl:
			skip[n.Name] = true
		case *ast.Field:
			for _, id := range n.Names {
				skip[id] = true
			}
		case *ast.CompositeLit:
			for _, e := range n.Elts {
				if kv, ok := e.(*ast.KeyValueExpr); ok {
					if id, ok := kv.Key.(*ast.Ident); ok {
						skip[id] = true
					}
				}
			}
		case *ast.Ident:
			if !skip[n] && n.IsExported() {
				for _, p := range sc.dots {
					sc.count(n.Pos(), p, n.Name, false, calls[n])
				}
			}
		}
		return true
	})
}
