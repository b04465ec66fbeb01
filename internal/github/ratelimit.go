package github

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gofri/go-github-ratelimit/v2/github_ratelimit"
	"github.com/gofri/go-github-ratelimit/v2/github_ratelimit/github_secondary_ratelimit"
	gh "github.com/google/go-github/v89/github"
)

// Rate is the primary rate limit of one resource ("core", "search", …) as
// the last response's X-RateLimit-* headers gave it.
type Rate struct {
	Resource  string    `json:"resource"`
	Limit     int       `json:"limit"`
	Remaining int       `json:"remaining"`
	Used      int       `json:"used"`
	Reset     time.Time `json:"reset"`
}

func rateOf(r gh.Rate) Rate {
	return Rate{Resource: r.Resource, Limit: r.Limit, Remaining: r.Remaining, Used: r.Used, Reset: r.Reset.Time}
}

// limiter is the transport that follows GitHub's REST guidance: one request
// at a time, a gap between writes, and no request at all once the primary
// limit of its resource falls under the threshold (until it resets).
type limiter struct {
	next      http.RoundTripper
	threshold int
	gap       time.Duration
	now       func() time.Time

	turn      chan struct{} // holds a token while a request is in flight
	mu        sync.Mutex
	rates     map[string]Rate
	lastWrite time.Time
}

func newLimiter(next http.RoundTripper, threshold int, gap time.Duration) *limiter {
	return &limiter{next: next, threshold: threshold, gap: gap, now: time.Now,
		turn: make(chan struct{}, 1), rates: make(map[string]Rate)}
}

func (l *limiter) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	select {
	case l.turn <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-l.turn }()

	if err := l.check(resourceOf(req.URL.Path)); err != nil {
		return nil, err
	}
	write := isWrite(req.Method)
	if write {
		l.mu.Lock()
		wait := l.lastWrite.Add(l.gap).Sub(l.now())
		l.mu.Unlock()
		if err := sleep(ctx, wait); err != nil {
			return nil, err
		}
	}
	resp, err := l.next.RoundTrip(req)
	l.mu.Lock()
	defer l.mu.Unlock()
	if write {
		l.lastWrite = l.now()
	}
	if resp != nil {
		if r, ok := parseRate(resp.Header); ok {
			l.rates[r.Resource] = r
		}
	}
	return resp, err
}

// check fails fast when the resource's remaining requests are under the
// threshold (and always when none are left) and the window has not reset.
func (l *limiter) check(resource string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	r, ok := l.rates[resource]
	if !ok || r.Remaining >= max(l.threshold, 1) || !l.now().Before(r.Reset) {
		return nil
	}
	return &RateLimitError{Rate: r, Threshold: l.threshold}
}

func (l *limiter) rate(resource string) (Rate, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	r, ok := l.rates[resource]
	return r, ok
}

// resourceOf is the rate-limit resource a request path counts against.
func resourceOf(path string) string {
	switch {
	case strings.Contains(path, "/search/code"):
		return "code_search"
	case strings.Contains(path, "/search/"):
		return "search"
	case strings.HasSuffix(path, "/graphql"):
		return "graphql"
	}
	return "core"
}

func parseRate(h http.Header) (Rate, bool) {
	remaining, err := strconv.Atoi(h.Get("X-RateLimit-Remaining"))
	if err != nil {
		return Rate{}, false
	}
	r := Rate{Resource: h.Get("X-RateLimit-Resource"), Remaining: remaining}
	if r.Resource == "" {
		r.Resource = "core"
	}
	r.Limit, _ = strconv.Atoi(h.Get("X-RateLimit-Limit"))
	r.Used, _ = strconv.Atoi(h.Get("X-RateLimit-Used"))
	if reset, err := strconv.ParseInt(h.Get("X-RateLimit-Reset"), 10, 64); err == nil {
		r.Reset = time.Unix(reset, 0)
	}
	return r, true
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// secondaryLimiter waits out GitHub's secondary rate limits — a 403 or 429
// with the documented message, and Retry-After or x-ratelimit-reset — and
// retries, as long as each wait and all of them together stay within bound;
// beyond it the 403/429 goes back to go-github, which reports it as an
// *AbuseRateLimitError. waits counts the waits.
func secondaryLimiter(next http.RoundTripper, bound time.Duration, waits *atomic.Int64) http.RoundTripper {
	return github_ratelimit.NewSecondaryLimiter(next,
		github_secondary_ratelimit.WithSingleSleepLimit(bound, nil),
		github_secondary_ratelimit.WithTotalSleepLimit(bound, nil),
		github_secondary_ratelimit.WithLimitDetectedCallback(func(*github_secondary_ratelimit.CallbackContext) {
			waits.Add(1)
		}),
	)
}

// wire is the innermost transport: it counts what goes on the wire, in all
// and for the operation in the request's context, and gives every attempt
// a fresh copy of the request body, so that a retry after a secondary limit
// sends the body again instead of an empty one.
type wire struct {
	next            http.RoundTripper
	requests, write atomic.Int64
}

func (w *wire) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil && req.Body != http.NoBody && req.GetBody != nil {
		body, err := req.GetBody()
		if err != nil {
			return nil, err
		}
		req.Body.Close()
		req = req.Clone(req.Context())
		req.Body = body
	}
	w.requests.Add(1)
	if isWrite(req.Method) {
		w.write.Add(1)
	}
	if op := opFrom(req.Context()); op != nil {
		op.requests.Add(1)
	}
	return w.next.RoundTrip(req)
}

// op counts the requests of one operation (a DraftPR call, …).
type op struct {
	requests, cacheHits atomic.Int64
}

type opKey struct{}

func withOp(ctx context.Context) (context.Context, *op) {
	o := new(op)
	return context.WithValue(ctx, opKey{}, o), o
}

func opFrom(ctx context.Context) *op {
	o, _ := ctx.Value(opKey{}).(*op)
	return o
}
