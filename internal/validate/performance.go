package validate

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/agentic-optimizer/optimizer/internal/bench"
	"github.com/agentic-optimizer/optimizer/internal/diff"
	"github.com/agentic-optimizer/optimizer/internal/source"
)

// performanceLevel measures the candidate against the base with the
// base's benchmarks. It runs the candidate's code, so it requires the
// policy; it builds test binaries, so the types level must have passed.
var performanceLevel = &level{
	name:     "performance",
	doc:      "the benchmarks whose measured loop executes the changed code show the win the objective claims, and no significant regression",
	requires: []*level{policyLevel, typesLevel},
	run:      checkPerformance,
}

// checkPerformance runs the benchmarks whose measured loop executes the
// changed lines (selectBenchmarks: not those that run them only at init
// or in their setup), base and candidate interleaved, and judges them by
// the objective (package bench holds the statistics and the reasons for
// them). A default.pgo the patch adds or changes is measured by every
// benchmark compiled with it (see profileTargets).
//
// The benchmarks that judge a candidate are always the base's: the
// candidate's binary is built from its non-test code and the base's test
// files (go build -overlay), so a patch can neither edit a benchmark nor
// add a test file whose init changes what the benchmarks see.
func checkPerformance(ctx context.Context, c *pass) (*outcome, error) {
	r := &perfRun{pass: c, claim: c.v.Objective != "quality", changed: c.changedLines(false)}
	if len(r.changed) == 0 && !slices.ContainsFunc(c.files, func(f diff.File) bool { return IsProfile(f.Path()) }) {
		return r.nothing("the patch changes no non-test Go code, so there is nothing to measure")
	}
	if c.v.Baseline == nil {
		if r.claim {
			return nil, errors.New("the performance level needs the base worktree to compare with")
		}
		return skipped("no base to compare with"), nil
	}
	pkgs, err := c.affected(ctx)
	if err != nil {
		return failed(err.Error()), nil
	}
	// A profile changes how every package of its main package's binary is
	// compiled: all their benchmarks measure it, whatever lines they run.
	if r.profiled, err = c.profileTargets(ctx); err != nil {
		return nil, err
	}
	benchPkgs := r.benchPackages(pkgs)
	if len(benchPkgs) == 0 {
		if len(r.changed) == 0 {
			return r.nothing("no benchmark measures the patch's default.pgo: the go command reads a profile only beside a main package and compiles that package and its imports with it, and none of them has a benchmark")
		}
		return r.nothing(fmt.Sprintf("no benchmarks in the %d affected packages", len(pkgs)))
	}
	if r.tmp, err = c.v.Runner.TempDir(c.modDir, "perf-"); err != nil {
		return nil, err
	}
	defer os.RemoveAll(r.tmp)
	if r.overlay, err = c.baseTestOverlay(ctx, benchPkgs, r.tmp); err != nil {
		return nil, err
	}
	start := time.Now()
	targets, found, total, stop, err := r.targets(ctx, benchPkgs)
	if stop != nil || err != nil {
		return stop, err
	}
	if len(targets) == 0 {
		return r.nothing(r.unmeasured(total, found))
	}
	var t perfTally
	if stop, err := r.measureAll(ctx, targets, &t); stop != nil || err != nil {
		return stop, err
	}
	what := "execute the changed lines in their measured loop"
	switch {
	case len(r.profiled) > 0 && len(r.changed) > 0:
		what = "execute the changed lines in their measured loop or are compiled with the profile"
	case len(r.profiled) > 0:
		what = "are compiled with the profile"
	}
	return t.outcome(r.claim, fmt.Sprintf("%d of %d benchmarks %s; %d runs in %v", t.selected, total, what, t.runs, time.Since(start).Round(time.Second))), nil
}

// perfRun is one performance check of a candidate.
type perfRun struct {
	*pass
	claim    bool             // speed and allocs must show a win
	changed  map[string][]int // the patch's changed non-test lines
	profiled []benchTarget    // the targets measured under a changed profile
	tmp      string           // where the binaries and profiles go
	overlay  string           // puts the base's test files in the candidate's packages
}

// nothing is the outcome when no benchmark can measure the patch: a
// failure when the objective claims a win, a pass otherwise — neither a
// win nor a loss is claimed on evidence that does not time the change.
func (r *perfRun) nothing(why string) (*outcome, error) {
	if r.claim {
		return failed(why + " — the " + r.v.Objective + " objective needs a benchmark whose measured loop executes the changed code"), nil
	}
	return passed(why), nil
}

// benchPackages are the affected packages whose benchmarks may measure the
// patch: those with benchmarks when it changes code, and those compiled
// under a profile it changes.
func (r *perfRun) benchPackages(affected []*source.Package) []*source.Package {
	var out []*source.Package
	for _, p := range affected {
		if len(p.Benchmarks) > 0 && len(r.changed) > 0 {
			out = append(out, p)
		}
	}
	for _, t := range r.profiled {
		if !slices.Contains(out, t.pkg) {
			out = append(out, t.pkg)
		}
	}
	return out
}

// targets selects, in each package, the benchmarks whose measured loop
// executes the changed lines (every benchmark of a package under a
// changed profile). found is what the selection saw in each package;
// total counts the benchmarks considered; stop is the outcome when the
// selection itself fails.
func (r *perfRun) targets(ctx context.Context, pkgs []*source.Package) (targets []benchTarget, found []selection, total int, stop *outcome, err error) {
	targets = slices.Clone(r.profiled)
	for _, t := range r.profiled {
		total += len(t.benchmarks)
	}
	for i, p := range pkgs {
		if slices.ContainsFunc(r.profiled, func(t benchTarget) bool { return t.pkg == p }) {
			continue // measured with every benchmark under the profile
		}
		total += len(p.Benchmarks)
		sel, problem, err := r.selectBenchmarks(ctx, p, r.changed, r.overlay, filepath.Join(r.tmp, fmt.Sprintf("cov%d", i)))
		if err != nil || problem != "" {
			return nil, nil, total, failed(problem), err
		}
		found = append(found, sel)
		if len(sel.loop) > 0 {
			targets = append(targets, benchTarget{pkg: p, benchmarks: sel.loop, label: p.Pattern()})
		}
	}
	return targets, found, total, nil, nil
}

// perfTally is what the measurements of every target found.
type perfTally struct {
	wins, losses, notes []string
	rows                []Benchmark
	selected, runs      int
}

// measureAll measures each target, base against candidate, into t. stop
// is the outcome when a target cannot be measured and the objective claims
// a win.
func (r *perfRun) measureAll(ctx context.Context, targets []benchTarget, t *perfTally) (stop *outcome, err error) {
	run := benchRunner(r.v)
	opt := r.v.Bench
	if opt.Alpha == 0 {
		opt.Alpha = 0.05
	}
	// Holm controls the error across one package's rows; across packages
	// Bonferroni keeps the family-wise level where it was asked to be.
	opt.Alpha /= float64(len(targets))
	crit := bench.Criteria{Objective: bench.Objective(r.v.Objective), MinImprovement: r.v.MinImprovement, MaxRegression: r.v.MaxRegression}
	for i, tg := range targets {
		t.selected += len(tg.benchmarks)
		base, err := r.v.Baseline.benchBinary(ctx, tg.pkg.RelDir, tg.basePGO)
		if err != nil {
			return nil, err
		}
		out := filepath.Join(r.tmp, fmt.Sprintf("cand%d.test", i))
		var flags []string
		if tg.candPGO != "" {
			flags = append(flags, "-pgo="+r.v.Runner.Path(tg.candPGO))
		}
		if problem, err := r.buildTestBinary(ctx, tg.pkg.Dir, out, r.overlay, flags...); err != nil {
			return nil, err
		} else if problem != "" {
			if !r.claim {
				t.notes = append(t.notes, tg.label+": "+problem)
				continue
			}
			return failed(problem), nil
		}
		d, err := measure(ctx, r.v.Baseline, run, base, bench.Binary{Path: out, Dir: tg.pkg.Dir}, tg.benchmarks, opt, crit)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return failed(err.Error()), nil
		}
		t.add(d, tg.label, len(targets) > 1, r.claim)
	}
	return nil, nil
}

// add records one target's decision; labelled names its rows and reason
// by the target when there are several.
func (t *perfTally) add(d *bench.Decision, label string, labelled, claim bool) {
	for _, b := range d.Batches {
		t.runs += 2 * b.Pairs
	}
	for _, r := range d.Rows() {
		if labelled {
			r.Name = label + " " + r.Name
		}
		t.rows = append(t.rows, r)
	}
	reason := d.Reason
	if labelled {
		reason = label + ": " + reason
	}
	v := d.Verdicts[len(d.Verdicts)-1]
	switch {
	case len(v.Regressions) > 0, !claim && !d.Accept:
		t.losses = append(t.losses, reason)
	case d.Accept && claim:
		t.wins = append(t.wins, reason)
	default:
		t.notes = append(t.notes, reason)
	}
}

// outcome is the level's verdict from the tally. The detail puts the
// measurement's summary after the reasons, in parentheses: one phrase, not
// a list.
func (t *perfTally) outcome(claim bool, summary string) *outcome {
	out := &outcome{status: Pass, benchmarks: t.rows}
	switch {
	case len(t.losses) > 0:
		out.status, out.problems = Fail, []string{strings.Join(t.losses, "; ") + " (" + summary + ")"}
	case claim && len(t.wins) == 0:
		out.status, out.problems = Fail, []string{strings.Join(t.notes, "; ") + " (" + summary + ")"}
	default:
		out.summary = strings.Join(append(t.wins, t.notes...), "; ") + " (" + summary + ")"
	}
	return out
}

// measuring serializes the measurements of all agents: benchmarks that
// share two cores with other benchmarks measure each other.
var measuring sync.Mutex

// measure calibrates the base's noise (once per base binary) and decides.
func measure(ctx context.Context, b *Baseline, run bench.Runner, base, cand bench.Binary, benchmarks []string, opt bench.Options, crit bench.Criteria) (*bench.Decision, error) {
	measuring.Lock()
	defer measuring.Unlock()
	noise, err := b.noise(ctx, run, base, benchmarks, opt)
	if err != nil {
		return nil, err
	}
	crit.Noise = noise
	return bench.Decide(ctx, run, base, cand, benchmarks, opt, crit)
}

// changedLines returns, per repository-relative Go file the patch leaves
// in place, the lines of the new file that the patch added — or, for a
// hunk that only deletes, the lines on either side of the cut. With
// tests false, _test.go files are left out.
func (c *candidate) changedLines(tests bool) map[string][]int {
	out := map[string][]int{}
	for _, f := range c.files {
		if f.NewPath == "" || !strings.HasSuffix(f.NewPath, ".go") || !tests && strings.HasSuffix(f.NewPath, "_test.go") {
			continue
		}
		var lines []int
		for _, h := range f.Hunks {
			for _, l := range h.Added {
				lines = append(lines, l.N)
			}
			if len(h.Added) == 0 && len(h.Removed) > 0 {
				cut := h.NewStart + h.Removed[0].N - h.OldStart
				lines = append(lines, cut-1, cut)
			}
		}
		if len(lines) > 0 {
			out[f.NewPath] = lines
		}
	}
	return out
}

// baseTestOverlay writes a go build -overlay file of baseTestFiles. It
// returns "" when the patch touches no test file in pkgs.
func (c *candidate) baseTestOverlay(ctx context.Context, pkgs []*source.Package, tmp string) (string, error) {
	replace, err := c.baseTestFiles(ctx, pkgs, tmp)
	if err != nil {
		return "", err
	}
	return writeOverlay(filepath.Join(tmp, "overlay.json"), replace)
}

// writeOverlay writes the go build -overlay file that makes the
// replacements of every map, and returns its path; "" when there are none.
func writeOverlay(file string, replace ...map[string]string) (string, error) {
	all := map[string]string{}
	for _, m := range replace {
		maps.Copy(all, m)
	}
	if len(all) == 0 {
		return "", nil
	}
	b, err := json.Marshal(map[string]any{"Replace": all})
	if err == nil {
		err = os.WriteFile(file, b, 0o644)
	}
	if err != nil {
		return "", fmt.Errorf("overlay: %w", err)
	}
	return file, nil
}

// baseTestFiles are the go build -overlay replacements that put the
// base's _test.go files in place of the candidate's in the given
// packages: each changed or added test file (named as the sandbox's copy
// of it) maps to a file in tmp with its base content, or to nothing when
// the base did not have it. Empty when the patch touches no test file
// there.
func (c *candidate) baseTestFiles(ctx context.Context, pkgs []*source.Package, tmp string) (map[string]string, error) {
	replace := map[string]string{}
	for i, f := range c.files {
		for _, p := range []string{f.OldPath, f.NewPath} {
			if !strings.HasSuffix(p, "_test.go") {
				continue
			}
			abs := c.abs(p)
			if !slices.ContainsFunc(pkgs, func(pkg *source.Package) bool { return pkg.Dir == filepath.Dir(abs) }) {
				continue
			}
			// The go command runs on the sandbox's copy of the worktree:
			// the overlay names the copy's files.
			copied := c.v.Runner.Path(abs)
			if _, done := replace[copied]; done {
				continue
			}
			src, err := c.wt.Git(ctx, "show", c.wt.Commit+":"+p)
			if err != nil {
				replace[copied] = "" // new in the candidate: deleted for the benchmarks
				continue
			}
			keep := filepath.Join(tmp, fmt.Sprintf("base%d_%s", i, path.Base(p)))
			if err := os.WriteFile(keep, []byte(src), 0o644); err != nil {
				return nil, fmt.Errorf("the base's test files: %w", err)
			}
			replace[copied] = keep
		}
	}
	return replace, nil
}

// repoFile turns a coverage profile's file name (import path/file.go) into
// a repository-relative path.
func (c *candidate) repoFile(name string) string {
	dir, file := path.Split(name)
	dir = strings.TrimSuffix(dir, "/")
	for _, p := range c.mod.Packages {
		if p.ImportPath == dir {
			return c.rel(filepath.Join(p.Dir, file))
		}
	}
	return ""
}

// buildTestBinary compiles the tests of the package in dir with go test -c.
// A problem says why they do not build; "" when they do.
func (c *candidate) buildTestBinary(ctx context.Context, dir, out, overlay string, flags ...string) (problem string, err error) {
	args := append([]string{"test", "-c", "-o", out}, flags...)
	if overlay != "" {
		args = append(args, "-overlay="+overlay)
	}
	res, err := c.v.Runner.Run(ctx, dir, c.timeout(), "go", args...)
	if err != nil {
		return "", fmt.Errorf("go test -c: %w", err)
	}
	if res.TimedOut {
		return fmt.Sprintf("go test -c did not finish within %v", c.timeout()), nil
	}
	if res.ExitCode != 0 {
		return "the base's benchmarks do not build against the candidate: " + trimOutput(res.Stderr, res.Stdout), nil
	}
	return "", nil
}

func (c *candidate) timeout() time.Duration {
	if c.v.Timeout > 0 {
		return c.v.Timeout
	}
	return 10 * time.Minute
}

// benchRunner runs bench's commands through the validator's sandbox.
func benchRunner(v *Validator) bench.Runner {
	return func(ctx context.Context, dir string, timeout time.Duration, name string, args ...string) ([]byte, []byte, int, error) {
		res, err := v.Runner.Run(ctx, dir, timeout, name, args...)
		if err != nil {
			return nil, nil, 0, err
		}
		exit := res.ExitCode
		if res.TimedOut && exit == 0 {
			exit = -1
		}
		return res.Stdout, res.Stderr, exit, nil
	}
}

// perfCache holds what the performance level computes once per base:
// the base's test binaries and the machine's A/A noise for them, each
// computed once per key (see memo): agents building the binaries of
// different packages do not wait for each other.
type perfCache struct {
	dir      memo[string]       // the directory of the binaries: one key, ""
	binaries memo[bench.Binary] // by package directory relative to the module, and -pgo profile
	noise    memo[bench.Noise]  // by binary path and benchmark list
}

// benchBinary returns the base's test binary for the package in relDir
// (relative to the module), building it on first use. With pgo (a
// module-relative path of the base's default.pgo of a main package that
// imports the package) it is compiled with that profile, as the go
// command compiles it into that main package's binary.
func (b *Baseline) benchBinary(ctx context.Context, relDir, pgo string) (bench.Binary, error) {
	modDir, err := b.dir(ctx)
	if err != nil {
		return bench.Binary{}, err
	}
	key := relDir
	if pgo != "" {
		key += " -pgo=" + pgo
	}
	return b.perf.binaries.do(ctx, key, func() (bench.Binary, error) {
		dir, err := b.perf.dir.do(ctx, "", func() (string, error) { return b.Runner.TempDir(modDir, "base-bench-") })
		if err != nil {
			return bench.Binary{}, err
		}
		sum := sha256.Sum256([]byte(key))
		out := filepath.Join(dir, hex.EncodeToString(sum[:8])+".test")
		pkgDir := filepath.Join(modDir, filepath.FromSlash(relDir))
		run := func(ctx context.Context, dir string, timeout time.Duration, name string, args ...string) ([]byte, []byte, int, error) {
			res, err := b.Runner.Run(ctx, dir, b.timeout(), name, args...)
			if err != nil {
				return nil, nil, 0, err
			}
			return res.Stdout, res.Stderr, res.ExitCode, nil
		}
		var flags []string
		if pgo != "" {
			flags = append(flags, "-pgo="+b.Runner.Path(filepath.Join(modDir, filepath.FromSlash(pgo))))
		}
		path, err := bench.Build(ctx, run, pkgDir, out, flags...)
		if err != nil {
			return bench.Binary{}, fmt.Errorf("performance: the base's benchmarks: %w", err)
		}
		if err := ctx.Err(); err != nil {
			return bench.Binary{}, err // an interrupted build is no answer to keep
		}
		return bench.Binary{Path: path, Dir: pkgDir}, nil
	})
}

// noise returns the A/A noise of the base binary for these benchmarks,
// measured once and then reused for every candidate.
func (b *Baseline) noise(ctx context.Context, run bench.Runner, base bench.Binary, benchmarks []string, opt bench.Options) (bench.Noise, error) {
	key := base.Path + " " + strings.Join(benchmarks, ",")
	return b.perf.noise.do(ctx, key, func() (bench.Noise, error) {
		n, _, err := bench.Calibrate(ctx, run, base, benchmarks, opt)
		if err != nil {
			return nil, fmt.Errorf("performance: calibrating the base: %w", err)
		}
		return n, nil
	})
}
