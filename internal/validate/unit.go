package validate

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"
)

// testEvent is one line of `go test -json` (cmd/test2json), including the
// build events the go command adds.
type testEvent struct {
	Action     string
	Package    string
	ImportPath string
	Test       string
	Elapsed    float64
	Output     string
}

// checkUnit runs the tests of the affected packages.
func checkUnit(ctx context.Context, c *candidate) (Status, string) {
	pkgs, err := c.affected(ctx)
	if err != nil {
		return Fail, err.Error()
	}
	if len(pkgs) == 0 {
		return Pass, "no Go package affected"
	}
	timeout := c.v.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Minute
	}
	// go test's own -timeout ends a hanging test with a panic that names
	// it; the sandbox's deadline, a little later, is the backstop.
	args := append([]string{"test", "-json", "-count=1", "-timeout", timeout.String()}, patternsOf(pkgs)...)
	res, err := c.v.Runner.Run(ctx, c.modDir, timeout+30*time.Second, "go", args...)
	if err != nil {
		return Error, err.Error()
	}
	results, failed, buildErrs := parseTestEvents(res.Stdout)
	c.report.Tests = results
	if res.TimedOut {
		return Fail, fmt.Sprintf("tests did not finish within %v", timeout)
	}
	pre := ""
	if (len(failed) > 0 || len(buildErrs) > 0) && c.v.Baseline != nil {
		baseFailed, baseBuild, err := c.v.Baseline.Tests(ctx, patternsOf(pkgs))
		if err != nil {
			return Error, err.Error()
		}
		var nTests, nPkgs int
		failed, nTests = without(failed, baseFailed)
		buildErrs, nPkgs = without(buildErrs, baseBuild)
		pre = preexisting(nTests, "tests") + preexisting(nPkgs, "packages")
	}
	var problems []string
	if len(buildErrs) > 0 {
		problems = append(problems, "build failed: "+strings.Join(buildErrs, "; "))
	}
	if len(failed) > 0 {
		problems = append(problems, fmt.Sprintf("%d tests failed: %s", len(failed), strings.Join(failed, ", ")))
	}
	if res.ExitCode != 0 && len(problems) == 0 && pre == "" {
		problems = append(problems, "go test failed: "+trimOutput(res.Stderr, res.Stdout))
	}
	if len(problems) > 0 {
		return Fail, strings.Join(problems, "; ") + pre
	}
	passed := 0
	for _, r := range results {
		if r.Status == "pass" {
			passed++
		}
	}
	return Pass, fmt.Sprintf("%d tests passed in %d packages%s", passed, len(pkgs), pre)
}

// parseTestEvents reads go test -json output: the result of every test,
// the failed tests by name (package.Test), and the packages that did not
// build, with the compiler's first message.
func parseTestEvents(out []byte) (results []TestResult, failed, buildErrs []string) {
	buildOutput := map[string]*strings.Builder{}
	pkgOutput := map[string]*strings.Builder{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var e testEvent
		if json.Unmarshal(sc.Bytes(), &e) != nil {
			continue
		}
		switch {
		case e.Action == "build-output":
			appendTo(buildOutput, e.ImportPath, e.Output)
		case e.Action == "build-fail":
			buildErrs = append(buildErrs, e.ImportPath+": "+firstLines(buildOutput[e.ImportPath], 3))
		case e.Test == "" && e.Action == "output":
			appendTo(pkgOutput, e.Package, e.Output)
		case e.Test == "" && e.Action == "fail" && !hasTests(results, e.Package):
			// A package that failed with no failing test: a panic in
			// init or TestMain, or a build failure reported as output.
			buildErrs = append(buildErrs, e.Package+": "+firstLines(pkgOutput[e.Package], 3))
		case e.Test != "" && (e.Action == "pass" || e.Action == "fail" || e.Action == "skip"):
			results = append(results, TestResult{Package: e.Package, Test: e.Test, Status: e.Action, ElapsedMS: e.Elapsed * 1000})
			if e.Action == "fail" {
				failed = append(failed, e.Package+"."+e.Test)
			}
		}
	}
	sort.Strings(failed)
	return results, failed, buildErrs
}

func appendTo(m map[string]*strings.Builder, key, s string) {
	if m[key] == nil {
		m[key] = &strings.Builder{}
	}
	m[key].WriteString(s)
}

func hasTests(results []TestResult, pkg string) bool {
	for _, r := range results {
		if r.Package == pkg && r.Status == "fail" {
			return true
		}
	}
	return false
}

func firstLines(b *strings.Builder, n int) string {
	if b == nil {
		return "(no output)"
	}
	var keep []string
	for _, l := range strings.Split(strings.TrimSpace(b.String()), "\n") {
		if strings.HasPrefix(l, "#") || strings.TrimSpace(l) == "" {
			continue
		}
		keep = append(keep, strings.TrimSpace(l))
		if len(keep) == n {
			break
		}
	}
	if len(keep) == 0 {
		return "(no output)"
	}
	return strings.Join(keep, " | ")
}
