package githubtest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	gh "github.com/google/go-github/v89/github"
)

const (
	tok    = "ghs_test"
	ro     = "ghs_readonly"
	repoFN = "o/r"
)

var files = map[string]string{
	"README.md":         "hello\n",
	"a/b/c.go":          "package b\n",
	"a/b.go":            "package a\n",
	"a-b/x.txt":         "x\n",
	"z/deep/er/file.go": "package er\n",
}

func setup(t *testing.T) (*Server, *gh.Client, string) {
	t.Helper()
	s := New()
	t.Cleanup(s.Close)
	s.AddToken(tok, Token{Login: "bot[bot]", Bot: true, Write: true})
	s.AddToken(ro, Token{Login: "actions[bot]", Bot: true})
	base := s.AddRepo(repoFN, "main", files)
	return s, client(t, s, tok), base
}

func client(t *testing.T, s *Server, token string) *gh.Client {
	t.Helper()
	c, err := gh.NewClient(gh.WithAuthToken(token), gh.WithURLs(gh.Ptr(s.URL+"/"), gh.Ptr(s.URL+"/")), gh.WithHTTPClient(s.Client()))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

var ctx = context.Background()

// The objects hash as git hashes them.
func TestGitHashes(t *testing.T) {
	s, c, base := setup(t)
	b, _, err := c.Git.CreateBlob(ctx, "o", "r", gh.Blob{Content: gh.Ptr("hello\n"), Encoding: gh.Ptr("utf-8")})
	if err != nil || b.GetSHA() != "ce013625030ba8dba906f756967f9e9ca394464a" {
		t.Errorf("blob of hello = %s, %v; want git's ce01362…", b.GetSHA(), err)
	}
	commit, _ := s.Commit(repoFN, base)
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git to compare the tree with")
	}
	dir := t.TempDir()
	for p, content := range files {
		os.MkdirAll(filepath.Join(dir, filepath.Dir(p)), 0o755)
		os.WriteFile(filepath.Join(dir, p), []byte(content), 0o644)
	}
	git := func(args ...string) string {
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	git("init", "-q")
	git("add", "-A")
	if want := git("write-tree"); commit.Tree != want {
		t.Errorf("tree = %s, git says %s", commit.Tree, want)
	}
}

func TestTreesCommitsRefs(t *testing.T) {
	s, c, base := setup(t)
	baseCommit, _, err := c.Git.GetCommit(ctx, "o", "r", base)
	if err != nil {
		t.Fatal(err)
	}
	tree, resp, err := c.Git.CreateTree(ctx, "o", "r", baseCommit.GetTree().GetSHA(), []*gh.TreeEntry{
		{Path: gh.Ptr("README.md"), Mode: gh.Ptr("100644"), Type: gh.Ptr("blob"), Content: gh.Ptr("changed\n")},
		{Path: gh.Ptr("a/b"), Mode: gh.Ptr("040000"), Type: gh.Ptr("tree")}, // delete a directory
		{Path: gh.Ptr("new/file.sh"), Mode: gh.Ptr("100755"), Type: gh.Ptr("blob"), Content: gh.Ptr("#!/bin/sh\n")},
	})
	if err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("CreateTree: %v", err)
	}
	commit, _, err := c.Git.CreateCommit(ctx, "o", "r", gh.Commit{Message: gh.Ptr("m"), Tree: tree, Parents: []*gh.Commit{{SHA: &base}}}, nil)
	if err != nil || !commit.GetVerification().GetVerified() || commit.GetAuthor().GetName() != "bot[bot]" {
		t.Fatalf("CreateCommit = %+v, %v", commit, err)
	}
	if _, _, err := c.Git.CreateRef(ctx, "o", "r", gh.CreateRef{Ref: "refs/heads/x/y", SHA: commit.GetSHA()}); err != nil {
		t.Fatal(err)
	}
	got := s.Files(repoFN, "x/y")
	if got["README.md"] != "changed\n" || got["a/b/c.go"] != "" || got["a/b.go"] != "package a\n" || got["new/file.sh"] != "#!/bin/sh\n" || len(got) != 5 {
		t.Errorf("files = %q", got)
	}
	full, _, err := c.Git.GetTree(ctx, "o", "r", tree.GetSHA(), true)
	if err != nil || len(full.Entries) != 11 { // 5 files + a, a-b, new, z, z/deep, z/deep/er
		t.Errorf("recursive tree: %d entries, %v", len(full.Entries), err)
	}
	ref, _, err := c.Git.GetRef(ctx, "o", "r", "heads/x/y")
	if err != nil || ref.GetObject().GetSHA() != commit.GetSHA() || ref.GetRef() != "refs/heads/x/y" {
		t.Errorf("GetRef = %+v, %v", ref, err)
	}
	refs, _, err := c.Git.ListMatchingRefs(ctx, "o", "r", "heads/x")
	if err != nil || len(refs) != 1 {
		t.Errorf("ListMatchingRefs = %d, %v", len(refs), err)
	}
	// Not a fast forward without force; fine with it.
	if _, _, err := c.Git.UpdateRef(ctx, "o", "r", "heads/x/y", gh.UpdateRef{SHA: base}); status(err) != 422 {
		t.Errorf("non-fast-forward update: %v, want 422", err)
	}
	if _, _, err := c.Git.UpdateRef(ctx, "o", "r", "heads/x/y", gh.UpdateRef{SHA: base, Force: gh.Ptr(true)}); err != nil {
		t.Errorf("forced update: %v", err)
	}
	if _, _, err := c.Git.CreateRef(ctx, "o", "r", gh.CreateRef{Ref: "refs/heads/x/y", SHA: base}); status(err) != 422 {
		t.Errorf("existing ref created again: %v, want 422", err)
	}
	// Deleting what the base tree lacks is refused.
	if _, _, err := c.Git.CreateTree(ctx, "o", "r", baseCommit.GetTree().GetSHA(), []*gh.TreeEntry{{Path: gh.Ptr("nope"), Mode: gh.Ptr("100644"), Type: gh.Ptr("blob")}}); status(err) != 422 {
		t.Errorf("deleting a missing path: %v, want 422", err)
	}
}

func status(err error) int {
	var e *gh.ErrorResponse
	if errors.As(err, &e) {
		return e.Response.StatusCode
	}
	return 0
}

func TestConditionalRequests(t *testing.T) {
	s, _, _ := setup(t)
	get := func(h map[string]string) *http.Response {
		req, _ := http.NewRequest("GET", s.URL+"/repos/o/r", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		for k, v := range h {
			req.Header.Set(k, v)
		}
		resp, err := s.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	first := get(nil)
	etag, lm := first.Header.Get("ETag"), first.Header.Get("Last-Modified")
	if first.StatusCode != 200 || !strings.HasPrefix(etag, `W/"`) || lm == "" || first.Header.Get("X-RateLimit-Remaining") != "4999" {
		t.Fatalf("first GET: %d, ETag %q, Last-Modified %q, remaining %s", first.StatusCode, etag, lm, first.Header.Get("X-RateLimit-Remaining"))
	}
	for _, h := range []map[string]string{{"If-None-Match": etag}, {"If-Modified-Since": lm}, {"If-None-Match": `"other", ` + etag}} {
		if resp := get(h); resp.StatusCode != http.StatusNotModified || resp.Header.Get("X-RateLimit-Remaining") != "4999" {
			t.Errorf("conditional GET %v: %d, remaining %s; want a free 304", h, resp.StatusCode, resp.Header.Get("X-RateLimit-Remaining"))
		}
	}
	if resp := get(map[string]string{"If-None-Match": `"other"`}); resp.StatusCode != 200 || resp.Header.Get("X-RateLimit-Remaining") != "4998" || resp.Header.Get("X-RateLimit-Used") != "2" {
		t.Errorf("GET with a stale ETag: %d, remaining %s", resp.StatusCode, resp.Header.Get("X-RateLimit-Remaining"))
	}
	s.AddIssue(repoFN, "t", "b") // a write: Last-Modified moves on, even within the second
	if resp := get(map[string]string{"If-Modified-Since": lm}); resp.StatusCode != 200 {
		t.Errorf("If-Modified-Since after a write: %d, want 200", resp.StatusCode)
	}
}

func TestAuthAndPermissions(t *testing.T) {
	s, _, base := setup(t)
	_, _, err := client(t, s, "wrong").Repositories.Get(ctx, "o", "r")
	if status(err) != http.StatusUnauthorized {
		t.Errorf("unknown token: %v, want 401", err)
	}
	roc := client(t, s, ro)
	r, _, err := roc.Repositories.Get(ctx, "o", "r")
	if err != nil || r.GetPermissions().GetPush() || r.GetDefaultBranch() != "main" {
		t.Errorf("read-only GET repo = %+v, %v", r.GetPermissions(), err)
	}
	_, _, err = roc.Git.CreateRef(ctx, "o", "r", gh.CreateRef{Ref: "refs/heads/x", SHA: base})
	var e *gh.ErrorResponse
	if !errors.As(err, &e) || e.Response.StatusCode != 403 || e.Message != "Resource not accessible by integration" {
		t.Errorf("read-only write: %v, want 403 Resource not accessible by integration", err)
	}
}

func TestFaultsAndLimits(t *testing.T) {
	s, c, _ := setup(t)
	s.AddFault(Fault{After: 1, Status: 503})
	if _, _, err := c.Repositories.Get(ctx, "o", "r"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Repositories.Get(ctx, "o", "r"); status(err) != 503 {
		t.Errorf("2nd request: %v, want 503", err)
	}
	if _, _, err := c.Repositories.Get(ctx, "o", "r"); err != nil {
		t.Errorf("3rd request: %v", err)
	}
	s.AddFault(Fault{Method: "POST", Secondary: true, Status: 429})
	_, _, err := c.Issues.Create(ctx, "o", "r", &gh.IssueRequest{Title: gh.Ptr("x")})
	var abuse *gh.AbuseRateLimitError
	if !errors.As(err, &abuse) || abuse.Response.StatusCode != 429 {
		t.Errorf("secondary limit: %v, want go-github's AbuseRateLimitError", err)
	}
	s.SetRemaining(tok, 0)
	// A new client: go-github keeps the last one from sending until the
	// reset the secondary limit gave (no Retry-After: x-ratelimit-reset).
	_, _, err = client(t, s, tok).Issues.Get(ctx, "o", "r", 1)
	var rl *gh.RateLimitError
	if !errors.As(err, &rl) {
		t.Errorf("exhausted limit: %v, want go-github's RateLimitError", err)
	}
	if n := s.Count(""); n != 5 {
		t.Errorf("%d requests logged, want 5", n)
	}
}

func TestPullsReviewsIssues(t *testing.T) {
	s, c, _ := setup(t)
	s.Push(repoFN, "feat", map[string]string{"README.md": "hello\nworld\n"})
	pr, _, err := c.PullRequests.Create(ctx, "o", "r", &gh.NewPullRequest{Title: gh.Ptr("t"), Head: gh.Ptr("feat"), Base: gh.Ptr("main"), Draft: gh.Ptr(true)})
	if err != nil || !pr.GetDraft() || pr.GetHead().GetRepo().GetFullName() != "o/r" {
		t.Fatalf("Create = %+v, %v", pr, err)
	}
	if _, _, err := c.PullRequests.Create(ctx, "o", "r", &gh.NewPullRequest{Title: gh.Ptr("t"), Head: gh.Ptr("feat"), Base: gh.Ptr("main")}); status(err) != 422 {
		t.Errorf("second PR for the same head: %v, want 422", err)
	}
	for head, want := range map[string]int{"o:feat": 1, "o:other": 0, "feat": 1 /* ignored, as GitHub does */} {
		list, _, err := c.PullRequests.List(ctx, "o", "r", &gh.PullRequestListOptions{Head: head})
		if err != nil || len(list) != want {
			t.Errorf("List head=%s: %d, %v; want %d", head, len(list), err, want)
		}
	}
	files, _, err := c.PullRequests.ListFiles(ctx, "o", "r", pr.GetNumber(), nil)
	if err != nil || len(files) != 1 || files[0].GetPatch() != "@@ -1 +1,2 @@\n hello\n+world" {
		t.Fatalf("ListFiles = %v, %v", files, err)
	}
	diff, _, err := c.PullRequests.GetRaw(ctx, "o", "r", pr.GetNumber(), gh.RawOptions{Type: gh.Diff})
	if err != nil || !strings.Contains(diff, "+++ b/README.md\n@@ -1 +1,2 @@") {
		t.Errorf("GetRaw diff = %q, %v", diff, err)
	}
	comment := func(line, start int) *gh.DraftReviewComment {
		dc := &gh.DraftReviewComment{Path: gh.Ptr("README.md"), Body: gh.Ptr("b"), Line: gh.Ptr(line), Side: gh.Ptr("RIGHT")}
		if start > 0 {
			dc.StartLine, dc.StartSide = gh.Ptr(start), gh.Ptr("RIGHT")
		}
		return dc
	}
	review := func(cs ...*gh.DraftReviewComment) error {
		_, _, err := c.PullRequests.CreateReview(ctx, "o", "r", pr.GetNumber(), &gh.PullRequestReviewRequest{Event: gh.Ptr("COMMENT"), Body: gh.Ptr("r"), Comments: cs})
		return err
	}
	if err := review(comment(3, 0)); status(err) != 422 {
		t.Errorf("comment outside the diff: %v, want 422", err)
	}
	if err := review(comment(2, 1)); err != nil {
		t.Errorf("multi-line comment: %v", err)
	}
	if rv := s.Reviews(repoFN, pr.GetNumber()); len(rv) != 1 || rv[0].Comments[0].StartLine != 1 || rv[0].Comments[0].Line != 2 {
		t.Errorf("reviews = %+v", rv)
	}
	_, _, err = c.PullRequests.CreateReview(ctx, "o", "r", pr.GetNumber(), &gh.PullRequestReviewRequest{Event: gh.Ptr("APPROVE")})
	if status(err) != 422 {
		t.Errorf("approving one's own pull request: %v, want 422", err)
	}

	for i := range 35 {
		if _, _, err := c.Issues.Create(ctx, "o", "r", &gh.IssueRequest{Title: gh.Ptr(fmt.Sprint(i)), Labels: &[]string{"bulk"}}); err != nil {
			t.Fatal(err)
		}
	}
	page, resp, err := c.Issues.ListByRepo(ctx, "o", "r", &gh.IssueListByRepoOptions{Labels: []string{"bulk"}})
	if err != nil || len(page) != 30 || resp.NextPage != 2 || resp.LastPage != 2 {
		t.Errorf("first page: %d issues, next %d, last %d, %v", len(page), resp.NextPage, resp.LastPage, err)
	}
	all, _, err := c.Issues.ListByRepo(ctx, "o", "r", &gh.IssueListByRepoOptions{State: "all", ListOptions: gh.ListOptions{PerPage: 100}})
	if err != nil || len(all) != 36 || !all[len(all)-1].IsPullRequest() || all[0].IsPullRequest() {
		t.Errorf("all issues: %d, %v; want 35 issues, newest first, and the pull request", len(all), err)
	}
	if labels := s.Labels(repoFN); len(labels) != 1 || labels[0] != "bulk" {
		t.Errorf("labels = %v, want bulk, created with the first issue", labels)
	}
}

// TestMirror: local commits come over with their SHAs and files; a commit
// that cannot hash the same (a local time zone) is refused.
func TestMirror(t *testing.T) {
	dir := t.TempDir()
	run := func(date string, args ...string) string {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-c", "commit.gpgsign=false"}, args...)...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1",
			"GIT_AUTHOR_NAME=A", "GIT_AUTHOR_EMAIL=a@example.com", "GIT_AUTHOR_DATE="+date,
			"GIT_COMMITTER_NAME=C", "GIT_COMMITTER_EMAIL=c@example.com", "GIT_COMMITTER_DATE="+date)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("git %v: %v", args, err)
		}
		return strings.TrimSpace(string(out))
	}
	run("", "init", "-q")
	os.WriteFile(filepath.Join(dir, "a.txt"), []byte("one\n"), 0o644)
	os.MkdirAll(filepath.Join(dir, "d"), 0o755)
	os.WriteFile(filepath.Join(dir, "d", "run.sh"), []byte("#!/bin/sh\n"), 0o755)
	run("1700000000 +0000", "add", "-A")
	run("1700000000 +0000", "commit", "-qm", "first")
	first := run("", "rev-parse", "HEAD")
	os.WriteFile(filepath.Join(dir, "a.txt"), []byte("two\n"), 0o644)
	run("1700000100 +0000", "commit", "-qam", "second\n\nwith a body")
	second := run("", "rev-parse", "HEAD")

	s := New()
	defer s.Close()
	s.AddRepo(repoFN, "main", map[string]string{"x": "x\n"})
	if err := s.Mirror(repoFN, dir, map[string]string{"main": first, "topic": second}); err != nil {
		t.Fatal(err)
	}
	if s.Ref(repoFN, "main") != first || s.Ref(repoFN, "topic") != second {
		t.Errorf("refs main %s, topic %s; want %s and %s", s.Ref(repoFN, "main"), s.Ref(repoFN, "topic"), first, second)
	}
	if got := s.Files(repoFN, "topic"); got["a.txt"] != "two\n" || got["d/run.sh"] != "#!/bin/sh\n" || len(got) != 2 {
		t.Errorf("topic's files %v", got)
	}
	if c, ok := s.Commit(repoFN, second); !ok || len(c.Parents) != 1 || c.Parents[0] != first {
		t.Errorf("second commit %+v", c)
	}

	run("1700000200 +0200", "commit", "-q", "--allow-empty", "-m", "elsewhere")
	if err := s.Mirror(repoFN, dir, map[string]string{"main": run("", "rev-parse", "HEAD")}); err == nil {
		t.Error("a commit with a +0200 date was mirrored")
	}
}
