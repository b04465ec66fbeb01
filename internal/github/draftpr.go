package github

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	gh "github.com/google/go-github/v89/github"
)

// BranchName is the branch of a proposal: optimizer/<method>/<target-hash>,
// the hash being the first 12 hex digits of the SHA-256 of the target, so
// one target of one method always gets the same branch (and PR).
func BranchName(method, target string) string {
	sum := sha256.Sum256([]byte(target))
	m := strings.Trim(unsafeRef.ReplaceAllString(strings.ToLower(method), "-"), "-")
	if m == "" {
		m = "change"
	}
	return "optimizer/" + m + "/" + hex.EncodeToString(sum[:6])
}

var unsafeRef = regexp.MustCompile(`[^a-z0-9_-]+`)

// FileChange is one file of a change: its new content, or its deletion.
type FileChange struct {
	Path    string // slash-separated, relative to the repository root
	Content []byte
	// Mode is git's mode: "100644" (the default), "100755" for an
	// executable, "120000" for a symlink whose target is Content.
	Mode   string
	Delete bool
}

// DraftPRRequest is a change to propose as a draft pull request.
type DraftPRRequest struct {
	Repo    Repo
	Base    string // the branch the pull request targets, e.g. "main"
	BaseSHA string // the commit the change was made against; the new commit's parent
	Branch  string // the pull request's branch, e.g. BranchName(method, target)
	Files   []FileChange
	Title   string
	Body    string
	// CommitMessage is the commit's message; "" uses the title.
	CommitMessage string
	// TreeSHA is the git tree the change makes of the base, when the
	// caller knows it (git write-tree in a worktree at BaseSHA with the
	// change applied). When the open pull request's head already is a
	// commit of that tree on BaseSHA, nothing is written: a run that
	// proposes the same change again costs reads only.
	TreeSHA string
}

// PR is a pull request that DraftPR created or updated.
type PR struct {
	Number  int    `json:"number"`
	URL     string `json:"url"`
	Branch  string `json:"branch"`
	HeadSHA string `json:"head_sha"`
	Draft   bool   `json:"draft"`
	// Created is set when DraftPR opened the pull request, Updated when it
	// changed an open one (a new commit, title, body or base).
	Created bool `json:"created"`
	Updated bool `json:"updated"`
	// Requests is how many API requests the call sent; CacheHits how many
	// GETs it answered from the cache without one.
	Requests  int `json:"requests"`
	CacheHits int `json:"cache_hits"`
}

// DraftPR commits the files onto BaseSHA through the Git Data API — a tree
// on the base commit's tree (text inline, other content as blobs), a
// commit, the branch created or force-moved to it — and opens a draft pull
// request from the branch, or updates the open one the branch already has.
// When the branch already holds exactly this change on this base, no new
// commit is made (with TreeSHA, not even a tree). After a change it reads
// the pull request back, so that the report shows it as GitHub has it and
// the cache holds its current ETag: the next run that finds nothing changed
// revalidates it with a 304, which GitHub does not count against the rate
// limit. The first proposal takes 8 requests (4 of them writes), plus one
// blob per binary file; the same change proposed again with TreeSHA takes
// 1 request (a 304) and no write.
func (c *Client) DraftPR(ctx context.Context, req DraftPRRequest) (PR, error) {
	if err := req.check(); err != nil {
		return PR{}, err
	}
	ctx, o := withOp(ctx)
	pr, err := c.draftPR(ctx, req)
	pr.Requests, pr.CacheHits = int(o.requests.Load()), int(o.cacheHits.Load())
	return pr, err
}

func (c *Client) draftPR(ctx context.Context, req DraftPRRequest) (PR, error) {
	owner, name := req.Repo.Owner, req.Repo.Name
	pr := PR{Branch: req.Branch}

	open, err := c.findPR(ctx, req.Repo, req.Branch)
	if err != nil {
		return pr, err
	}
	head, same := "", false
	if open != nil && req.TreeSHA != "" {
		head = open.GetHead().GetSHA()
		same, err = c.Holds(ctx, req.Repo, head, req.BaseSHA, req.TreeSHA)
		if err != nil {
			return pr, err
		}
	}
	newCommit := false
	if !same {
		head, newCommit, err = c.commitChange(ctx, req)
		if err != nil {
			return pr, err
		}
	}
	pr.HeadSHA = head

	if open != nil {
		pr.Number, pr.URL, pr.Draft = open.GetNumber(), open.GetHTMLURL(), open.GetDraft()
		edit := &gh.PullRequest{}
		changed := false
		if open.GetTitle() != req.Title {
			edit.Title, changed = &req.Title, true
		}
		if open.GetBody() != req.Body {
			edit.Body, changed = &req.Body, true
		}
		if open.GetBase().GetRef() != req.Base {
			edit.Base, changed = &gh.PullRequestBranch{Ref: &req.Base}, true
		}
		if changed {
			if _, resp, err := c.gh.PullRequests.Edit(ctx, owner, name, open.GetNumber(), edit); err != nil {
				return pr, c.wrap(fmt.Sprintf("update pull request #%d", open.GetNumber()), resp, err)
			}
		}
		pr.Updated = changed || newCommit
	} else {
		created, err := c.openPR(ctx, req)
		if err != nil {
			return pr, err
		}
		pr.Number, pr.URL, pr.Draft, pr.Created = created.GetNumber(), created.GetHTMLURL(), created.GetDraft(), true
	}
	if pr.Created || pr.Updated {
		back, err := c.findPR(ctx, req.Repo, req.Branch)
		if err != nil {
			return pr, err
		}
		if back != nil && back.GetNumber() == pr.Number {
			pr.URL, pr.Draft = back.GetHTMLURL(), back.GetDraft()
		}
	}
	return pr, nil
}

// Holds reports whether commit is a commit of tree whose only parent is
// base: the same change on the same base. Commits never change, so a
// second look is answered from the cache.
func (c *Client) Holds(ctx context.Context, repo Repo, commit, base, tree string) (bool, error) {
	if commit == "" || tree == "" {
		return false, nil
	}
	cur, resp, err := c.gh.Git.GetCommit(ctx, repo.Owner, repo.Name, commit)
	if err != nil {
		return false, c.wrap("get commit "+commit, resp, err)
	}
	return cur.GetTree().GetSHA() == tree && len(cur.Parents) == 1 && cur.Parents[0].GetSHA() == base, nil
}

// commitChange makes the tree of the change on the base and points the
// branch at a commit of it: a new one, or the one the branch already has
// when that is the same tree on the same parent (so that CI and reviews of
// it stay valid). It returns the branch's commit and whether it is new.
func (c *Client) commitChange(ctx context.Context, req DraftPRRequest) (string, bool, error) {
	owner, name := req.Repo.Owner, req.Repo.Name
	base, resp, err := c.gh.Git.GetCommit(ctx, owner, name, req.BaseSHA)
	if err != nil {
		return "", false, c.wrap("get base commit "+req.BaseSHA, resp, err)
	}
	entries, err := c.treeEntries(ctx, req)
	if err != nil {
		return "", false, err
	}
	tree, resp, err := c.gh.Git.CreateTree(ctx, owner, name, base.GetTree().GetSHA(), entries)
	if err != nil {
		return "", false, c.wrap("create the tree", resp, err)
	}

	ref := "heads/" + req.Branch
	head, exists, err := c.branchHead(ctx, req.Repo, ref)
	if err != nil {
		return "", false, err
	}
	if exists {
		cur, resp, err := c.gh.Git.GetCommit(ctx, owner, name, head)
		if err != nil {
			return "", false, c.wrap("get branch commit "+head, resp, err)
		}
		parents := cur.Parents
		if cur.GetTree().GetSHA() == tree.GetSHA() && len(parents) == 1 && parents[0].GetSHA() == req.BaseSHA {
			return head, false, nil
		}
	}
	msg := req.CommitMessage
	if msg == "" {
		msg = req.Title
	}
	commit, resp, err := c.gh.Git.CreateCommit(ctx, owner, name, gh.Commit{
		Message: &msg, Tree: &gh.Tree{SHA: tree.SHA}, Parents: []*gh.Commit{{SHA: &req.BaseSHA}},
	}, nil)
	if err != nil {
		return "", false, c.wrap("create the commit", resp, err)
	}
	if err := c.moveBranch(ctx, req.Repo, ref, commit.GetSHA(), exists); err != nil {
		return "", false, err
	}
	return commit.GetSHA(), true, nil
}

func (req DraftPRRequest) check() error {
	bad := func(format string, args ...any) error {
		return &Error{Op: "draft pull request", Kind: ErrRejected, Err: fmt.Errorf(format, args...)}
	}
	switch {
	case req.Repo.Owner == "" || req.Repo.Name == "":
		return bad("no repository")
	case req.Base == "" || req.BaseSHA == "":
		return bad("no base branch or base commit")
	case req.Branch == "" || req.Branch == req.Base || !validBranch(req.Branch):
		return bad("bad branch name %q", req.Branch)
	case req.Title == "":
		return bad("no title")
	case len(req.Files) == 0:
		return bad("no files")
	}
	seen := make(map[string]bool)
	for _, f := range req.Files {
		if f.Path == "" || path.Clean(f.Path) != f.Path || path.IsAbs(f.Path) || f.Path == "." ||
			strings.HasPrefix(f.Path, "../") || slices.Contains(strings.Split(f.Path, "/"), ".git") {
			return bad("unsafe path %q", f.Path)
		}
		if seen[f.Path] {
			return bad("%s given twice", f.Path)
		}
		seen[f.Path] = true
		switch f.Mode {
		case "", "100644", "100755", "120000":
		default:
			return bad("%s: unsupported mode %q", f.Path, f.Mode)
		}
	}
	return nil
}

func validBranch(b string) bool {
	return !strings.Contains(b, "..") && !strings.ContainsAny(b, " ~^:?*[\\") && !strings.HasPrefix(b, "/") &&
		!strings.HasSuffix(b, "/") && !strings.HasSuffix(b, ".lock") && !strings.Contains(b, "//") && !strings.Contains(b, "@{")
}

// treeEntries are the tree's changes: text files inline (GitHub writes the
// blob itself, saving a request per file), other content as a blob first,
// deletions as a null SHA.
func (c *Client) treeEntries(ctx context.Context, req DraftPRRequest) ([]*gh.TreeEntry, error) {
	blob := "blob"
	var entries []*gh.TreeEntry
	for _, f := range req.Files {
		mode := f.Mode
		if mode == "" {
			mode = "100644"
		}
		e := &gh.TreeEntry{Path: gh.Ptr(f.Path), Mode: gh.Ptr(mode), Type: &blob}
		switch {
		case f.Delete:
			// go-github sends "sha": null for an entry without SHA and content.
		case utf8.Valid(f.Content) && !slices.Contains(f.Content, 0):
			e.Content = gh.Ptr(string(f.Content))
		default:
			b, resp, err := c.gh.Git.CreateBlob(ctx, req.Repo.Owner, req.Repo.Name, gh.Blob{
				Content: gh.Ptr(base64.StdEncoding.EncodeToString(f.Content)), Encoding: gh.Ptr("base64"),
			})
			if err != nil {
				return nil, c.wrap("create the blob of "+f.Path, resp, err)
			}
			e.SHA = b.SHA
		}
		entries = append(entries, e)
	}
	return entries, nil
}

// branchHead is the commit a ref points at, and whether it exists. The
// lookup is revalidated: a branch deleted since (a merged pull request's)
// must not be taken for one that holds the change.
func (c *Client) branchHead(ctx context.Context, repo Repo, ref string) (string, bool, error) {
	r, resp, err := c.gh.Git.GetRef(revalidate(ctx), repo.Owner, repo.Name, ref)
	if err != nil {
		if resp != nil && resp.StatusCode == 404 {
			return "", false, nil
		}
		return "", false, c.wrap("get "+ref, resp, err)
	}
	return r.GetObject().GetSHA(), true, nil
}

// moveBranch points the branch at sha: created, or force-updated (the
// branch is the optimizer's own: its old commit is replaced, not built
// on). Each falls back on the other when the branch appeared or vanished
// since it was looked up.
func (c *Client) moveBranch(ctx context.Context, repo Repo, ref, sha string, exists bool) error {
	create := func() error {
		_, resp, err := c.gh.Git.CreateRef(ctx, repo.Owner, repo.Name, gh.CreateRef{Ref: "refs/" + ref, SHA: sha})
		if err != nil {
			if rejectedWith(err, "already exists") {
				return errExists
			}
			return c.wrap("create "+ref, resp, err)
		}
		return nil
	}
	update := func() error {
		_, resp, err := c.gh.Git.UpdateRef(ctx, repo.Owner, repo.Name, ref, gh.UpdateRef{SHA: sha, Force: gh.Ptr(true)})
		if err != nil {
			if rejectedWith(err, "does not exist") {
				return errMissing
			}
			return c.wrap("update "+ref, resp, err)
		}
		return nil
	}
	first, second := create, update
	if exists {
		first, second = update, create
	}
	err := first()
	if errors.Is(err, errExists) || errors.Is(err, errMissing) {
		err = second()
	}
	if errors.Is(err, errExists) || errors.Is(err, errMissing) {
		return &Error{Op: "move " + ref, Kind: ErrRejected, Err: err}
	}
	return err
}

var (
	errExists  = errors.New("reference already exists")
	errMissing = errors.New("reference does not exist")
)

// findPR is the open pull request from branch, nil when there is none. The
// lookup is revalidated: a stale "none" would open a second one.
func (c *Client) findPR(ctx context.Context, repo Repo, branch string) (*gh.PullRequest, error) {
	pulls, resp, err := listAll(revalidate(ctx), func(ctx context.Context, lo gh.ListOptions) ([]*gh.PullRequest, *gh.Response, error) {
		return c.gh.PullRequests.List(ctx, repo.Owner, repo.Name, &gh.PullRequestListOptions{
			State: "open", Head: repo.Owner + ":" + branch, ListOptions: lo,
		})
	})
	if err != nil {
		return nil, c.wrap("list pull requests of "+branch, resp, err)
	}
	for _, p := range pulls {
		// GitHub ignores a head filter it cannot parse; check it.
		if p.GetHead().GetRef() == branch && strings.EqualFold(p.GetHead().GetRepo().GetFullName(), repo.String()) {
			return p, nil
		}
	}
	return nil, nil
}

// openPR creates the pull request as a draft, or — where the plan has no
// draft pull requests — as a ready one, which still waits for a human.
func (c *Client) openPR(ctx context.Context, req DraftPRRequest) (*gh.PullRequest, error) {
	create := func(draft bool) (*gh.PullRequest, *gh.Response, error) {
		return c.gh.PullRequests.Create(ctx, req.Repo.Owner, req.Repo.Name, &gh.NewPullRequest{
			Title: &req.Title, Head: &req.Branch, Base: &req.Base, Body: &req.Body, Draft: &draft,
		})
	}
	p, resp, err := create(true)
	if err != nil && rejectedWith(err, "draft pull requests are not supported") {
		p, resp, err = create(false)
	}
	if err != nil && rejectedWith(err, "already exists") {
		// Opened since we looked, by a concurrent run.
		if open, ferr := c.findPR(ctx, req.Repo, req.Branch); ferr == nil && open != nil {
			return open, nil
		}
	}
	if err != nil {
		return nil, c.wrap("open the pull request", resp, err)
	}
	return p, nil
}

// ClosePR closes a pull request whose change is no longer needed, after
// commenting why when comment is not empty. Its branch stays.
func (c *Client) ClosePR(ctx context.Context, repo Repo, number int, comment string) error {
	if comment != "" {
		if _, resp, err := c.gh.Issues.CreateComment(ctx, repo.Owner, repo.Name, number, &gh.IssueComment{Body: &comment}); err != nil {
			return c.wrap(fmt.Sprintf("comment on pull request #%d", number), resp, err)
		}
	}
	if _, resp, err := c.gh.PullRequests.Edit(ctx, repo.Owner, repo.Name, number, &gh.PullRequest{State: gh.Ptr("closed")}); err != nil {
		return c.wrap(fmt.Sprintf("close pull request #%d", number), resp, err)
	}
	return nil
}

// OpenPR is an open pull request of the optimizer's.
type OpenPR struct {
	Number  int
	URL     string
	Branch  string
	HeadSHA string
	Title   string
}

// OpenPRs lists the open pull requests whose branch, in this repository,
// starts with prefix (e.g. "optimizer/"): the candidates for ClosePR when
// their target no longer has an accepted change.
func (c *Client) OpenPRs(ctx context.Context, repo Repo, prefix string) ([]OpenPR, error) {
	pulls, resp, err := listAll(revalidate(ctx), func(ctx context.Context, lo gh.ListOptions) ([]*gh.PullRequest, *gh.Response, error) {
		return c.gh.PullRequests.List(ctx, repo.Owner, repo.Name, &gh.PullRequestListOptions{State: "open", ListOptions: lo})
	})
	if err != nil {
		return nil, c.wrap("list pull requests", resp, err)
	}
	var out []OpenPR
	for _, p := range pulls {
		h := p.GetHead()
		if strings.HasPrefix(h.GetRef(), prefix) && strings.EqualFold(h.GetRepo().GetFullName(), repo.String()) {
			out = append(out, OpenPR{Number: p.GetNumber(), URL: p.GetHTMLURL(), Branch: h.GetRef(), HeadSHA: h.GetSHA(), Title: p.GetTitle()})
		}
	}
	return out, nil
}
