package control

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"github.com/agentic-optimizer/optimizer/methods"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/agentic-optimizer/optimizer/internal/config"
	"github.com/agentic-optimizer/optimizer/internal/diff"
	"github.com/agentic-optimizer/optimizer/internal/github/githubtest"
	"github.com/agentic-optimizer/optimizer/internal/gitx"
	"github.com/agentic-optimizer/optimizer/internal/patch"
	"github.com/agentic-optimizer/optimizer/internal/report"
	"github.com/agentic-optimizer/optimizer/internal/validate"
)

const (
	fullName = "octo/app"
	writer   = "ghs_writerToken0123456789"
	reader   = "ghs_readerToken0123456789"
)

var baseFiles = map[string]string{
	"go.mod":      "module example.com/app\n\ngo 1.22\n",
	"calc/sum.go": "package calc\n\n// Sum adds.\nfunc Sum(xs []int) int {\n\ts := 0\n\tfor i := 0; i < len(xs); i++ {\n\t\ts += xs[i]\n\t}\n\treturn s\n}\n",
	"calc/max.go": "package calc\n\n// Max is the larger.\nfunc Max(a, b int) int {\n\tif a > b {\n\t\treturn a\n\t}\n\treturn b\n}\n",
}

// The accepted change: both files, two hunks in sum.go.
var changedFiles = map[string]string{
	"calc/sum.go": "package calc\n\n// Sum adds the numbers.\nfunc Sum(xs []int) int {\n\ts := 0\n\tfor _, x := range xs {\n\t\ts += x\n\t}\n\treturn s\n}\n",
	"calc/max.go": "package calc\n\n// Max is the larger.\nfunc Max(a, b int) int {\n\treturn max(a, b)\n}\n",
}

// fixture is a repository, an output directory with the change stored and
// the report of the run that stored it.
type fixture struct {
	repo, head, out string
	wts             *gitx.Worktrees
	rep             *report.Report
	forward         []byte
}

func git(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-c", "commit.gpgsign=false"}, args...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1",
		"GIT_AUTHOR_NAME=T", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_AUTHOR_DATE=1700000000 +0000",
		"GIT_COMMITTER_NAME=T", "GIT_COMMITTER_EMAIL=t@example.com", "GIT_COMMITTER_DATE=1700000000 +0000")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("git %v: %v", args, err)
	}
	return string(out)
}

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for p, c := range files {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, p)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, p), []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	repo, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	git(t, repo, "init", "-q", "--initial-branch=main")
	writeFiles(t, repo, baseFiles)
	git(t, repo, "add", "-A")
	git(t, repo, "commit", "-qm", "base")
	f := &fixture{repo: repo, head: strings.TrimSpace(git(t, repo, "rev-parse", "HEAD")), out: t.TempDir()}
	writeFiles(t, repo, changedFiles)
	f.forward = []byte(git(t, repo, "diff", "--no-color"))
	reverse := []byte(git(t, repo, "diff", "--no-color", "-R"))
	git(t, repo, "checkout", "-q", ".")
	r, err := gitx.Open(context.Background(), repo)
	if err != nil {
		t.Fatal(err)
	}
	f.wts = &gitx.Worktrees{Repo: r, Base: t.TempDir()}
	t.Cleanup(func() { f.wts.RemoveAll(context.Background()) })
	m, err := patch.Dir{Path: f.out, CIDVersion: 1}.Save(f.forward, reverse, patch.Meta{Task: "modernize:./calc", Target: "./calc", Method: "modernize", Parent: f.head})
	if err != nil {
		t.Fatal(err)
	}
	v := &validate.Report{Accepted: true, Objective: "quality", Levels: []validate.Level{
		{Name: "policy", Status: validate.Pass, Detail: "2 files within the allowed paths"},
		{Name: "unit", Status: validate.Pass, Detail: "1 test passed"},
	}}
	f.rep = &report.Report{
		Version: report.Version, Module: "example.com/app", Base: f.head, Objective: "quality", Methods: []string{"modernize"},
		Tasks: []report.Task{{
			ID: "modernize:./calc", Target: "./calc", Method: "modernize", Status: report.StatusAccepted,
			Candidates: []report.Candidate{{Candidate: methods.Candidate{ID: "c1", Description: "rangeint and minmax [click](https://evil.example) <img src=x>", Validation: v}, Patch: &report.Patch{ID: m.ID, CID: m.CID, ReverseCID: m.ReverseCID, Path: "patches/" + m.ID + ".patch"}}},
		}},
	}
	return f
}

// server is a fake GitHub holding the fixture's commit.
func (f *fixture) server(t *testing.T) *githubtest.Server {
	t.Helper()
	s := githubtest.New()
	t.Cleanup(s.Close)
	s.AddToken(writer, githubtest.Token{Login: "optimizer[bot]", Bot: true, Write: true})
	s.AddToken(reader, githubtest.Token{Login: "github-actions[bot]", Bot: true})
	s.AddRepo(fullName, "main", map[string]string{"README": "x\n"})
	if err := s.Mirror(fullName, f.repo, map[string]string{"main": f.head}); err != nil {
		t.Fatal(err)
	}
	s.ResetRequests()
	return s
}

func (f *fixture) run(control, token string, env map[string]string) Run {
	cfg := &config.Config{
		Control: control, Out: f.out, CIDVersion: 1, GitHubToken: token, GitHubRepo: fullName,
		GitHubCacheTTL: 300 * time.Second, RateLimitThreshold: 100,
	}
	return Run{Config: cfg, Getenv: func(k string) string { return env[k] }, Worktrees: f.wts, Head: f.head, ModuleDir: "."}
}

func envFor(s *githubtest.Server, cache string) map[string]string {
	return map[string]string{"GITHUB_API_URL": s.URL, "XDG_CACHE_HOME": cache}
}

func logTo(t *testing.T) Logf {
	return func(format string, args ...any) { t.Logf(format, args...) }
}

func publishTest(t *testing.T, run Run, rep *report.Report) error {
	t.Helper()
	rep.ChangeControl = Initial(run.Config)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	before, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	cc, err := Publish(ctx, run, rep, logTo(t))
	if after, _ := json.Marshal(rep); !bytes.Equal(before, after) {
		t.Errorf("Publish changed the report it was given:\nbefore %s\nafter  %s", before, after)
	}
	rep.Published(cc)
	return err
}

// findingTasks are two tasks with a finding each, as their methods
// rendered them: one keyed by its task's ID, one by a key that is no
// marker key as it is. The bodies hold markdown, and a marker of another
// issue that must not pass as one.
func findingTasks() []report.Task {
	return []report.Task{
		{ID: "chaos:./calc", Target: "./calc", Method: "chaos", Status: report.StatusNoCandidates, Candidates: []report.Candidate{}, Findings: []report.Finding{{
			Key:   "chaos:./calc",
			Title: "optimizer: chaos findings in ./calc",
			Body:  "## Chaos findings in `./calc`\n\n| where | mutated |\n| --- | --- |\n| `calc/sum.go:6` | i \\<\\= len\\(xs\\) |\n\n````\n[]byte(\"```\\n<!-- optimizer:other -->\")\n````\n",
		}}},
		{ID: "other:./calc", Target: "./calc", Method: "other", Status: report.StatusNoCandidates, Candidates: []report.Candidate{}, Findings: []report.Finding{{
			Key:   "other -- ./calc",
			Title: "optimizer: other\nfindings\tin ./calc",
			Body:  "- one\n- two\n",
		}}},
	}
}

// TestPublishDraftPRAndIssues: under auto with a token, the change becomes
// a draft pull request holding exactly it, the chaos findings an issue;
// publishing again changes nothing, answers from the cache, and duplicates
// neither.
func TestPublishDraftPRAndIssues(t *testing.T) {
	f := newFixture(t)
	f.rep.Tasks = append(f.rep.Tasks, findingTasks()...)
	f.rep.Methods = append(f.rep.Methods, "chaos", "other")
	s := f.server(t)
	cache := t.TempDir()
	run := f.run(ModeAuto, writer, envFor(s, cache))
	if err := publishTest(t, run, f.rep); err != nil {
		t.Fatal(err)
	}
	cc := f.rep.ChangeControl
	if cc.Mode != ModeGitHub || cc.FallbackReason != "" || cc.PRURL == "" || len(cc.PullRequests) != 1 || len(cc.Issues) != 2 || cc.IssueURL != cc.Issues[0].URL {
		t.Fatalf("change control %+v", cc)
	}
	pr := cc.PullRequests[0]
	want := map[string]string{"go.mod": baseFiles["go.mod"], "calc/sum.go": changedFiles["calc/sum.go"], "calc/max.go": changedFiles["calc/max.go"]}
	got := s.Files(fullName, pr.Branch)
	for p, c := range want {
		if got[p] != c {
			t.Errorf("branch file %s = %q, want %q", p, got[p], c)
		}
	}
	if len(got) != len(want) {
		t.Errorf("branch files %v, want %v", got, want)
	}
	if f.rep.Tasks[0].PRURL != pr.URL {
		t.Errorf("task PR URL %q, want %q", f.rep.Tasks[0].PRURL, pr.URL)
	}
	prs := s.PullRequests(fullName)
	if len(prs) != 1 || !prs[0].Draft {
		t.Fatalf("pull requests %+v", prs)
	}
	body := prs[0].Body
	for _, want := range []string{"| unit | pass | 1 test passed |", pr.PatchCID, "optimizer rollback " + pr.PatchID, `\[click\]\(https\:\/\/evil\.example\) \<img src\=x\>`} {
		if !strings.Contains(body, want) {
			t.Errorf("body lacks %q:\n%s", want, body)
		}
	}
	if strings.Contains(body, "](https://evil") || strings.Contains(strings.ReplaceAll(body, `\<`, ""), "<img") {
		t.Errorf("body lets markdown or HTML from the description through:\n%s", body)
	}
	issues := s.Issues(fullName)
	if len(issues) != 2 {
		t.Fatalf("issues %+v, want one per finding", issues)
	}
	for i, want := range []struct{ title, body, marker string }{
		{"optimizer: chaos findings in ./calc", findingTasks()[0].Findings[0].Body, "<!-- optimizer:chaos:./calc -->"},
		{"optimizer: other findings in ./calc", "- one\n- two\n", "<!-- optimizer:task:"},
	} {
		is := issues[i]
		if is.Labels[0] != IssueLabel || is.Title != want.title {
			t.Errorf("issue %d: labels %v, title %q; want %q", i, is.Labels, is.Title, want.title)
		}
		if strings.Count(is.Body, "<!-- optimizer:") != 1 || !strings.Contains(is.Body, want.marker) {
			t.Errorf("issue %d: the marker is not %s alone:\n%s", i, want.marker, is.Body)
		}
		// GitHub's client defuses the other marker; the rest is as rendered.
		if !strings.Contains(strings.ReplaceAll(is.Body, "&lt;!-- optimizer:other", "<!-- optimizer:other"), want.body) {
			t.Errorf("issue %d: body\n%s\nlacks the finding's body\n%s", i, is.Body, want.body)
		}
	}
	saved, err := os.ReadFile(filepath.Join(cache, "optimizer", "github-cache.json"))
	if err != nil || strings.Contains(string(saved), writer) {
		t.Errorf("saved cache: %v; holds the token: %v", err, strings.Contains(string(saved), writer))
	}

	// Again, in a new run: nothing new on GitHub, most answers from the cache.
	rep := *f.rep
	rep.Tasks = append([]report.Task(nil), f.rep.Tasks...)
	if err := publishTest(t, f.run(ModeAuto, writer, envFor(s, cache)), &rep); err != nil {
		t.Fatal(err)
	}
	cc = rep.ChangeControl
	if len(s.PullRequests(fullName)) != 1 || len(s.Issues(fullName)) != 2 || cc.PullRequests[0].Created || cc.PullRequests[0].Updated || cc.Issues[0].Created || cc.Issues[1].Created {
		t.Errorf("the second publication made something new: %+v", cc)
	}
	if cc.GitHub.Writes != 0 || cc.GitHub.CacheHitRate < 0.7 {
		t.Errorf("second publication: %+v, want no write and a cache hit rate of at least 0.7", cc.GitHub)
	}
	t.Logf("first: %.0f requests per draft pull request; again: %d requests, hit rate %.2f", f.rep.ChangeControl.GitHub.RequestsPerDraftPR, cc.GitHub.Requests, cc.GitHub.CacheHitRate)
}

// TestPublishFallback: what keeps GitHub from being used falls back to
// patch with the reason; explicitly asked for, it is also an error.
func TestPublishFallback(t *testing.T) {
	f := newFixture(t)
	s := f.server(t)
	for _, tc := range []struct {
		name, control, token string
		env                  map[string]string
		setup                func()
		reason               string
	}{
		{"no token", ModeAuto, "", envFor(s, t.TempDir()), nil, "no GitHub token"},
		{"no token, github", ModeGitHub, "", envFor(s, t.TempDir()), nil, "no GitHub token"},
		{"bad API URL", ModeAuto, writer, map[string]string{"GITHUB_API_URL": "ftp://x"}, nil, "GITHUB_API_URL"},
		{"unknown token", ModeAuto, "ghs_nobody", envFor(s, t.TempDir()), nil, "authentication failed"},
		{"read-only token", ModeAuto, reader, envFor(s, t.TempDir()), nil, "permission denied"},
		{"rate limit", ModeAuto, writer, envFor(s, t.TempDir()), func() { s.SetRemaining(writer, 50) }, "49 of 5000 core requests left (threshold 100)"},
		{"API down, github", ModeGitHub, writer, envFor(s, t.TempDir()), func() {
			s.AddFault(githubtest.Fault{Method: "POST", Path: "/repos/" + fullName + "/git/trees", Status: 503})
		}, "API unavailable"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s.SetRemaining(writer, 5000)
			if tc.setup != nil {
				tc.setup()
			}
			rep := *f.rep
			rep.Tasks = append([]report.Task(nil), f.rep.Tasks...)
			err := publishTest(t, f.run(tc.control, tc.token, tc.env), &rep)
			cc := rep.ChangeControl
			if cc.Mode != ModePatch || !strings.Contains(cc.FallbackReason, tc.reason) || cc.PRURL != "" {
				t.Errorf("change control %+v, want patch because of %q", cc, tc.reason)
			}
			if explicit := tc.control == ModeGitHub; explicit != errors.Is(err, ErrGitHub) {
				t.Errorf("error %v; want ErrGitHub only when github was asked for", err)
			}
			if !strings.Contains(cc.Line(), "published as patches (fallback: ") {
				t.Errorf("summary line %q", cc.Line())
			}
		})
	}
	if prs := s.PullRequests(fullName); len(prs) != 0 {
		t.Errorf("pull requests after failures: %+v", prs)
	}
}

// TestPublishClosesStale: a whole-module run that no longer accepts
// anything closes its own open pull request, and only that one; a run
// that did not finish every task, or covered only some packages, closes
// nothing.
func TestPublishClosesStale(t *testing.T) {
	f := newFixture(t)
	s := f.server(t)
	env := envFor(s, t.TempDir())
	if err := publishTest(t, f.run(ModeGitHub, writer, env), f.rep); err != nil {
		t.Fatal(err)
	}
	ours := f.rep.ChangeControl.PullRequests[0]
	s.Push(fullName, "optimizer/chaos/0123456789ab", map[string]string{"x.txt": "x\n"})
	other := s.OpenPR(fullName, "optimizer/chaos/0123456789ab", "main", "another method's", "someone")

	nothing := func(edit func(*report.Report, *Run)) *report.Report {
		rep := &report.Report{Version: report.Version, Module: f.rep.Module, Base: f.head, Methods: []string{"modernize"},
			Tasks: []report.Task{{ID: "modernize:./calc", Target: "./calc", Method: "modernize", Status: report.StatusNoCandidates}}}
		run := f.run(ModeGitHub, writer, env)
		edit(rep, &run)
		if err := publishTest(t, run, rep); err != nil {
			t.Fatal(err)
		}
		return rep
	}
	if rep := nothing(func(r *report.Report, _ *Run) { r.Tasks[0].Status = report.StatusFailed }); len(rep.ChangeControl.Closed) != 0 {
		t.Errorf("a run with a failed task closed %+v", rep.ChangeControl.Closed)
	}
	if rep := nothing(func(_ *report.Report, r *Run) { r.Config.Paths = []string{"./calc"} }); len(rep.ChangeControl.Closed) != 0 {
		t.Errorf("a narrowed run closed %+v", rep.ChangeControl.Closed)
	}
	rep := nothing(func(*report.Report, *Run) {})
	if cl := rep.ChangeControl.Closed; len(cl) != 1 || cl[0].Number != ours.Number {
		t.Errorf("closed %+v, want #%d", cl, ours.Number)
	}
	for _, p := range s.PullRequests(fullName) {
		switch p.Number {
		case ours.Number:
			if p.State != "closed" || len(p.Comments) != 1 {
				t.Errorf("ours %+v, want closed with a comment", p)
			}
		case other:
			if p.State != "open" {
				t.Errorf("another method's pull request was closed: %+v", p)
			}
		}
	}
}

func TestCheck(t *testing.T) {
	env := func(k string) string { return map[string]string{"GITHUB_API_URL": "not a url"}[k] }
	for _, tc := range []struct {
		cfg  config.Config
		env  func(string) string
		want string
	}{
		{config.Config{Control: ModeAuto}, env, ""},
		{config.Config{Control: ModePatch}, env, ""},
		{config.Config{Control: ModeGitHub, GitHubRepo: "o/r"}, os.Getenv, "no GitHub token"},
		{config.Config{Control: ModeGitHub, GitHubToken: "t"}, os.Getenv, "no repository"},
		{config.Config{Control: ModeGitHub, GitHubToken: "t", GitHubRepo: "o/r"}, env, "GITHUB_API_URL"},
	} {
		err := Check(&tc.cfg, tc.env)
		if (tc.want == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Check(%s) = %v, want %q", tc.cfg.Control, err, tc.want)
		}
	}
}

// TestSelectHunks: a part of a patch applies on its own, and holds only
// the chosen hunks.
func TestSelectHunks(t *testing.T) {
	f := newFixture(t)
	files, err := diff.Parse(f.forward)
	if err != nil {
		t.Fatal(err)
	}
	var sum int
	for i, pf := range files {
		if pf.Path() == "calc/sum.go" {
			sum = i
		}
	}
	if len(files[sum].Hunks) < 1 {
		t.Fatalf("calc/sum.go has %d hunks", len(files[sum].Hunks))
	}
	last := len(files[sum].Hunks) - 1
	part, err := diff.Select(f.forward, []diff.HunkRef{{File: sum, Hunk: last}, {File: 1 - sum, Hunk: -1}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := diff.Parse(part)
	if err != nil {
		t.Fatalf("%v\n%s", err, part)
	}
	if len(got) != 2 {
		t.Fatalf("part has %d files:\n%s", len(got), part)
	}
	if err := gitx.ApplyCheck(context.Background(), f.repo, part, gitx.ApplyOptions{}); err != nil {
		t.Errorf("the part does not apply: %v\n%s", err, part)
	}
}

func TestCheckPublishable(t *testing.T) {
	for _, tc := range []struct {
		name  string
		files []diff.File
		dir   string
		bad   string
	}{
		{"workflow", []diff.File{{OldPath: ".github/workflows/ci.yml", NewPath: ".github/workflows/ci.yml"}}, ".", ".github"},
		{"outside the module", []diff.File{{OldPath: "other/a.go", NewPath: "other/a.go"}}, "mod", "outside the module"},
		{"credential", []diff.File{{OldPath: "a.go", NewPath: "a.go", Hunks: []diff.Hunk{{Added: []diff.Line{{N: 1, Text: "const t = \"ghp_" + strings.Repeat("a", 36) + "\""}}}}}}, ".", "credential"},
		{"symlink", []diff.File{{NewPath: "l", NewMode: "120000"}}, ".", "symbolic link"},
		{"fine", []diff.File{{OldPath: "mod/a.go", NewPath: "mod/a.go"}, {NewPath: "mod/default.pgo", Binary: true}}, "mod", ""},
	} {
		err := checkPublishable(tc.files, tc.dir)
		if (tc.bad == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), tc.bad) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.bad)
		}
	}
}
