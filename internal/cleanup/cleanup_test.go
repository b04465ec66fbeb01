package cleanup

import (
	"context"
	"testing"
	"time"
)

func TestRunCallsWhatIsRegisteredWithinTheTimeout(t *testing.T) {
	called := make(chan string, 3)
	undo := Register(func(ctx context.Context) { called <- "a" })
	defer undo()
	Register(func(ctx context.Context) { called <- "b" })()
	defer Register(func(ctx context.Context) { <-ctx.Done(); called <- "slow" })()
	start := time.Now()
	if Run(100 * time.Millisecond) {
		t.Error("Run reported success although a function outlived the timeout")
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Run took %v with a 100ms timeout", d)
	}
	got := map[string]bool{}
	for len(called) > 0 {
		got[<-called] = true
	}
	if !got["a"] || got["b"] {
		t.Errorf("called %v, want a (registered) and not b (unregistered)", got)
	}
}
