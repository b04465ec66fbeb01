package control

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/agentic-optimizer/optimizer/internal/action"
	"github.com/agentic-optimizer/optimizer/internal/config"
	"github.com/agentic-optimizer/optimizer/internal/github"
	"github.com/agentic-optimizer/optimizer/internal/patch"
	"github.com/agentic-optimizer/optimizer/internal/report"
)

// publishTimeout bounds the time spent on GitHub in one run, within the
// run's own timeout.
const publishTimeout = 10 * time.Minute

// GitHub is the github controller: it proposes the run's change as a draft
// pull request (or, on a pull_request event, as review suggestions on that
// pull request), opens an issue per task with findings, and closes its own
// pull request when the run no longer proposes anything for it. It never
// merges, and never pushes to a branch it did not make.
type GitHub struct {
	client       *github.Client
	repo         github.Repo
	api          string
	cacheFile    string
	cacheEntries int
	logf         Logf
	draftPRs     int // DraftPR calls
	draftReqs    int // their requests
	published    bool
	notes        []string
}

// NewGitHub returns the github controller for cfg, with the API cache
// loaded from where the last run saved it.
func NewGitHub(cfg *config.Config, getenv func(string) string, logf Logf) (*GitHub, error) {
	repo, err := github.ParseRepo(cfg.GitHubRepo)
	if err != nil {
		return nil, err
	}
	api, err := apiURL(getenv)
	if err != nil {
		return nil, err
	}
	g := &GitHub{repo: repo, api: api, cacheFile: cacheFile(getenv), logf: logf}
	cache := github.NewCache(cfg.GitHubCacheTTL)
	if g.cacheFile != "" {
		c, err := github.LoadCache(g.cacheFile, cfg.GitHubCacheTTL)
		if err != nil {
			g.note("the GitHub API cache was not read (%v); this run starts with an empty one", err)
		}
		cache = c
	}
	g.cacheEntries = cache.Len()
	opts := github.DefaultOptions(cfg.GitHubToken)
	opts.BaseURL = api
	opts.Cache = cache
	opts.CacheTTL = cfg.GitHubCacheTTL
	opts.RateLimitThreshold = cfg.RateLimitThreshold
	opts.UserAgent = "agentic-optimizer"
	if g.client, err = github.New(opts); err != nil {
		return nil, err
	}
	return g, nil
}

func (g *GitHub) note(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	g.notes = append(g.notes, msg)
	g.logf("change control: %s", msg)
}

// propose publishes the run on GitHub and records it in cc. It stops at
// the first failure of the API (the rest would likely fail too) and returns
// it; what was published before it stays published and is in cc.
func (g *GitHub) propose(ctx context.Context, run Run, rep *report.Report, cc *report.ChangeControl) error {
	ctx, cancel := context.WithTimeout(ctx, publishTimeout)
	defer cancel()
	cc.Repository = g.repo.String()

	info, err := g.client.Repository(ctx, g.repo)
	if err != nil {
		return fmt.Errorf("read the repository: %w", err)
	}
	if info.Archived {
		return fmt.Errorf("%s is archived: nothing can be proposed on it", g.repo)
	}
	ev, err := action.ReadEvent(run.Getenv)
	if err != nil {
		return err
	}
	dir := patch.Dir{Path: run.Config.Out, CIDVersion: run.Config.CIDVersion}
	c, why, err := proposed(rep, dir, run.ModuleDir)
	if err != nil {
		return err
	}
	if why != "" {
		g.note("%s", why)
	}
	if ev.IsPullRequest() {
		// A pull request's run proposes on that pull request only.
		if ev.Head == "" || !strings.EqualFold(ev.Repository, g.repo.String()) {
			g.note("the %s event names no head commit of a pull request in %s: nothing is proposed on GitHub", ev.Name, g.repo)
			return nil
		}
		if err := g.review(ctx, run, rep, cc, c, ev, info); err != nil {
			return fmt.Errorf("pull request #%d: %w", ev.PullRequest, err)
		}
		if is := issuesOf(rep); len(is) > 0 {
			g.note("%s are in report.json; issues are opened by runs on a branch, not on a pull request", nof(len(is), "finding"))
		}
		return nil
	}
	draftErr := g.draft(ctx, run, rep, cc, c, info)
	if draftErr != nil {
		draftErr = fmt.Errorf("draft pull request: %w", draftErr)
		if !errors.Is(draftErr, github.ErrPermission) {
			return draftErr // the API is failing: leave it alone
		}
	}
	if err := g.issues(ctx, rep, cc); err != nil {
		return errors.Join(draftErr, fmt.Errorf("issues: %w", err))
	}
	return draftErr
}

// draft proposes the run's change as a draft pull request, or closes the
// pull request of an earlier run when this one proposes nothing.
func (g *GitHub) draft(ctx context.Context, run Run, rep *report.Report, cc *report.ChangeControl, c *change, info github.Repository) error {
	key, whole := scope(run, rep)
	branch := github.BranchName(methodsOf(rep), key)
	if c == nil {
		return g.closeStale(ctx, run, rep, cc, branch, whole)
	}
	if info.CanPush != nil && !*info.CanPush {
		return fmt.Errorf("%w: the token cannot push to %s, and a draft pull request needs a branch (give it contents: write and pull-requests: write)", github.ErrPermission, g.repo)
	}
	files, tree, err := changeFiles(ctx, run.Worktrees, run.Head, c.forward)
	if err != nil {
		return err
	}
	reviews := prReviews(cc, branch)
	if reviews != nil {
		if err := g.answer(ctx, reviews, c, run.Head, tree); err != nil {
			return err
		}
	}
	title := prTitle(rep, c, whole)
	base := baseBranch(run.Getenv, info.DefaultBranch)
	pr, err := g.client.DraftPR(ctx, github.DraftPRRequest{
		Repo: g.repo, Base: base, BaseSHA: run.Head, Branch: branch, Files: files, TreeSHA: tree,
		Title: title, Body: prBody(rep, c, run.Head, reviews), CommitMessage: commitMessage(title, c),
	})
	g.draftPRs++
	g.draftReqs += pr.Requests
	if err != nil {
		if errors.Is(err, github.ErrNotFound) || errors.Is(err, github.ErrRejected) {
			err = fmt.Errorf("%w (is commit %.12s, the run's base, pushed to %s?)", err, run.Head, g.repo)
		}
		return err
	}
	g.published = true
	if reviews != nil {
		replaced(reviews, pr.HeadSHA)
	}
	cc.PRURL = pr.URL
	cc.PullRequests = append(cc.PullRequests, report.PullRequest{
		Number: pr.Number, URL: pr.URL, Branch: pr.Branch, Base: base, HeadSHA: pr.HeadSHA,
		PatchID: c.patch.ID, PatchCID: c.patch.CID, Created: pr.Created, Updated: pr.Updated, Requests: pr.Requests,
		Tasks: c.tasks(),
	})
	switch {
	case pr.Created:
		g.logf("change control: opened draft pull request %s (%d requests)", pr.URL, pr.Requests)
	case pr.Updated:
		g.logf("change control: updated draft pull request %s (%d requests)", pr.URL, pr.Requests)
	default:
		g.logf("change control: draft pull request %s already holds this change (%d requests)", pr.URL, pr.Requests)
	}
	return nil
}

// closeStale closes the open pull request of this run's branch: its change
// is no longer proposed. Only a run that covered the branch's whole scope
// and finished every task may say so; other optimizer pull requests (other
// methods, other scopes) are left alone.
func (g *GitHub) closeStale(ctx context.Context, run Run, rep *report.Report, cc *report.ChangeControl, branch string, whole bool) error {
	if !whole || len(stored(rep)) > 0 {
		return nil
	}
	for _, t := range rep.Tasks {
		if t.Status == report.StatusFailed || t.Status == report.StatusInterrupted || t.Status == report.StatusNotRun {
			return nil
		}
	}
	open, err := g.client.OpenPRs(ctx, g.repo, branch)
	if err != nil {
		return err
	}
	for _, p := range open {
		if p.Branch != branch {
			continue
		}
		comment := fmt.Sprintf("The optimizer's run on %s (methods %s) accepted no change for %s any more, so this pull request is closed; its branch stays. A later run that finds a change opens a new one.",
			short(run.Head), strings.Join(rep.Methods, ", "), rep.Module)
		if err := g.client.ClosePR(ctx, g.repo, p.Number, comment); err != nil {
			return err
		}
		g.published = true
		g.logf("change control: closed pull request %s: its change is no longer proposed", p.URL)
		cc.Closed = append(cc.Closed, report.PullRequest{Number: p.Number, URL: p.URL, Branch: p.Branch, HeadSHA: p.HeadSHA})
	}
	return nil
}

// issues opens or updates one issue per finding.
func (g *GitHub) issues(ctx context.Context, rep *report.Report, cc *report.ChangeControl) error {
	for _, f := range issuesOf(rep) {
		res, err := g.client.UpsertIssue(ctx, github.IssueRequest{Repo: g.repo, Key: f.key, Title: f.title, Body: f.body, Labels: []string{IssueLabel}})
		if err != nil {
			return fmt.Errorf("task %s: %w", f.task.ID, err)
		}
		g.published = true
		cc.Issues = append(cc.Issues, report.Issue{Task: f.task.ID, Number: res.Number, URL: res.URL, Created: res.Created, Updated: res.Updated, Requests: res.Requests})
		if cc.IssueURL == "" {
			cc.IssueURL = res.URL
		}
		g.logf("change control: issue %s holds the findings of %s", res.URL, f.task.ID)
	}
	return nil
}

// finish records what the client did and saves its cache for the next run.
func (g *GitHub) finish(cc *report.ChangeControl, threshold int) {
	st := g.client.Stats()
	use := &report.GitHubUse{
		API: g.api, Requests: st.Requests, Writes: st.Writes,
		CacheHits: st.Cache.Hits, CacheRevalidated: st.Cache.Revalidated, CacheMisses: st.Cache.Misses, CacheHitRate: st.CacheHitRate,
		CacheFile: g.cacheFile, CacheEntries: g.cacheEntries, SecondaryWaits: st.SecondaryWaits,
		RateLimitRemaining: -1, RateLimitThreshold: threshold,
	}
	if st.RateLimit != nil {
		use.RateLimitRemaining = st.RateLimit.Remaining
	}
	if g.draftPRs > 0 {
		use.RequestsPerDraftPR = float64(g.draftReqs) / float64(g.draftPRs)
	}
	cc.GitHub = use
	if g.cacheFile != "" {
		if err := g.client.Cache().Save(g.cacheFile); err != nil {
			g.note("the GitHub API cache was not saved: %v", err)
		}
	}
	cc.Notes = append(cc.Notes, g.notes...)
}
