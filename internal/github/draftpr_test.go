package github

import (
	"errors"
	"maps"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/agentic-optimizer/optimizer/internal/github/githubtest"
)

var change = []FileChange{
	{Path: "sum.go", Content: []byte("package main\n\nfunc sum(a, b int) int {\n\treturn a + b\n}\n")},
	{Path: "old.go", Delete: true},
	{Path: "internal/y.go", Content: []byte("package internal\n\nconst Y = 1\n")},
	{Path: "testdata/blob.bin", Content: []byte{0, 1, 2, 0xff, '\n'}},
}

var changedFiles = withFiles(baseFiles, map[string]string{
	"sum.go":            "package main\n\nfunc sum(a, b int) int {\n\treturn a + b\n}\n",
	"internal/y.go":     "package internal\n\nconst Y = 1\n",
	"testdata/blob.bin": "\x00\x01\x02\xff\n",
}, "old.go")

func draftRequest(base string) DraftPRRequest {
	return DraftPRRequest{
		Repo: testRepo, Base: "main", BaseSHA: base, Branch: BranchName("modernize", "./"),
		Files: change, Title: "optimizer: modernize ./", Body: "| level | result |\n|---|---|\n| unit | pass |\n",
	}
}

// TestDraftPR checks that the branch holds exactly the accepted change on
// the base, that a second run updates the same pull request, and how many
// requests each takes.
func TestDraftPR(t *testing.T) {
	s, base := newServer(t)
	c := newClient(t, s, writer)
	ctx := ctxT(t)
	req := draftRequest(base)

	first, err := c.DraftPR(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if !first.Created || first.Updated || first.Number == 0 || !first.Draft || first.URL == "" {
		t.Errorf("first DraftPR = %+v, want a new draft pull request", first)
	}
	if got := s.Files(repoName, req.Branch); !maps.Equal(got, changedFiles) {
		t.Errorf("branch tree = %q\nwant %q", got, changedFiles)
	}
	commit, ok := s.Commit(repoName, s.Ref(repoName, req.Branch))
	if !ok || len(commit.Parents) != 1 || commit.Parents[0] != base || commit.Message != req.Title || !commit.Verified {
		t.Errorf("branch commit = %+v, want one verified commit on %s", commit, base)
	}
	if first.HeadSHA != commit.SHA {
		t.Errorf("HeadSHA = %s, want %s", first.HeadSHA, commit.SHA)
	}
	// list PRs, get base commit, tree, get ref (404), commit, create ref,
	// create PR, the read-back, plus the blob of the binary file.
	if first.Requests != 9 {
		t.Errorf("first DraftPR sent %d requests, want 9 (8 + 1 blob)", first.Requests)
	}

	// The same change again: the same pull request, no new commit.
	again, err := c.DraftPR(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if again.Created || again.Updated || again.Number != first.Number || again.HeadSHA != first.HeadSHA {
		t.Errorf("second DraftPR = %+v, want #%d unchanged", again, first.Number)
	}
	// The base commit and the branch's commit come from the cache (a git
	// object never changes, and the one DraftPR made was kept); the pull
	// request lookup (a 304), blob, tree and ref are sent.
	if again.Requests != 4 || again.CacheHits != 2 {
		t.Errorf("unchanged DraftPR: %d requests, %d cache hits; want 4 and 2", again.Requests, again.CacheHits)
	}

	// A new version of the change, with a new body: a new commit on the
	// same branch, the same pull request updated.
	req.Files = append(append([]FileChange(nil), change...), FileChange{Path: "main.go", Content: []byte("package main\n\nfunc main() { println(sum(1, 2)) }\n")})
	req.Body = "updated body"
	third, err := c.DraftPR(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if third.Created || !third.Updated || third.Number != first.Number || third.HeadSHA == first.HeadSHA {
		t.Errorf("third DraftPR = %+v, want #%d updated with a new commit", third, first.Number)
	}
	want := withFiles(changedFiles, map[string]string{"main.go": "package main\n\nfunc main() { println(sum(1, 2)) }\n"})
	if got := s.Files(repoName, req.Branch); !maps.Equal(got, want) {
		t.Errorf("branch tree after the update = %q\nwant %q", got, want)
	}
	commit, _ = s.Commit(repoName, third.HeadSHA)
	if len(commit.Parents) != 1 || commit.Parents[0] != base {
		t.Errorf("updated commit's parents = %v, want [%s] (force-moved, not stacked)", commit.Parents, base)
	}
	// pull request lookup, blob, tree, ref, commit, ref update, edit and
	// the read-back.
	if third.Requests != 8 {
		t.Errorf("updated DraftPR: %d requests, want 8", third.Requests)
	}

	prs := s.PullRequests(repoName)
	if len(prs) != 1 {
		t.Fatalf("%d pull requests, want 1: %+v", len(prs), prs)
	}
	if pr := prs[0]; pr.Body != "updated body" || pr.Head != req.Branch || pr.Base != "main" || !pr.Draft || pr.State != "open" {
		t.Errorf("pull request = %+v", pr)
	}
}

func TestDraftPRTextOnlyRequests(t *testing.T) {
	s, base := newServer(t)
	c := newClient(t, s, writer)
	req := draftRequest(base)
	req.Files = change[:3]
	pr, err := c.DraftPR(ctxT(t), req)
	if err != nil {
		t.Fatal(err)
	}
	if pr.Requests != 8 || s.Count("POST /repos/{owner}/{repo}/git/blobs") != 0 {
		t.Errorf("DraftPR of text files sent %d requests (%v), want 8 and no blob", pr.Requests, s.CountByRoute())
	}
	writes := 0
	for _, r := range s.Requests() {
		if r.IsWrite() {
			writes++
		}
	}
	if writes != 4 {
		t.Errorf("%d writes, want 4 (tree, commit, ref, pull request)", writes)
	}
	// Again, unchanged: the pull request lookup, the tree (a write, to
	// compare) and the branch; the base commit and the branch's are cached.
	again, err := c.DraftPR(ctxT(t), req)
	if err != nil {
		t.Fatal(err)
	}
	if again.Requests != 3 || again.CacheHits != 2 || again.Updated {
		t.Errorf("unchanged DraftPR of text files: %+v, want 3 requests and 2 cache hits", again)
	}
}

// TestDraftPRKnownTree: with the tree the change makes known, proposing the
// same change again writes nothing and costs one revalidated lookup, also
// for a client that starts from the saved cache, as the next run does.
func TestDraftPRKnownTree(t *testing.T) {
	s, base := newServer(t)
	c := newClient(t, s, writer)
	req := draftRequest(base)
	req.Files = change[:3]
	first, err := c.DraftPR(ctxT(t), req)
	if err != nil {
		t.Fatal(err)
	}
	commit, _ := s.Commit(repoName, first.HeadSHA)
	req.TreeSHA = commit.Tree
	path := filepath.Join(t.TempDir(), "cache.json")
	if err := c.Cache().Save(path); err != nil {
		t.Fatal(err)
	}
	cache, err := LoadCache(path, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	next := newClient(t, s, writer, func(o *Options) { o.Cache = cache })
	s.ResetRequests()
	again, err := next.DraftPR(ctxT(t), req)
	if err != nil {
		t.Fatal(err)
	}
	if again.Created || again.Updated || again.Number != first.Number || again.HeadSHA != first.HeadSHA {
		t.Errorf("DraftPR of the same tree = %+v, want #%d unchanged", again, first.Number)
	}
	reqs := s.Requests()
	if len(reqs) != 1 || reqs[0].IsWrite() || reqs[0].Status != http.StatusNotModified {
		t.Errorf("DraftPR of the same tree sent %+v, want one lookup answered 304", reqs)
	}
	if st := next.Stats().Cache; st.HitRate() != 1 {
		t.Errorf("cache stats %+v, want every GET answered from the cache", st)
	}

	// Another tree: the change is committed as without TreeSHA.
	req.TreeSHA = strings.Repeat("0", 40)
	req.Body = "another body"
	third, err := next.DraftPR(ctxT(t), req)
	if err != nil {
		t.Fatal(err)
	}
	if !third.Updated || third.HeadSHA != first.HeadSHA {
		t.Errorf("DraftPR with another tree SHA = %+v, want the same commit (GitHub's tree is the same) and the body updated", third)
	}
}

func TestDraftPRBranchExistsWithoutPR(t *testing.T) {
	s, base := newServer(t)
	c := newClient(t, s, writer)
	req := draftRequest(base)
	s.Push(repoName, req.Branch, map[string]string{"stale.txt": "left over\n"})
	pr, err := c.DraftPR(ctxT(t), req)
	if err != nil {
		t.Fatal(err)
	}
	if !pr.Created {
		t.Errorf("DraftPR = %+v, want a new pull request", pr)
	}
	if got := s.Files(repoName, req.Branch); !maps.Equal(got, changedFiles) {
		t.Errorf("branch tree = %q, want the change alone on the base", got)
	}
}

func TestClosePR(t *testing.T) {
	s, base := newServer(t)
	c := newClient(t, s, writer)
	ctx := ctxT(t)
	pr, err := c.DraftPR(ctx, draftRequest(base))
	if err != nil {
		t.Fatal(err)
	}
	open, err := c.OpenPRs(ctx, testRepo, "optimizer/")
	if err != nil || len(open) != 1 || open[0].Number != pr.Number {
		t.Fatalf("OpenPRs = %+v, %v; want #%d", open, err, pr.Number)
	}
	if err := c.ClosePR(ctx, testRepo, pr.Number, "No longer needed: the target changed."); err != nil {
		t.Fatal(err)
	}
	got := s.PullRequests(repoName)[0]
	if got.State != "closed" || len(got.Comments) != 1 || !strings.Contains(got.Comments[0], "No longer needed") {
		t.Errorf("pull request after ClosePR = %+v", got)
	}
	if open, err := c.OpenPRs(ctx, testRepo, "optimizer/"); err != nil || len(open) != 0 {
		t.Errorf("OpenPRs after ClosePR = %+v, %v; want none", open, err)
	}
}

func TestDraftPRFailures(t *testing.T) {
	tests := []struct {
		name   string
		token  string
		fault  *githubtest.Fault
		kind   error
		status int
	}{
		{name: "read-only installation token", token: reader, kind: ErrPermission, status: http.StatusForbidden},
		{name: "read-only user token", token: userRead, kind: ErrPermission, status: http.StatusNotFound},
		{name: "unknown token", token: "ghp_nobody", kind: ErrAuth, status: http.StatusUnauthorized},
		{name: "5xx on the commit", token: writer, kind: ErrUnavailable, status: http.StatusBadGateway,
			fault: &githubtest.Fault{Method: "POST", Path: "/repos/octo/app/git/commits", Status: http.StatusBadGateway}},
		{name: "5xx on the 4th request", token: writer, kind: ErrUnavailable, status: http.StatusInternalServerError,
			fault: &githubtest.Fault{After: 3, Status: http.StatusInternalServerError}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, base := newServer(t)
			if tt.fault != nil {
				s.AddFault(*tt.fault)
			}
			c := newClient(t, s, tt.token)
			_, err := c.DraftPR(ctxT(t), draftRequest(base))
			wantKind(t, err, tt.kind)
			var e *Error
			if !errors.As(err, &e) || e.Status != tt.status {
				t.Errorf("error = %#v, want an *Error with status %d", err, tt.status)
			}
			if strings.Contains(err.Error(), tt.token) {
				t.Errorf("error %q shows the token", err)
			}
			if prs := s.PullRequests(repoName); len(prs) != 0 {
				t.Errorf("pull requests after a failure: %+v", prs)
			}
		})
	}
}

func TestDraftPRRejectsBadRequests(t *testing.T) {
	s, base := newServer(t)
	c := newClient(t, s, writer)
	for name, edit := range map[string]func(*DraftPRRequest){
		"dot-dot path":   func(r *DraftPRRequest) { r.Files = []FileChange{{Path: "../x", Content: []byte("x")}} },
		".git path":      func(r *DraftPRRequest) { r.Files = []FileChange{{Path: ".git/config", Content: []byte("x")}} },
		"no files":       func(r *DraftPRRequest) { r.Files = nil },
		"branch is base": func(r *DraftPRRequest) { r.Branch = "main" },
		"bad branch":     func(r *DraftPRRequest) { r.Branch = "optimizer/a..b" },
	} {
		req := draftRequest(base)
		edit(&req)
		if _, err := c.DraftPR(ctxT(t), req); !errors.Is(err, ErrRejected) {
			t.Errorf("%s: error = %v, want ErrRejected", name, err)
		}
	}
	if n := s.Count(""); n != 0 {
		t.Errorf("%d requests sent for bad requests, want 0", n)
	}
}

func TestBranchName(t *testing.T) {
	a, b := BranchName("Modernize", "./pkg/foo"), BranchName("modernize", "./pkg/foo")
	if a != b || !strings.HasPrefix(a, "optimizer/modernize/") || len(a) != len("optimizer/modernize/")+12 {
		t.Errorf("BranchName = %q, %q", a, b)
	}
	if BranchName("x", "./a") == BranchName("x", "./b") {
		t.Error("two targets share a branch")
	}
	if got := BranchName("a b/../c", "t"); !validBranch(got) || strings.Contains(got, "..") {
		t.Errorf("BranchName with an unsafe method = %q", got)
	}
}
