package main

import (
	"encoding/json"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/agentic-optimizer/optimizer/internal/diff"
	"github.com/agentic-optimizer/optimizer/internal/github/githubtest"
	"github.com/agentic-optimizer/optimizer/internal/patch"
	"github.com/agentic-optimizer/optimizer/internal/report"
)

// The fake GitHub of these tests and the optimizer's token for it.
const (
	ghRepo  = "octo/demo"
	ghToken = "ghs_optimizerTestToken0123456789abcdefgh"
)

// ghServer is a fake GitHub whose octo/demo holds the local repository's
// commits, with the same SHAs: branches maps a branch to a local commit.
func ghServer(t *testing.T, repo string, branches map[string]string) *githubtest.Server {
	t.Helper()
	s := githubtest.New()
	t.Cleanup(s.Close)
	s.AddToken(ghToken, githubtest.Token{Login: "optimizer[bot]", Bot: true, Write: true})
	s.AddRepo(ghRepo, "main", map[string]string{"placeholder": "replaced by the mirrored commits\n"})
	if err := s.Mirror(ghRepo, repo, branches); err != nil {
		t.Fatal(err)
	}
	return s
}

// localGit runs git in dir with a fixed identity and fixed UTC dates, so
// that the fake GitHub can mirror its commits.
func localGit(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-c", "commit.gpgsign=false"}, args...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(),
		"GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1",
		"GIT_AUTHOR_NAME=Demo", "GIT_AUTHOR_EMAIL=demo@example.com", "GIT_AUTHOR_DATE=1700000000 +0000",
		"GIT_COMMITTER_NAME=Demo", "GIT_COMMITTER_EMAIL=demo@example.com", "GIT_COMMITTER_DATE=1700000000 +0000",
		"LC_ALL=C",
	)
	out, err := cmd.Output()
	if err != nil {
		msg := ""
		if ee, ok := err.(*exec.ExitError); ok {
			msg = string(ee.Stderr)
		}
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, msg)
	}
	return string(out)
}

// ghDemoRepo is a copy of examples/demo in a git repository whose commits
// the fake GitHub can reproduce; without is a file left out of a first
// commit, added by a second one ("" for one commit only). It returns the
// repository and its commits, oldest first.
func ghDemoRepo(t *testing.T, without string) (string, []string) {
	t.Helper()
	repo := t.TempDir()
	if r, err := filepath.EvalSymlinks(repo); err == nil {
		repo = r
	}
	copyDir(t, filepath.Join("examples", "demo"), repo)
	localGit(t, repo, "init", "-q", "--initial-branch=main")
	var commits []string
	if without != "" {
		localGit(t, repo, "add", "-A")
		localGit(t, repo, "rm", "-q", "--cached", without)
		localGit(t, repo, "commit", "-qm", "demo without "+without)
		commits = append(commits, strings.TrimSpace(localGit(t, repo, "rev-parse", "HEAD")))
	}
	localGit(t, repo, "add", "-A")
	localGit(t, repo, "commit", "-qm", "demo")
	commits = append(commits, strings.TrimSpace(localGit(t, repo, "rev-parse", "HEAD")))
	return repo, commits
}

// filesAt is the tree of a local commit, with patch applied when it is
// not nil: what a branch holding that change must hold.
func filesAt(t *testing.T, repo, commit string, p []byte) map[string]string {
	t.Helper()
	dir := t.TempDir()
	localGit(t, repo, "worktree", "add", "-q", "--detach", dir, commit)
	t.Cleanup(func() { exec.Command("git", "-C", repo, "worktree", "remove", "--force", dir).Run() })
	if p != nil {
		pf := filepath.Join(t.TempDir(), "change.patch")
		os.WriteFile(pf, p, 0o644)
		localGit(t, dir, "apply", "--index", pf)
	}
	out := map[string]string{}
	for _, path := range strings.Split(strings.TrimSuffix(localGit(t, dir, "ls-files", "-z"), "\x00"), "\x00") {
		b, err := os.ReadFile(filepath.Join(dir, path))
		if err != nil {
			t.Fatal(err)
		}
		out[path] = string(b)
	}
	return out
}

// ghEnv is the environment of a run against s.
func ghEnv(s *githubtest.Server, cache string) map[string]string {
	return map[string]string{
		"OPTIMIZER_GITHUB_TOKEN": ghToken,
		"OPTIMIZER_GITHUB_REPO":  ghRepo,
		"GITHUB_API_URL":         s.URL,
		"XDG_CACHE_HOME":         cache,
	}
}

// storedPatch reads a stored patch of a run.
func storedPatch(t *testing.T, out string, p *report.Patch) []byte {
	t.Helper()
	if p == nil {
		t.Fatal("no stored patch")
	}
	b, err := os.ReadFile(filepath.Join(out, p.Path))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestGitHubChangeControl is issue 6's acceptance for draft pull requests
// and fallback: `optimizer run --control github` on the demo opens a draft
// pull request whose branch holds exactly the base and the accepted
// change; a second run updates it, answering most lookups from the cache;
// and publishing with the rate limit under its threshold, or with the API
// failing midway, falls back to patches with the reason, exit status 0.
func TestGitHubChangeControl(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the demo twice and merges it twice")
	}
	repo, commits := ghDemoRepo(t, "")
	head := commits[0]
	s := ghServer(t, repo, map[string]string{"main": head})
	cache := t.TempDir()
	wt := filepath.Join(t.TempDir(), "wt")
	out1 := t.TempDir()

	code, rep, stderr := runInProcess(t, ghEnv(s, cache), "run", "--repo", repo, "--control", "github", "--out", out1, "--worktree-base", wt, "--json")
	if code != 0 || rep == nil {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	cc := rep.ChangeControl
	if cc.Mode != "github" || cc.FallbackReason != "" || cc.PRURL == "" || len(cc.PullRequests) != 1 || !cc.PullRequests[0].Created {
		t.Fatalf("change control %+v\n%s", cc, stderr)
	}
	if rep.Combination == nil || rep.Combination.Patch == nil || cc.PullRequests[0].PatchID != rep.Combination.Patch.ID {
		t.Fatalf("the pull request holds %s, want the combination %+v", cc.PullRequests[0].PatchID, rep.Combination)
	}
	branch := cc.PullRequests[0].Branch
	prs := s.PullRequests(ghRepo)
	if len(prs) != 1 || !prs[0].Draft || prs[0].State != "open" || prs[0].Head != branch || prs[0].Base != "main" {
		t.Fatalf("pull requests on the server: %+v", prs)
	}
	want := filesAt(t, repo, head, storedPatch(t, out1, rep.Combination.Patch))
	if got := s.Files(ghRepo, branch); !maps.Equal(got, want) {
		t.Errorf("the branch's tree is not the base with the accepted change:\n got %v\nwant %v", keysOf(got), keysOf(want))
		for p := range want {
			if got[p] != want[p] {
				t.Errorf("%s differs:\n got %q\nwant %q", p, got[p], want[p])
			}
		}
	}
	if c, ok := s.Commit(ghRepo, s.Ref(ghRepo, branch)); !ok || len(c.Parents) != 1 || c.Parents[0] != head {
		t.Errorf("the branch's commit %+v is not one commit on the base %s", c, head)
	}
	body := prs[0].Body
	for _, want := range []string{"| policy | pass |", "| unit | pass |", rep.Combination.Patch.CID, "optimizer rollback " + rep.Combination.Patch.ID, "Accepted, but not in this pull request"} {
		if !strings.Contains(body, want) {
			t.Errorf("the pull request's body lacks %q:\n%s", want, body)
		}
	}
	first := cc.GitHub
	t.Logf("first run (%.1fs): %d requests (%d writes), %.1f requests per draft pull request, cache hit rate %.0f%%",
		float64(rep.Stats.DurationMS)/1000, first.Requests, first.Writes, first.RequestsPerDraftPR, 100*first.CacheHitRate)
	if first.RequestsPerDraftPR == 0 || first.RequestsPerDraftPR > 8 {
		t.Errorf("%.1f requests per draft pull request, want at most 8", first.RequestsPerDraftPR)
	}
	if strings.Contains(readFile(t, filepath.Join(cache, "optimizer", "github-cache.json")), ghToken) {
		t.Error("the saved API cache holds the token")
	}

	// Again: the same pull request, mostly from the cache.
	out2 := t.TempDir()
	code, rep, stderr = runInProcess(t, ghEnv(s, cache), "run", "--repo", repo, "--control", "github", "--out", out2, "--worktree-base", wt, "--json")
	if code != 0 || rep == nil {
		t.Fatalf("second run: exit %d\n%s", code, stderr)
	}
	cc = rep.ChangeControl
	if len(cc.PullRequests) != 1 || cc.PullRequests[0].Created || cc.PullRequests[0].Number != prs[0].Number {
		t.Errorf("second run's pull requests %+v, want #%d again", cc.PullRequests, prs[0].Number)
	}
	if prs := s.PullRequests(ghRepo); len(prs) != 1 {
		t.Errorf("%d pull requests after the second run, want 1", len(prs))
	}
	again := cc.GitHub
	t.Logf("second run: %d requests (%d writes), %.1f requests per draft pull request, cache: %d hits, %d not modified, %d misses, hit rate %.0f%%",
		again.Requests, again.Writes, again.RequestsPerDraftPR, again.CacheHits, again.CacheRevalidated, again.CacheMisses, 100*again.CacheHitRate)
	// Of its GETs, two are first reads — the open pull requests, which the
	// first run changed, and the new pull request's reviews — and one the
	// read-back of the body it edited (its benchmark figures changed).
	if again.CacheHitRate < 0.5 || again.Requests > 6 || again.Writes > 1 {
		t.Errorf("repeated run: %d requests (%d writes), cache hit rate %.2f; want at most 6 requests, 1 write, a hit rate of at least 0.5", again.Requests, again.Writes, again.CacheHitRate)
	}
	if !strings.Contains(stderr, "published on GitHub: pull request "+cc.PRURL) {
		t.Errorf("the summary does not name the pull request:\n%s", stderr)
	}

	// Publishing again, through merge, with the rate limit under its
	// threshold and an empty cache (so the first answer tells the limit).
	t.Run("rate limit", func(t *testing.T) {
		s.SetRemaining(ghToken, 50)
		t.Cleanup(func() { s.SetRemaining(ghToken, 5000) })
		s.ResetRequests()
		out := t.TempDir()
		code, rep, stderr := runInProcess(t, ghEnv(s, t.TempDir()), "merge", "--repo", repo, "--out", out, "--json", out2)
		checkFallback(t, code, rep, stderr, out, "rate limit")
		for _, r := range s.Requests() {
			if r.IsWrite() {
				t.Errorf("a write under the rate limit's threshold: %+v", r)
			}
		}
	})

	// The API failing midway, on a fresh fake GitHub (so that a commit has
	// to be made): creating the commit fails after the tree was made.
	t.Run("API failure midway", func(t *testing.T) {
		s2 := ghServer(t, repo, map[string]string{"main": head})
		s2.AddFault(githubtest.Fault{Method: "POST", Path: "/repos/" + ghRepo + "/git/commits", Status: 502, Times: -1})
		out := t.TempDir()
		code, rep, stderr := runInProcess(t, ghEnv(s2, t.TempDir()), "merge", "--repo", repo, "--out", out, "--json", out2)
		checkFallback(t, code, rep, stderr, out, "502")
		if n := s2.Count("POST /repos/{owner}/{repo}/git/trees"); n != 1 {
			t.Errorf("%d trees made, want 1: the failure should come midway, after the tree", n)
		}
		if prs := s2.PullRequests(ghRepo); len(prs) != 0 {
			t.Errorf("pull requests after the failure: %+v", prs)
		}
	})
}

// checkFallback checks a run that fell back to patches: exit 0, the reason
// in the report and the summary, every accepted patch stored.
func checkFallback(t *testing.T, code int, rep *report.Report, stderr, out, reason string) {
	t.Helper()
	if code != 0 || rep == nil {
		t.Fatalf("exit %d, want 0\n%s", code, stderr)
	}
	cc := rep.ChangeControl
	if cc.Mode != "patch" || !strings.Contains(cc.FallbackReason, reason) || cc.PRURL != "" {
		t.Errorf("change control %+v, want patch with a fallback reason about %q", cc, reason)
	}
	if !strings.Contains(stderr, "published as patches (fallback: ") || !strings.Contains(stderr, reason) {
		t.Errorf("the summary does not say why it fell back:\n%s", stderr)
	}
	n := 0
	for _, m := range storedMetas(rep) {
		if _, _, err := (patch.Dir{Path: out}).Load(m); err != nil {
			t.Errorf("patch %s: %v", m.ID, err)
		}
		n++
	}
	if n == 0 || rep.Combination == nil || rep.Combination.Patch == nil {
		t.Errorf("%d patches stored and combination %+v, want all of them", n, rep.Combination)
	}
}

// storedMetas is the metadata of every patch a report stored.
func storedMetas(rep *report.Report) []patch.Meta {
	var out []patch.Meta
	add := func(p *report.Patch) {
		if p != nil {
			out = append(out, patch.Meta{ID: p.ID, CID: p.CID, ReverseCID: p.ReverseCID})
		}
	}
	if rep.Combination != nil {
		add(rep.Combination.Patch)
	}
	for _, task := range rep.Tasks {
		for _, c := range task.Candidates {
			add(c.Patch)
		}
	}
	return out
}

func keysOf(m map[string]string) []string { return slices.Sorted(maps.Keys(m)) }

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestGitHubPullRequestEvent is issue 6's acceptance for pull requests: on
// a pull_request event, the hunks of the accepted change that the pull
// request's diff shows come back as one review with suggestions on the
// right lines, and the others as a follow-up draft pull request against
// its branch.
func TestGitHubPullRequestEvent(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the demo")
	}
	// The pull request adds stats/stats.go; stats_test.go is on main.
	repo, commits := ghDemoRepo(t, "stats/stats.go")
	base, head := commits[0], commits[1]
	s := ghServer(t, repo, map[string]string{"main": base, "feature": head})
	number := s.OpenPR(ghRepo, "feature", "main", "Add stats", "alice")
	event := map[string]any{
		"action": "opened", "number": number,
		"pull_request": map[string]any{
			"number": number,
			"base":   map[string]any{"sha": base, "ref": "main", "repo": map[string]any{"full_name": ghRepo}},
			"head":   map[string]any{"sha": head, "ref": "feature", "repo": map[string]any{"full_name": ghRepo}},
		},
		"repository": map[string]any{"full_name": ghRepo},
	}
	eventPath := filepath.Join(t.TempDir(), "event.json")
	b, _ := json.Marshal(event)
	if err := os.WriteFile(eventPath, b, 0o644); err != nil {
		t.Fatal(err)
	}
	env := ghEnv(s, t.TempDir())
	env["GITHUB_EVENT_NAME"] = "pull_request"
	env["GITHUB_EVENT_PATH"] = eventPath
	out := t.TempDir()
	code, rep, stderr := runInProcess(t, env, "run", "--repo", repo, "--paths", "./stats", "--control", "github", "--out", out,
		"--worktree-base", filepath.Join(t.TempDir(), "wt"), "--json")
	if code != 0 || rep == nil {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	cc := rep.ChangeControl
	if cc.Mode != "github" || cc.FallbackReason != "" || cc.Review == nil {
		t.Fatalf("change control %+v\n%s", cc, stderr)
	}
	published := storedPatch(t, out, rep.Combination.Patch)
	files, err := diff.Parse(published)
	if err != nil {
		t.Fatal(err)
	}

	// Every hunk of stats/stats.go is a suggestion on the lines it changes.
	type span struct{ start, end int }
	var wantSpans []span
	var wantTexts []string
	for _, f := range files {
		if f.Path() != "stats/stats.go" {
			continue
		}
		for _, h := range f.Hunks {
			if len(h.Removed) == 0 {
				// A pure insertion replaces the line before it with
				// itself and the new lines.
				anchor := h.Added[0].N - 1 - (h.NewStart - h.OldStart)
				wantSpans = append(wantSpans, span{anchor, anchor})
			} else {
				wantSpans = append(wantSpans, span{h.Removed[0].N, h.Removed[len(h.Removed)-1].N})
			}
			wantTexts = append(wantTexts, h.Added[0].Text)
		}
	}
	reviews := s.Reviews(ghRepo, number)
	if len(reviews) != 1 || reviews[0].CommitID != head || !reviews[0].Bot {
		t.Fatalf("reviews %+v, want one by the optimizer at the head", reviews)
	}
	comments := reviews[0].Comments
	if len(comments) != len(wantSpans) || len(wantSpans) == 0 {
		t.Fatalf("%d review comments, want %d (one per hunk of stats/stats.go): %+v", len(comments), len(wantSpans), comments)
	}
	for i, c := range comments {
		start := c.StartLine
		if start == 0 {
			start = c.Line
		}
		if c.Path != "stats/stats.go" || c.Side != "RIGHT" || (span{start, c.Line}) != wantSpans[i] ||
			!strings.Contains(c.Body, "```suggestion\n") || !strings.Contains(c.Body, wantTexts[i]) {
			t.Errorf("comment %d = %+v, want a suggestion on stats/stats.go lines %d-%d with %q", i, c, wantSpans[i].start, wantSpans[i].end, wantTexts[i])
		}
	}
	if cc.Review.Suggestions != len(wantSpans) {
		t.Errorf("report: %d suggestions, want %d", cc.Review.Suggestions, len(wantSpans))
	}

	// stats_test.go is not in the diff: its hunks are a follow-up against
	// the pull request's branch.
	var followUp *githubtest.PullRequest
	for _, p := range s.PullRequests(ghRepo) {
		if p.Number != number {
			followUp = &p
		}
	}
	if followUp == nil || followUp.Base != "feature" || !followUp.Draft || len(cc.PullRequests) != 1 || !cc.PullRequests[0].FollowUp {
		t.Fatalf("follow-up pull request %+v, report %+v", followUp, cc.PullRequests)
	}
	want := filesAt(t, repo, head, published)
	want["stats/stats.go"] = filesAt(t, repo, head, nil)["stats/stats.go"]
	if got := s.Files(ghRepo, followUp.Head); !maps.Equal(got, want) {
		t.Errorf("the follow-up's tree is not the head with the hunks outside the diff:\n got %v\nwant %v", keysOf(got), keysOf(want))
		for p := range want {
			if got[p] != want[p] {
				t.Errorf("%s differs:\n got %q\nwant %q", p, got[p], want[p])
			}
		}
	}
	if len(s.Issues(ghRepo)) != 0 {
		t.Errorf("issues on a pull request run: %+v", s.Issues(ghRepo))
	}
}

// TestGitHubControlNeedsToken: --control github without a token or a
// repository is a configuration error found before the run starts (exit 2),
// not after half an hour of validation.
func TestGitHubControlNeedsToken(t *testing.T) {
	repo := t.TempDir()
	code, _, stderr := runInProcess(t, map[string]string{"OPTIMIZER_GITHUB_REPO": ghRepo}, "run", "--repo", repo, "--control", "github")
	if code != 2 || !strings.Contains(stderr, "control github: no GitHub token") || !strings.Contains(stderr, "--control auto") {
		t.Errorf("exit %d, want 2 with the reason and the way out:\n%s", code, stderr)
	}
	code, _, stderr = runInProcess(t, map[string]string{"OPTIMIZER_GITHUB_TOKEN": ghToken}, "run", "--repo", repo, "--control", "github")
	if code != 2 || !strings.Contains(stderr, "no repository") {
		t.Errorf("exit %d, want 2 for the missing repository:\n%s", code, stderr)
	}
}
