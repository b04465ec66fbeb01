// Package gittest makes git repositories for tests: a fixed identity, no
// user or system configuration, files committed in one call.
package gittest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Git runs git in dir with a fixed identity and no user or system
// configuration, and returns its standard output.
func Git(t testing.TB, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(),
		"GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1",
		"GIT_AUTHOR_NAME=Test", "GIT_AUTHOR_EMAIL=test@example.com",
		"GIT_COMMITTER_NAME=Test", "GIT_COMMITTER_EMAIL=test@example.com",
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

// NewRepo makes a git repository in a temporary directory with files
// (path → content; a path ending in "@" makes a symlink to the content)
// committed, and returns its root.
func NewRepo(t testing.TB, files map[string]string) string {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	dir := t.TempDir()
	// Resolve symlinks (macOS /var → /private/var) so paths compare equal
	// to gitx's Root.
	dir, err := filepath.EvalSymlinks(dir)
	if err != nil {
		t.Fatal(err)
	}
	Git(t, dir, "init", "--quiet", "--initial-branch=main")
	WriteFiles(t, dir, files)
	Git(t, dir, "add", "--all")
	Git(t, dir, "commit", "--quiet", "-m", "initial")
	return dir
}

// WriteFiles writes files under dir; see NewRepo. Content "" removes a file.
func WriteFiles(t testing.TB, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		if target, ok := strings.CutSuffix(name, "@"); ok {
			p := filepath.Join(dir, target)
			os.Remove(p)
			if err := os.Symlink(content, p); err != nil {
				t.Fatal(err)
			}
			continue
		}
		p := filepath.Join(dir, name)
		if content == "" {
			if err := os.Remove(p); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// Patch makes the edits in the repository at dir and returns the forward
// and reverse patch of them as the pipeline makes them (staged, so that
// their blobs are in the object store for 3-way merges), then resets the
// work tree to HEAD.
func Patch(t testing.TB, dir string, edit func()) (forward, reverse []byte) {
	t.Helper()
	edit()
	Git(t, dir, "add", "--all")
	args := []string{"diff", "--cached", "--no-color", "--no-renames", "--binary", "--src-prefix=a/", "--dst-prefix=b/"}
	forward = []byte(Git(t, dir, append(args, "HEAD")...))
	reverse = []byte(Git(t, dir, append(args, "-R", "HEAD")...))
	Git(t, dir, "reset", "--quiet", "--hard", "HEAD")
	if len(forward) == 0 {
		t.Fatal("gittest.Patch: the edit changed nothing")
	}
	return forward, reverse
}
