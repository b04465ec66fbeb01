package patch

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// git runs git in dir with a fixed identity and no user or system
// configuration, and returns its standard output.
func git(t *testing.T, dir string, args ...string) string {
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

// newRepo makes a git repository in a temporary directory with files
// (path → content; a path ending in "@" makes a symlink to the content)
// committed, and returns its root.
func newRepo(t *testing.T, files map[string]string) string {
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
	git(t, dir, "init", "--quiet", "--initial-branch=main")
	writeFiles(t, dir, files)
	git(t, dir, "add", "--all")
	git(t, dir, "commit", "--quiet", "-m", "initial")
	return dir
}

// writeFiles writes files under dir; see newRepo. Content "" removes a file.
func writeFiles(t *testing.T, dir string, files map[string]string) {
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

// makePatch makes the edits in the repository at dir, returns the forward
// and reverse patch of them as the pipeline makes them (staged, so that
// their blobs are in the object store for 3-way merges), and resets the
// work tree to HEAD.
func makePatch(t *testing.T, dir string, edit func()) (forward, reverse []byte) {
	t.Helper()
	edit()
	git(t, dir, "add", "--all")
	args := []string{"diff", "--cached", "--no-color", "--no-renames", "--binary", "--src-prefix=a/", "--dst-prefix=b/"}
	forward = []byte(git(t, dir, append(args, "HEAD")...))
	reverse = []byte(git(t, dir, append(args, "-R", "HEAD")...))
	git(t, dir, "reset", "--quiet", "--hard", "HEAD")
	if len(forward) == 0 {
		t.Fatal("makePatch: the edit changed nothing")
	}
	return forward, reverse
}

// snapshotTree returns every file of the work tree (outside .git) with its
// content and executable bit, and `git status --porcelain`, to compare trees byte for
// byte.
func snapshotTree(t *testing.T, dir string) map[string]string {
	t.Helper()
	tree := map[string]string{"<status>": git(t, dir, "status", "--porcelain", "--untracked-files=all")}
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		if d.IsDir() {
			if rel == ".git" {
				return filepath.SkipDir
			}
			if rel != "." {
				tree[rel+"/"] = "dir"
			}
			return nil
		}
		info, err := os.Lstat(path)
		if err != nil {
			return err
		}
		if info.Mode()&os.ModeSymlink != 0 {
			target, err := os.Readlink(path)
			tree[rel] = "symlink " + target
			return err
		}
		// Only the executable bit: git records nothing else, and the
		// rest depends on the umask.
		perm := "-rw"
		if info.Mode()&0o100 != 0 {
			perm = "-rwx"
		}
		data, err := os.ReadFile(path)
		tree[rel] = perm + " " + string(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return tree
}
