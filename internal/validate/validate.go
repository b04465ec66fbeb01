// Package validate decides whether a candidate patch is acceptable. It
// applies the patch in an isolated worktree and runs the validation levels
// in order, cheapest first; the first level that fails rejects the patch
// and the later ones are skipped.
//
// A level is a value, as an source.Analyzer is: it declares the levels
// it requires, receives their results, and returns an outcome or an
// error. Adding a level is adding one value to the levels list (levels.go),
// after the levels it requires.
package validate

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/agentic-optimizer/optimizer/internal/bench"
	"github.com/agentic-optimizer/optimizer/internal/diff"
	"github.com/agentic-optimizer/optimizer/internal/gitx"
	"github.com/agentic-optimizer/optimizer/internal/sandbox"
	"github.com/agentic-optimizer/optimizer/internal/source"
	"github.com/agentic-optimizer/optimizer/internal/stdapi"
)

// Status is the verdict of one level.
type Status string

// The verdicts of a level. Error is in no report: a level that cannot
// conclude returns an error, and so does Validate.
const (
	Pass  Status = "pass"
	Fail  Status = "fail"
	Skip  Status = "skip"
	Error Status = "error"
	// Interrupted: the run's context ended while the level ran; the
	// report holds the levels that finished before it.
	Interrupted Status = "interrupted"
)

// Level is the result of one validation level.
type Level struct {
	Name       string `json:"name"`
	Status     Status `json:"status"`
	Detail     string `json:"detail,omitempty"`
	DurationMS int64  `json:"duration_ms"`
}

// TestResult is the outcome of one test of the unit level.
type TestResult struct {
	Package   string  `json:"package"`
	Test      string  `json:"test"`
	Status    string  `json:"status"` // pass | fail | skip
	ElapsedMS float64 `json:"elapsed_ms"`
	// Runs and Failures count the executions of a test that failed and
	// was rerun; Flaky is set when it passed in one of them.
	Runs     int  `json:"runs,omitempty"`
	Failures int  `json:"failures,omitempty"`
	Flaky    bool `json:"flaky,omitempty"`
}

// Finding is a problem a level found at a line of the patched tree:
// what lets a method tell which of its changes caused a rejection.
type Finding struct {
	File    string `json:"file"` // relative to the repository root
	Line    int    `json:"line"`
	Message string `json:"message"`
}

// Benchmark compares one benchmark's metric before and after a patch, as
// the performance level measures it: the "benchmarks" entries of
// docs/design.md#reports.
type Benchmark = bench.Row

// Report is the verdict on one patch: the validation report of
// docs/design.md#reports.
type Report struct {
	Accepted   bool              `json:"accepted"`
	Objective  string            `json:"objective"`
	Levels     []Level           `json:"levels"`
	RejectedBy string            `json:"rejected_by"`
	Findings   []Finding         `json:"findings,omitempty"`
	Benchmarks []Benchmark       `json:"benchmarks,omitempty"`
	Affected   []string          `json:"affected,omitempty"`
	Tests      []TestResult      `json:"tests,omitempty"`
	Isolation  sandbox.Isolation `json:"isolation"`
	// Interrupted: the run's context ended during the judgment, so the
	// candidate is neither accepted nor rejected; Levels show how far it
	// got (the level that was running is "interrupted").
	Interrupted bool `json:"interrupted,omitempty"`
}

// InterruptedAt names the level the end of the run interrupted, "" when
// none was.
func (r *Report) InterruptedAt() string {
	for _, l := range r.Levels {
		if l.Status == Interrupted {
			return l.Name
		}
	}
	return ""
}

// Level returns the result of the named level, or nil.
func (r *Report) Level(name string) *Level {
	for i := range r.Levels {
		if r.Levels[i].Name == name {
			return &r.Levels[i]
		}
	}
	return nil
}

// Validator validates patches against one repository and module.
type Validator struct {
	Runner *sandbox.Runner
	// Manifest dates the standard library's API; nil leaves the API
	// version check out of the types level (and says so).
	Manifest *stdapi.Manifest
	// Baseline judges whether a failure exists without the patch too;
	// nil blames the patch for every failure.
	Baseline *Baseline
	// Objective is speed, allocs or quality.
	Objective string
	// ModuleDir is the module's directory relative to the repository root
	// ("." for the root).
	ModuleDir string
	// Allowed lists the directories, relative to the repository root, that
	// a patch may touch; empty means anywhere inside ModuleDir.
	Allowed []string
	// Timeout bounds each command a level runs.
	Timeout time.Duration
	// MaxPatchBytes bounds the size of a patch; 0 means 1 MiB.
	MaxPatchBytes int

	// IntegrationTags are build tags under which the integration level
	// runs the affected packages' tests again; IntegrationCommand is a
	// command it runs in the module directory (through the sandbox, with
	// sh -c). Both empty skips the level.
	IntegrationTags    []string
	IntegrationCommand string

	// MinImprovement is the smallest significant sec/op gain, in percent,
	// that the speed objective accepts; MaxRegression the largest
	// significant loss, in percent, tolerated in any benchmark.
	MinImprovement float64
	MaxRegression  float64
	// Bench tunes the performance level's sampling; the zero value is
	// usable.
	Bench bench.Options

	// Repeat is how many times in a row the unit level runs the affected
	// tests of the candidate (go test -count); every run must pass. 0 and
	// 1 mean once. Methods that add tests set it: a new test that fails
	// once in five does not characterize the code.
	Repeat int

	// MinCoverageGain is how many percentage points of statement coverage
	// a patch that adds tests (a test file or a Test, Fuzz or Example function) must add.
	MinCoverageGain float64

	// MinTestCoverage is the least statement coverage, in percent, of the
	// functions a patch changes, by the tests that judge it (its own
	// tests included): below it the coverage level rejects the patch,
	// whose effect the tests do not pin down. 0 accepts untested changes,
	// and says so.
	MinTestCoverage float64

	// levels replaces the package's list of levels (tests reorder it);
	// nil runs that list.
	levels []*level
}

// ErrObjective is returned for an objective this build cannot judge.
var ErrObjective = errors.New("objective not supported")

// candidate is what the levels see of one patch: the patch, the tree it
// is applied to, and what is derived from them once (the module as the
// patch left it). Levels hand their results to each other through their
// outcomes (see level), not through the candidate.
type candidate struct {
	v      *Validator
	wt     *gitx.Worktree
	raw    []byte
	files  []diff.File
	modDir string // absolute module directory in the worktree
	// unsafe is diff.Parse's error for a diff that names a path outside
	// the repository: the policy level refuses such a patch.
	unsafe error
	mod    *source.Module
	trim   bool     // the unit and integration levels' tests build with -trimpath (see trimsPath)
	pkgs   []string // the affected packages' patterns, for the report (see affected)

	// background runs work that does not depend on the candidate (the
	// base's tests) beside the levels; Validate stops and waits for it
	// before it returns.
	background context.Context
	pending    sync.WaitGroup
}

// Validate applies raw to wt, which must be clean at the commit the patch
// was made against, runs every level and returns the verdict. wt is reset
// afterwards. The levels that admit a patch (the policy's paths) look at
// it before it is applied; then Validate applies it, and the levels run in
// order on the patched tree. An error (rather than a rejecting report)
// means the patch could not be judged: it is malformed (wraps
// diff.ErrMalformed), it does not apply (wraps gitx.ErrPatchDoesNotApply),
// or a level could not conclude (wraps its cause). When ctx ends while a
// level runs, the error wraps ctx's and the report comes with it, marked
// Interrupted: how far the candidate got.
func (v *Validator) Validate(ctx context.Context, wt *gitx.Worktree, raw []byte) (rep *Report, err error) {
	switch v.Objective {
	case "speed", "allocs", "quality":
	default:
		return nil, fmt.Errorf("validate: %w: %q (want speed, allocs or quality)", ErrObjective, v.Objective)
	}
	list := levels
	if v.levels != nil {
		list = v.levels
	}
	if err := checkOrder(list); err != nil {
		return nil, err
	}
	files, err := diff.Parse(raw)
	unsafe := error(nil)
	switch {
	case errors.Is(err, diff.ErrUnsafePath):
		files, unsafe = nil, err
	case err != nil:
		return nil, fmt.Errorf("validate: %w", err)
	}
	c := &candidate{
		v: v, wt: wt, raw: raw, files: files, unsafe: unsafe,
		modDir: filepath.Join(wt.Dir, filepath.FromSlash(v.ModuleDir)),
	}
	// Every validation runs on a copy of its own with an identity of its
	// own: nothing a candidate left (a process, a cache entry, a file)
	// meets the next one.
	if err := v.Runner.Tree(wt.Dir, sandbox.Candidate); err != nil {
		return nil, fmt.Errorf("validate: %w", err)
	}
	defer func() {
		if relErr := v.Runner.Release(wt.Dir); relErr != nil && err == nil {
			err = fmt.Errorf("validate: %w", relErr)
		}
		if resetErr := wt.Reset(context.WithoutCancel(ctx)); resetErr != nil && err == nil {
			err = fmt.Errorf("validate: %w", resetErr)
		}
	}()
	var stop context.CancelFunc
	c.background, stop = context.WithCancel(ctx)
	defer c.pending.Wait()
	defer stop()
	return c.judge(ctx, list)
}

// judge admits the patch, applies it and runs the levels of list, which
// checkOrder has accepted, in order: the first that fails rejects the
// patch, and the later ones are skipped. Each level receives the results
// of the levels it requires.
func (c *candidate) judge(ctx context.Context, list []*level) (*Report, error) {
	rep := &Report{Objective: c.v.Objective, Isolation: c.v.Runner.Isolation()}
	spent := map[*level]time.Duration{}
	for _, l := range list {
		if l.admit == nil {
			continue
		}
		start := time.Now()
		out, err := c.runLevel(ctx, l, l.admit, nil)
		if err := levelError(ctx, l, err); err != nil {
			if ctx.Err() == nil {
				return nil, err
			}
			return interrupted(rep, list, l, time.Since(start)), err
		}
		spent[l] = time.Since(start)
		if out != nil && out.status == Fail {
			for _, m := range list {
				lv := Level{Name: m.name, Status: Skip}
				if m == l {
					lv = Level{Name: m.name, Status: Fail, Detail: out.detail(), DurationMS: spent[l].Milliseconds()}
				}
				rep.Levels = append(rep.Levels, lv)
			}
			rep.RejectedBy, rep.Findings = l.name, out.findings
			return rep, nil
		}
	}
	if err := c.apply(ctx); err != nil {
		if ctx.Err() == nil || len(list) == 0 {
			return nil, err
		}
		return interrupted(rep, list, list[0], spent[list[0]]), err
	}
	results := map[*level]any{}
	for _, l := range list {
		if rep.RejectedBy != "" {
			rep.Levels = append(rep.Levels, Level{Name: l.name, Status: Skip})
			continue
		}
		start := time.Now()
		out, err := c.runLevel(ctx, l, l.run, results)
		if err := levelError(ctx, l, err); err != nil {
			if ctx.Err() == nil {
				return nil, err
			}
			return interrupted(rep, list, l, spent[l]+time.Since(start)), err
		}
		if out == nil {
			return nil, fmt.Errorf("validate: %s: no outcome", l.name)
		}
		results[l] = out.result
		rep.Levels = append(rep.Levels, Level{Name: l.name, Status: out.status, Detail: out.detail(), DurationMS: (spent[l] + time.Since(start)).Milliseconds()})
		rep.Findings = append(rep.Findings, out.findings...)
		rep.Tests = append(rep.Tests, out.tests...)
		rep.Benchmarks = append(rep.Benchmarks, out.benchmarks...)
		if out.status == Fail {
			rep.RejectedBy = l.name
		}
	}
	rep.Affected = c.pkgs
	rep.Accepted = rep.RejectedBy == ""
	return rep, nil
}

// interrupted finishes rep, the report of a judgment whose context ended
// while level l ran: the levels before l as they finished, l interrupted,
// the rest skipped. It is neither accepted nor rejected.
func interrupted(rep *Report, list []*level, l *level, spent time.Duration) *Report {
	at := slices.Index(list, l)
	rep.Levels = append(rep.Levels, Level{Name: l.name, Status: Interrupted, Detail: "the run stopped while this level ran", DurationMS: spent.Milliseconds()})
	for _, m := range list[at+1:] {
		rep.Levels = append(rep.Levels, Level{Name: m.name, Status: Skip})
	}
	rep.Interrupted = true
	return rep
}

// levelError is the error Validate returns for a level's error: the
// context's when it ended, which is then the cause.
func levelError(ctx context.Context, l *level, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("validate: %s: %w", l.name, ctx.Err())
	}
	if err != nil {
		return fmt.Errorf("validate: %s: %w", l.name, err)
	}
	return nil
}

// apply applies the patch to the worktree, which the levels then judge.
func (c *candidate) apply(ctx context.Context) error {
	err := gitx.Apply(ctx, c.wt.Dir, c.raw, gitx.ApplyOptions{})
	if ctx.Err() != nil {
		return fmt.Errorf("validate: applying the patch: %w", ctx.Err())
	}
	if err != nil {
		return fmt.Errorf("validate: %w (make the patch against commit %.12s)", err, c.wt.Commit)
	}
	return nil
}

// changedGoFiles returns the repository-relative paths of the .go files the
// patch leaves in place (created or modified, not deleted).
func (c *candidate) changedGoFiles() []string {
	var out []string
	for _, f := range c.files {
		if f.NewPath != "" && strings.HasSuffix(f.NewPath, ".go") {
			out = append(out, f.NewPath)
		}
	}
	return out
}

// abs returns the worktree path of a repository-relative path.
func (c *candidate) abs(rel string) string {
	return filepath.Join(c.wt.Dir, filepath.FromSlash(rel))
}

// affected loads the module as the patch left it and returns the packages
// that hold a changed file and every package of the module that imports
// them: the set to build and test. A file that is not Go code (a
// default.pgo profile, an embedded file, testdata) changes the package of
// the nearest directory at or above it that holds one: the package that
// can read it, or whose build the go command feeds it to.
func (c *candidate) affected(ctx context.Context) ([]*source.Package, error) {
	if c.mod == nil {
		mod, err := source.Load(ctx, c.modDir, c.v.Runner.Env())
		if err != nil {
			return nil, err
		}
		c.mod, c.trim = mod, trimsPath(mod)
	}
	var changed []string
	for _, f := range c.files {
		for _, p := range []string{f.OldPath, f.NewPath} {
			if p == "" {
				continue
			}
			if pkg := c.packageOf(p); pkg != nil && !slices.Contains(changed, pkg.ImportPath) {
				changed = append(changed, pkg.ImportPath)
			}
		}
	}
	pkgs := c.mod.Affected(changed)
	c.pkgs = patternsOf(pkgs)
	return pkgs, nil
}

// goCmd runs the go command in the module directory through the sandbox.
func (c *candidate) goCmd(ctx context.Context, args ...string) (*sandbox.Result, error) {
	return c.v.Runner.Run(ctx, c.modDir, c.timeout(), "go", args...)
}

// packageOf returns the package a repository-relative path belongs to: for
// a .go file the package of its directory, for any other file the package
// of the nearest directory at or above it inside the module. Nil when
// there is none.
func (c *candidate) packageOf(rel string) *source.Package {
	dir := filepath.Dir(c.abs(rel))
	for {
		for _, pkg := range c.mod.Packages {
			if pkg.Dir == dir {
				return pkg
			}
		}
		if strings.HasSuffix(rel, ".go") || dir == c.modDir || !strings.HasPrefix(dir, c.modDir+string(filepath.Separator)) {
			return nil
		}
		dir = filepath.Dir(dir)
	}
}
