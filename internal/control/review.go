package control

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/agentic-optimizer/optimizer/internal/action"
	"github.com/agentic-optimizer/optimizer/internal/diff"
	"github.com/agentic-optimizer/optimizer/internal/github"
	"github.com/agentic-optimizer/optimizer/internal/markdown"
	"github.com/agentic-optimizer/optimizer/internal/report"
)

// review posts the run's change on the pull request that triggered it: the
// hunks its diff shows as one review of suggestions, the others as a
// follow-up draft pull request against its branch when that branch is in
// this repository and the token may push; otherwise they stay in the
// patch, and the report and the summary say so.
func (g *GitHub) review(ctx context.Context, run Run, rep *report.Report, cc *report.ChangeControl, c *change, ev *action.Event, info github.Repository) error {
	if c == nil {
		return nil
	}
	rv := &report.Review{PullRequest: ev.PullRequest, HeadSHA: ev.Head, PatchID: c.patch.ID, PatchCID: c.patch.CID}
	cc.Review = rv
	ok, why, err := g.sameCode(ctx, run, ev.Head, c)
	if err != nil {
		return err
	}
	if !ok {
		for _, f := range c.files {
			rv.Outside = append(rv.Outside, report.Outside{Path: f.Path(), Hunk: -1, Reason: why})
		}
		g.note("no suggestions on pull request #%d: %s; the change is in patch %s", ev.PullRequest, why, c.patch.ID)
		return nil
	}

	// Map the change onto the diff first, so that the review can say where
	// the hunks outside it go.
	prFiles, err := g.client.PullFiles(ctx, g.repo, ev.PullRequest)
	if err != nil {
		return err
	}
	sugs, out := github.Suggest(prFiles, c.files)
	branch := github.BranchName(methodsOf(rep), fmt.Sprintf("pull/%d", ev.PullRequest))
	stay := ""
	switch {
	case len(out) == 0:
	case ev.Fork:
		stay = "the pull request comes from a fork, whose branch cannot take a pull request from this repository"
	case ev.Ref == "":
		stay = "the event does not name the pull request's branch"
	case info.CanPush != nil && !*info.CanPush:
		stay = "the token cannot push to " + g.repo.String()
	}
	res, err := g.client.ReviewSuggestions(ctx, github.ReviewRequest{
		Repo: g.repo, Number: ev.PullRequest, HeadSHA: ev.Head, Patch: c.forward,
		Body: reviewBody(rep, c, len(sugs), len(out), stay, branch),
		Key:  "review:" + short(ev.Head) + ":" + c.patch.CID,
	})
	rv.Requests = res.Requests
	if err != nil {
		if errors.Is(err, github.ErrHeadMoved) {
			return fmt.Errorf("%w (a push since the run started: the line numbers would be wrong; the change is in patch %s)", err, c.patch.ID)
		}
		return err
	}
	g.published = g.published || res.ReviewID != 0
	rv.URL, rv.Suggestions, rv.Existing = res.URL, len(res.Suggestions), res.Existing
	for _, o := range res.Outside {
		rv.Outside = append(rv.Outside, report.Outside{Path: o.Path, Hunk: o.Hunk, Reason: o.Reason})
	}
	switch {
	case res.Existing:
		g.logf("change control: pull request #%d already has these suggestions: %s", ev.PullRequest, res.URL)
	case res.ReviewID != 0:
		g.logf("change control: %s posted on pull request #%d: %s", nof(len(res.Suggestions), "suggestion"), ev.PullRequest, res.URL)
	}
	if len(res.Outside) == 0 {
		return nil
	}
	if stay != "" {
		g.note("%s of patch %s outside pull request #%d's diff stay in the patch only: %s", nof(len(res.Outside), "hunk"), c.patch.ID, ev.PullRequest, stay)
		return nil
	}
	return g.followUp(ctx, run, cc, c, ev, res.Outside, branch)
}

// sameCode reports whether the pull request's head has the code the patch
// was made on: the run's commit is the head, or (a merge commit was checked
// out) the files the patch touches are the same in both.
func (g *GitHub) sameCode(ctx context.Context, run Run, head string, c *change) (bool, string, error) {
	if run.Head == head {
		return true, "", nil
	}
	repo := run.Worktrees.Repo
	if _, err := repo.Git(ctx, "cat-file", "-e", head+"^{commit}"); err != nil {
		// Not in the clone: Suggest places a suggestion only where the
		// lines it changes are the same on the head.
		g.note("the pull request's head %.12s is not in the clone, so the checkout (%.12s) was not compared with it; suggestions were placed only where the lines they change match", head, run.Head)
		return true, "", nil
	}
	args := []string{"diff", "--quiet", head, run.Head, "--"}
	for _, f := range c.files {
		for _, p := range []string{f.OldPath, f.NewPath} {
			if p != "" {
				args = append(args, p)
			}
		}
	}
	if _, err := repo.Git(ctx, args...); err != nil {
		return false, fmt.Sprintf("the checkout (%.12s) and the pull request's head (%.12s) differ in the files the change touches, so its line numbers would be wrong there", run.Head, head), nil
	}
	return true, "", nil
}

// followUp proposes the hunks outside the pull request's diff as a draft
// pull request against its branch. What cannot be proposed stays in the
// patch, with a note; only an API failure is an error.
func (g *GitHub) followUp(ctx context.Context, run Run, cc *report.ChangeControl, c *change, ev *action.Event, out []github.Outside, branch string) error {
	stay := func(why string) error {
		g.note("%s of patch %s outside pull request #%d's diff stay in the patch only: %s", nof(len(out), "hunk"), c.patch.ID, ev.PullRequest, why)
		return nil
	}
	if run.Head != ev.Head {
		if _, err := run.Worktrees.Repo.Git(ctx, "cat-file", "-e", ev.Head+"^{commit}"); err != nil {
			return stay("the pull request's head is not in the clone (check out with fetch-depth: 0)")
		}
	}
	keep := make([]diff.HunkRef, 0, len(out))
	for _, h := range out {
		keep = append(keep, diff.HunkRef{File: h.File, Hunk: h.Hunk})
	}
	part, err := diff.Select(c.forward, keep)
	if err != nil {
		return stay(err.Error())
	}
	files, tree, err := changeFiles(ctx, run.Worktrees, ev.Head, part)
	if err != nil {
		return stay(fmt.Sprintf("they do not apply on the pull request's head without the rest: %v", err))
	}
	title := titleLine(fmt.Sprintf("optimizer: follow-up to #%d, %s outside its diff", ev.PullRequest, nof(len(out), "validated hunk")))
	var body strings.Builder
	fmt.Fprintf(&body, "## optimizer: follow-up to #%d\n\n", ev.PullRequest)
	fmt.Fprintf(&body, "These hunks belong to the change the optimizer validated for #%d, but lie outside that pull request's diff, so they cannot be review suggestions there. Merge this pull request into #%d's branch if you want them; the optimizer never merges.\n\n", ev.PullRequest, ev.PullRequest)
	patchTable(&body, c)
	for _, h := range out {
		fmt.Fprintf(&body, "- %s: %s\n", code(h.Path), markdown.Escape(h.Reason))
	}
	pr, err := g.client.DraftPR(ctx, github.DraftPRRequest{
		Repo: g.repo, Base: ev.Ref, BaseSHA: ev.Head, Branch: branch,
		Files: files, TreeSHA: tree, Title: title, Body: capBody(body.String()), CommitMessage: title + "\n",
	})
	g.draftPRs++
	g.draftReqs += pr.Requests
	if errors.Is(err, github.ErrPermission) {
		return stay(err.Error())
	}
	if err != nil {
		return fmt.Errorf("follow-up: %w", err)
	}
	g.published = true
	cc.PRURL = pr.URL
	cc.PullRequests = append(cc.PullRequests, report.PullRequest{
		Number: pr.Number, URL: pr.URL, Branch: pr.Branch, Base: ev.Ref, HeadSHA: pr.HeadSHA, PatchID: c.patch.ID, FollowUp: true,
		Created: pr.Created, Updated: pr.Updated, Requests: pr.Requests,
	})
	g.logf("change control: %s outside pull request #%d's diff proposed in %s", nof(len(out), "hunk"), ev.PullRequest, pr.URL)
	return nil
}
