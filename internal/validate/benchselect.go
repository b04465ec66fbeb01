package validate

import (
	"context"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/agentic-optimizer/optimizer/internal/source"
)

// loopRuns are the two fixed iteration counts (-test.benchtime=<n>x) at
// which selectBenchmarks runs each benchmark, to tell the code its
// measured loop runs from the code it runs once: at init, or in its setup
// before the loop. Code that no measured loop runs costs the same on
// either side at any b.N; a benchmark that runs it only in its setup
// measures noise, and at α = 0.05 noise is "significant" one row in
// twenty.
//
// The testing package (B.run1, then B.launch in testing/benchmark.go)
// calls a b.N benchmark function once with b.N = 1 and, for n > 1, once
// more with b.N = n: n+1 iterations in two calls. A benchmark that loops
// on b.Loop is called once and its loop runs n times. So from n = 2 on a
// benchmark's setup runs as often (twice, or once) at either count, and
// only its loop runs more: the difference of a block's counts between
// the two runs, over the difference of n, is its count per iteration of
// the loop, whichever style the benchmark uses (see perIteration).
// Against 1x it would not be: a b.N benchmark is called once at 1x, so
// its setup would count as loop. Sub-benchmarks (b.Run) follow the same
// rules under a parent that is called once.
//
// Two iterations apart: code the loop runs every iteration, or every
// other one, is seen; code it runs only every k > 2 iterations (a flush
// per 16 items, input i%5 of a table) may not be.
var loopRuns = [2]int{2, 4}

// blockSpan is a coverage block of a changed file.
type blockSpan struct {
	file                                 string // repository-relative
	startLine, startCol, endLine, endCol int
}

// blockCounts are the execution counts (-covermode=atomic) of the
// coverage blocks that span a changed line.
type blockCounts map[blockSpan]int

// perIteration is each block's count per iteration of a benchmark's
// measured loop, from its counts at lo and hi iterations (the loopRuns:
// 2 ≤ lo < hi): what the loop adds between the two runs, shared out over
// the iterations it added. Init and setup run as often in both runs and
// cancel. A count that fell (code whose runs vary from run to run) is 0.
func perIteration(lo, hi blockCounts, nlo, nhi int) map[blockSpan]float64 {
	out := map[blockSpan]float64{}
	for b, n := range hi {
		out[b] = max(0, float64(n-lo[b])/float64(nhi-nlo))
	}
	return out
}

// inLoop reports whether a benchmark's measured loop runs a changed block.
func inLoop(per map[blockSpan]float64) bool {
	for _, n := range per {
		if n > 0 {
			return true
		}
	}
	return false
}

// exceeds reports whether some block ran more often in a than in b.
func exceeds(a, b blockCounts) bool {
	for s, n := range a {
		if n > b[s] {
			return true
		}
	}
	return false
}

// selection is what selectBenchmarks found in one package.
type selection struct {
	loop  []string // benchmarks whose measured loop runs a changed block: these measure the patch
	setup []string // benchmarks that run changed code only outside their loop
	init  bool     // changed code runs when the test binary starts (init, a package-level var, TestMain)
}

// selectBenchmarks runs each benchmark of p at the two loopRuns iteration
// counts, and the test binary once with no benchmark, in a binary
// instrumented for coverage of the changed packages, and keeps the
// benchmarks whose measured loop runs a changed block (perIteration > 0).
// Every other benchmark is noise that would cost Holm power, and a chance
// of a false verdict: one that runs the change only at init or in its
// setup times code that is not the change.
//
// A problem rejects the candidate; "" when there is none.
func (c *candidate) selectBenchmarks(ctx context.Context, p *source.Package, changed map[string][]int, overlay, prefix string) (sel selection, problem string, err error) {
	bin := prefix + ".test"
	// atomic counts like count, and loses no increment of code that runs
	// in parallel (b.RunParallel, goroutines): a lost one would make setup
	// look like loop or loop like setup.
	if problem, err := c.buildTestBinary(ctx, p.Dir, bin, overlay, "-cover", "-covermode=atomic", "-coverpkg="+c.coverPackages(changed)); err != nil || problem != "" {
		if err == nil && c.v.Objective == "quality" {
			return sel, "", nil // the base's benchmarks do not build against the candidate: nothing comparable
		}
		return sel, problem, err
	}
	// Only the detail's wording depends on the start-up counts: a binary
	// that fails without benchmarks fails with them too, and says so there.
	start, _, err := c.coverCounts(ctx, p.Dir, bin, prefix+"-start.out", changed, "-test.run=^$")
	if err != nil {
		return sel, "", err
	}
	sel.init = exceeds(start, nil)
	for i, name := range p.Benchmarks {
		counts, problem, err := c.loopCounts(ctx, p.Dir, bin, name, fmt.Sprintf("%s-%d", prefix, i), changed)
		if err != nil || problem != "" {
			return sel, problem, err
		}
		switch {
		case counts[1] == nil:
			// failed under quality, or not in the base's test files
		case inLoop(perIteration(counts[0], counts[1], loopRuns[0], loopRuns[1])):
			sel.loop = append(sel.loop, name)
		case exceeds(counts[0], start):
			sel.setup = append(sel.setup, name)
		}
	}
	return sel, "", nil
}

// coverPackages is the -coverpkg list: the packages of the changed files.
func (c *candidate) coverPackages(changed map[string][]int) string {
	var out []string
	for _, pkg := range c.mod.Packages {
		for file := range changed {
			if pkg.Dir == filepath.Dir(c.abs(file)) && !slices.Contains(out, pkg.ImportPath) {
				out = append(out, pkg.ImportPath)
			}
		}
	}
	return strings.Join(out, ",")
}

// loopCounts runs the benchmark name at each of the loopRuns iteration
// counts and returns the changed blocks' counts of each run. A benchmark
// that fails has no counts, and under speed and allocs a problem that
// rejects the candidate; under quality it is the unit level's business.
func (c *candidate) loopCounts(ctx context.Context, dir, bin, name, prefix string, changed map[string][]int) (counts [2]blockCounts, problem string, err error) {
	for i, n := range loopRuns {
		var fails string
		counts[i], fails, err = c.coverCounts(ctx, dir, bin, fmt.Sprintf("%s-%dx.out", prefix, n), changed,
			"-test.run=^$", "-test.bench=^"+regexp.QuoteMeta(name)+"$", fmt.Sprintf("-test.benchtime=%dx", n))
		switch {
		case err != nil:
			return counts, "", err
		case fails != "" && c.v.Objective == "quality":
			return [2]blockCounts{}, "", nil
		case fails != "":
			return counts, fmt.Sprintf("%s fails on the candidate: %s", name, fails), nil
		}
	}
	return counts, "", nil
}

// coverCounts runs the coverage binary with args, writing profile, and
// returns the counts of the blocks that span a changed line. fails is the
// output of a run that failed or timed out.
func (c *candidate) coverCounts(ctx context.Context, dir, bin, profile string, changed map[string][]int, args ...string) (counts blockCounts, fails string, err error) {
	res, err := c.v.Runner.Run(ctx, dir, c.timeout(), bin, append(args, "-test.coverprofile="+profile)...)
	if err != nil {
		return nil, "", err
	}
	if res.TimedOut || res.ExitCode != 0 {
		return nil, trimOutput(res.Stdout, res.Stderr), nil
	}
	counts, err = c.changedCounts(profile, changed)
	return counts, "", err
}

// changedCounts reads a coverage profile and returns the counts of its
// blocks that span a changed line.
func (c *candidate) changedCounts(profile string, changed map[string][]int) (blockCounts, error) {
	profs, err := readProfiles(profile)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil // the benchmark does not exist in the base's test files
	}
	if err != nil {
		return nil, fmt.Errorf("performance: coverage profile: %w", err)
	}
	out := blockCounts{}
	for _, prof := range profs {
		file := c.repoFile(prof.FileName)
		lines := changed[file]
		for _, b := range prof.Blocks {
			if slices.ContainsFunc(lines, func(l int) bool { return l >= b.StartLine && l <= b.EndLine }) {
				out[blockSpan{file, b.StartLine, b.StartCol, b.EndLine, b.EndCol}] += b.Count
			}
		}
	}
	return out, nil
}

// unmeasured tells why no benchmark measures the changed lines, from
// what selectBenchmarks found in each package: where the changed code
// runs instead, when it runs at all.
func (r *perfRun) unmeasured(total int, found []selection) string {
	why := fmt.Sprintf("none of the %d benchmarks of the affected packages executes the changed lines in its measured loop (the b.N or b.Loop iterations)", total)
	var atInit bool
	var setup []string
	for _, s := range found {
		atInit = atInit || s.init
		setup = append(setup, s.setup...)
	}
	var where []string
	vars := r.varInitLines()
	switch {
	case len(vars) > 0:
		where = append(where, fmt.Sprintf("the changed code runs at init, once per process, not per iteration (%s: a package-level var initializer)", strings.Join(vars, ", ")))
	case atInit:
		where = append(where, "the changed code runs at init, once per process, not per iteration")
	}
	switch len(setup) {
	case 0:
	case 1:
		where = append(where, setup[0]+" runs it only in its setup, outside the loop that is timed")
	default:
		where = append(where, strings.Join(setup, ", ")+" run it only in their setup, outside the loop that is timed")
	}
	if len(where) == 0 {
		return why
	}
	return why + ": " + strings.Join(where, "; ")
}

// varInitLines are the changed lines ("perf.go:12") of package-level var
// initializers, outside the bodies of function literals (whose runs the
// coverage counts tell): they run at init, and no coverage block holds
// them. A file that does not parse is the syntax level's to report.
func (r *perfRun) varInitLines() []string {
	var out []string
	for _, file := range slices.Sorted(maps.Keys(r.changed)) {
		src, err := os.ReadFile(r.abs(file))
		if err != nil {
			continue
		}
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, file, src, parser.SkipObjectResolution)
		if err != nil {
			continue
		}
		for _, l := range r.changed[file] {
			if varInitLine(fset, f, l) {
				out = append(out, fmt.Sprintf("%s:%d", file, l))
			}
		}
	}
	return out
}

// varInitLine reports whether line l of f is in a package-level var
// declaration and on no line of a function literal's body there (braces
// included: a coverage block may span them).
func varInitLine(fset *token.FileSet, f *ast.File, l int) bool {
	line := func(p token.Pos) int { return fset.Position(p).Line }
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.VAR || l < line(g.Pos()) || l > line(g.End()) {
			continue
		}
		inBody := false
		ast.Inspect(g, func(n ast.Node) bool {
			if fl, ok := n.(*ast.FuncLit); ok && l >= line(fl.Body.Lbrace) && l <= line(fl.Body.Rbrace) {
				inBody = true
			}
			return !inBody
		})
		return !inBody
	}
	return false
}
