package diff

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/agentic-optimizer/optimizer/internal/gitx/gittest"
)

// TestReverses: git's reverse of a change undoes it, whatever the context; the change itself,
// the reverse of another change or a malformed patch does not.
func TestReverses(t *testing.T) {
	dir := gittest.NewRepo(t, map[string]string{
		"sub/keep.go": "package sub\n\nfunc F() int { return 1 }\n",
		"old.txt":     "to be deleted\n",
		"run.sh":      "#!/bin/sh\necho hi\n",
		"data.bin":    "\x00\x01\x02",
	})
	edit := func() {
		gittest.WriteFiles(t, dir, map[string]string{
			"sub/keep.go":   "package sub\n\nfunc F() int { return 2 }\n",
			"old.txt":       "",
			"newdir/new.go": "package newdir\n",
			"data.bin":      "\x00\x01\x03\x04",
		})
		if err := os.Chmod(filepath.Join(dir, "run.sh"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	forward, reverse := gittest.Patch(t, dir, edit)
	edit()
	gittest.Git(t, dir, "add", "--all")
	reverseU0 := []byte(gittest.Git(t, dir, "diff", "--cached", "--no-renames", "--binary", "-U0", "-R", "HEAD"))
	gittest.Git(t, dir, "reset", "--quiet", "--hard", "HEAD")
	other, otherReverse := gittest.Patch(t, dir, func() {
		gittest.WriteFiles(t, dir, map[string]string{"sub/keep.go": "package sub\n\nfunc F() int { return 3 }\n"})
	})
	for _, tt := range []struct {
		name             string
		forward, reverse []byte
		want             bool
	}{
		{"git's reverse", forward, reverse, true},
		{"git's reverse without context", forward, reverseU0, true},
		{"another change's reverse", other, reverse, false},
		{"a reverse of part of it", forward, otherReverse, false},
		{"the change itself", forward, forward, false},
		{"not a patch", forward, []byte("hello"), false},
	} {
		if got := Reverses(tt.forward, tt.reverse); got != tt.want {
			t.Errorf("%s: Reverses = %v, want %v", tt.name, got, tt.want)
		}
	}
}
