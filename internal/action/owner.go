package action

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// HandOver gives what the step wrote under dir to the owner of the
// workspace: GitHub runs a Docker action as root on a workspace that
// belongs to the runner's user, and the steps after it (`optimizer apply`,
// which records its history in the output directory) run as that user.
// It changes nothing unless the process is root, the workspace belongs to
// someone else, and dir is inside the workspace. It returns how many paths
// it changed.
func HandOver(dir, workspace string) (int, error) {
	if os.Geteuid() != 0 || dir == "" || workspace == "" {
		return 0, nil
	}
	st, err := os.Stat(workspace)
	if err != nil {
		return 0, err
	}
	owner, ok := st.Sys().(*syscall.Stat_t)
	if !ok || owner.Uid == 0 {
		return 0, nil
	}
	absDir, err1 := filepath.Abs(dir)
	absWS, err2 := filepath.Abs(workspace)
	if err1 != nil || err2 != nil {
		return 0, nil
	}
	if rel, err := filepath.Rel(absWS, absDir); err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return 0, nil // not the workspace's
	}
	n := 0
	err = filepath.WalkDir(absDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := os.Lchown(p, int(owner.Uid), int(owner.Gid)); err != nil {
			return err
		}
		n++
		return nil
	})
	if os.IsNotExist(err) {
		return n, nil
	}
	return n, err
}
