package validate

// What decides the unit (and integration) level is the base's tests, run
// against the candidate's non-test code: a patch may add tests and change
// them, but what it adds and changes are checks on top of the base's
// tests, never a replacement for them. judgeRuns holds that rule.
//
// How far the output of a test binary can be trusted. go test -json runs
// each test binary with -test.v=test2json: the testing package then starts
// each of its own framing lines (=== RUN, --- PASS, the final PASS or FAIL)
// with the byte 0x16 (^V), and cmd/internal/test2json, once it has seen one
// such line, reads unmarked lines as plain output. Measured with go1.26:
//
//   - Lines that the code under test prints while the tests run, such as
//     "--- PASS: TestX", stay output: robust.
//   - JSON lines that imitate go test -json's events are output too (the
//     go command writes the events; whatever the binary prints is wrapped
//     in "output" events): robust.
//   - The binary's exit status is out of the code's reach except through
//     os.Exit: when it is not 0 the go command ends the package's stream
//     with a ^V-marked "FAIL" line, and the package fails whatever was
//     printed before. Within the tests, os.Exit(0) panics (go test passes
//     -test.paniconexit0). Robust.
//   - Not robust: before the first marked line (in an init function, in a
//     TestMain before m.Run) test2json takes unmarked framing lines for
//     real ones, and the marker is just a byte that any code may print. So
//     code that prints "=== RUN/--- PASS" lines, with or without ^V, makes
//     events; with an os.Exit(0) in an init function the binary then
//     reports a pass of tests that never ran.
//
// The defences, all in lostTests: the tests that judge are compiled from
// the base's test files only, so a TestMain, init or helper that a patch
// adds to a test file is not in the binary at all; a test reported more
// often than it ran (a forged result beside the real one) rejects; and
// each package with tests gets a check test (checkTest) under a name
// drawn for each validation, which must pass wherever the base's tests
// passed: non-test code that prints results and exits before the tests
// run cannot name it. What is left open is what no parser of the output
// can close: code in the test process that sets out to defeat this
// validator can forge any result: it can read the check test's name out
// of its own executable. Writing events past test2json straight into the
// go command's output (os.OpenFile of /proc/<parent>/fd/1, nothing but
// package os) works where the test binary and the go command share a uid
// and nothing else stands between them; in the sandbox run as root (a uid
// per tree, Landlock) the open is denied (measured with go1.26 on Linux).
// Against the rest stand the policy level and review.

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/agentic-optimizer/optimizer/internal/diff"
	"github.com/agentic-optimizer/optimizer/internal/source"
)

// verdict is what one judged run of the tests showed.
type verdict struct {
	status   Status // Pass or Fail
	problems []string
	// notes say what is not held against the patch (failures the base
	// shares).
	notes []string
	// baseProfile is the coverage profile of the base run that judged,
	// when the spec covers.
	baseProfile string
	// raceOff says why the tests were judged without -race although the
	// spec asked for it: the base's own tests do not run to the end under
	// the race detector. "" when they were judged as asked.
	raceOff string
}

// detail renders the verdict as a level's detail does: problems, then
// notes, joined by "; ".
func (v verdict) detail() string {
	return (&outcome{problems: v.problems, notes: v.notes}).detail()
}

// judgement is what the runs of judgeRuns showed.
type judgement struct {
	verdict
	// judged is the run of the base's test files (and the check test)
	// against the candidate's code.
	judged *testRun
	// own is the run of the candidate's test files: nil when the patch
	// touches no test file, and judged ran them.
	own *testRun
	// covered is the spec of the run whose coverage profile the coverage
	// level judges (own's when there is one, else judged's), and
	// baseTestdata whether it ran with the base's testdata files: how to
	// run it again (see candidate.coverRerun).
	covered      testSpec
	baseTestdata bool
}

// judgeRuns runs the tests of pkgs as spec says and judges them.
//
// The run that decides compiles the base's _test.go files (go test
// -overlay: test files the patch adds are left out, test files it changes
// or deletes are put back as they were) with the candidate's non-test
// code, and with the base's testdata files (baseTestdata). Every test,
// subtests too, that passed on the base must pass in it: a test that
// fails, is skipped or does not run, and a package that shows no test at
// all, reject.
//
// When the patch touches test files, the candidate's own test files run
// too, as checks on top (with spec's repeats and the benchmarks the patch
// adds): a failure there rejects as well, and so do a top-level test that
// passed on the base and that the patch did not delete but that did not
// run, and a test that passed on the base and is skipped now. When it
// touches none, one run is both, at no extra cost.
func (c *pass) judgeRuns(ctx context.Context, pkgs []*source.Package, spec testSpec) (judgement, error) {
	tmp, err := c.v.Runner.TempDir(c.modDir, "unit-")
	if err != nil {
		return judgement{}, err
	}
	ov, err := c.overlays(ctx, pkgs, tmp)
	if err != nil {
		return judgement{}, err
	}
	judgeSpec := spec
	judgeSpec.overlay, judgeSpec.check = ov.judging, ov.check
	if ov.touched {
		// The repeats and the added benchmarks are there to try the
		// patch's tests, which only the second run holds.
		judgeSpec.count, judgeSpec.bench = 0, ""
	}
	restore, err := c.baseTestdata(ctx)
	if err != nil {
		return judgement{}, err
	}
	v, judged, err := c.judgeTests(ctx, judgeSpec, expectation{subtests: true})
	if rerr := restore(); rerr != nil {
		return judgement{}, rerr
	}
	if err != nil {
		return judgement{}, err
	}
	if v.raceOff != "" {
		judgeSpec.race, judgeSpec.noRace = false, v.raceOff
		spec.race, spec.noRace = false, v.raceOff // the patch's tests too
	}
	j := judgement{verdict: v, judged: judged, covered: judgeSpec, baseTestdata: true}
	if !ov.touched {
		return j, nil
	}
	if v.status == Fail {
		j.problems = []string{"the base's tests: " + v.detail() + " (the unit level runs the base's test files against the patched code; the patch's tests run in addition, not instead)"}
		j.notes = nil
	}
	// Run even when the base's tests failed: what the patch's own tests
	// say (a TestMain that stops them, a skip) is part of the answer.
	ownSpec := spec
	ownSpec.overlay, ownSpec.check = ov.own, ov.check
	mine, own, err := c.judgeTests(ctx, ownSpec, expectation{removed: c.removedTests()})
	if err != nil {
		return judgement{}, err
	}
	j.own, j.covered, j.baseTestdata = own, ownSpec, false
	if mine.baseProfile != "" {
		j.baseProfile = mine.baseProfile
	}
	switch {
	case mine.status == Fail && j.status == Fail:
		j.problems = append(j.problems, "the patch's test files: "+mine.detail())
	case mine.status == Fail:
		j.status, j.problems, j.notes = Fail, []string{"the patch's test files: " + mine.detail()}, nil
	case j.status == Pass:
		j.notes = append(j.notes, mine.notes...)
	}
	return j, nil
}

// baseTestdata puts the base's version of each file under a testdata
// directory that the patch changes, adds or deletes back in the worktree,
// for the run of the base's tests: a golden file is part of a test, and
// an overlay reaches only what the compiler reads. restore puts the
// candidate's versions back; on an error they are back already.
func (c *candidate) baseTestdata(ctx context.Context) (restore func() error, err error) {
	type saved struct {
		abs    string
		data   []byte
		mode   os.FileMode
		exists bool
	}
	var undo []saved
	restore = func() error {
		for _, f := range undo {
			var err error
			if f.exists {
				err = os.WriteFile(f.abs, f.data, f.mode)
			} else if err = os.Remove(f.abs); os.IsNotExist(err) {
				err = nil
			}
			if err != nil {
				return fmt.Errorf("unit: putting the patch's testdata back: %w", err)
			}
		}
		return nil
	}
	done := map[string]bool{}
	for _, f := range c.files {
		for _, p := range []string{f.OldPath, f.NewPath} {
			if p == "" || done[p] || !slices.Contains(strings.Split(path.Dir(p), "/"), "testdata") {
				continue
			}
			done[p] = true
			abs := c.abs(p)
			cur := saved{abs: abs, mode: 0o644}
			if fi, err := os.Stat(abs); err == nil {
				if cur.data, err = os.ReadFile(abs); err != nil {
					return nil, errors.Join(fmt.Errorf("unit: %w", err), restore())
				}
				cur.exists, cur.mode = true, fi.Mode().Perm()
			}
			undo = append(undo, cur)
			src, err := c.wt.Git(ctx, "show", c.wt.Commit+":"+p)
			if err != nil {
				err = os.Remove(abs) // new in the candidate
				if os.IsNotExist(err) {
					err = nil
				}
			} else if err = os.MkdirAll(filepath.Dir(abs), 0o755); err == nil {
				err = os.WriteFile(abs, []byte(src), cur.mode)
			}
			if err != nil {
				return nil, errors.Join(fmt.Errorf("unit: the base's testdata: %w", err), restore())
			}
		}
	}
	return restore, nil
}

// ownPassed says, for a pass detail, how many tests passed in the run of
// the patch's own test files, when there was one.
func (j judgement) ownPassed() string {
	if j.own == nil {
		return ""
	}
	return fmt.Sprintf(" (the base's test files; %d with the patch's)", j.own.passed())
}

// results are the per-test results for the report: the judging run's,
// then those of the patch's own run that it does not show (the tests the
// patch adds or changes, and whatever failed there).
func (j judgement) results() []TestResult {
	out := slices.Clone(j.judged.results)
	if j.own == nil {
		return out
	}
	for _, r := range j.own.results {
		if r.Status != "pass" || !slices.ContainsFunc(out, func(x TestResult) bool { return x.Package == r.Package && x.Test == r.Test }) {
			out = append(out, r)
		}
	}
	return out
}

// overlayFiles are the overlays of judgeRuns' runs.
type overlayFiles struct {
	judging string // the base's test files and the check test
	own     string // the check test alone
	check   string // the check test's name
	touched bool   // the patch touches test files of the packages
}

// overlays writes the go build -overlay files of judgeRuns into tmp.
func (c *candidate) overlays(ctx context.Context, pkgs []*source.Package, tmp string) (overlayFiles, error) {
	var out overlayFiles
	baseFiles, err := c.baseTestFiles(ctx, pkgs, tmp)
	if err != nil {
		return out, fmt.Errorf("unit: %w", err)
	}
	out.touched = len(baseFiles) > 0
	nonce := make([]byte, 8)
	if _, err := rand.Read(nonce); err != nil {
		return out, fmt.Errorf("unit: %w", err)
	}
	suffix := hex.EncodeToString(nonce)
	out.check = "TestOptimizerCheck" + suffix
	checks := map[string]string{}
	for i, p := range pkgs {
		if !c.hasTests(p) || p.Name == "" {
			continue // no test binary to vouch for (adding one would cost a link), or no name to give its test package
		}
		src := filepath.Join(tmp, fmt.Sprintf("check%d_test.go", i))
		if err := os.WriteFile(src, []byte(checkTest(p.Name, out.check)), 0o644); err != nil {
			return out, fmt.Errorf("unit: %w", err)
		}
		// The go command runs on the sandbox's copy of the worktree: the
		// overlay names the copy's files, as baseTestFiles' entries do.
		checks[c.v.Runner.Path(filepath.Join(p.Dir, "zz_optimizer_check_"+suffix+"_test.go"))] = src
	}
	if out.judging, err = writeOverlay(filepath.Join(tmp, "judging.json"), baseFiles, checks); err != nil {
		return out, fmt.Errorf("unit: %w", err)
	}
	if out.own, err = writeOverlay(filepath.Join(tmp, "own.json"), checks); err != nil {
		return out, fmt.Errorf("unit: %w", err)
	}
	return out, nil
}

// hasTests reports whether a package had, or now has, a _test.go file:
// whether its tests build a test binary in one of judgeRuns' runs.
func (c *candidate) hasTests(p *source.Package) bool {
	if files, _ := filepath.Glob(filepath.Join(p.Dir, "*_test.go")); len(files) > 0 {
		return true
	}
	return slices.ContainsFunc(c.files, func(f diff.File) bool {
		return strings.HasSuffix(f.OldPath, "_test.go") && filepath.Dir(c.abs(f.OldPath)) == p.Dir
	})
}

// checkTest is the source of the check test: in the external test
// package, which the go command runs after the package's own tests, and
// empty, so that only a binary that ran its tests reports its pass.
func checkTest(pkgName, test string) string {
	return fmt.Sprintf(`package %s_test

import "testing"

// %s is added by the optimizer's unit level, under a name drawn for one
// validation: its pass shows that the test binary ran its tests.
func %s(t *testing.T) {}
`, pkgName, test, test)
}

// takeCheck removes the check test's results from the run, so that they
// count nowhere, and returns the packages where it passed.
func (r *testRun) takeCheck(name string) map[string]bool {
	passed := map[string]bool{}
	if name == "" {
		return passed
	}
	for _, x := range r.results {
		if x.Test == name && x.Status == "pass" {
			passed[x.Package] = true
		}
	}
	r.results = slices.DeleteFunc(r.results, func(x TestResult) bool { return x.Test == name })
	r.failed = slices.DeleteFunc(r.failed, func(s string) bool { return strings.HasSuffix(s, "."+name) })
	return passed
}

// expectation says which of the tests that passed on the base a run must
// pass too.
type expectation struct {
	// subtests: every test and subtest (the run has the base's test
	// files). Otherwise the top-level tests must run, except those the
	// patch deletes, and no subtest may be skipped: the patch may rewrite
	// its tests' cases.
	subtests bool
	// removed are the top-level tests (package.Test) the patch deletes.
	removed map[string]bool
}

// removedTests returns the top-level tests, examples and fuzz tests
// (package.Name) whose declaration the patch removes and does not add
// back: a test the patch deletes or renames is not expected to run.
func (c *candidate) removedTests() map[string]bool {
	out := map[string]bool{}
	for _, f := range c.files {
		if !strings.HasSuffix(f.OldPath, "_test.go") {
			continue
		}
		p := c.packageOf(f.OldPath)
		if p == nil {
			continue
		}
		var added []string
		for _, h := range f.Hunks {
			for _, l := range h.Added {
				if m := testDecl.FindStringSubmatch(l.Text); m != nil {
					added = append(added, m[1])
				}
			}
		}
		for _, h := range f.Hunks {
			for _, l := range h.Removed {
				if m := testDecl.FindStringSubmatch(l.Text); m != nil && !slices.Contains(added, m[1]) {
					out[p.ImportPath+"."+m[1]] = true
				}
			}
		}
	}
	return out
}

// testDecl matches the declaration of a test, fuzz test or example.
var testDecl = regexp.MustCompile(`^func ((?:Test|Fuzz|Example)\w*)\(`)

// lostTests returns what rejects in run beyond failed tests: the tests
// that passed in every one of bases and, as expect says, should have
// passed in run too but were skipped or did not run, the packages that
// showed no test where the base's passed, the packages where the check
// test did not pass (checked holds those where it did), and the tests
// reported more often than they ran. A package with a failed test or a
// build error is left out: what stopped its tests is reported already.
func lostTests(run *testRun, spec testSpec, expect expectation, checked map[string]bool, bases ...*testRun) []string {
	var out []string
	runs := max(spec.count, 1)
	seen := map[string]int{}
	statuses := map[string]map[string][]string{} // package → test → statuses
	for _, r := range run.results {
		seen[r.Package+"."+r.Test]++
		if statuses[r.Package] == nil {
			statuses[r.Package] = map[string][]string{}
		}
		statuses[r.Package][r.Test] = append(statuses[r.Package][r.Test], r.Status)
	}
	for _, name := range sortedKeys(seen) {
		if n := seen[name]; n > runs {
			out = append(out, fmt.Sprintf("%s reported %d results in %d runs: the test binary printed test results of its own (lines that imitate go test's), so its output is not trusted", name, n, runs))
		}
	}
	passed := basePassed(bases)
	for _, pkg := range sortedKeys(passed) {
		if explained(run, pkg, bases) {
			continue
		}
		var want []string
		for _, t := range passed[pkg] {
			if !expect.removed[pkg+"."+topLevel(t)] {
				want = append(want, t)
			}
		}
		if len(want) == 0 {
			continue
		}
		got := statuses[pkg]
		if len(got) == 0 {
			out = append(out, fmt.Sprintf("%s ran no tests on the candidate, but %d passed on the base: did its test binary exit before running them, or send their output elsewhere?", pkg, len(want)))
			continue
		}
		var lost []string
		missing := map[string]bool{}
		for _, t := range want {
			s := got[t]
			switch {
			case len(s) == 0 && (expect.subtests || !strings.Contains(t, "/")):
				missing[t] = true
				if !missing[parentTest(t, missing)] {
					lost = append(lost, fmt.Sprintf("%s.%s passed on the base but did not run on the candidate", pkg, t))
				}
			case slices.Contains(s, "fail"):
				// reported as a failure
			case slices.Contains(s, "skip"):
				lost = append(lost, fmt.Sprintf("%s.%s passed on the base but was skipped on the candidate", pkg, t))
			}
		}
		if len(lost) == 0 && spec.check != "" && !checked[pkg] {
			lost = append(lost, fmt.Sprintf("%s: the check test the validator adds (%s) did not pass: the test binary stopped before its tests did (an init that exits?) or printed their results itself, so its output is not trusted", pkg, spec.check))
		}
		out = append(out, lost...)
	}
	return out
}

// parentTest returns the nearest enclosing test of t that is in set, or
// "".
func parentTest(t string, set map[string]bool) string {
	for i := len(t) - 1; i > 0; i-- {
		if t[i] == '/' && set[t[:i]] {
			return t[:i]
		}
	}
	return ""
}

// basePassed returns, by package, the tests (sorted) that passed in every
// run of bases and failed or were skipped in none.
func basePassed(bases []*testRun) map[string][]string {
	out := map[string][]string{}
	if len(bases) == 0 {
		return out
	}
	type key struct{ pkg, test string }
	status := make([]map[key]string, len(bases))
	for i, b := range bases {
		status[i] = map[key]string{}
		for _, r := range b.results {
			k := key{r.Package, r.Test}
			if status[i][k] == "" || r.Status != "pass" {
				status[i][k] = r.Status
			}
		}
	}
	for k, s := range status[0] {
		ok := s == "pass"
		for _, other := range status[1:] {
			ok = ok && other[k] == "pass"
		}
		if ok {
			out[k.pkg] = append(out[k.pkg], k.test)
		}
	}
	for _, tests := range out {
		slices.Sort(tests)
	}
	return out
}

// explained reports whether a package's missing tests are explained by a
// failure reported already: a failed test, a build error, a killed run.
// A failure the base has too explains nothing: it stopped nothing there.
func explained(run *testRun, pkg string, bases []*testRun) bool {
	onBase := func(name string) bool {
		return slices.ContainsFunc(bases, func(b *testRun) bool { return slices.Contains(b.failed, name) })
	}
	for _, r := range run.results {
		if r.Package == pkg && r.Status == "fail" && !onBase(r.Package+"."+r.Test) {
			return true
		}
	}
	for _, e := range run.buildErrs {
		shared := slices.ContainsFunc(bases, func(b *testRun) bool { return slices.Contains(b.buildErrs, e) })
		if strings.HasPrefix(e, pkg+": ") && !shared || strings.HasPrefix(e, "go test did not finish") {
			return true
		}
	}
	return false
}

// summarize joins problems, naming at most n of them.
func summarize(problems []string, n int) string {
	if len(problems) <= n {
		return strings.Join(problems, "; ")
	}
	return fmt.Sprintf("%s; and %d more", strings.Join(problems[:n], "; "), len(problems)-n)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
