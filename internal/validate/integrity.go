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

// Benchmark integrity: under the speed and allocs objectives a candidate
// is judged by the base's benchmarks, so it must not be able to look
// faster without being faster. The performance level builds the
// candidate's benchmarks from the base's test files whatever the patch
// does to them; these checks, part of the policy level, close the other
// doors that can be seen in the source:
//
//   - editing or deleting the base's _test.go files, or the testdata/
//     that benchmarks read;
//   - detecting the benchmark from non-test code (testing.Testing, an
//     import of testing, the test binary's flags or os.Args, the call
//     stack) to skip work under testing.B;
//   - memoizing results across calls in package-level state, so that a
//     benchmark repeating one input measures a map lookup.
//
// A candidate that gets past them still has to pass the unit level with
// the base's tests, which run on inputs it cannot know.

// detectors are references that let non-test code find out it runs under
// a test or benchmark: import path, then selected name.
var detectors = map[string][]string{
	"testing":       {"*"},
	"flag":          {"Lookup", "Parsed", "CommandLine", "Args", "Arg", "NArg", "Visit", "VisitAll"},
	"os":            {"Args", "Executable"},
	"runtime":       {"Caller", "Callers", "Stack", "FuncForPC"},
	"runtime/debug": {"Stack", "PrintStack"},
}

// integrityProblems checks the patch for the ways to game a benchmark that
// can be seen in the source. Only the speed and allocs objectives need it.
func (c *candidate) integrityProblems(ctx context.Context) []string {
	if c.v.Objective == "quality" {
		return nil
	}
	var problems []string
	for _, f := range c.files {
		p := f.Path()
		switch why := Refuses(c.v.Objective, p, f.OldPath != ""); {
		case why != "":
			problems = append(problems, p+": "+why)
		case f.NewPath != "" && strings.HasSuffix(f.NewPath, ".go") && !strings.HasSuffix(f.NewPath, "_test.go"):
			problems = append(problems, c.gaming(ctx, f)...)
		}
	}
	return problems
}

// Refuses says why the policy level refuses any patch that changes the
// file at the repository-relative path p under objective ("" when it may
// change it), whatever the change: under speed and allocs a candidate is
// judged by the base's tests and benchmarks, so it may not change an
// existing _test.go file (existed) or anything in testdata. A method can
// drop such changes before asking for a validation.
func Refuses(objective, p string, existed bool) string {
	if objective == "quality" {
		return ""
	}
	switch {
	case strings.HasSuffix(p, "_test.go") && existed:
		return "a patch judged by the base's tests and benchmarks may not change them (benchmark integrity)"
	case slices.Contains(strings.Split(path.Dir(p), "/"), "testdata"):
		return "a patch judged by benchmarks may not change their testdata (benchmark integrity)"
	}
	return ""
}

// gaming compares a changed non-test file with its base version and
// reports what the patch adds that could tell a benchmark apart from real
// use or remember answers across calls.
func (c *candidate) gaming(ctx context.Context, f diff.File) []string {
	now, err := os.ReadFile(c.abs(f.NewPath))
	if err != nil {
		return nil // the syntax level reports unreadable files
	}
	return gamingProblems(f.NewPath, c.baseSource(ctx, f), now)
}

// gamingProblems compares the source of a non-test file before (nil for a
// new file) and after the patch.
func gamingProblems(name string, before, after []byte) []string {
	now, err := parser.ParseFile(token.NewFileSet(), name, after, parser.SkipObjectResolution)
	if err != nil {
		return nil // the syntax level reports files that do not parse
	}
	var was *ast.File
	if before != nil {
		was, _ = parser.ParseFile(token.NewFileSet(), name, before, parser.SkipObjectResolution)
	}
	var problems []string
	had := detectorUses(was)
	for use, n := range detectorUses(now) {
		legit := now.Name.Name == "main" && (strings.HasPrefix(use, "os.") || strings.HasPrefix(use, "flag."))
		if n > had[use] && !legit {
			problems = append(problems, fmt.Sprintf("%s: adds a use of %s, which lets code tell a benchmark from real use (benchmark integrity)", name, use))
		}
	}
	had = cacheWrites(was)
	for v, n := range cacheWrites(now) {
		if n > had[v] {
			problems = append(problems, fmt.Sprintf("%s: writes results into the package-level map %s, so a benchmark repeating one input would measure the cache, not the code (benchmark integrity)", name, v))
		}
	}
	slices.Sort(problems)
	return problems
}

// detectorUses counts the references of a file to the detectors, keyed
// "pkg.Name".
func detectorUses(f *ast.File) map[string]int {
	uses := map[string]int{}
	if f == nil {
		return uses
	}
	local := map[string]string{} // local name → import path
	for _, spec := range f.Imports {
		p, err := strconv.Unquote(spec.Path.Value)
		if err != nil || detectors[p] == nil {
			continue
		}
		name := path.Base(p)
		if spec.Name != nil {
			name = spec.Name.Name
		}
		local[name] = p
	}
	ast.Inspect(f, func(n ast.Node) bool {
		sel, ok := n.(*ast.SelectorExpr)
		if !ok {
			return true
		}
		id, ok := sel.X.(*ast.Ident)
		if !ok {
			return true
		}
		p, ok := local[id.Name]
		if !ok {
			return true
		}
		names := detectors[p]
		if slices.Contains(names, "*") || slices.Contains(names, sel.Sel.Name) {
			uses[path.Base(p)+"."+sel.Sel.Name]++
		}
		return true
	})
	return uses
}

// cacheWrites counts, per package-level variable of map or sync.Map type
// declared in the file, the places inside functions that store into it.
func cacheWrites(f *ast.File) map[string]int {
	writes := map[string]int{}
	if f == nil {
		return writes
	}
	vars := map[string]bool{}
	for _, d := range f.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok || gd.Tok != token.VAR {
			continue
		}
		for _, s := range gd.Specs {
			vs := s.(*ast.ValueSpec)
			for i, name := range vs.Names {
				var init ast.Expr
				if i < len(vs.Values) {
					init = vs.Values[i]
				}
				if isMapish(vs.Type) || isMapish(init) {
					vars[name.Name] = true
				}
			}
		}
	}
	if len(vars) == 0 {
		return writes
	}
	for _, d := range f.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok || fd.Body == nil {
			continue
		}
		ast.Inspect(fd.Body, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.AssignStmt:
				for _, lhs := range n.Lhs {
					if ix, ok := lhs.(*ast.IndexExpr); ok {
						if id, ok := ix.X.(*ast.Ident); ok && vars[id.Name] {
							writes[id.Name]++
						}
					}
				}
			case *ast.CallExpr:
				if sel, ok := n.Fun.(*ast.SelectorExpr); ok {
					if id, ok := sel.X.(*ast.Ident); ok && vars[id.Name] {
						switch sel.Sel.Name {
						case "Store", "LoadOrStore", "LoadAndStore", "Swap", "CompareAndSwap":
							writes[id.Name]++
						}
					}
				}
			}
			return true
		})
	}
	return writes
}

// isMapish reports whether a type or initializer is a map or a sync.Map.
func isMapish(e ast.Expr) bool {
	switch e := e.(type) {
	case *ast.MapType:
		return true
	case *ast.SelectorExpr:
		id, ok := e.X.(*ast.Ident)
		return ok && id.Name == "sync" && e.Sel.Name == "Map"
	case *ast.CompositeLit:
		return isMapish(e.Type)
	case *ast.CallExpr:
		if id, ok := e.Fun.(*ast.Ident); ok && id.Name == "make" && len(e.Args) > 0 {
			return isMapish(e.Args[0])
		}
	case *ast.UnaryExpr:
		return isMapish(e.X)
	}
	return false
}
