package gitx

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSnapshotCommitsChangesAndKeepsTheWorktree(t *testing.T) {
	ctx := context.Background()
	r := newRepo(t, map[string]string{"a.txt": "a\n", "b.txt": "b\n"})
	head, err := r.Resolve(ctx, "HEAD")
	if err != nil {
		t.Fatal(err)
	}
	ws := &Worktrees{Repo: r, Base: t.TempDir()}
	defer ws.RemoveAll(ctx)
	wt, err := ws.Add(ctx, "1", head)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(wt.Dir, "a.txt"), []byte("A\n"), 0o644)
	os.WriteFile(filepath.Join(wt.Dir, "new_test.go"), []byte("package x\n"), 0o644)
	os.Remove(filepath.Join(wt.Dir, "b.txt"))

	snap, err := wt.Snapshot(ctx, "tests")
	if err != nil {
		t.Fatal(err)
	}
	if parent, _ := r.Git(ctx, "rev-parse", snap+"^"); strings.TrimSpace(parent) != head {
		t.Errorf("snapshot's parent = %s, want %s", parent, head)
	}
	files, _ := r.Git(ctx, "ls-tree", "--name-only", snap)
	if got := strings.Fields(files); strings.Join(got, " ") != "a.txt new_test.go" {
		t.Errorf("snapshot holds %v, want [a.txt new_test.go]", got)
	}
	if a, _ := r.Git(ctx, "show", snap+":a.txt"); a != "A\n" {
		t.Errorf("a.txt in snapshot = %q", a)
	}
	// The worktree still has the changes, and Reset still goes back to head.
	if b, _ := os.ReadFile(filepath.Join(wt.Dir, "a.txt")); string(b) != "A\n" {
		t.Errorf("worktree a.txt = %q after Snapshot, want the change kept", b)
	}
	if err := wt.Reset(ctx); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(wt.Dir, "b.txt")); string(b) != "b\n" {
		t.Errorf("b.txt after Reset = %q, want it restored", b)
	}
	// A worktree at the snapshot sees the snapshot's files.
	at, err := ws.Add(ctx, "2", snap)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(at.Dir, "new_test.go")); err != nil {
		t.Errorf("worktree at the snapshot lacks new_test.go: %v", err)
	}
}
