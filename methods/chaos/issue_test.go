package chaos

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// findingDetails has one finding of each kind, and text from the code
// that would be markdown, HTML or the end of a code block if it were not
// escaped or fenced.
func findingDetails() *Details {
	seed := 0
	return &Details{
		Mutation: &MutationReport{Score: 0.5, Strength: 0.5, Killed: 1, Survived: 1, Run: 2, Mutants: []MutantResult{
			{ID: "m1", File: "calc/sum.go", Line: 6, Func: "Sum", Operator: "relational", Original: "i < len(xs)", Mutated: "i <= len(xs)", Status: StatusSurvived},
			{ID: "m2", File: "calc/max.go", Line: 5, Func: "Max", Operator: "relational", Original: "a > b", Mutated: "a >= b", Status: StatusKilled},
			{ID: "m3", File: "calc/größe.go", Line: 9, Func: "Größe", Operator: "arithmetic", Original: "n * 2", Mutated: "n / 2", Status: StatusUncovered},
		}},
		Fuzz: []FuzzReport{{Function: "Sum", Target: "FuzzSum", Crashed: true, Reproducer: &Reproducer{
			Seed: &seed, Input: "go test fuzz v1\n[]byte(\"```\\n<!-- optimizer:other -->\")\n", Panic: "index out of range [<b>5</b>]", Location: "calc/sum.go:7"}}},
		Faults: []FaultReport{{Function: "Read", Fault: "read error", Finding: FindingSwallowed, Detail: "returned nil"}},
	}
}

// TestFinding: the issue of a task's findings, against a golden file,
// escaping what came from the code, keyed by the task's ID.
func TestFinding(t *testing.T) {
	f, ok := finding("chaos:./calc", "./calc", "0123456789abcdef0123", findingDetails())
	if !ok {
		t.Fatal("no finding for a task that found something")
	}
	if f.Key != "chaos:./calc" || f.Title != "optimizer: chaos findings in ./calc" {
		t.Errorf("key %q, title %q", f.Key, f.Title)
	}
	for _, want := range []string{"`calc/sum.go:6`", "i \\<\\= len\\(xs\\)", "`calc/größe.go:9`", "FuzzSum", "````\ngo test fuzz v1", "error swallowed", "index out of range \\[\\<b\\>5\\<\\/b\\>\\]", "on `0123456789ab`."} {
		if !strings.Contains(f.Body, want) {
			t.Errorf("body lacks %q:\n%s", want, f.Body)
		}
	}
	golden := filepath.Join("testdata", "issue.golden")
	if *update {
		if err := os.WriteFile(golden, []byte(f.Body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if f.Body != string(want) {
		t.Errorf("body differs from %s (go test -update rewrites it):\n%s", golden, f.Body)
	}
}

// TestFindingNone: killed mutants, fuzz targets that found nothing and
// faults handled well make no issue.
func TestFindingNone(t *testing.T) {
	d := &Details{
		Mutation: &MutationReport{Score: 1, Strength: 1, Killed: 1, Run: 1, Mutants: []MutantResult{{ID: "m1", File: "a.go", Line: 1, Status: StatusKilled}}},
		Fuzz:     []FuzzReport{{Function: "F", Target: "FuzzF"}},
		Faults:   []FaultReport{{Function: "Read", Fault: "read error"}},
	}
	if f, ok := finding("chaos:./a", "./a", "0123", d); ok {
		t.Errorf("a finding for nothing found: %+v", f)
	}
}
