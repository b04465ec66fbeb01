package validate

import (
	"context"
	"sync"
)

// memo computes a value once per key. Callers of a key being computed
// wait for that computation; callers of other keys do not: the base's
// test run for one package set never holds up another's, nor its
// warm-up or its vet. A computation that fails is not kept: the next
// caller tries again, so an interrupted run is no answer for a later one.
type memo[V any] struct {
	mu sync.Mutex
	m  map[string]*memoCall[V]
}

type memoCall[V any] struct {
	done chan struct{}
	v    V
	err  error
}

// do returns key's value, calling f to compute it when no caller has.
// A waiting caller stops waiting when its ctx ends.
func (m *memo[V]) do(ctx context.Context, key string, f func() (V, error)) (V, error) {
	for {
		m.mu.Lock()
		if m.m == nil {
			m.m = map[string]*memoCall[V]{}
		}
		c, ok := m.m[key]
		if !ok {
			c = &memoCall[V]{done: make(chan struct{})}
			m.m[key] = c
			m.mu.Unlock()
			c.v, c.err = f()
			if c.err != nil {
				m.mu.Lock()
				delete(m.m, key)
				m.mu.Unlock()
			}
			close(c.done)
			return c.v, c.err
		}
		m.mu.Unlock()
		select {
		case <-c.done:
		case <-ctx.Done():
			var zero V
			return zero, ctx.Err()
		}
		if c.err == nil {
			return c.v, nil
		}
		// The computation failed, perhaps only because its caller's
		// context ended: compute again under this caller's.
		if err := ctx.Err(); err != nil {
			var zero V
			return zero, err
		}
	}
}
