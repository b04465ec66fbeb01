package validate

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/agentic-optimizer/optimizer/internal/sandbox"
)

// unitLevel runs the affected packages' tests. It requires the types
// level: go test runs without its own vet (the types level ran the full
// one), and the types level started the base's runs it judges by.
var unitLevel = &level{
	name:     "unit",
	doc:      "the base's tests (and the patch's own) pass against the patched code, with -race where the toolchain supports it, failures the base shares excused",
	requires: []*level{typesLevel},
	run:      checkUnit,
}

// unitResult is what the unit level hands the levels that require it: the
// coverage profiles of its runs, and how to run them again.
type unitResult struct {
	// profile is the candidate's coverage, by its tests as they will live
	// on: the patch's own test files when it has some (which also shows a
	// patch that deletes a covering test), else the base's. "" when no
	// run wrote one.
	profile string
	// baseProfile is the coverage profile of the base run that judged,
	// and baseSpec the spec of the base's runs (see Baseline.coverRuns).
	baseProfile string
	baseSpec    testSpec
	// spec is how the run that wrote profile ran, and baseTestdata
	// whether it ran with the base's testdata files: what the coverage
	// level needs to run it again (see candidate.coverRerun).
	spec         testSpec
	baseTestdata bool
}

// checkUnit runs the tests of the affected packages, with -race where the
// toolchain supports it, and collects their coverage in the same run for
// the coverage level. The tests that judge are the base's (see judgeRuns):
// a patch cannot change, skip or silence the tests that decide its fate.
func checkUnit(ctx context.Context, c *pass) (*outcome, error) {
	res := &unitResult{}
	pkgs, err := c.affected(ctx)
	if err != nil {
		return failed(err.Error()), nil
	}
	if len(pkgs) == 0 {
		return &outcome{status: Pass, summary: "no Go package affected", result: res}, nil
	}
	spec, err := c.testSpec(ctx, patternsOf(pkgs), nil)
	if err != nil {
		return nil, err
	}
	spec.cover = true
	spec.count = c.v.Repeat
	if names := c.addedBenchmarks(); len(names) > 0 {
		spec.bench = "^(" + strings.Join(names, "|") + ")$"
	}
	j, err := c.judgeRuns(ctx, pkgs, spec)
	if err != nil {
		return nil, err
	}
	if j.raceOff != "" {
		spec.race, spec.noRace = false, j.raceOff
	}
	out := &outcome{status: j.status, problems: j.problems, notes: append(j.notes, spec.raceNote()), result: res}
	if j.judged != nil {
		out.tests = j.results()
		res.profile = j.judged.profile
		if j.own != nil {
			res.profile = j.own.profile
		}
		res.spec, res.baseTestdata = j.covered, j.baseTestdata
	}
	res.baseProfile, res.baseSpec = j.baseProfile, spec.forBase()
	if j.status == Pass {
		out.summary = fmt.Sprintf("%d tests passed in %d packages%s%s", j.judged.passed(), len(pkgs), j.ownPassed(), spec.withRace())
	}
	return out, nil
}

// addedBenchmarks names the benchmarks the patch declares in test files:
// the unit level runs each once, so that a benchmark that fails or panics
// is rejected with the tests rather than met later by the performance level.
func (c *candidate) addedBenchmarks() []string {
	var names []string
	for _, f := range c.files {
		if !strings.HasSuffix(f.NewPath, "_test.go") {
			continue
		}
		for _, h := range f.Hunks {
			for _, l := range h.Added {
				if m := newBenchmark.FindStringSubmatch(l.Text); m != nil && !slices.Contains(names, m[1]) {
					names = append(names, m[1])
				}
			}
		}
	}
	return names
}

var newBenchmark = regexp.MustCompile(`^func (Benchmark\w*)\(\w+ \*testing\.B\)`)

// testSpec is how the unit and integration levels run the tests of
// patterns, with tags as given: with -race when the toolchain supports it.
func (c *candidate) testSpec(ctx context.Context, patterns, tags []string) (testSpec, error) {
	race, why, err := c.race(ctx)
	if err != nil {
		return testSpec{}, err
	}
	s := c.plainSpec(patterns, tags)
	s.race, s.noRace = race, why
	return s, nil
}

// plainSpec is testSpec without -race. The types level has vetted the
// affected packages (the patterns the levels pass) without tags.
func (c *candidate) plainSpec(patterns, tags []string) testSpec {
	return testSpec{patterns: patterns, tags: tags, trimPath: c.trim, vetted: len(tags) == 0}
}

// startBase starts, in the background, what the unit level needs and the
// candidate does not change: whether -race works, the base's run of the
// tests of patterns, and, from the Baseline's second candidate on, the
// base's compile of what the candidate's -race test binaries link
// (Baseline.warm). It runs while the candidate is vetted; the unit and
// coverage levels then find the answers in the Baseline, or wait for them
// there. It reports whether the base warms up for this candidate: then
// the candidate's test runs wait for that build (see judgeTests).
func (c *candidate) startBase(patterns []string) (warm bool) {
	b := c.v.Baseline
	if b == nil || c.background == nil {
		return false
	}
	spec := c.plainSpec(patterns, nil)
	spec.cover = true
	base := spec.forBase()
	c.pending.Go(func() {
		b.testRun(c.background, base) // the levels ask again for the answer
	})
	// The warm-up moves work from the candidates to the base, once: with
	// a single candidate there is nothing to share, and the warm-up would
	// only compete with its vet for the cores. Only the run's own base
	// fills the layer candidates read.
	warm = b.Shared && b.served.Add(1) > 1
	raced := spec // each goroutine has its own spec
	raced.race = true
	c.pending.Go(func() {
		race, _, err := b.raceWorks(c.background, c.v.Runner)
		if warm && err == nil && race {
			b.warm(c.background, raced)
		}
	})
	return warm
}

// warmsBase reports whether the types level started the base's warm-up for
// this candidate (see startBase). Levels that run tests require it.
func (c *pass) warmsBase() bool {
	r, _ := c.resultOf[typesLevel].(*typesResult)
	return r != nil && r.warm
}

// runTests runs spec on the candidate, with a coverage profile of its own
// when the spec covers.
func (c *candidate) runTests(ctx context.Context, spec testSpec) (*testRun, error) {
	profile := ""
	if spec.cover {
		dir, err := c.v.Runner.TempDir(c.modDir, "cover-")
		if err != nil {
			return nil, err
		}
		profile = filepath.Join(dir, "cover.out")
	}
	return runGoTest(ctx, c.v.Runner, c.modDir, commandTimeout(c.v.Timeout), spec, profile)
}

// race reports whether -race works in the runner's environment. The
// answer is kept in the Baseline, which lives as long as the runner.
func (c *candidate) race(ctx context.Context) (bool, string, error) {
	if c.v.Baseline != nil {
		return c.v.Baseline.raceWorks(ctx, c.v.Runner)
	}
	return detectRace(ctx, c.v.Runner)
}

// judgeTests runs spec on the candidate and, at the same time, on the base,
// and fails for the tests that fail on the candidate only. A failed test is
// rerun twice to tell a flaky failure from a steady one; either rejects
// the candidate, unless the test fails (or is flaky) on the base too. It
// also fails for the tests that passed on the base and, as expect says,
// must pass here too but were skipped or did not run (see lostTests).
func (c *pass) judgeTests(ctx context.Context, spec testSpec, expect expectation) (verdict, *testRun, error) {
	// The base run is independent of the candidate's: running both at
	// once costs about one run's wall time where there are cores to spare.
	var base *testRun
	var baseErr error
	baseDone := make(chan struct{})
	if c.v.Baseline != nil {
		go func() {
			defer close(baseDone)
			base, baseErr = c.v.Baseline.testRun(ctx, spec.forBase())
		}()
	} else {
		close(baseDone)
		base = &testRun{}
	}
	if c.warmsBase() && spec.race {
		c.v.Baseline.warm(ctx, spec) // what the candidate would otherwise compile for itself
	}
	run, err := c.runTests(ctx, spec)
	<-baseDone
	if err != nil {
		return verdict{}, nil, err
	}
	if baseErr != nil {
		return verdict{}, run, fmt.Errorf("base: %w", baseErr)
	}
	if run.exitCode != 0 && len(run.failed) == 0 && len(run.buildErrs) == 0 {
		return verdict{status: Fail, problems: []string{"go test failed: " + trimOutput(run.stderr)}}, run, nil
	}
	checked := run.takeCheck(spec.check)
	lost := lostTests(run, spec, expect, checked, base)
	if (len(run.failed) > 0 || len(run.buildErrs) > 0 || len(lost) > 0) && len(base.cached) > 0 && c.v.Baseline != nil {
		// The base's pass came from go's test cache: an old run, perhaps
		// a lucky one of a flaky test. What excuses or blames a failure
		// is a run of the base made now.
		base, err = c.v.Baseline.testRun(ctx, spec.forBase().fresh())
		if err != nil {
			return verdict{}, run, fmt.Errorf("base: %w", err)
		}
		lost = lostTests(run, spec, expect, checked, base)
	}
	var v verdict
	if spec.cover {
		v.baseProfile = base.profile // what the coverage level compares with: the base run that judged
	}

	failed, _ := without(run.failed, base.failed)
	if (len(failed) > 0 || len(lost) > 0) && spec.race && c.v.Baseline != nil {
		// Only now is it worth running the base with -race: does it
		// fail there the same way? (A test may skip itself, or be left
		// out by a build tag, under the race detector.)
		raced, err := c.v.Baseline.testRun(ctx, spec.onBase())
		if err != nil {
			return verdict{}, run, fmt.Errorf("base: %w", err)
		}
		if why := raceBreaks(base, raced); why != "" {
			// The race detector stops the base's own tests (checkptr on
			// a test's unsafe code, a crash): under it nothing judges
			// the candidate either. Judge without it, as for a
			// toolchain without -race.
			plain := spec
			plain.race, plain.noRace = false, why
			v, run, err := c.judgeTests(ctx, plain, expect)
			v.raceOff = why
			return v, run, err
		}
		lost = lostTests(run, spec, expect, checked, base, raced)
		base = &testRun{failed: append(slices.Clone(base.failed), raced.failed...), buildErrs: append(slices.Clone(base.buildErrs), raced.buildErrs...)}
		failed, _ = without(run.failed, base.failed)
	}
	buildErrs, nPkgs := without(run.buildErrs, base.buildErrs)
	for _, note := range []string{preexisting(len(leaves(run.failed))-len(leaves(failed)), "tests"), preexisting(nPkgs, "packages")} {
		if note != "" {
			v.notes = append(v.notes, note)
		}
	}
	if err := c.rerun(ctx, spec, run, failed); err != nil {
		return verdict{}, run, err
	}
	// A flaky failure is not held against the patch when the base is
	// flaky there too: the patch did not make it so.
	var blamed []string
	for _, name := range failed {
		if r := run.result(name); r != nil && r.Flaky && c.v.Baseline != nil {
			baseFails, err := c.v.Baseline.rerun(ctx, spec.onBase(), r.Package, []string{topLevel(r.Test)})
			if err != nil {
				return verdict{}, run, fmt.Errorf("base: %w", err)
			}
			if baseFails[name] > 0 {
				if slices.Contains(leaves(failed), name) {
					v.notes = append(v.notes, fmt.Sprintf("%s is flaky on the base too (failed %d of %d runs here) and is not held against the patch", name, r.Failures, r.Runs))
				}
				continue
			}
		}
		blamed = append(blamed, name)
	}

	if len(buildErrs) > 0 {
		for _, e := range buildErrs {
			c.addFindings([]byte(run.compiler[e]), nil) // what only the compiler finds: vet passed
		}
		v.problems = append(v.problems, "build failed: "+strings.Join(buildErrs, "; "))
	}
	if len(blamed) > 0 {
		var descs []string
		for _, name := range leaves(blamed) {
			descs = append(descs, c.describeFailure(run, name))
		}
		v.problems = append(v.problems, fmt.Sprintf("%d tests failed: %s", len(descs), strings.Join(descs, "; ")))
	}
	if len(lost) > 0 {
		v.problems = append(v.problems, summarize(lost, 10))
	}
	v.status = Pass
	if len(v.problems) > 0 {
		v.status = Fail
	}
	return v, run, nil
}

// raceBreaks says why the race detector keeps the base's own tests from
// judging anything, or "" when it does not: tests that pass without -race
// did not run at all under it, as when the test binary dies (checkptr on a
// test's unsafe code). A test the race detector fails (a data race the base
// has) stops nothing else and is excused as any failure the base shares.
func raceBreaks(base, raced *testRun) string {
	ran := map[string]bool{}
	for _, r := range raced.results {
		ran[r.Package+"."+r.Test] = true
	}
	var missing []string
	for pkg, tests := range basePassed([]*testRun{base}) {
		for _, t := range tests {
			if !ran[pkg+"."+t] {
				missing = append(missing, pkg+"."+t)
			}
		}
	}
	if len(missing) == 0 {
		return ""
	}
	slices.Sort(missing)
	return fmt.Sprintf("the base's own tests do not run to the end under the race detector (%d that pass without it did not run, %s among them): the tests judged the patch without it", len(missing), missing[0])
}

// rerun runs the failed tests (by top-level name, per package) twice more
// and records in run's results how many of the three runs failed. A test
// that hung is not rerun: each rerun could cost the whole timeout.
func (c *candidate) rerun(ctx context.Context, spec testSpec, run *testRun, failed []string) error {
	byPkg := map[string][]string{}
	var pkgs []string
	for _, name := range failed {
		r := run.result(name)
		if r == nil || run.hung[name] != "" {
			continue
		}
		if _, ok := byPkg[r.Package]; !ok {
			pkgs = append(pkgs, r.Package)
		}
		if top := topLevel(r.Test); !slices.Contains(byPkg[r.Package], top) {
			byPkg[r.Package] = append(byPkg[r.Package], top)
		}
	}
	for _, pkg := range pkgs {
		// Two processes, not -count=2: the race detector reports a race
		// once per process, which would make a steady race look flaky.
		var again testRun
		var procs [][]TestResult
		for range 2 {
			one, err := runGoTest(ctx, c.v.Runner, c.modDir, commandTimeout(c.v.Timeout), spec.rerun(pkg, byPkg[pkg]), "")
			if err != nil {
				return err
			}
			procs = append(procs, one.results)
			if again.output == nil {
				again.output = map[string]*strings.Builder{}
			}
			for name, out := range one.output {
				if again.output[name] == nil {
					again.output[name] = out
				}
			}
		}
		for i := range run.results {
			r := &run.results[i]
			name := r.Package + "." + r.Test
			if r.Package != pkg || r.Status != "fail" || !slices.Contains(failed, name) {
				continue
			}
			r.Runs, r.Failures = 1, 1
			for _, results := range procs {
				// One process is one run, however many results it printed:
				// a pass forged beside a failure is still a failure.
				var st []string
				for _, x := range results {
					if x.Package == r.Package && x.Test == r.Test {
						st = append(st, x.Status)
					}
				}
				switch {
				case slices.Contains(st, "fail"):
					r.Runs++
					r.Failures++
				case slices.Contains(st, "pass"):
					r.Runs++
				}
			}
			r.Flaky = r.Failures < r.Runs
			if again.output[name] != nil && run.races[name] == nil {
				run.races[name] = raceReport(again.output[name].String())
			}
		}
	}
	return nil
}

// describeFailure says why a test failed, as precisely as the output tells.
func (c *pass) describeFailure(run *testRun, name string) string {
	if d := run.hung[name]; d != "" {
		return name + " hung: " + d
	}
	var b strings.Builder
	b.WriteString(name)
	if races := run.races[name]; len(races) > 0 {
		b.WriteString(": data race: ")
		for i, a := range races {
			if i > 0 {
				b.WriteString(", ")
			}
			// The first frame in the repository says most; a race in a
			// map shows the runtime's frame first.
			f := a.frames[0]
			for _, g := range a.frames {
				if _, ok := c.repoPath(g.file); ok {
					f = g
					break
				}
			}
			file, ok := c.repoPath(f.file)
			if ok {
				c.report(Finding{File: file, Line: f.line, Message: name + ": data race: " + a.what + " in " + f.fn})
			} else {
				file = path.Base(filepath.ToSlash(f.file))
			}
			fmt.Fprintf(&b, "%s at %s:%d in %s", a.what, file, f.line, f.fn)
		}
	} else if out := run.output[name]; out != nil {
		if msg := firstMessage(out.String()); msg != "" {
			b.WriteString(": " + msg)
		}
	}
	if r := run.result(name); r != nil && r.Runs > 1 {
		if r.Flaky {
			fmt.Fprintf(&b, " (flaky: failed %d of %d runs)", r.Failures, r.Runs)
		} else {
			fmt.Fprintf(&b, " (failed %d of %d runs)", r.Failures, r.Runs)
		}
	}
	return b.String()
}

// testMessage matches what t.Error and t.Fatal print: file:line: message.
var testMessage = regexp.MustCompile(`^\s+(\S+\.go:\d+: .*)$`)

// firstMessage returns the first t.Error-style line, panic or fatal
// runtime error of a test's output.
func firstMessage(out string) string {
	for _, line := range strings.Split(out, "\n") {
		if m := testMessage.FindStringSubmatch(line); m != nil {
			return m[1]
		}
		// A benchmark prints its name and a tab before its result. When
		// it panics, the panic may follow on the same line: test2json
		// joins them when both reach it in one read.
		if name, rest, ok := strings.Cut(line, "\t"); ok && strings.HasPrefix(name, "Benchmark") {
			line = strings.TrimLeft(rest, " \t")
		}
		if strings.HasPrefix(line, "panic: ") || strings.HasPrefix(line, "fatal error: ") {
			return line
		}
	}
	return ""
}

// commandTimeout is Validator.Timeout with its default.
func commandTimeout(d time.Duration) time.Duration {
	if d <= 0 {
		return 10 * time.Minute
	}
	return d
}

// testTimeout is go test's own -timeout for a command bounded by limit:
// shorter, so that a hanging test ends in go test's panic that names it,
// with the rest (half of a short limit, a minute of a long one) left for
// building the test binaries.
func testTimeout(limit time.Duration) time.Duration {
	return limit - min(limit/2, time.Minute)
}

// nonEmpty returns path when it names a non-empty file, else "".
func nonEmpty(path string) string {
	if path == "" {
		return ""
	}
	if fi, err := os.Stat(path); err != nil || fi.Size() == 0 {
		return ""
	}
	return path
}

// testSpec is one way of running go test. The base and the candidate run
// the same spec, so that their results compare.
type testSpec struct {
	patterns []string
	tags     []string
	race     bool
	noRace   string // why race is off, when it is
	cover    bool   // write a coverage profile of patterns
	run      string // -run regexp; "" runs every test
	count    int    // -count; 0 means 1
	bench    string // -bench regexp, each run once (-benchtime=1x); "" runs none
	// trimPath builds with -trimpath, so that a package compiled (and a
	// test result cached) in one worktree serves every other one; see
	// trimsPath for when it is off.
	trimPath bool
	// vetted turns go test's own vet checks off (-vet=off): the types
	// level has run the full go vet on these packages, without tags.
	vetted bool
	// cached lets go's test cache answer (no -count flag): only for the
	// base, whose code does not change; see judgeTests for when a cached
	// answer is not enough.
	cached bool
	// overlay is a go build -overlay file: how the candidate's runs put
	// the base's test files, and the check test, in place (see
	// judgeRuns). Never the base's: it runs its own files.
	overlay string
	// check names the test the overlay adds to each package with tests,
	// whose pass shows that the package's tests ran (see checkTest).
	check string
}

// key identifies the spec's results in the Baseline's cache.
func (s testSpec) key() string {
	return fmt.Sprintf("%q %q race=%v cover=%v run=%q count=%d bench=%q trimpath=%v vetted=%v cached=%v overlay=%q", s.patterns, s.tags, s.race, s.cover, s.run, s.count, s.bench, s.trimPath, s.vetted, s.cached, s.overlay)
}

// args are go test's arguments for the spec, with profile as the
// coverage profile when the spec covers.
func (s testSpec) args(timeout time.Duration, profile string) []string {
	args := []string{"test", "-json"}
	if !s.cached {
		args = append(args, fmt.Sprintf("-count=%d", max(s.count, 1)))
	}
	args = append(args, "-timeout", testTimeout(timeout).String())
	if s.trimPath {
		args = append(args, "-trimpath")
	}
	if s.vetted {
		args = append(args, "-vet=off")
	}
	if s.bench != "" {
		args = append(args, "-bench="+s.bench, "-benchtime=1x")
	}
	if s.race {
		args = append(args, "-race")
	}
	if len(s.tags) > 0 {
		args = append(args, "-tags="+strings.Join(s.tags, ","))
	}
	if s.overlay != "" {
		args = append(args, "-overlay="+s.overlay)
	}
	if s.run != "" {
		args = append(args, "-run", s.run)
	}
	if s.cover && profile != "" {
		args = append(args, "-coverprofile="+profile, "-coverpkg="+strings.Join(s.patterns, ","))
	}
	return append(args, s.patterns...)
}

// compileArgs are the go command's arguments that compile every package
// the spec's test binaries link, with args' build flags, and link nothing:
// go list -export runs the same compile actions as go test, so their
// results serve it from the build cache.
func (s testSpec) compileArgs() []string {
	args := []string{"list", "-e", "-export", "-deps", "-test", "-f", "{{if .Error}}{{.ImportPath}}: {{.Error}}{{end}}"}
	if s.trimPath {
		args = append(args, "-trimpath")
	}
	if s.race {
		args = append(args, "-race")
	}
	if len(s.tags) > 0 {
		args = append(args, "-tags="+strings.Join(s.tags, ","))
	}
	if s.cover {
		// What -coverprofile turns on: atomic counters under -race.
		mode := "set"
		if s.race {
			mode = "atomic"
		}
		args = append(args, "-cover", "-covermode="+mode, "-coverpkg="+strings.Join(s.patterns, ","))
	}
	return append(args, s.patterns...)
}

// forBase is the spec of the base run that every candidate needs: its
// coverage and its failing tests. It runs without -race, which doubles
// the cost of a run; the base is run with -race only when a candidate
// fails, to learn whether it fails there too. Go's test cache may answer
// it: on a warm module the base costs next to nothing.
func (s testSpec) forBase() testSpec {
	s = s.onBase()
	s.race = false
	s.count = 0
	s.bench = ""
	s.cached = true
	return s
}

// onBase is the spec as the base runs it: with its own test files, which
// the candidate's overlay (written for the candidate's worktree) does not
// describe.
func (s testSpec) onBase() testSpec {
	s.overlay, s.check = "", ""
	return s
}

// fresh is the spec run again without go's test cache.
func (s testSpec) fresh() testSpec {
	s.cached = false
	return s
}

// rerun is the spec that runs the named top-level tests of one package
// once more, without coverage, never from go's test cache, with the same
// test files (the overlay) as the run that failed.
func (s testSpec) rerun(pkg string, tests []string) testSpec {
	quoted := make([]string, len(tests))
	for i, t := range tests {
		quoted[i] = regexp.QuoteMeta(t)
	}
	slices.Sort(quoted)
	return testSpec{
		patterns: []string{pkg}, tags: s.tags, race: s.race, trimPath: s.trimPath, vetted: s.vetted,
		run: "^(" + strings.Join(quoted, "|") + ")$", overlay: s.overlay,
	}
}

// withRace and raceNote say, in a level's detail, whether the race
// detector ran, and why not.
func (s testSpec) withRace() string {
	if s.race {
		return " with -race"
	}
	return ""
}

func (s testSpec) raceNote() string {
	if s.race {
		return ""
	}
	return "-race unavailable: " + s.noRace
}

// runGoTest runs spec in dir through runner and reads what it showed.
func runGoTest(ctx context.Context, runner *sandbox.Runner, dir string, timeout time.Duration, spec testSpec, profile string) (*testRun, error) {
	res, err := runner.Run(ctx, dir, timeout, "go", spec.args(timeout, profile)...)
	if err != nil {
		return nil, err
	}
	run := parseTestEvents(res.Stdout)
	run.exitCode, run.stderr = res.ExitCode, res.Stderr
	if res.TimedOut {
		run.killed(timeout)
	}
	run.profile = nonEmpty(profile)
	return run, nil
}

// detectRace reports whether -race works in the runner's environment: cgo
// on, a C compiler found, and a platform the race detector supports. When
// it does not, why says what is missing. go env runs in a directory of its
// own, so that it can run beside the levels' commands.
func detectRace(ctx context.Context, runner *sandbox.Runner) (ok bool, why string, err error) {
	dir, err := runner.Scratch("env-")
	if err != nil {
		return false, "", err
	}
	defer runner.Release(dir)
	res, err := runner.Run(ctx, dir, time.Minute, "go", "env", "-json", "CGO_ENABLED", "CC", "GOOS", "GOARCH")
	if err != nil {
		return false, "", err
	}
	if res.ExitCode != 0 || res.TimedOut {
		return false, "go env failed: " + trimOutput(res.Stderr), nil
	}
	var env struct{ CGO_ENABLED, CC, GOOS, GOARCH string }
	if err := json.Unmarshal(res.Stdout, &env); err != nil {
		return false, "", fmt.Errorf("go env: %w", err)
	}
	if !racePlatform(env.GOOS, env.GOARCH) {
		return false, fmt.Sprintf("no race detector for %s/%s", env.GOOS, env.GOARCH), nil
	}
	if env.CGO_ENABLED != "1" {
		return false, "cgo disabled", nil
	}
	cc := strings.Fields(env.CC)
	if len(cc) == 0 {
		return false, "no C compiler configured", nil
	}
	if _, err := exec.LookPath(cc[0]); err != nil {
		return false, fmt.Sprintf("C compiler %s not found", cc[0]), nil
	}
	return true, "", nil
}

// racePlatform mirrors the toolchain's internal/platform.RaceDetectorSupported.
func racePlatform(goos, goarch string) bool {
	switch goos {
	case "linux":
		return slices.Contains([]string{"amd64", "arm64", "loong64", "ppc64le", "riscv64", "s390x"}, goarch)
	case "darwin":
		return goarch == "amd64" || goarch == "arm64"
	case "freebsd", "netbsd", "windows":
		return goarch == "amd64"
	}
	return false
}
