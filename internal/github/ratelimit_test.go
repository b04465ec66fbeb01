package github

import (
	"errors"
	"maps"
	"net/http"
	"testing"
	"time"

	"github.com/agentic-optimizer/optimizer/internal/github/githubtest"
)

func TestRateLimitUnderThreshold(t *testing.T) {
	s, base := newServer(t)
	s.SetRemaining(writer, 101)
	c := newClient(t, s, writer)
	ctx := ctxT(t)
	// Two GETs leave 100, then 99: the second answer is under the threshold.
	if _, err := c.Repository(ctx, testRepo); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.branchHead(ctx, testRepo, "heads/main"); err != nil {
		t.Fatal(err)
	}
	_, err := c.DraftPR(ctx, draftRequest(base))
	wantKind(t, err, ErrRateLimited)
	var rl *RateLimitError
	if !errors.As(err, &rl) || rl.Remaining != 99 || rl.Limit != 5000 || rl.Threshold != DefaultRateLimitThreshold || rl.Resource != "core" {
		t.Errorf("error = %v, want a *RateLimitError with 99 of 5000 left", err)
	}
	if n := s.Count(""); n != 2 {
		t.Errorf("the server saw %d requests, want 2: none once under the threshold", n)
	}
	// What the cache holds is still served: no request needed.
	if _, err := c.Repository(ctx, testRepo); err != nil {
		t.Errorf("cached GET under the threshold: %v", err)
	}
	if st := c.Stats(); st.RateLimit == nil || st.RateLimit.Remaining != 99 {
		t.Errorf("Stats().RateLimit = %+v, want 99 remaining", st.RateLimit)
	}
}

func TestRateLimitExhausted(t *testing.T) {
	s, _ := newServer(t)
	s.SetRemaining(writer, 0)
	c := newClient(t, s, writer, func(o *Options) { o.RateLimitThreshold = 0 })
	_, err := c.Repository(ctxT(t), testRepo)
	wantKind(t, err, ErrRateLimited)
	var rl *RateLimitError
	if !errors.As(err, &rl) || rl.Remaining != 0 {
		t.Errorf("error = %v, want a *RateLimitError with 0 left", err)
	}
	_, err = c.Repository(ctxT(t), testRepo)
	wantKind(t, err, ErrRateLimited)
	if n := s.Count(""); n != 1 {
		t.Errorf("the server saw %d requests, want 1", n)
	}
}

func TestSecondaryLimitWaitedOut(t *testing.T) {
	for _, status := range []int{http.StatusForbidden, http.StatusTooManyRequests} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			s, base := newServer(t)
			// The tree's POST is refused once, with Retry-After: 1.
			s.AddFault(githubtest.Fault{Method: "POST", Path: "/repos/octo/app/git/trees", Secondary: true, Status: status, RetryAfter: time.Second})
			c := newClient(t, s, writer)
			start := time.Now()
			pr, err := c.DraftPR(ctxT(t), draftRequest(base))
			if err != nil {
				t.Fatal(err)
			}
			if d := time.Since(start); d < 900*time.Millisecond || d > testBound {
				t.Errorf("DraftPR took %s, want about the 1 s GitHub asked for", d)
			}
			if n := s.Count("POST /repos/{owner}/{repo}/git/trees"); n != 1 || c.Stats().SecondaryWaits != 1 {
				t.Errorf("%d trees created, %d waits; want the tree retried once after one wait", n, c.Stats().SecondaryWaits)
			}
			// The retry sent the body again: the branch holds the change.
			if got := s.Files(repoName, pr.Branch); !maps.Equal(got, changedFiles) {
				t.Errorf("branch tree after the retry = %q", got)
			}
		})
	}
}

func TestSecondaryLimitBeyondBound(t *testing.T) {
	s, base := newServer(t)
	s.AddFault(githubtest.Fault{Method: "POST", Path: "/repos/octo/app/git/commits", Secondary: true, RetryAfter: time.Minute})
	c := newClient(t, s, writer, func(o *Options) { o.SecondaryWait = 100 * time.Millisecond })
	start := time.Now()
	_, err := c.DraftPR(ctxT(t), draftRequest(base))
	wantKind(t, err, ErrSecondaryRateLimit)
	var sl *SecondaryLimitError
	if !errors.As(err, &sl) || sl.RetryAfter != time.Minute || sl.Bound != 100*time.Millisecond {
		t.Errorf("error = %v, want a *SecondaryLimitError asking for 1m", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("DraftPR took %s; a wait beyond the bound must not be started", d)
	}
}

func TestWritesSpaced(t *testing.T) {
	s, base := newServer(t)
	const gap = 30 * time.Millisecond
	c := newClient(t, s, writer, func(o *Options) { o.WriteGap = gap })
	if _, err := c.DraftPR(ctxT(t), draftRequest(base)); err != nil {
		t.Fatal(err)
	}
	var last time.Time
	writes := 0
	for _, r := range s.Requests() {
		if !r.IsWrite() {
			continue
		}
		writes++
		if !last.IsZero() && r.Time.Sub(last) < gap {
			t.Errorf("%s %s came %s after the previous write, want ≥ %s", r.Method, r.Path, r.Time.Sub(last), gap)
		}
		last = r.Time
	}
	if writes != 5 {
		t.Errorf("%d writes, want 5", writes)
	}
}
