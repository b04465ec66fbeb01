// Package validate decides whether a candidate patch is acceptable. It
// applies the patch in an isolated worktree and runs the validation levels
// in order, cheapest first; the first level that fails rejects the patch
// and the later ones are skipped.
//
// Adding a level is adding one value to the levels list.
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

// Status is the outcome of one level.
type Status string

// The outcomes of a level.
const (
	Pass  Status = "pass"
	Fail  Status = "fail"
	Skip  Status = "skip"
	Error Status = "error"
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
}

// level is one validation level: a name and the check it runs.
type level struct {
	name string
	run  func(ctx context.Context, c *candidate) (Status, string)
}

// levels run in this order; cheapest first.
var levels = []level{
	{"policy", checkPolicy},
	{"syntax", checkSyntax},
	{"style", checkStyle},
	{"types", checkTypes},
	{"unit", checkUnit},
	{"integration", checkIntegration},
	{"performance", checkPerformance},
	{"coverage", checkCoverage},
}

// Levels returns the names of the levels this build runs, in order.
func Levels() []string {
	names := make([]string, len(levels))
	for i, l := range levels {
		names[i] = l.name
	}
	return names
}

// ErrObjective is returned for an objective this build cannot judge.
var ErrObjective = errors.New("objective not supported")

// candidate is what the levels see of one patch.
type candidate struct {
	v       *Validator
	wt      *gitx.Worktree
	raw     []byte
	files   []diff.File
	modDir  string // absolute module directory in the worktree
	applied bool
	mod     *source.Module
	trim    bool // the unit and integration levels' tests build with -trimpath (see trimsPath)
	report  *Report
	cover   string // coverage profile of the unit run
	// baseCover is the coverage profile of the base run the unit level
	// judged by.
	baseCover string

	// background runs work that does not depend on the candidate (the
	// base's tests) beside the levels; Validate stops and waits for it
	// before it returns.
	background context.Context
	pending    sync.WaitGroup
	// warm: the base compiles what this candidate's -race test binaries
	// link before it runs them (see Baseline.warm).
	warm bool
}

// Validate applies raw to wt, which must be clean at the commit the patch
// was made against, runs every level and returns the verdict. wt is reset
// afterwards. An error (rather than a rejecting report) means the patch
// could not be judged: it is malformed (wraps diff.ErrMalformed), it does
// not apply (wraps gitx.ErrPatchDoesNotApply), or the toolchain failed.
func (v *Validator) Validate(ctx context.Context, wt *gitx.Worktree, raw []byte) (rep *Report, err error) {
	switch v.Objective {
	case "speed", "allocs", "quality":
	default:
		return nil, fmt.Errorf("validate: %w: %q (want speed, allocs or quality)", ErrObjective, v.Objective)
	}
	files, err := diff.Parse(raw)
	if errors.Is(err, diff.ErrUnsafePath) {
		return v.refuse("policy", err.Error()), nil
	}
	if err != nil {
		return nil, fmt.Errorf("validate: %w", err)
	}
	c := &candidate{
		v: v, wt: wt, raw: raw, files: files,
		modDir: filepath.Join(wt.Dir, filepath.FromSlash(v.ModuleDir)),
		report: &Report{Objective: v.Objective, Isolation: v.Runner.Isolation()},
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
	for _, l := range levels {
		if c.report.RejectedBy != "" {
			c.report.Levels = append(c.report.Levels, Level{Name: l.name, Status: Skip})
			continue
		}
		start := time.Now()
		status, detail := l.run(ctx, c)
		if ctx.Err() != nil {
			return nil, fmt.Errorf("validate: %s: %w", l.name, ctx.Err())
		}
		if status == Error {
			return nil, fmt.Errorf("validate: %s: %s", l.name, detail)
		}
		c.report.Levels = append(c.report.Levels, Level{Name: l.name, Status: status, Detail: detail, DurationMS: time.Since(start).Milliseconds()})
		if status == Fail {
			c.report.RejectedBy = l.name
		}
		if l.name == "policy" && status == Pass && !c.applied {
			return nil, fmt.Errorf("validate: policy passed without applying the patch")
		}
	}
	c.report.Accepted = c.report.RejectedBy == ""
	return c.report, nil
}

// refuse is the report for a patch that the named level rejects before
// anything is applied.
func (v *Validator) refuse(level, detail string) *Report {
	rep := &Report{Objective: v.Objective, Isolation: v.Runner.Isolation(), RejectedBy: level}
	for _, l := range levels {
		status, d := Skip, ""
		if l.name == level {
			status, d = Fail, detail
		}
		rep.Levels = append(rep.Levels, Level{Name: l.name, Status: status, Detail: d})
	}
	return rep
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
	c.report.Affected = nil
	for _, p := range pkgs {
		c.report.Affected = append(c.report.Affected, p.Pattern())
	}
	return pkgs, nil
}

// goCmd runs the go command in the module directory through the sandbox.
func (c *candidate) goCmd(ctx context.Context, args ...string) (*sandbox.Result, error) {
	timeout := c.v.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Minute
	}
	return c.v.Runner.Run(ctx, c.modDir, timeout, "go", args...)
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
