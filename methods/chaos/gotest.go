package chaos

import (
	"slices"
	"strings"

	"github.com/agentic-optimizer/optimizer/internal/testjson"
)

// testRun is what one `go test -json` command showed, read simply: the
// method needs to know whether the tests passed, which failed first, and
// whether the package built at all.
type testRun struct {
	failed      []string // tests that failed, in the order they did
	buildFailed bool     // the package or its tests did not build
	buildOutput string   // the compiler's messages when it did not
	timedOut    bool     // go test's own -timeout ended the run
	hung        string   // the test running when it did
	elapsed     float64  // seconds the test binary ran, as go test reports it
	output      map[string]*strings.Builder
}

// parseTestJSON reads `go test -json` output.
func parseTestJSON(out []byte) *testRun {
	run := &testRun{output: map[string]*strings.Builder{}}
	var build strings.Builder
	for e := range testjson.Events(out) {
		switch {
		case e.Action == "build-output":
			build.WriteString(e.Output)
		case e.Action == "build-fail":
			run.buildFailed = true
		case e.Action == "output":
			if e.Test != "" {
				if run.output[e.Test] == nil {
					run.output[e.Test] = &strings.Builder{}
				}
				run.output[e.Test].WriteString(e.Output)
			} else {
				run.output[""] = appendBuilder(run.output[""], e.Output)
			}
			switch {
			case strings.HasPrefix(e.Output, "panic: test timed out after "):
				run.timedOut, run.hung = true, e.Test
			case e.Test == "" && (strings.Contains(e.Output, "[build failed]") || strings.Contains(e.Output, "[setup failed]")):
				run.buildFailed = true
			}
		case e.Test != "" && e.Action == "fail":
			if !slices.Contains(run.failed, e.Test) {
				run.failed = append(run.failed, e.Test)
			}
		case e.Test == "" && (e.Action == "pass" || e.Action == "fail"):
			run.elapsed += e.Elapsed
		}
	}
	run.buildOutput = build.String()
	return run
}

func appendBuilder(b *strings.Builder, s string) *strings.Builder {
	if b == nil {
		b = &strings.Builder{}
	}
	b.WriteString(s)
	return b
}

// firstFailed is the first failed test that is not only the parent of a
// failed subtest: the one that noticed.
func (r *testRun) firstFailed() string {
	for _, name := range r.failed {
		if !slices.ContainsFunc(r.failed, func(o string) bool { return strings.HasPrefix(o, name+"/") }) {
			return name
		}
	}
	if len(r.failed) > 0 {
		return r.failed[0]
	}
	return ""
}
