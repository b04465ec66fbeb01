package llm

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"
)

// gate keeps one model within its request limits: the run's request
// budget, the requests in flight, and the pace per minute.
type gate struct {
	max      int           // the run's request budget; 0 for none
	slots    chan struct{} // one per request in flight; nil for no cap
	interval time.Duration // between the starts of two requests; 0 for no pacing

	mu   sync.Mutex
	used int       // requests started
	next time.Time // when the next request may start
}

// newGate makes the gate of the model called name ("github:openai/gpt-4.1")
// for the limits of cfg.
func newGate(name string, cfg Config) *gate {
	conc, rpm := cfg.MaxConcurrent, cfg.RequestsPerMinute
	if strings.HasPrefix(name, ProviderGitHub+":") {
		if conc == 0 {
			conc = GitHubMaxConcurrent
		}
		if rpm == 0 {
			rpm = GitHubRequestsPerMinute
		}
	}
	g := &gate{max: cfg.MaxRequests}
	if conc > 0 {
		g.slots = make(chan struct{}, conc)
	}
	if rpm > 0 {
		g.interval = time.Duration(float64(time.Minute) / rpm)
	}
	return g
}

// enter waits until a request may start — a slot free, its turn in the
// pace — and counts it. It fails with an *Error wrapping ErrLimit when the
// budget is used up, or with ctx's error. leave frees the slot.
func (g *gate) enter(ctx context.Context, provider string, now func() time.Time, sleep func(context.Context, time.Duration) error) (leave func(), err error) {
	g.mu.Lock()
	if g.max > 0 && g.used >= g.max {
		g.mu.Unlock()
		return nil, &Error{Provider: provider, Kind: KindQuota, Err: ErrLimit,
			Msg: fmt.Sprintf("the run's request budget for this model (llm_max_requests %d) is used up; it is not asked again in this run", g.max)}
	}
	g.used++
	g.mu.Unlock()
	refund := func() {
		g.mu.Lock()
		g.used--
		g.mu.Unlock()
	}
	leave = func() {}
	if g.slots != nil {
		select {
		case g.slots <- struct{}{}:
			leave = func() { <-g.slots }
		case <-ctx.Done():
			refund()
			return nil, ctx.Err()
		}
	}
	if g.interval > 0 {
		g.mu.Lock()
		start := now()
		if g.next.After(start) {
			start = g.next
		}
		g.next = start.Add(g.interval)
		g.mu.Unlock()
		if wait := start.Sub(now()); wait > 0 {
			if err := sleep(ctx, wait); err != nil {
				leave()
				refund()
				return nil, err
			}
		}
	}
	return leave, nil
}
