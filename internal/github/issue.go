package github

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"

	gh "github.com/google/go-github/v89/github"
)

// IssueRequest is one issue per finding set.
type IssueRequest struct {
	Repo Repo
	// Key identifies the finding set across runs; it is kept in the body
	// as the hidden marker <!-- optimizer:KEY -->. Letters, digits and
	// . _ / : - only.
	Key   string
	Title string
	Body  string
	// Labels are put on the issue and created when missing; the first one
	// also finds the issue again, so it should be stable ("optimizer").
	Labels []string
}

// IssueResult is the issue UpsertIssue created or updated.
type IssueResult struct {
	Number   int    `json:"number"`
	URL      string `json:"url"`
	Created  bool   `json:"created"`
	Updated  bool   `json:"updated"` // an existing issue was changed
	Requests int    `json:"requests"`
}

var issueKey = regexp.MustCompile(`^[A-Za-z0-9._/:-]{1,200}$`)

// Marker is the hidden line by which an issue is found again.
func Marker(key string) string { return "<!-- optimizer:" + key + " -->" }

// LabelColor is the color of the labels UpsertIssue creates.
const LabelColor = "5319e7"

// UpsertIssue creates the issue of a finding set, or updates the open one
// that carries its marker: the open issues with the first label are
// searched for it. Missing labels are created first. After a change it
// lists the issues again, so that the cache holds the list as it now is and
// the next run that changes nothing revalidates it with a 304: an unchanged
// finding set then costs one request, a new one 5 (2 of them only when a
// label is missing).
func (c *Client) UpsertIssue(ctx context.Context, req IssueRequest) (IssueResult, error) {
	if !issueKey.MatchString(req.Key) || strings.Contains(req.Key, "--") || req.Title == "" {
		return IssueResult{}, &Error{Op: "upsert issue", Kind: ErrRejected, Err: fmt.Errorf("bad key %q or no title", req.Key)}
	}
	ctx, o := withOp(ctx)
	res, err := c.upsertIssue(ctx, req)
	res.Requests = int(o.requests.Load())
	return res, err
}

func (c *Client) upsertIssue(ctx context.Context, req IssueRequest) (IssueResult, error) {
	owner, name := req.Repo.Owner, req.Repo.Name
	marker := Marker(req.Key)
	// A marker quoted in the body (it came from findings) must not make
	// this issue another finding set's.
	body := strings.ReplaceAll(req.Body, "<!-- optimizer:", "&lt;!-- optimizer:")
	body = strings.TrimRight(body, "\n") + "\n\n" + marker + "\n"

	opts := &gh.IssueListByRepoOptions{State: "open"}
	if len(req.Labels) > 0 {
		opts.Labels = req.Labels[:1]
	}
	list := func() ([]*gh.Issue, error) {
		issues, resp, err := listAll(revalidate(ctx), func(ctx context.Context, lo gh.ListOptions) ([]*gh.Issue, *gh.Response, error) {
			o := *opts
			o.ListOptions = lo
			return c.gh.Issues.ListByRepo(ctx, owner, name, &o)
		})
		if err != nil {
			return nil, c.wrap("list issues", resp, err)
		}
		return issues, nil
	}
	issues, err := list()
	if err != nil {
		return IssueResult{}, err
	}
	var res IssueResult
	for _, is := range issues {
		if is.IsPullRequest() || !strings.Contains(is.GetBody(), marker) {
			continue
		}
		res = IssueResult{Number: is.GetNumber(), URL: is.GetHTMLURL()}
		var have []string
		for _, l := range is.Labels {
			have = append(have, l.GetName())
		}
		labels := mergeLabels(have, req.Labels)
		if is.GetTitle() == req.Title && is.GetBody() == body && len(labels) == len(have) {
			return res, nil
		}
		if len(labels) > len(have) {
			if err := c.ensureLabels(ctx, req.Repo, req.Labels); err != nil {
				return res, err
			}
		}
		if _, resp, err := c.gh.Issues.Edit(ctx, owner, name, is.GetNumber(), &gh.IssueRequest{
			Title: &req.Title, Body: &body, Labels: &labels,
		}); err != nil {
			return res, c.wrap(fmt.Sprintf("update issue #%d", is.GetNumber()), resp, err)
		}
		res.Updated = true
		break
	}
	if res.Number == 0 {
		if err := c.ensureLabels(ctx, req.Repo, req.Labels); err != nil {
			return IssueResult{}, err
		}
		labels := slices.Clone(req.Labels)
		is, resp, err := c.gh.Issues.Create(ctx, owner, name, &gh.IssueRequest{Title: &req.Title, Body: &body, Labels: &labels})
		if err != nil {
			return IssueResult{}, c.wrap("create issue", resp, err)
		}
		res = IssueResult{Number: is.GetNumber(), URL: is.GetHTMLURL(), Created: true}
	}
	// The read-back; the issue is published whatever it says.
	_, _ = list()
	return res, nil
}

// mergeLabels keeps the labels an issue has (a maintainer may have added
// some) and adds the wanted ones it lacks.
func mergeLabels(have, want []string) []string {
	out := slices.Clone(have)
	for _, w := range want {
		if !slices.ContainsFunc(out, func(h string) bool { return strings.EqualFold(h, w) }) {
			out = append(out, w)
		}
	}
	if out == nil {
		out = []string{}
	}
	return out
}

// ensureLabels creates the labels the repository lacks.
func (c *Client) ensureLabels(ctx context.Context, repo Repo, want []string) error {
	if len(want) == 0 {
		return nil
	}
	labels, resp, err := listAll(ctx, func(ctx context.Context, lo gh.ListOptions) ([]*gh.Label, *gh.Response, error) {
		return c.gh.Issues.ListLabels(ctx, repo.Owner, repo.Name, &lo)
	})
	if err != nil {
		return c.wrap("list labels", resp, err)
	}
	for _, w := range want {
		if slices.ContainsFunc(labels, func(l *gh.Label) bool { return strings.EqualFold(l.GetName(), w) }) {
			continue
		}
		_, resp, err := c.gh.Issues.CreateLabel(ctx, repo.Owner, repo.Name, &gh.Label{
			Name: gh.Ptr(w), Color: gh.Ptr(LabelColor), Description: gh.Ptr("Opened by the optimizer"),
		})
		if err != nil && !rejectedWith(err, "already_exists") {
			return c.wrap("create label "+w, resp, err)
		}
	}
	return nil
}
