package gitx

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/agentic-optimizer/optimizer/internal/cleanup"
)

// Worktree is a detached git worktree made for one agent. It shares the
// repository's objects but has its own files and index, so candidates can be
// applied, built and tested without touching the user's checkout.
type Worktree struct {
	// Dir is the absolute path of the worktree.
	Dir string
	// Commit is the commit the worktree was created at; Reset returns to it.
	Commit string

	repo *Repo
	once sync.Once
	err  error
}

// Worktrees creates worktrees under one base directory and remembers those
// not yet removed, so that an interrupted run can remove them all.
type Worktrees struct {
	Repo *Repo
	// Base is the directory that holds the worktrees.
	Base string

	mu         sync.Mutex
	live       map[*Worktree]bool
	unregister func()
}

// Add creates a worktree named agent-<agent>-<timestamp> at commit.
func (ws *Worktrees) Add(ctx context.Context, agent, commit string) (*Worktree, error) {
	if err := os.MkdirAll(ws.Base, 0o755); err != nil {
		return nil, fmt.Errorf("git: worktree base %s: %w (set worktree_base to a writable directory)", ws.Base, err)
	}
	base, err := filepath.Abs(ws.Base)
	if err != nil {
		return nil, fmt.Errorf("git: worktree base %s: %w", ws.Base, err)
	}
	dir := filepath.Join(base, fmt.Sprintf("agent-%s-%d", agent, time.Now().UnixNano()))
	if _, err := ws.Repo.Git(ctx, "worktree", "add", "--detach", "--quiet", dir, commit); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("git: add worktree %s: %w", dir, err)
	}
	w := &Worktree{Dir: dir, Commit: commit, repo: ws.Repo}
	ws.mu.Lock()
	if ws.live == nil {
		ws.live = make(map[*Worktree]bool)
	}
	if ws.unregister == nil {
		// A second interrupt quits at once: the worktrees must go even then.
		ws.unregister = cleanup.Register(func(ctx context.Context) { ws.RemoveAll(ctx) })
	}
	ws.live[w] = true
	ws.mu.Unlock()
	return w, nil
}

// Remove removes w and forgets it.
func (ws *Worktrees) Remove(ctx context.Context, w *Worktree) error {
	ws.mu.Lock()
	delete(ws.live, w)
	ws.mu.Unlock()
	return w.Remove(ctx)
}

// RemoveAll removes every worktree that Add created and Remove did not
// remove yet. It runs even when ctx is already cancelled: cleanup after an
// interrupt is exactly when it matters.
func (ws *Worktrees) RemoveAll(ctx context.Context) error {
	ws.mu.Lock()
	live := ws.live
	ws.live = nil
	if ws.unregister != nil {
		ws.unregister()
		ws.unregister = nil
	}
	ws.mu.Unlock()
	var first error
	for w := range live {
		if err := w.Remove(ctx); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// Remove deletes the worktree's files and its administrative entry. It is
// safe to call more than once.
func (w *Worktree) Remove(ctx context.Context) error {
	w.once.Do(func() {
		ctx := context.WithoutCancel(ctx)
		// "worktree remove" may fail half way (a file in use, a dirty
		// submodule); what matters is that the files and the entry go.
		w.repo.Git(ctx, "worktree", "remove", "--force", "--force", w.Dir)
		err := os.RemoveAll(w.Dir)
		if _, pruneErr := w.repo.Git(ctx, "worktree", "prune"); pruneErr != nil && err == nil {
			err = pruneErr
		}
		if err != nil {
			w.err = fmt.Errorf("git: remove worktree %s: %w", w.Dir, err)
		}
	})
	return w.err
}

// Git runs git inside the worktree.
func (w *Worktree) Git(ctx context.Context, args ...string) (string, error) {
	return run(ctx, w.Dir, nil, args...)
}

// Reset returns the worktree to its commit: tracked files restored,
// untracked and ignored files removed.
func (w *Worktree) Reset(ctx context.Context) error {
	if _, err := w.Git(ctx, "reset", "--quiet", "--hard", w.Commit); err != nil {
		return fmt.Errorf("git: reset worktree %s: %w", w.Dir, err)
	}
	if _, err := w.Git(ctx, "clean", "-fdxq"); err != nil {
		return fmt.Errorf("git: clean worktree %s: %w", w.Dir, err)
	}
	return nil
}

// Diff returns the worktree's changes against its commit as a git-style
// unified diff (a/ and b/ prefixes, paths relative to the repository root),
// new files included. With reverse it returns the diff that undoes them.
func (w *Worktree) Diff(ctx context.Context, reverse bool) ([]byte, error) {
	if _, err := w.Git(ctx, "add", "--all"); err != nil {
		return nil, fmt.Errorf("git: diff worktree %s: %w", w.Dir, err)
	}
	args := []string{
		"-c", "diff.noprefix=false", "-c", "diff.mnemonicPrefix=false", "-c", "core.quotePath=false",
		"diff", "--cached", "--no-color", "--no-ext-diff", "--no-renames", "--binary",
		"--src-prefix=a/", "--dst-prefix=b/",
	}
	if reverse {
		args = append(args, "-R")
	}
	out, err := w.Git(ctx, append(args, w.Commit)...)
	if err != nil {
		return nil, fmt.Errorf("git: diff worktree %s: %w", w.Dir, err)
	}
	return []byte(out), nil
}

// List returns the paths of the repository's worktrees other than the main
// one (what `git worktree list` shows), for checks and cleanup.
func (r *Repo) List(ctx context.Context) ([]string, error) {
	out, err := r.Git(ctx, "worktree", "list", "--porcelain")
	if err != nil {
		return nil, fmt.Errorf("git: list worktrees: %w", err)
	}
	var dirs []string
	for _, line := range strings.Split(out, "\n") {
		if dir, ok := strings.CutPrefix(line, "worktree "); ok && dir != r.Root {
			dirs = append(dirs, dir)
		}
	}
	return dirs, nil
}
