package validate

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/agentic-optimizer/optimizer/internal/testjson"
)

// testRun is what one go test command showed.
type testRun struct {
	results   []TestResult
	failed    []string // package.Test of each failed test, subtests too; sorted
	buildErrs []string // packages that did not build or failed outside a test
	// compiler is the whole build output behind an entry of buildErrs.
	compiler map[string]string
	// output is each test's output, by package.Test.
	output map[string]*strings.Builder
	// hung says, by package.Test, how long a test ran before go test's
	// timeout (or the sandbox's) stopped it.
	hung map[string]string
	// races are the first data race reported in a failed test's output.
	races map[string][]raceAccess
	// running are the tests that started and never ended.
	running []TestResult
	// cached are the packages whose result go's test cache replayed: a
	// pass from some earlier run, perhaps a lucky one.
	cached []string

	profile  string // coverage profile; "" when none was written
	exitCode int
	stderr   []byte
}

// result returns the result of the named test (package.Test): its
// failure, when the run reported one beside a pass. A pass printed by the
// code under test can precede the real failure (see judge.go).
func (r *testRun) result(name string) *TestResult {
	var found *TestResult
	for i := range r.results {
		if x := &r.results[i]; x.Package+"."+x.Test == name {
			if x.Status == "fail" {
				return x
			}
			if found == nil {
				found = x
			}
		}
	}
	return found
}

func (r *testRun) passed() int {
	n := 0
	for _, x := range r.results {
		if x.Status == "pass" {
			n++
		}
	}
	return n
}

// hang records that a test was stopped while it ran.
func (r *testRun) hang(pkg, test, why string) {
	name := pkg + "." + test
	if r.hung[name] != "" {
		return
	}
	r.hung[name] = why
	r.results = append(r.results, TestResult{Package: pkg, Test: test, Status: "fail"})
	r.failed = append(r.failed, name)
	r.running = slices.DeleteFunc(r.running, func(x TestResult) bool { return x.Package == pkg && x.Test == test })
}

// killed marks the tests still running when the command was killed; with
// none running, the command itself failed (it was building, say).
func (r *testRun) killed(limit time.Duration) {
	if len(r.running) == 0 {
		r.buildErrs = append(r.buildErrs, fmt.Sprintf("go test did not finish within %v, before any test started (raise --timeout if the build is slow)", limit))
	}
	for _, x := range slices.Clone(r.running) {
		r.hang(x.Package, x.Test, fmt.Sprintf("did not finish within %v (the go command was killed)", limit))
	}
	slices.Sort(r.failed)
}

// timeoutPanic follows the panic with which a test binary ends when
// go test's -timeout expires:
//
//	panic: test timed out after 2s
//		running tests:
//			TestHang (2s)
type timeoutPanic struct {
	after   string
	listing bool
	done    bool
	tests   []string
}

func (p *timeoutPanic) line(s string) {
	switch {
	case p.done:
	case strings.TrimSpace(s) == "running tests:":
		p.listing = true
	case p.listing && strings.HasPrefix(s, "\t\t"):
		name, _, _ := strings.Cut(strings.TrimSpace(s), " ")
		p.tests = append(p.tests, name)
	case p.listing:
		p.done = true
	}
}

// parseTestEvents reads go test -json output: the result of every test,
// the failed tests by name (package.Test), the packages that did not
// build, with the compiler's first message, the tests that hung and the
// data races.
func parseTestEvents(out []byte) *testRun {
	run := &testRun{output: map[string]*strings.Builder{}, hung: map[string]string{}, races: map[string][]raceAccess{}, compiler: map[string]string{}}
	buildOutput := map[string]*strings.Builder{}
	pkgOutput := map[string]*strings.Builder{}
	timeouts := map[string]*timeoutPanic{}
	for e := range testjson.Events(out) {
		name := e.Package + "." + e.Test
		switch {
		case e.Action == "build-output":
			appendTo(buildOutput, e.ImportPath, e.Output)
		case e.Action == "build-fail":
			entry := e.ImportPath + ": " + firstLines(buildOutput[e.ImportPath], 3)
			run.buildErrs = append(run.buildErrs, entry)
			if out := buildOutput[e.ImportPath]; out != nil {
				run.compiler[entry] = out.String()
			}
		case e.Action == "output":
			if e.Test != "" {
				appendTo(run.output, name, e.Output)
			} else {
				appendTo(pkgOutput, e.Package, e.Output)
				if strings.HasPrefix(e.Output, "ok  \t") && strings.Contains(e.Output, "\t(cached)") {
					run.cached = append(run.cached, e.Package)
				}
			}
			if after, ok := strings.CutPrefix(e.Output, "panic: test timed out after "); ok {
				timeouts[e.Package] = &timeoutPanic{after: strings.TrimSpace(after)}
			} else if p := timeouts[e.Package]; p != nil {
				p.line(e.Output)
			}
		case e.Test == "" && e.Action == "fail":
			if p := timeouts[e.Package]; p != nil && len(p.tests) > 0 {
				for _, t := range p.tests {
					run.hang(e.Package, t, "did not finish within "+p.after)
				}
			} else if crashed := runningIn(run.running, e.Package); len(crashed) > 0 {
				// The process died inside these tests without their
				// ending: a benchmark's panic (testing reports no
				// failure for it) or an os.Exit in a test.
				for _, t := range crashed {
					name := t.Package + "." + t.Test
					run.results = append(run.results, TestResult{Package: t.Package, Test: t.Test, Status: "fail"})
					run.failed = append(run.failed, name)
					// test2json may file the dying process's last words
					// (the panic) under the package rather than the test.
					if out := pkgOutput[e.Package]; out != nil && (run.output[name] == nil || !strings.Contains(run.output[name].String(), "panic: ")) {
						appendTo(run.output, name, out.String())
					}
					if out := run.output[name]; out != nil {
						if races := raceReport(out.String()); len(races) > 0 {
							run.races[name] = races
						}
					}
				}
				run.running = slices.DeleteFunc(run.running, func(x TestResult) bool { return x.Package == e.Package })
			} else if !hasFailedTest(run.results, e.Package) {
				// A package that failed with no failing test: a panic in
				// init or TestMain, or a build failure reported as output.
				run.buildErrs = append(run.buildErrs, e.Package+": "+firstLines(pkgOutput[e.Package], 3))
			}
		case e.Test != "" && e.Action == "run":
			run.running = append(run.running, TestResult{Package: e.Package, Test: e.Test})
		case e.Test != "" && (e.Action == "pass" || e.Action == "fail" || e.Action == "skip"):
			run.results = append(run.results, TestResult{Package: e.Package, Test: e.Test, Status: e.Action, ElapsedMS: e.Elapsed * 1000})
			run.running = slices.DeleteFunc(run.running, func(x TestResult) bool { return x.Package == e.Package && x.Test == e.Test })
			if e.Action == "fail" {
				run.failed = append(run.failed, name)
				if out := run.output[name]; out != nil {
					if races := raceReport(out.String()); len(races) > 0 {
						run.races[name] = races
					}
				}
			}
		}
	}
	// Keep the output of failed tests only: the Baseline caches runs.
	for name := range run.output {
		if !slices.Contains(run.failed, name) {
			delete(run.output, name)
		}
	}
	slices.Sort(run.failed)
	return run
}

func appendTo(m map[string]*strings.Builder, key, s string) {
	if m[key] == nil {
		m[key] = &strings.Builder{}
	}
	m[key].WriteString(s)
}

// runningIn returns the tests of pkg that started and never ended.
func runningIn(running []TestResult, pkg string) []TestResult {
	var out []TestResult
	for _, r := range running {
		if r.Package == pkg {
			out = append(out, r)
		}
	}
	return out
}

func hasFailedTest(results []TestResult, pkg string) bool {
	for _, r := range results {
		if r.Package == pkg && r.Status == "fail" {
			return true
		}
	}
	return false
}

// firstLines is what b (a package's output) says in n lines, or "(no
// output)".
func firstLines(b *strings.Builder, n int) string {
	if b != nil {
		if s := testjson.Excerpt(b.String(), n); s != "" {
			return s
		}
	}
	return "(no output)"
}

// leaves drops from a sorted list of failed tests those that failed only
// because a subtest did: TestX when TestX/case is in the list.
func leaves(failed []string) []string {
	var out []string
	for _, name := range failed {
		parent := false
		for _, other := range failed {
			if strings.HasPrefix(other, name+"/") {
				parent = true
				break
			}
		}
		if !parent {
			out = append(out, name)
		}
	}
	return out
}

// topLevel is the top-level test of a (sub)test name.
func topLevel(test string) string {
	top, _, _ := strings.Cut(test, "/")
	return top
}

// raceAccess is one side of a data race: what it did, and the stack
// that did it, innermost first.
type raceAccess struct {
	what   string // "read", "previous write", …
	frames []raceFrame
}

type raceFrame struct {
	fn, file string
	line     int
}

// raceLocation matches a stack frame's location line in a race report.
var raceLocation = regexp.MustCompile(`^\s+(\S+\.go):(\d+)(?: \+0x[0-9a-f]+)?$`)

// raceReport returns the accesses of the first data race in a test's
// output:
//
//	WARNING: DATA RACE
//	Read at 0x00c0000941d8 by goroutine 10:
//	  example.com/m/a.TestRace.func1()
//	      /tmp/m/a/a_test.go:18 +0x33
func raceReport(out string) []raceAccess {
	lines := strings.Split(out, "\n")
	start := slices.IndexFunc(lines, func(s string) bool { return strings.TrimSpace(s) == "WARNING: DATA RACE" })
	if start < 0 {
		return nil
	}
	var accesses []raceAccess
	fn := ""
	for _, l := range lines[start+1:] {
		t := strings.TrimSpace(l)
		if t == "==================" || strings.HasPrefix(t, "Goroutine ") {
			break
		}
		if what, _, ok := strings.Cut(t, " at 0x"); ok && !strings.HasPrefix(l, " ") {
			accesses = append(accesses, raceAccess{what: strings.ToLower(what)})
			continue
		}
		if len(accesses) == 0 {
			continue
		}
		a := &accesses[len(accesses)-1]
		if m := raceLocation.FindStringSubmatch(l); m != nil {
			n, _ := strconv.Atoi(m[2])
			a.frames = append(a.frames, raceFrame{fn: fn, file: m[1], line: n})
		} else if t != "" {
			fn = t
		}
	}
	return slices.DeleteFunc(accesses, func(a raceAccess) bool { return len(a.frames) == 0 })
}
