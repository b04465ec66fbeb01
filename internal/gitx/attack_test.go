package gitx

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestAttackGitRunsNothingPlanted plays code that planted commands for git
// (class 1 and 2 of the sandbox's attacks): an fsmonitor and hooks in the
// repository's config and in the global one, and a token in the
// environment. The optimizer's git runs none of them and passes no
// credential on.
func TestAttackGitRunsNothingPlanted(t *testing.T) {
	r := newRepo(t, map[string]string{"a.go": "package a\n"})
	marks := t.TempDir()
	mark := func(name string) string { return filepath.Join(marks, name) }
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", home)
	t.Setenv("GITHUB_TOKEN", "ghp_plantedplantedplantedplantedplanted")
	t.Setenv("GIT_CONFIG_PARAMETERS", "'core.fsmonitor'='touch "+mark("params")+"'")
	global := "[core]\n\tfsmonitor = touch " + mark("global") + "\n\thooksPath = " + filepath.Join(home, "hooks") + "\n"
	if err := os.WriteFile(filepath.Join(home, ".gitconfig"), []byte(global), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := os.OpenFile(filepath.Join(r.Root, ".git", "config"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	cfg.WriteString("[core]\n\tfsmonitor = touch " + mark("repo") + "\n")
	cfg.Close()
	for _, dir := range []string{filepath.Join(home, "hooks"), filepath.Join(r.Root, ".git", "hooks")} {
		os.MkdirAll(dir, 0o755)
		for _, hook := range []string{"post-checkout", "reference-transaction", "post-index-change"} {
			script := "#!/bin/sh\nenv > " + mark(hook+"-"+filepath.Base(filepath.Dir(dir))) + "\n"
			if err := os.WriteFile(filepath.Join(dir, hook), []byte(script), 0o755); err != nil {
				t.Fatal(err)
			}
		}
	}
	ctx := context.Background()
	head, err := r.Resolve(ctx, "HEAD")
	if err != nil {
		t.Fatal(err)
	}
	ws := &Worktrees{Repo: r, Base: t.TempDir()}
	wt, err := ws.Add(ctx, "a", head)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(wt.Dir, "b.go"), []byte("package a\n"), 0o644)
	if _, err := wt.Diff(ctx, false); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Git(ctx, "status"); err != nil {
		t.Fatal(err)
	}
	if err := wt.Reset(ctx); err != nil {
		t.Fatal(err)
	}
	if err := ws.RemoveAll(ctx); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(marks)
	for _, e := range entries {
		t.Errorf("git ran a planted command: %s", e.Name())
	}
	for _, kv := range Env() {
		if strings.HasPrefix(kv, "GITHUB_TOKEN=") || strings.HasPrefix(kv, "GIT_CONFIG_PARAMETERS=") {
			t.Errorf("git's environment holds %s", kv)
		}
	}
}
