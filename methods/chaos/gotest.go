package chaos

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
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

// testEvent is one line of `go test -json` (cmd/test2json), build events
// included.
type testEvent struct {
	Action     string
	Package    string
	ImportPath string
	Test       string
	Output     string
	Elapsed    float64
}

// parseTestJSON reads `go test -json` output. Lines that are not JSON
// (the go command's own messages on a broken module) are ignored; they go
// to stderr anyway.
func parseTestJSON(out []byte) *testRun {
	run := &testRun{output: map[string]*strings.Builder{}}
	var build strings.Builder
	for _, line := range bytes.Split(out, []byte("\n")) {
		var e testEvent
		if len(line) == 0 || line[0] != '{' || json.Unmarshal(line, &e) != nil {
			continue
		}
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

// excerpt is the first n non-empty lines of s, trimmed, joined by " | ".
func excerpt(s string, n int) string {
	var keep []string
	for _, l := range strings.Split(s, "\n") {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "#") || l == "FAIL" || strings.HasPrefix(l, "FAIL\t") {
			continue
		}
		keep = append(keep, l)
		if len(keep) == n {
			break
		}
	}
	return strings.Join(keep, " | ")
}

// truncate shortens s to about n bytes, on a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !isRuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }
