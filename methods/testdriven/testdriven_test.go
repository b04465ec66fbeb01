package testdriven

import (
	"strings"
	"testing"

	"github.com/agentic-optimizer/optimizer/internal/validate"
)

func TestTestFile(t *testing.T) {
	for target, want := range map[string]string{
		"Top":           "pkg/top_optimizer_test.go",
		"ReadAll":       "pkg/read_all_optimizer_test.go",
		"Writer.Write":  "pkg/writer_write_optimizer_test.go",
		"parseHTTPLine": "pkg/parse_http_line_optimizer_test.go",
	} {
		s := &task{target: target, pkgRel: "pkg"}
		if got := s.testFile(); got != want {
			t.Errorf("testFile(%s) = %s, want %s", target, got, want)
		}
	}
}

func TestRejectionQuotesLevelAndFindings(t *testing.T) {
	rep := &validate.Report{
		RejectedBy: "unit",
		Levels: []validate.Level{
			{Name: "types", Status: validate.Pass, Detail: "build and vet pass"},
			{Name: "unit", Status: validate.Fail, Detail: "TestTop failed: got [b a], want [a b]"},
		},
		Findings: []validate.Finding{{File: "wordfreq/wordfreq.go", Line: 22, Message: "comparison flipped"}},
	}
	got := rejection(rep)
	for _, want := range []string{"rejected by the unit check", "TestTop failed", "wordfreq/wordfreq.go:22: comparison flipped"} {
		if !strings.Contains(got, want) {
			t.Errorf("rejection lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "build and vet pass") {
		t.Errorf("rejection quotes a level that passed:\n%s", got)
	}
}
