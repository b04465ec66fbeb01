package patch

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/agentic-optimizer/optimizer/internal/diff"
	"github.com/agentic-optimizer/optimizer/internal/gitx"
)

// ErrAlreadyApplied is wrapped by Apply when the work tree already holds
// the patch's change, and ErrNotApplied by Rollback when it does not hold
// it: nothing was changed, and nothing recorded.
var (
	ErrAlreadyApplied = errors.New("already applied")
	ErrNotApplied     = errors.New("not applied")
)

// Apply finds the patch that ref names, verifies it against its CIDs, and
// applies it to the work tree of the git repository that holds repoRoot.
// When it no longer applies as it is (the base moved), a 3-way merge is
// tried, which, as `git apply --3way` does, also stages the result. Either
// the whole patch applies or the work tree and index are left as they were;
// then the error wraps gitx.ErrPatchDoesNotApply, or ErrAlreadyApplied
// when the files already hold the change. An "applied" event is recorded.
func (d Dir) Apply(ctx context.Context, repoRoot, ref string) (Meta, error) {
	return d.apply(ctx, repoRoot, ref, false)
}

// Rollback is Apply with the reverse patch; it records "rolled_back". It
// wraps ErrNotApplied when the files do not hold the patch's change (it
// was never applied, or was rolled back already).
func (d Dir) Rollback(ctx context.Context, repoRoot, ref string) (Meta, error) {
	return d.apply(ctx, repoRoot, ref, true)
}

func (d Dir) apply(ctx context.Context, repoRoot, ref string, rollback bool) (Meta, error) {
	op, action := "apply", ActionApplied
	if rollback {
		op, action = "rollback", ActionRolledBack
	}
	m, err := d.Find(ref)
	if err != nil {
		return Meta{}, err
	}
	forward, reverse, err := d.Load(m)
	if err != nil {
		return Meta{}, err
	}
	p, cid, undo, done := forward, m.CID, reverse, ErrAlreadyApplied
	if rollback {
		p, cid, undo, done = reverse, m.ReverseCID, forward, ErrNotApplied
	}
	repo, err := gitx.Open(ctx, repoRoot)
	if err != nil {
		return Meta{}, fmt.Errorf("patch: %s %s: %w", op, m.ID, err)
	}
	// A patch that does not apply while its opposite does is already in
	// the state asked for: a 3-way merge would "succeed" by changing
	// nothing, and the history would record what did not happen.
	if gitx.ApplyCheck(ctx, repo.Root, p, gitx.ApplyOptions{}) != nil && gitx.ApplyCheck(ctx, repo.Root, undo, gitx.ApplyOptions{}) == nil {
		hint := "roll it back first with `optimizer rollback " + m.ID + "` to apply it again"
		if rollback {
			hint = "it was never applied, or was rolled back already"
		}
		return m, fmt.Errorf("patch: %s %s: %w: the files already hold what it would make of them; nothing was changed (%s)", op, m.ID, done, hint)
	}
	if err := applyToWorkTree(ctx, repo, p); err != nil {
		return Meta{}, fmt.Errorf("patch: %s %s to %s: %w", op, m.ID, repo.Root, err)
	}
	head, _ := repo.Resolve(ctx, "HEAD") // empty in a repository without commits
	ev := Event{Time: time.Now().UTC(), Action: action, ID: m.ID, CID: cid, Commit: head}
	if err := d.record(ev, false); err != nil {
		return m, fmt.Errorf("patch: %s %s: the patch was applied, but %w", op, m.ID, err)
	}
	return m, nil
}

// applyToWorkTree applies p at the root of repo, with a 3-way merge when it
// does not apply as it is. A failed 3-way merge leaves conflict markers
// behind, so the files and index entries it touches are saved first and
// put back when it fails.
func applyToWorkTree(ctx context.Context, repo *gitx.Repo, p []byte) error {
	err := gitx.Apply(ctx, repo.Root, p, gitx.ApplyOptions{})
	if err == nil || !errors.Is(err, gitx.ErrPatchDoesNotApply) {
		return err
	}
	files, perr := diff.Parse(p)
	if perr != nil {
		return errors.Join(err, perr)
	}
	snap, serr := takeSnapshot(ctx, repo, diff.Touched(files))
	if serr != nil {
		return fmt.Errorf("%w (no 3-way merge tried: %v)", err, serr)
	}
	err3 := gitx.Apply(ctx, repo.Root, p, gitx.ApplyOptions{ThreeWay: true})
	if err3 == nil {
		return nil
	}
	// Put things back even when ctx is what stopped the merge.
	if rerr := snap.restore(context.WithoutCancel(ctx)); rerr != nil {
		return fmt.Errorf("it does not apply, the 3-way merge failed (%v), and restoring the files failed: %v (check `git status` and `git diff`, and restore the files the patch touches): %w",
			err3, rerr, gitx.ErrPatchDoesNotApply)
	}
	return fmt.Errorf("it does not apply to the current files, not even with a 3-way merge; nothing was changed (the code changed too much since the patch was made: run the optimizer again on the current code, or commit or stash local edits to the files it touches): %w", err3)
}
