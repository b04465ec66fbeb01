package pipeline

import (
	"testing"

	"github.com/agentic-optimizer/optimizer/internal/validate"
	"github.com/agentic-optimizer/optimizer/methods"
)

// TestWithInFlight: a validation the run's end cut short becomes a
// candidate of the task, with its partial report, unless the method
// reported that patch itself.
func TestWithInFlight(t *testing.T) {
	patch := func(name string) []byte {
		return []byte("--- a/" + name + "\n+++ b/" + name + "\n@@ -1 +1 @@\n-a\n+b\n")
	}
	f := &inFlight{}
	f.add(patch("a.go"), &validate.Report{Interrupted: true})
	f.add(patch("b.go"), &validate.Report{Interrupted: true})
	task := &methods.Task{ID: "modernize:."}
	reported := &methods.Candidate{ID: "own", Patch: patch("b.go")}
	res := withInFlight(task, &methods.Result{Candidates: []*methods.Candidate{reported}}, f, "the run's timeout was reached (raise --timeout)")
	if len(res.Candidates) != 2 {
		t.Fatalf("candidates %+v, want the method's and the one in flight", res.Candidates)
	}
	c := res.Candidates[1]
	if c.ID != "modernize:.#interrupted-1" || len(c.Files) != 1 || c.Files[0] != "a.go" || !c.Validation.Interrupted || c.Error != "interrupted: the run's timeout was reached (raise --timeout)" {
		t.Errorf("in-flight candidate %+v", c)
	}
	if res := withInFlight(task, nil, &inFlight{}, "x"); res != nil {
		t.Errorf("nothing in flight gave %+v", res)
	}
}
