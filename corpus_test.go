package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io/fs"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// corpusCase is one entry of testdata/corpus/cases.json: a patch to one of
// the corpus modules and the verdict a correct validator gives it.
type corpusCase struct {
	Name       string            `json:"name"`
	Module     string            `json:"module"`
	Patch      string            `json:"patch"` // default: cases/<name>.patch
	Objective  string            `json:"objective"`
	Env        map[string]string `json:"env"`
	Timeout    string            `json:"timeout"`
	Accepted   bool              `json:"accepted"`
	RejectedBy string            `json:"rejected_by"`
	Detail     []string          `json:"detail"` // substrings of the rejecting level's detail
	Serial     bool              `json:"serial"` // measured by the performance level: run alone
	Exfil      bool              `json:"exfil"`  // writes what it found to exfilDir/<name>
	Why        string            `json:"why"`
}

// corpusReport is the part of the ValidationReport the corpus checks.
type corpusReport struct {
	Accepted   bool   `json:"accepted"`
	RejectedBy string `json:"rejected_by"`
	Levels     []struct {
		Name, Status, Detail string
	} `json:"levels"`
	Tests []struct {
		Test, Status string
	} `json:"tests"`
	Isolation struct {
		UID         string   `json:"uid"`
		GitMetadata string   `json:"git_metadata"`
		Notes       []string `json:"notes"`
	} `json:"isolation"`
}

// exfilDir is where the hostile candidates write what they collected: an
// absolute, world-writable directory outside the sandbox's private TMPDIR,
// hard-coded in their patches.
const exfilDir = "/tmp/optimizer-corpus-exfil"

// corpusTimeout is the --timeout of a case that sets none.
const corpusTimeout = 5 * time.Minute

// TestCorpus validates every patch of testdata/corpus with the optimizer
// CLI, run as a separate process with secrets planted in its environment
// and in the repository's .git/config, and checks each verdict, the level
// that rejected it, and that no secret reached the candidate's code or the
// output. Cases that the performance level measures run one at a time,
// after the others.
func TestCorpus(t *testing.T) {
	if testing.Short() {
		t.Skip("the corpus takes minutes; skipped with -short")
	}
	raw, err := os.ReadFile(filepath.Join("testdata", "corpus", "cases.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cases []corpusCase
	if err := json.Unmarshal(raw, &cases); err != nil {
		t.Fatalf("cases.json: %v", err)
	}
	// TestMain's testscript.Main puts this test binary on PATH as
	// "optimizer"; started under that name it runs the CLI.
	bin, err := exec.LookPath("optimizer")
	if err != nil {
		t.Fatalf("optimizer is not on PATH (TestMain registers it with testscript.Main): %v", err)
	}
	goEnv := corpusGoEnv(t)
	if err := os.MkdirAll(exfilDir, 0o777); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(exfilDir) }) // nothing is left outside the test's temporary directories
	if err := os.Chmod(exfilDir, 0o777); err != nil {
		t.Fatal(err)
	}

	sem := make(chan struct{}, 2) // two cores
	t.Run("parallel", func(t *testing.T) {
		for _, c := range cases {
			if c.Serial {
				continue
			}
			t.Run(c.Name, func(t *testing.T) {
				t.Parallel()
				sem <- struct{}{}
				defer func() { <-sem }()
				runCorpusCase(t, bin, goEnv, c)
			})
		}
	})
	t.Run("serial", func(t *testing.T) {
		for _, c := range cases {
			if c.Serial {
				t.Run(c.Name, func(t *testing.T) { runCorpusCase(t, bin, goEnv, c) })
			}
		}
	})
}

func corpusGoEnv(t *testing.T) []string {
	keys := []string{"GOCACHE", "GOMODCACHE", "GOPATH", "GOROOT"}
	out, err := exec.Command("go", append([]string{"env"}, keys...)...).Output()
	if err != nil {
		t.Fatalf("go env: %v", err)
	}
	vals := strings.Split(strings.TrimSpace(string(out)), "\n")
	var env []string
	for i, k := range keys {
		env = append(env, k+"="+vals[i])
	}
	return env
}

// corpusSecrets are the credentials planted for one case.
type corpusSecrets struct {
	env       map[string]string // variable → value, in the optimizer's environment
	gitToken  string            // in .git/config, as actions/checkout persists it
	gitHeader string            // base64 of x-access-token:gitToken
}

func newCorpusSecrets(t *testing.T) corpusSecrets {
	gitToken := "ghs_" + randomAlnum(t, 36)
	return corpusSecrets{
		env: map[string]string{
			"GITHUB_TOKEN":           "ghp_" + randomAlnum(t, 36),
			"OPTIMIZER_GITHUB_TOKEN": "ghp_" + randomAlnum(t, 36),
			"OPENAI_API_KEY":         "sk-" + randomAlnum(t, 48),
		},
		gitToken:  gitToken,
		gitHeader: base64.StdEncoding.EncodeToString([]byte("x-access-token:" + gitToken)),
	}
}

// forms returns every string whose presence would reveal a secret: each
// value, its base64, and the header as .git/config holds it.
func (s corpusSecrets) forms() map[string]string {
	forms := map[string]string{"git extraheader": s.gitHeader, "git token": s.gitToken}
	for k, v := range s.env {
		forms[k] = v
		forms[k+" (base64)"] = base64.StdEncoding.EncodeToString([]byte(v))
	}
	forms["git token (base64)"] = base64.StdEncoding.EncodeToString([]byte(s.gitToken))
	return forms
}

func randomAlnum(t *testing.T, n int) string {
	const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, n)
	for i := range b {
		k, err := rand.Int(rand.Reader, big.NewInt(int64(len(alnum))))
		if err != nil {
			t.Fatal(err)
		}
		b[i] = alnum[k.Int64()]
	}
	return string(b)
}

func runCorpusCase(t *testing.T, bin string, goEnv []string, c corpusCase) {
	patchFile := c.Patch
	if patchFile == "" {
		patchFile = c.Name + ".patch"
	}
	patchPath, err := filepath.Abs(filepath.Join("testdata", "corpus", "cases", patchFile))
	if err != nil {
		t.Fatal(err)
	}

	// The directories must be reachable by the sandbox's unprivileged uid,
	// or it gives up dropping to it; the repository's .git is then hidden
	// by the optimizer itself, not by a parent directory of ours.
	tmp := t.TempDir()
	for _, d := range []string{filepath.Dir(tmp), tmp} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	repo := filepath.Join(tmp, "repo")
	if err := os.CopyFS(repo, os.DirFS(filepath.Join("testdata", "corpus", "modules", c.Module))); err != nil {
		t.Fatalf("copy module %s: %v", c.Module, err)
	}
	secrets := newCorpusSecrets(t)
	env := corpusEnv(goEnv, tmp)
	git := func(args ...string) {
		cmd := exec.Command("git", args...)
		cmd.Dir, cmd.Env = repo, env
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	git("init", "-q")
	git("add", "-A")
	git("commit", "-qm", "base")
	git("config", "http.https://github.com/.extraheader", "AUTHORIZATION: basic "+secrets.gitHeader)

	exfilFile := filepath.Join(exfilDir, c.Name)
	if c.Exfil {
		if err := os.Remove(exfilFile); err != nil && !errors.Is(err, fs.ErrNotExist) {
			t.Fatal(err)
		}
	}

	for k, v := range secrets.env {
		env = append(env, k+"="+v)
	}
	for k, v := range c.Env {
		env = append(env, k+"="+v)
	}
	// A candidate that runs away must not take the whole go test -timeout
	// with it: every case gets a --timeout, and the process a deadline.
	timeout := corpusTimeout
	if c.Timeout != "" {
		d, err := time.ParseDuration(c.Timeout)
		if err != nil {
			t.Fatalf("case %s: timeout: %v", c.Name, err)
		}
		timeout = d
	}
	limit := timeout + 30*time.Second
	args := []string{"validate", "--repo", repo, "--objective", c.Objective, "--timeout", timeout.String(), "--json", patchPath}

	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir, cmd.Env = repo, env
	cmd.WaitDelay = 10 * time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err = cmd.Run()
	elapsed := time.Since(start)
	status := 0
	var exit *exec.ExitError
	switch {
	case ctx.Err() != nil:
		t.Fatalf("optimizer validate did not end within %v\nstderr:\n%s", limit, stderr.Bytes())
	case errors.As(err, &exit):
		status = exit.ExitCode()
	case err != nil:
		t.Fatalf("optimizer validate: %v", err)
	}

	// No secret in what the optimizer printed, whatever the verdict.
	leaks := findSecrets(secrets, "stdout", stdout.Bytes())
	leaks = append(leaks, findSecrets(secrets, "stderr", stderr.Bytes())...)
	leaks = append(leaks, scanTree(t, secrets, tmp, filepath.Join(repo, ".git", "config"))...)

	var rep corpusReport
	if status == 0 || status == 1 {
		if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
			t.Fatalf("exit status %d, stdout is not a ValidationReport: %v\nstdout:\n%s\nstderr:\n%s", status, err, stdout.Bytes(), stderr.Bytes())
		}
	}
	t.Logf("%s: want accepted=%v rejected_by=%q; got exit %d accepted=%v rejected_by=%q in %v; levels: %s",
		c.Name, c.Accepted, c.RejectedBy, status, rep.Accepted, rep.RejectedBy, elapsed.Round(100*time.Millisecond), levelSummary(rep))

	if c.Exfil {
		leaks = append(leaks, checkExfil(t, secrets, exfilFile, rep)...)
	}
	for _, l := range leaks {
		t.Errorf("secret leaked: %s", l)
	}

	wantStatus := 1
	if c.Accepted {
		wantStatus = 0
	}
	if status != wantStatus {
		t.Fatalf("exit status %d, want %d\nstderr:\n%s", status, wantStatus, lastLines(stderr.String(), 20))
	}
	if rep.Accepted != c.Accepted || rep.RejectedBy != c.RejectedBy {
		t.Errorf("accepted=%v rejected_by=%q, want accepted=%v rejected_by=%q", rep.Accepted, rep.RejectedBy, c.Accepted, c.RejectedBy)
	}
	if c.RejectedBy != "" && rep.RejectedBy == c.RejectedBy {
		detail := ""
		for _, l := range rep.Levels {
			if l.Name == c.RejectedBy {
				detail = l.Detail
			}
		}
		for _, want := range c.Detail {
			if !strings.Contains(detail, want) {
				t.Errorf("%s detail %q does not mention %q", c.RejectedBy, detail, want)
			}
		}
	}
	if elapsed > timeout+15*time.Second {
		t.Errorf("validation took %v with --timeout %v", elapsed.Round(time.Second), timeout)
	}
}

// corpusEnv is the optimizer's environment for one case, as TestScript's:
// the shared Go caches, no module downloads, a git identity and no system
// git config, worktrees under the case's directory. Variables that would
// change the optimizer's behaviour (its own, the Actions runner's) are
// dropped from the inherited environment; TMPDIR is kept, so that the
// sandbox's build cache stays warm across cases.
func corpusEnv(goEnv []string, tmp string) []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "OPTIMIZER_") || strings.HasPrefix(name, "GITHUB_") || strings.HasPrefix(name, "INPUT_") ||
			strings.HasPrefix(name, "RUNNER_") || strings.HasPrefix(name, "GO") || strings.HasPrefix(name, "GIT_") ||
			name == "HOME" || name == "CI" || name == "OPENAI_API_KEY" || name == "ANTHROPIC_API_KEY" {
			continue
		}
		env = append(env, kv)
	}
	env = append(env, goEnv...)
	return append(env,
		"GOPROXY=off",
		"GOFLAGS=-mod=mod",
		"HOME="+filepath.Join(tmp, "home"),
		"GIT_AUTHOR_NAME=test",
		"GIT_AUTHOR_EMAIL=test@example.invalid",
		"GIT_COMMITTER_NAME=test",
		"GIT_COMMITTER_EMAIL=test@example.invalid",
		"GIT_CONFIG_NOSYSTEM=1",
		"OPTIMIZER_WORKTREE_BASE="+filepath.Join(tmp, "worktrees"),
	)
}

// findSecrets names each planted secret, in any form, found in data.
func findSecrets(s corpusSecrets, where string, data []byte) []string {
	var found []string
	for name, v := range s.forms() {
		if bytes.Contains(data, []byte(v)) {
			found = append(found, name+" in "+where)
		}
	}
	return found
}

// scanTree looks for the secrets in every file under dir but skip: what the
// optimizer and the candidate left behind.
func scanTree(t *testing.T, s corpusSecrets, dir, skip string) []string {
	var found []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() || path == skip {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return nil
		}
		found = append(found, findSecrets(s, path, data)...)
		return nil
	})
	if err != nil {
		t.Errorf("scan %s: %v", dir, err)
	}
	return found
}

// checkExfil reads what a hostile candidate wrote and returns the secrets
// in it. The candidate writes sections "--8<-- SOURCE" followed by what it
// read there. As root the sandbox runs candidates as an unprivileged uid
// and hides .git, so nothing may leak from any source; otherwise only the
// environment is scrubbed (docs/validation.md), and /proc and .git/config are out of
// the optimizer's reach, so only the os.Environ section is checked.
func checkExfil(t *testing.T, s corpusSecrets, file string, rep corpusReport) []string {
	for _, tr := range rep.Tests {
		t.Logf("test %s: %s", tr.Test, tr.Status)
	}
	data, err := os.ReadFile(file)
	if errors.Is(err, fs.ErrNotExist) {
		t.Logf("the candidate wrote nothing to %s (it did not run, or could not write there)", file)
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("the candidate wrote %d bytes to %s; isolation: uid %s, git metadata %s, notes %q",
		len(data), file, rep.Isolation.UID, rep.Isolation.GitMetadata, rep.Isolation.Notes)
	if os.Geteuid() == 0 {
		return findSecrets(s, file, data)
	}
	t.Logf("not root: only the candidate's os.Environ is checked (/proc and .git/config need the sandbox's uid drop)")
	env := data
	if _, after, ok := bytes.Cut(data, []byte("--8<-- os.Environ\n")); ok {
		env, _, _ = bytes.Cut(after, []byte("\n--8<-- "))
	}
	return findSecrets(s, file+" (os.Environ)", env)
}

func levelSummary(rep corpusReport) string {
	var parts []string
	for _, l := range rep.Levels {
		s := l.Name + "=" + l.Status
		if l.Status == "fail" {
			s += " (" + l.Detail + ")"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, " ")
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
