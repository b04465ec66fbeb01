package gitx

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/agentic-optimizer/optimizer/internal/gitx/gittest"
)

// newRepo makes a git repository with one commit holding files.
func newRepo(t *testing.T, files map[string]string) *Repo {
	t.Helper()
	r, err := Open(context.Background(), gittest.NewRepo(t, files))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestOpenRefusesNonRepository(t *testing.T) {
	_, err := Open(context.Background(), t.TempDir())
	if !errors.Is(err, ErrNotRepo) {
		t.Fatalf("Open(non-repo) = %v, want ErrNotRepo", err)
	}
	if _, err := Open(context.Background(), filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Fatal("Open(missing dir) succeeded")
	}
}

func TestOpenFindsRootFromSubdirectory(t *testing.T) {
	r := newRepo(t, map[string]string{"a/b/c.txt": "c\n"})
	sub, err := Open(context.Background(), filepath.Join(r.Root, "a", "b"))
	if err != nil {
		t.Fatal(err)
	}
	if sub.Root != r.Root {
		t.Fatalf("Root = %s, want %s", sub.Root, r.Root)
	}
}

func TestChangedFilesSinceMergeBase(t *testing.T) {
	ctx := context.Background()
	r := newRepo(t, map[string]string{"a.go": "package a\n", "b.go": "package a\n", "gone.go": "package a\n"})
	base, err := r.Resolve(ctx, "HEAD")
	if err != nil {
		t.Fatal(err)
	}
	gittest.WriteFiles(t, r.Root, map[string]string{"a.go": "package a // changed\n"})
	gittest.WriteFiles(t, r.Root, map[string]string{"new/n.go": "package n\n"})
	os.Remove(filepath.Join(r.Root, "gone.go"))
	gittest.Git(t, r.Root, "add", "-A")
	gittest.Git(t, r.Root, "commit", "-qm", "change")
	got, err := r.ChangedFiles(ctx, base, "HEAD")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"a.go", "new/n.go"}; !slices.Equal(got, want) {
		t.Fatalf("ChangedFiles = %v, want %v (deleted files left out)", got, want)
	}
	if _, err := r.Resolve(ctx, "no-such-branch"); err == nil || !strings.Contains(err.Error(), "does not name a commit") {
		t.Fatalf("Resolve(unknown) = %v", err)
	}
}

func TestWorktreeDiffApplyAndRemove(t *testing.T) {
	ctx := context.Background()
	r := newRepo(t, map[string]string{"f.txt": "one\ntwo\n", "old.txt": "old\n"})
	head, _ := r.Resolve(ctx, "HEAD")
	ws := &Worktrees{Repo: r, Base: filepath.Join(t.TempDir(), "wt")}
	w, err := ws.Add(ctx, "7", head)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(filepath.Base(w.Dir), "agent-7-") {
		t.Fatalf("worktree %s is not named agent-<id>-<timestamp>", w.Dir)
	}
	gittest.WriteFiles(t, w.Dir, map[string]string{"f.txt": "one\nTWO\n"})
	gittest.WriteFiles(t, w.Dir, map[string]string{"added.txt": "new\n"})
	os.Remove(filepath.Join(w.Dir, "old.txt"))
	forward, err := w.Diff(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	reverse, err := w.Diff(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"diff --git a/f.txt b/f.txt", "+TWO", "new file mode", "+++ b/added.txt", "deleted file mode"} {
		if !strings.Contains(string(forward), want) {
			t.Errorf("forward diff lacks %q:\n%s", want, forward)
		}
	}
	if err := w.Reset(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(w.Dir, "added.txt")); !os.IsNotExist(err) {
		t.Fatal("Reset left an untracked file")
	}
	// The user's tree takes the patch and its reverse and ends as it began.
	if err := Apply(ctx, r.Root, forward, ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(filepath.Join(r.Root, "f.txt")); string(got) != "one\nTWO\n" {
		t.Fatalf("after apply f.txt = %q", got)
	}
	if err := Apply(ctx, r.Root, forward, ApplyOptions{}); !errors.Is(err, ErrPatchDoesNotApply) {
		t.Fatalf("applying twice = %v, want ErrPatchDoesNotApply", err)
	}
	if err := Apply(ctx, r.Root, reverse, ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	if st := gittest.Git(t, r.Root, "status", "--porcelain"); st != "" {
		t.Fatalf("after apply and reverse, status = %q", st)
	}

	if err := ws.RemoveAll(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(w.Dir); !os.IsNotExist(err) {
		t.Fatal("worktree directory still exists")
	}
	if list, err := r.List(ctx); err != nil || len(list) != 0 {
		t.Fatalf("worktrees after RemoveAll = %v, %v", list, err)
	}
	if err := w.Remove(ctx); err != nil {
		t.Fatalf("second Remove = %v", err)
	}
}

func TestRemoveAllRunsAfterCancel(t *testing.T) {
	r := newRepo(t, map[string]string{"f.txt": "f\n"})
	ctx, cancel := context.WithCancel(context.Background())
	ws := &Worktrees{Repo: r, Base: t.TempDir()}
	head, _ := r.Resolve(ctx, "HEAD")
	for _, id := range []string{"1", "2"} {
		if _, err := ws.Add(ctx, id, head); err != nil {
			t.Fatal(err)
		}
	}
	cancel()
	if err := ws.RemoveAll(ctx); err != nil {
		t.Fatal(err)
	}
	if list, _ := r.List(context.Background()); len(list) != 0 {
		t.Fatalf("worktrees left after a cancelled run: %v", list)
	}
}
