package patch

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/agentic-optimizer/optimizer/internal/gitx/gittest"
)

// snapshotTree returns every file of the work tree (outside .git) with its
// content and executable bit, and `git status --porcelain`, to compare trees byte for
// byte.
func snapshotTree(t *testing.T, dir string) map[string]string {
	t.Helper()
	tree := map[string]string{"<status>": gittest.Git(t, dir, "status", "--porcelain", "--untracked-files=all")}
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
