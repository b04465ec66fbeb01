package validate

import "context"

// Release removes the Baseline's worktree, if it made one. A Baseline for
// a commit the run no longer needs (a staged step of a method) is released
// when the step ends; the run's own Baseline goes with Worktrees.RemoveAll.
// The Baseline must not be used afterwards.
func (b *Baseline) Release(ctx context.Context) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.wt == nil {
		return nil
	}
	err := b.Worktrees.Remove(ctx, b.wt)
	b.wt = nil
	return err
}
