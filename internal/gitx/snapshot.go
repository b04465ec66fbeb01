package gitx

import (
	"context"
	"fmt"
	"strings"
)

// Snapshot records the worktree's current files (new files included) as a
// commit whose parent is the worktree's commit, and returns its hash. The
// worktree itself is left as it was: its files stay changed and Reset still
// returns it to its own commit. No branch or ref points at the snapshot; it
// lives in the object store as long as something uses it (git keeps
// unreachable objects for weeks before pruning them).
//
// Snapshot writes the tree and commit with plumbing commands, so the
// repository's hooks, signing configuration and identity play no part.
func (w *Worktree) Snapshot(ctx context.Context, message string) (string, error) {
	if _, err := w.Git(ctx, "add", "--all"); err != nil {
		return "", fmt.Errorf("git: snapshot %s: %w", w.Dir, err)
	}
	tree, err := w.Git(ctx, "write-tree")
	if err != nil {
		return "", fmt.Errorf("git: snapshot %s: %w", w.Dir, err)
	}
	commit, err := w.Git(ctx,
		"-c", "user.name=optimizer", "-c", "user.email=optimizer@localhost",
		"commit-tree", strings.TrimSpace(tree), "-p", w.Commit, "-m", message)
	if err != nil {
		return "", fmt.Errorf("git: snapshot %s: %w", w.Dir, err)
	}
	return strings.TrimSpace(commit), nil
}
