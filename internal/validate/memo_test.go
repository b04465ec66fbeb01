package validate

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
)

// TestMemoKeysRunSideBySide: a computation of one key does not wait for
// another key's. Each computation waits until the other has started, so
// the test finishes only if both are in flight at once.
func TestMemoKeysRunSideBySide(t *testing.T) {
	var m memo[string]
	started := map[string]chan struct{}{"./a": make(chan struct{}), "./b": make(chan struct{})}
	other := map[string]string{"./a": "./b", "./b": "./a"}
	var wg sync.WaitGroup
	got := map[string]string{}
	var mu sync.Mutex
	for key := range started {
		wg.Go(func() {
			v, err := m.do(t.Context(), key, func() (string, error) {
				close(started[key])
				<-started[other[key]]
				return "run of " + key, nil
			})
			if err != nil {
				t.Error(err)
			}
			mu.Lock()
			got[key] = v
			mu.Unlock()
		})
	}
	wg.Wait()
	if got["./a"] != "run of ./a" || got["./b"] != "run of ./b" {
		t.Errorf("values = %v", got)
	}
}

// TestMemoSharesOneRunPerKey: callers of a key being computed wait for
// that computation and get its value; it runs once.
func TestMemoSharesOneRunPerKey(t *testing.T) {
	var m memo[int]
	var runs atomic.Int32
	release := make(chan struct{})
	inFlight := make(chan struct{})
	first := make(chan int)
	go func() {
		v, _ := m.do(t.Context(), "./a", func() (int, error) {
			close(inFlight)
			<-release
			return int(runs.Add(1)), nil
		})
		first <- v
	}()
	<-inFlight
	second := make(chan int)
	go func() {
		v, _ := m.do(t.Context(), "./a", func() (int, error) { return int(runs.Add(1)), nil })
		second <- v
	}()
	close(release)
	if a, b := <-first, <-second; a != 1 || b != 1 || runs.Load() != 1 {
		t.Errorf("values %d and %d after %d runs, want 1 and 1 after one run", a, b, runs.Load())
	}
}

// TestMemoForgetsFailures: a failed computation is not kept; a waiting
// caller whose context ends stops waiting.
func TestMemoForgetsFailures(t *testing.T) {
	var m memo[int]
	boom := errors.New("interrupted")
	if _, err := m.do(t.Context(), "k", func() (int, error) { return 0, boom }); !errors.Is(err, boom) {
		t.Fatalf("first do = %v, want %v", err, boom)
	}
	if v, err := m.do(t.Context(), "k", func() (int, error) { return 7, nil }); err != nil || v != 7 {
		t.Errorf("do after a failure = %d, %v; want 7 computed again", v, err)
	}

	release := make(chan struct{})
	inFlight := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		m.do(t.Context(), "slow", func() (int, error) { close(inFlight); <-release; return 1, nil })
	}()
	<-inFlight
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := m.do(ctx, "slow", func() (int, error) { return 2, nil }); !errors.Is(err, context.Canceled) {
		t.Errorf("a waiter whose context ended got %v, want context.Canceled", err)
	}
	close(release)
	<-done
}
