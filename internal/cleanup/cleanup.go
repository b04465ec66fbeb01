// Package cleanup holds what the process must undo even when it is told to
// quit at once: a second interrupt does not wait for the run to wind down,
// but the repository's git directory gets its mode back, the worktrees go
// and the sandbox's processes die, within a bounded time.
//
// It is process-wide state by necessity: the signal arrives in main, and
// what needs undoing is made deep inside a run.
package cleanup

import (
	"context"
	"sync"
	"time"
)

var (
	mu   sync.Mutex
	next int
	fns  = map[int]func(context.Context){}
)

// Register adds f to what Run calls, until the returned function is called.
func Register(f func(ctx context.Context)) (unregister func()) {
	mu.Lock()
	defer mu.Unlock()
	next++
	id := next
	fns[id] = f
	return func() {
		mu.Lock()
		delete(fns, id)
		mu.Unlock()
	}
}

// Run calls every registered function at once, with a context that ends
// after timeout, and returns when they are done or the time is up,
// whichever comes first. It reports whether everything finished.
func Run(timeout time.Duration) bool {
	mu.Lock()
	list := make([]func(context.Context), 0, len(fns))
	for _, f := range fns {
		list = append(list, f)
	}
	mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var wg sync.WaitGroup
	for _, f := range list {
		wg.Go(func() { f(ctx) })
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
		return true
	case <-ctx.Done():
		return false
	}
}
