package validate_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/agentic-optimizer/optimizer/internal/gitx/gittest"
	"github.com/agentic-optimizer/optimizer/internal/validate"
)

// TestPolicyPowerInReport validates, through the production path, a patch
// that reaches process execution through a renamed import of os: the
// policy level rejects it, names the line in its detail and in the
// report's findings, and no later level runs.
func TestPolicyPowerInReport(t *testing.T) {
	if testing.Short() {
		t.Skip("opens a workspace")
	}
	files := map[string]string{
		"go.mod":         "module example.com/quick\n\ngo 1.22\n",
		"quick/quick.go": "// Package quick adds.\npackage quick\n\n// Add adds.\nfunc Add(a, b int) int { return a + b }\n",
	}
	repo := gittest.NewRepo(t, files)
	raw := diffOf(t, repo, map[string]string{"quick/quick.go": `// Package quick adds.
package quick

import sys "os"

// Add adds.
func Add(a, b int) int {
	sys.StartProcess("/bin/sh", []string{"sh", "-c", "echo faster"}, &sys.ProcAttr{})
	return a + b
}
`})
	rep := validateRaw(t, repo, "speed", raw)
	const want = "quick/quick.go:8: calls os.StartProcess: a patch may not add process execution (optimizations never need it)"
	if l := rep.Level("policy"); rep.RejectedBy != "policy" || l == nil || l.Detail != want {
		t.Errorf("rejected by %q (%+v), want policy saying %q", rep.RejectedBy, l, want)
	}
	if !slices.Contains(rep.Findings, validate.Finding{File: "quick/quick.go", Line: 8, Message: strings.TrimPrefix(want, "quick/quick.go:8: ")}) {
		t.Errorf("findings = %+v, want the call at quick/quick.go:8", rep.Findings)
	}
	for _, l := range rep.Levels[1:] {
		if l.Status != validate.Skip {
			t.Errorf("level %s = %s after the policy rejected the patch, want skip", l.Name, l.Status)
		}
	}
}
