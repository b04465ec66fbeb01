// Package testjson reads the output of go test -json: cmd/test2json's
// events, with the build events the go command adds, and excerpts of the
// text a failed build or test printed.
package testjson

import (
	"bytes"
	"encoding/json"
	"iter"
	"strings"
)

// Event is one line of go test -json.
type Event struct {
	Action  string // start, run, pause, cont, pass, bench, fail, output, skip; build-output, build-fail
	Package string
	// ImportPath names the package of a build event (build-output,
	// build-fail), which has no Package.
	ImportPath string
	Test       string
	Elapsed    float64 // seconds, on pass and fail
	Output     string
}

// Events are the events of out, in order. Lines that are not events (the
// go command's own messages, which a broken module makes it print to
// stdout too) are skipped.
func Events(out []byte) iter.Seq[Event] {
	return func(yield func(Event) bool) {
		for line := range bytes.SplitSeq(out, []byte("\n")) {
			var e Event
			if len(line) == 0 || line[0] != '{' || json.Unmarshal(line, &e) != nil {
				continue
			}
			if !yield(e) {
				return
			}
		}
	}
}

// Excerpt is what output (a build's, a test's) says, in at most n lines:
// its first n lines that are not blank, a package header ("# pkg") or
// go test's FAIL summary — which ends in the package's time, and would
// keep two runs' excerpts from matching — trimmed and joined by " | ".
func Excerpt(output string, n int) string {
	var keep []string
	for l := range strings.SplitSeq(output, "\n") {
		if len(keep) == n {
			break
		}
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "#") || l == "FAIL" || strings.HasPrefix(l, "FAIL\t") {
			continue
		}
		keep = append(keep, l)
	}
	return strings.Join(keep, " | ")
}
