package action

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestHandOver: as root, what the step wrote in the workspace goes to the
// workspace's owner, nothing outside it does, and a non-root process
// changes nothing.
func TestHandOver(t *testing.T) {
	if os.Geteuid() != 0 {
		n, err := HandOver(t.TempDir(), t.TempDir())
		if n != 0 || err != nil {
			t.Fatalf("a non-root process changed %d paths (%v)", n, err)
		}
		t.Skip("the rest needs root")
	}
	const uid, gid = 1001, 121 // the runner's user on GitHub-hosted runners
	ws := t.TempDir()
	if err := os.Chown(ws, uid, gid); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(ws, ".optimizer")
	for _, p := range []string{"patches/a.patch", "store/b.car", "report.json"} {
		os.MkdirAll(filepath.Dir(filepath.Join(out, p)), 0o755)
		if err := os.WriteFile(filepath.Join(out, p), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink("/etc/passwd", filepath.Join(out, "link")); err != nil {
		t.Fatal(err)
	}
	elsewhere := t.TempDir()
	if n, err := HandOver(elsewhere, ws); n != 0 || err != nil {
		t.Errorf("a directory outside the workspace: %d paths changed (%v)", n, err)
	}
	n, err := HandOver(out, ws)
	if err != nil || n != 7 {
		t.Fatalf("HandOver = %d, %v; want the 7 paths of the output directory", n, err)
	}
	filepath.WalkDir(out, func(p string, d os.DirEntry, err error) error {
		fi, _ := os.Lstat(p)
		if st := fi.Sys().(*syscall.Stat_t); st.Uid != uid || st.Gid != gid {
			t.Errorf("%s belongs to %d:%d, want %d:%d", p, st.Uid, st.Gid, uid, gid)
		}
		return nil
	})
	if fi, _ := os.Stat("/etc/passwd"); fi.Sys().(*syscall.Stat_t).Uid != 0 {
		t.Fatal("the symlink's target changed owner")
	}
}
