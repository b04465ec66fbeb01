package github

import (
	"context"
	"fmt"
	"strings"
	"time"

	gh "github.com/google/go-github/v89/github"
)

// Reviews is where a pull request stands with the people who reviewed it.
type Reviews struct {
	// Verdicts are each person's standing review, in the order they first
	// gave one.
	Verdicts []Verdict
	// Bots counts the reviews by bots: they are ignored, whatever they say.
	Bots int
}

// Verdict is a person's standing review of a pull request: their latest
// review that approves, requests changes or was dismissed. A later comment
// does not change it, as on GitHub.
type Verdict struct {
	ID        int64 // the review's
	Reviewer  string
	State     string // APPROVED, CHANGES_REQUESTED or DISMISSED
	Commit    string // the commit reviewed
	Submitted time.Time
	URL       string
	// Association is the reviewer's relationship to the repository, as
	// GitHub gives it: OWNER, MEMBER, COLLABORATOR, CONTRIBUTOR,
	// FIRST_TIME_CONTRIBUTOR, FIRST_TIMER or NONE.
	Association string
	Body        string
	// Comments are the review's comments on lines of the diff.
	Comments []LineComment
}

// LineComment is a review's comment on a line of a pull request's diff.
type LineComment struct {
	Path string
	Line int
	Body string
}

// Trusted reports whether the reviewer can push to the repository (its
// owner, a member of its organization, or a collaborator): a person whose
// words may steer what the optimizer proposes next. Anyone may review a
// public repository's pull request.
func (v Verdict) Trusted() bool {
	switch v.Association {
	case "OWNER", "MEMBER", "COLLABORATOR":
		return true
	}
	return false
}

// PullReviews reads the reviews of a pull request and the comments on
// lines of those that request changes. It writes nothing.
func (c *Client) PullReviews(ctx context.Context, repo Repo, number int) (Reviews, error) {
	ctx = revalidate(ctx)
	reviews, resp, err := listAll(ctx, func(ctx context.Context, lo gh.ListOptions) ([]*gh.PullRequestReview, *gh.Response, error) {
		return c.gh.PullRequests.ListReviews(ctx, repo.Owner, repo.Name, number, &lo)
	})
	if err != nil {
		return Reviews{}, c.wrap(fmt.Sprintf("list reviews of pull request #%d", number), resp, err)
	}
	out, ids := verdictsOf(reviews)
	if len(ids) > 0 {
		comments, resp, err := listAll(ctx, func(ctx context.Context, lo gh.ListOptions) ([]*gh.PullRequestComment, *gh.Response, error) {
			return c.gh.PullRequests.ListComments(ctx, repo.Owner, repo.Name, number, &gh.PullRequestListCommentsOptions{ListOptions: lo})
		})
		if err != nil {
			return Reviews{}, c.wrap(fmt.Sprintf("list review comments of pull request #%d", number), resp, err)
		}
		for _, cm := range comments {
			if i, ok := ids[cm.GetPullRequestReviewID()]; ok {
				v := &out.Verdicts[i]
				v.Comments = append(v.Comments, LineComment{Path: cm.GetPath(), Line: cm.GetLine(), Body: cm.GetBody()})
			}
		}
	}
	return out, nil
}

// verdictsOf decides each person's verdict from the reviews, which GitHub
// lists oldest first. ids maps the ID of each review that stands as a
// request for changes to its index in Verdicts, for its line comments.
func verdictsOf(reviews []*gh.PullRequestReview) (out Reviews, ids map[int64]int) {
	index := map[string]int{}
	for _, r := range reviews {
		u := r.GetUser()
		if u.GetType() == "Bot" || strings.HasSuffix(u.GetLogin(), "[bot]") {
			out.Bots++
			continue
		}
		switch st := r.GetState(); st {
		case "APPROVED", "CHANGES_REQUESTED", "DISMISSED":
			v := Verdict{
				ID: r.GetID(), Reviewer: u.GetLogin(), State: st, Commit: r.GetCommitID(), Submitted: r.GetSubmittedAt().Time,
				URL: r.GetHTMLURL(), Association: r.GetAuthorAssociation(), Body: r.GetBody(),
			}
			if i, seen := index[v.Reviewer]; seen {
				out.Verdicts[i] = v
				continue
			}
			index[v.Reviewer] = len(out.Verdicts)
			out.Verdicts = append(out.Verdicts, v)
		}
	}
	ids = map[int64]int{}
	for i, v := range out.Verdicts {
		if v.State == "CHANGES_REQUESTED" {
			ids[v.ID] = i
		}
	}
	return out, ids
}
