package pipeline

import (
	"fmt"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/agentic-optimizer/optimizer/internal/prompt"
	"github.com/agentic-optimizer/optimizer/internal/report"
	"github.com/agentic-optimizer/optimizer/methods"
)

// giveFeedback hands each request for changes that a person who can push
// to the repository made on one of the optimizer's pull requests to the
// tasks that ask a model about a package the pull request changes, and
// records in the report which tasks got it, or why none did. moduleRel is
// the module's directory in the repository; noModel says why no model is
// available ("" when one is).
func giveFeedback(rep *report.Report, tasks []*methods.Task, byName map[string]*methods.Method, moduleRel, noModel string) {
	for i := range rep.ChangeControl.Reviews {
		pr := &rep.ChangeControl.Reviews[i]
		for j := range pr.ChangesRequested {
			v := &pr.ChangesRequested[j]
			if v.NotFed != "" {
				continue // not someone whose words steer a model
			}
			fb := prompt.Feedback{Reviewer: v.Reviewer, PR: pr.URL, Commit: v.Commit, Body: v.Body}
			for _, l := range v.Comments {
				fb.Comments = append(fb.Comments, prompt.FeedbackLine{Path: l.Path, Line: l.Line, Body: l.Body})
			}
			for _, t := range tasks {
				dir := path.Clean(filepath.ToSlash(filepath.Join(moduleRel, t.Package.RelDir)))
				if usesModel(byName[t.Method]) && slices.Contains(pr.Packages, dir) && noModel == "" {
					t.Feedback = append(t.Feedback, fb)
					v.FedTo = append(v.FedTo, t.ID)
				}
			}
			if len(v.FedTo) == 0 {
				v.NotFed = notFed(pr.Packages, noModel)
			}
		}
	}
}

// notFed says why no task was given a request about packages.
func notFed(packages []string, noModel string) string {
	if noModel != "" {
		return "no model is available in this run: " + noModel
	}
	return fmt.Sprintf("no task of this run asks a model about %s", strings.Join(packages, ", "))
}

// carryFeedback gives a merge's requests for changes the tasks the shards
// gave them to (read holds each shard's reviews), or why no shard did.
func carryFeedback(rep *report.Report, read [][]report.PRReviews) {
	for i := range rep.ChangeControl.Reviews {
		pr := &rep.ChangeControl.Reviews[i]
		for j := range pr.ChangesRequested {
			v := &pr.ChangesRequested[j]
			if v.NotFed != "" {
				continue
			}
			why := "no shard read this review (a shard reads reviews when its job has the token)"
			for _, shard := range read {
				for _, spr := range shard {
					for _, sv := range spr.ChangesRequested {
						if spr.Number != pr.Number || sv.Reviewer != v.Reviewer || sv.Commit != v.Commit {
							continue
						}
						for _, id := range sv.FedTo {
							if !slices.Contains(v.FedTo, id) {
								v.FedTo = append(v.FedTo, id)
							}
						}
						if sv.NotFed != "" {
							why = sv.NotFed
						}
					}
				}
			}
			if len(v.FedTo) == 0 {
				v.NotFed = why
			}
		}
	}
}
