package control

import (
	"cmp"
	"context"
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/agentic-optimizer/optimizer/internal/config"
	"github.com/agentic-optimizer/optimizer/internal/github"
	"github.com/agentic-optimizer/optimizer/internal/report"
)

// BranchPrefix starts the branch of every pull request the optimizer
// opens (see github.BranchName).
const BranchPrefix = "optimizer/"

// maxReviewed bounds the pull requests whose reviews one run reads.
const maxReviewed = 20

// ReadReviews is the github controller's first step, taken before the
// run's methods start: it reads the reviews of the optimizer's open pull
// requests in the repository (approvals, requests for changes, which commit
// each is of) and returns them, for the run to give the requests to the
// methods that ask a model and to keep them in its report's
// change_control.reviews, where Publish says what became of them. It also
// returns the controller, for Publish to go on with, or nil when the run
// does not use GitHub (control patch, a dry run, no token or repository).
// A failure to read is a note: the run goes on without the reviews.
func ReadReviews(ctx context.Context, cfg *config.Config, getenv func(string) string, logf Logf) (*GitHub, []report.PRReviews) {
	if cfg.DryRun || cfg.Control == ModePatch || missing(cfg, getenv) != "" {
		return nil, nil
	}
	g, err := NewGitHub(cfg, getenv, logf)
	if err != nil {
		return nil, nil // Publish tries again and reports why it cannot
	}
	ctx, cancel := context.WithTimeout(ctx, publishTimeout)
	defer cancel()
	reviews, err := g.readReviews(ctx)
	if err != nil {
		g.note("the reviews of the optimizer's pull requests were not read: %v", err)
	}
	return g, reviews
}

func (g *GitHub) readReviews(ctx context.Context) ([]report.PRReviews, error) {
	open, err := g.client.OpenPRs(ctx, g.repo, BranchPrefix)
	if err != nil {
		return nil, err
	}
	if len(open) > maxReviewed {
		g.note("%d open pull requests of the optimizer's; the reviews of the first %d were read", len(open), maxReviewed)
		open = open[:maxReviewed]
	}
	var reviews []report.PRReviews
	for _, p := range open {
		rv, err := g.client.PullReviews(ctx, g.repo, p.Number)
		if err != nil {
			return reviews, err
		}
		pr := reviewsOf(p, rv)
		if slices.ContainsFunc(pr.ChangesRequested, func(v report.ReviewVerdict) bool { return v.NotFed == "" }) {
			// A request a model may answer: which packages it is about.
			files, err := g.client.PullFiles(ctx, g.repo, p.Number)
			if err != nil {
				return reviews, err
			}
			for _, f := range files {
				if d := path.Dir(f.Path); !slices.Contains(pr.Packages, d) {
					pr.Packages = append(pr.Packages, d)
				}
			}
			slices.Sort(pr.Packages)
		}
		if len(pr.Approvals)+len(pr.ChangesRequested) > 0 {
			g.logf("change control: pull request #%d: %s", pr.Number, standing(pr))
		}
		reviews = append(reviews, pr)
	}
	return reviews, nil
}

// reviewsOf is an open pull request's reviews as the report keeps them.
func reviewsOf(p github.OpenPR, rv github.Reviews) report.PRReviews {
	pr := report.PRReviews{Number: p.Number, URL: p.URL, Branch: p.Branch, HeadSHA: p.HeadSHA, BotReviews: rv.Bots}
	for _, v := range rv.Verdicts {
		out := report.ReviewVerdict{Reviewer: v.Reviewer, Association: v.Association, Commit: v.Commit, Submitted: v.Submitted.UTC(), URL: v.URL}
		switch v.State {
		case "APPROVED":
			if v.Commit != p.HeadSHA {
				out.Stale, out.StaleWhy = true, fmt.Sprintf("approved %s; the head is %s since a later push", short(v.Commit), short(p.HeadSHA))
			}
			pr.Approvals = append(pr.Approvals, out)
		case "CHANGES_REQUESTED":
			out.Body = v.Body
			for _, c := range v.Comments {
				out.Comments = append(out.Comments, report.ReviewLine{Path: c.Path, Line: c.Line, Body: c.Body})
			}
			if !v.Trusted() {
				out.NotFed = fmt.Sprintf("%s cannot push to the repository (author association %s): the request is reported, not given to a model", v.Reviewer, cmp.Or(v.Association, "NONE"))
			}
			pr.ChangesRequested = append(pr.ChangesRequested, out)
		}
	}
	return pr
}

// standing says in a line who approved and who requested changes.
func standing(pr report.PRReviews) string {
	var parts []string
	for _, v := range pr.Approvals {
		s := "approved by " + v.Reviewer + " (" + short(v.Commit) + ")"
		if v.Stale {
			s += ", stale"
		}
		parts = append(parts, s)
	}
	for _, v := range pr.ChangesRequested {
		parts = append(parts, "changes requested by "+v.Reviewer+" ("+short(v.Commit)+")")
	}
	return strings.Join(parts, "; ")
}

// prReviews is the reviews of the pull request of branch, nil when the run
// read none.
func prReviews(cc *report.ChangeControl, branch string) *report.PRReviews {
	for i := range cc.Reviews {
		if cc.Reviews[i].Branch == branch {
			return &cc.Reviews[i]
		}
	}
	return nil
}

// answer decides, before the pull request is updated with c, what c does
// about each request for changes: it is "addressed" when it is a new
// change and a task whose model was given the request made part of it.
func (g *GitHub) answer(ctx context.Context, pr *report.PRReviews, c *change, base, tree string) error {
	tasks := c.tasks()
	for i := range pr.ChangesRequested {
		v := &pr.ChangesRequested[i]
		same, err := g.client.Holds(ctx, g.repo, v.Commit, base, tree)
		if err != nil {
			return err
		}
		var fed []string
		for _, id := range v.FedTo {
			if slices.Contains(tasks, id) {
				fed = append(fed, id)
			}
		}
		switch {
		case same:
			v.Answer, v.AnswerWhy = report.NotAddressed, "this run proposes the same change as the commit reviewed"
		case len(fed) > 0:
			v.Answer, v.AnswerWhy = report.Addressed, fmt.Sprintf("a new change, made by %s with the request in the model's prompt", strings.Join(fed, ", "))
		case len(v.FedTo) > 0:
			v.Answer, v.AnswerWhy = report.NotAddressed, fmt.Sprintf("the tasks given the request (%s) made no part of this change", strings.Join(v.FedTo, ", "))
		case v.NotFed != "":
			v.Answer, v.AnswerWhy = report.NotAddressed, v.NotFed
		default:
			v.Answer, v.AnswerWhy = report.NotAddressed, "no task of this run was given the request"
		}
	}
	return nil
}

// replaced marks the approvals that a new head of the pull request made
// stale.
func replaced(pr *report.PRReviews, head string) {
	if head == pr.HeadSHA {
		return
	}
	for i := range pr.Approvals {
		v := &pr.Approvals[i]
		if v.Commit != head {
			v.Stale, v.StaleWhy = true, fmt.Sprintf("approved %s; this run replaced the head with %s", short(v.Commit), short(head))
		}
	}
}
