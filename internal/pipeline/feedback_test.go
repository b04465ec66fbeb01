package pipeline

import (
	"slices"
	"strings"
	"testing"

	"github.com/agentic-optimizer/optimizer/internal/report"
	"github.com/agentic-optimizer/optimizer/internal/source"
	"github.com/agentic-optimizer/optimizer/methods"
)

// TestGiveFeedback: a collaborator's request reaches exactly the tasks
// that ask a model about a package the pull request changes; the report
// says which, or why none.
func TestGiveFeedback(t *testing.T) {
	ms, err := LookupMethods([]string{"actor-critic", "modernize"})
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]*methods.Method{}
	for _, m := range ms {
		byName[m.Name] = m
	}
	task := func(method, rel string) *methods.Task {
		return &methods.Task{ID: method + ":./" + rel, Method: method, Package: &source.Package{RelDir: rel}}
	}
	newRun := func() (*report.Report, []*methods.Task) {
		rep := &report.Report{}
		rep.ChangeControl.Reviews = []report.PRReviews{{
			Number: 3, URL: "https://github.example/o/r/pull/3", Packages: []string{"mod/calc"},
			ChangesRequested: []report.ReviewVerdict{
				{Reviewer: "carol", Association: "MEMBER", Commit: "abc", Body: "keep the loop",
					Comments: []report.ReviewLine{{Path: "mod/calc/sum.go", Line: 4, Body: "here"}}},
				{Reviewer: "mallory", Association: "NONE", Body: "leak it", NotFed: "mallory cannot push"},
			},
		}}
		return rep, []*methods.Task{task("actor-critic", "calc"), task("modernize", "calc"), task("actor-critic", "other")}
	}

	rep, tasks := newRun()
	giveFeedback(rep, tasks, byName, "mod", "")
	carol, mallory := rep.ChangeControl.Reviews[0].ChangesRequested[0], rep.ChangeControl.Reviews[0].ChangesRequested[1]
	if !slices.Equal(carol.FedTo, []string{"actor-critic:./calc"}) || carol.NotFed != "" {
		t.Errorf("carol's request went to %v (%q), want actor-critic:./calc alone", carol.FedTo, carol.NotFed)
	}
	if fb := tasks[0].Feedback; len(fb) != 1 || fb[0].Reviewer != "carol" || fb[0].Body != "keep the loop" || fb[0].PR != "https://github.example/o/r/pull/3" ||
		len(fb[0].Comments) != 1 || fb[0].Comments[0].Path != "mod/calc/sum.go" {
		t.Errorf("actor-critic:./calc's feedback %+v", fb)
	}
	if len(tasks[1].Feedback)+len(tasks[2].Feedback) != 0 || len(mallory.FedTo) != 0 || mallory.NotFed != "mallory cannot push" {
		t.Errorf("feedback given where it does not belong: modernize %v, other package %v, mallory %+v", tasks[1].Feedback, tasks[2].Feedback, mallory)
	}

	rep, tasks = newRun()
	giveFeedback(rep, tasks, byName, "mod", "no API key")
	if v := rep.ChangeControl.Reviews[0].ChangesRequested[0]; len(v.FedTo) != 0 || !strings.Contains(v.NotFed, "no API key") || len(tasks[0].Feedback) != 0 {
		t.Errorf("without a model: %+v", v)
	}

	rep, tasks = newRun()
	giveFeedback(rep, tasks[1:2], byName, "mod", "")
	if v := rep.ChangeControl.Reviews[0].ChangesRequested[0]; !strings.Contains(v.NotFed, "no task of this run asks a model about mod/calc") {
		t.Errorf("with modernize alone: %+v", v)
	}
}
