package github

import (
	"context"
	"fmt"
	"strings"

	gh "github.com/google/go-github/v89/github"

	"github.com/agentic-optimizer/optimizer/internal/diff"
)

// ReviewRequest is an accepted change to a pull request's code, to post on
// it as suggestions.
type ReviewRequest struct {
	Repo    Repo
	Number  int
	HeadSHA string // the head the change was made against
	Patch   []byte // the accepted change: a unified diff against HeadSHA
	Body    string // the review's text
	// Key, when set, is kept in the review's body as a hidden marker (see
	// Marker): a review that already carries it is not posted again, so
	// that a re-run of the same workflow does not repeat its suggestions.
	Key string
}

// ReviewResult is what ReviewSuggestions posted and what it left out.
type ReviewResult struct {
	ReviewID    int64        `json:"review_id,omitempty"` // 0 when nothing was posted
	URL         string       `json:"url,omitempty"`
	Suggestions []Suggestion `json:"suggestions"`
	// Outside are the hunks that could not be suggestions: for a follow-up
	// draft pull request against the pull request's branch.
	Outside  []Outside `json:"outside,omitempty"`
	Requests int       `json:"requests"`
	// Existing is set when the review had been posted before (its Key's
	// marker was found) and was not posted again.
	Existing bool `json:"existing,omitempty"`
}

// ReviewSuggestions posts one review (event COMMENT) on the pull request
// with a suggestion for each hunk of the patch that falls inside the pull
// request's diff (see Suggest), and returns the others. Nothing is posted
// when no hunk fits. It fails with ErrHeadMoved when the pull request's
// head is no longer HeadSHA: the line numbers would be wrong.
func (c *Client) ReviewSuggestions(ctx context.Context, req ReviewRequest) (ReviewResult, error) {
	files, err := diff.Parse(req.Patch)
	if err != nil {
		return ReviewResult{}, &Error{Op: "review suggestions", Kind: ErrRejected, Err: err}
	}
	if req.Key != "" && (!issueKey.MatchString(req.Key) || strings.Contains(req.Key, "--")) {
		return ReviewResult{}, &Error{Op: "review suggestions", Kind: ErrRejected, Err: fmt.Errorf("bad key %q", req.Key)}
	}
	ctx, o := withOp(ctx)
	res, err := c.reviewSuggestions(ctx, req, files)
	res.Requests = int(o.requests.Load())
	return res, err
}

func (c *Client) reviewSuggestions(ctx context.Context, req ReviewRequest, files []diff.File) (ReviewResult, error) {
	owner, name, n := req.Repo.Owner, req.Repo.Name, req.Number
	pr, resp, err := c.gh.PullRequests.Get(revalidate(ctx), owner, name, n)
	if err != nil {
		return ReviewResult{}, c.wrap(fmt.Sprintf("get pull request #%d", n), resp, err)
	}
	if head := pr.GetHead().GetSHA(); head != req.HeadSHA {
		return ReviewResult{}, &Error{Op: fmt.Sprintf("review pull request #%d", n), Kind: ErrHeadMoved,
			Err: fmt.Errorf("head is %s, the change was made against %s", head, req.HeadSHA)}
	}
	prFiles, err := c.pullFiles(ctx, req.Repo, n)
	if err != nil {
		return ReviewResult{}, err
	}
	res := ReviewResult{Suggestions: []Suggestion{}}
	res.Suggestions, res.Outside = Suggest(prFiles, files)
	if len(res.Suggestions) == 0 {
		return res, nil
	}
	var comments []*gh.DraftReviewComment
	for _, s := range res.Suggestions {
		dc := &gh.DraftReviewComment{Path: gh.Ptr(s.Path), Body: gh.Ptr(s.Body), Line: gh.Ptr(s.Line), Side: gh.Ptr("RIGHT")}
		if s.StartLine < s.Line {
			dc.StartLine, dc.StartSide = gh.Ptr(s.StartLine), gh.Ptr("RIGHT")
		}
		comments = append(comments, dc)
	}
	body := req.Body
	if strings.TrimSpace(body) == "" {
		body = "Suggested by the optimizer."
	}
	if req.Key != "" {
		marker := Marker(req.Key)
		reviews, resp, err := listAll(revalidate(ctx), func(ctx context.Context, lo gh.ListOptions) ([]*gh.PullRequestReview, *gh.Response, error) {
			return c.gh.PullRequests.ListReviews(ctx, owner, name, n, &lo)
		})
		if err != nil {
			return res, c.wrap(fmt.Sprintf("list reviews of pull request #%d", n), resp, err)
		}
		for _, r := range reviews {
			if strings.Contains(r.GetBody(), marker) {
				res.ReviewID, res.URL, res.Existing = r.GetID(), r.GetHTMLURL(), true
				return res, nil
			}
		}
		body = strings.ReplaceAll(body, "<!-- optimizer:", "&lt;!-- optimizer:")
		body = strings.TrimRight(body, "\n") + "\n\n" + marker + "\n"
	}
	review, resp, err := c.gh.PullRequests.CreateReview(ctx, owner, name, n, &gh.PullRequestReviewRequest{
		CommitID: &req.HeadSHA, Body: &body, Event: gh.Ptr("COMMENT"), Comments: comments,
	})
	if err != nil {
		return res, c.wrap(fmt.Sprintf("review pull request #%d", n), resp, err)
	}
	res.ReviewID, res.URL = review.GetID(), review.GetHTMLURL()
	return res, nil
}

// PullFiles lists the files of a pull request's diff, with their hunks:
// what Suggest maps a change onto.
func (c *Client) PullFiles(ctx context.Context, repo Repo, number int) ([]PRFile, error) {
	return c.pullFiles(ctx, repo, number)
}

// pullFiles lists the files of a pull request with their patches.
func (c *Client) pullFiles(ctx context.Context, repo Repo, n int) ([]PRFile, error) {
	files, resp, err := listAll(ctx, func(ctx context.Context, lo gh.ListOptions) ([]*gh.CommitFile, *gh.Response, error) {
		return c.gh.PullRequests.ListFiles(ctx, repo.Owner, repo.Name, n, &lo)
	})
	if err != nil {
		return nil, c.wrap(fmt.Sprintf("list files of pull request #%d", n), resp, err)
	}
	out := make([]PRFile, 0, len(files))
	for _, f := range files {
		out = append(out, PRFile{Path: f.GetFilename(), Status: f.GetStatus(), Patch: f.GetPatch()})
	}
	return out, nil
}
