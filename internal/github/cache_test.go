package github

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	gh "github.com/google/go-github/v89/github"
)

// readRun is the reading part of a change-control run: five GETs, two of
// them (branch, open pull requests) revalidated even within the TTL.
func readRun(ctx context.Context, c *Client, base string) error {
	if _, err := c.Repository(ctx, testRepo); err != nil {
		return err
	}
	if _, _, err := c.branchHead(ctx, testRepo, "heads/main"); err != nil {
		return err
	}
	if _, resp, err := c.gh.Git.GetCommit(ctx, testRepo.Owner, testRepo.Name, base); err != nil {
		return c.wrap("get commit", resp, err)
	}
	if err := c.ensureLabels(ctx, testRepo, []string{"optimizer"}); err != nil {
		return err
	}
	_, err := c.OpenPRs(ctx, testRepo, "optimizer/") // always revalidated
	return err
}

func TestCacheRepeatedRun(t *testing.T) {
	s, base := newServer(t)
	s.AddIssue(repoName, "existing", "", "optimizer") // creates the label
	ctx := ctxT(t)
	path := filepath.Join(t.TempDir(), "cache", "github.json")

	// Run 1: nothing cached.
	c1 := newClient(t, s, writer)
	if err := readRun(ctx, c1, base); err != nil {
		t.Fatal(err)
	}
	if st := c1.Stats().Cache; st.Misses != 5 || st.Hits+st.Revalidated != 0 {
		t.Errorf("first run: %+v, want 5 misses", st)
	}
	if err := c1.Cache().Save(path); err != nil {
		t.Fatal(err)
	}

	// Run 2, within the TTL: answered from the saved cache, except the two
	// lookups that decide writes (branch, pull requests), always
	// revalidated: GitHub answers 304 without charging them.
	remaining := s.Remaining(writer)
	s.ResetRequests()
	cache, err := LoadCache(path, DefaultCacheTTL)
	if err != nil {
		t.Fatal(err)
	}
	c2 := newClient(t, s, writer, func(o *Options) { o.Cache = cache })
	if err := readRun(ctx, c2, base); err != nil {
		t.Fatal(err)
	}
	st := c2.Stats()
	t.Logf("repeated run within the TTL: %+v, hit rate %.0f%%, %d requests", st.Cache, 100*st.CacheHitRate, st.Requests)
	if st.Cache.Hits != 3 || st.Cache.Revalidated != 2 || st.Cache.Misses != 0 || st.CacheHitRate < 0.7 || st.Requests != 2 {
		t.Errorf("repeated run within the TTL: %+v, want 3 hits and two 304s", st)
	}
	if got := s.Remaining(writer); got != remaining {
		t.Errorf("a 304 cost rate limit: remaining %d → %d", remaining, got)
	}

	// Run 3, after the TTL: everything revalidated (304s), except the git
	// commit, which never changes.
	s.ResetRequests()
	cache, _ = LoadCache(path, DefaultCacheTTL)
	cache.now = func() time.Time { return time.Now().Add(10 * time.Minute) }
	c3 := newClient(t, s, writer, func(o *Options) { o.Cache = cache })
	if err := readRun(ctx, c3, base); err != nil {
		t.Fatal(err)
	}
	st = c3.Stats()
	t.Logf("repeated run after the TTL: %+v, hit rate %.0f%%", st.Cache, 100*st.CacheHitRate)
	if st.Cache.Hits != 1 || st.Cache.Revalidated != 4 || st.CacheHitRate < 0.7 {
		t.Errorf("repeated run after the TTL: %+v, want 1 hit and 4 revalidated", st)
	}
	for _, r := range s.Requests() {
		if !r.Conditional || r.Status != http.StatusNotModified {
			t.Errorf("request %s %s: conditional %v, status %d; want a 304", r.Method, r.Path, r.Conditional, r.Status)
		}
	}
}

func TestCacheRepeatedSequenceWithoutTTL(t *testing.T) {
	s, base := newServer(t)
	s.AddIssue(repoName, "existing", "", "optimizer")
	c := newClient(t, s, writer, func(o *Options) { o.CacheTTL = 0 })
	for range 4 {
		if err := readRun(ctxT(t), c, base); err != nil {
			t.Fatal(err)
		}
	}
	st := c.Stats()
	t.Logf("4 × 5 GETs, TTL 0: %+v, hit rate %.0f%%", st.Cache, 100*st.CacheHitRate)
	if st.Cache.Misses != 5 || st.CacheHitRate < 0.7 {
		t.Errorf("stats %+v, hit rate %.2f; want 5 misses and ≥ 70%%", st.Cache, st.CacheHitRate)
	}
}

func TestCacheTokensNeverShare(t *testing.T) {
	s, _ := newServer(t)
	ctx := ctxT(t)
	shared := NewCache(DefaultCacheTTL)
	a := newClient(t, s, writer, func(o *Options) { o.Cache = shared })
	b := newClient(t, s, userRead, func(o *Options) { o.Cache = shared })
	for round := range 2 {
		ra, err := a.Repository(ctx, testRepo)
		if err != nil {
			t.Fatal(err)
		}
		rb, err := b.Repository(ctx, testRepo)
		if err != nil {
			t.Fatal(err)
		}
		if ra.CanPush == nil || !*ra.CanPush || rb.CanPush == nil || *rb.CanPush {
			t.Errorf("round %d: writer can push %v, reader can push %v; want each its own answer", round, ra.CanPush, rb.CanPush)
		}
	}
	if n, st := s.Count("GET /repos/{owner}/{repo}"), shared.Stats(); n != 2 || st.Misses != 2 || st.Hits != 2 || shared.Len() != 2 {
		t.Errorf("%d requests, stats %+v, %d entries; want 2 misses (one per token) then 2 hits", n, st, shared.Len())
	}
}

func TestCacheWriteInvalidates(t *testing.T) {
	s, _ := newServer(t)
	c := newClient(t, s, writer)
	ctx := ctxT(t)
	list := func() []*gh.Label {
		labels, _, err := c.gh.Issues.ListLabels(ctx, testRepo.Owner, testRepo.Name, nil)
		if err != nil {
			t.Fatal(err)
		}
		return labels
	}
	if n := len(list()); n != 0 {
		t.Fatalf("%d labels, want 0", n)
	}
	if err := c.ensureLabels(ctx, testRepo, []string{"optimizer"}); err != nil {
		t.Fatal(err)
	}
	if n := len(list()); n != 1 {
		t.Errorf("after creating a label, the list has %d, want 1 (a stale cache entry?)", n)
	}
	if n := s.Count("GET /repos/{owner}/{repo}/labels"); n != 3 {
		t.Errorf("%d label lists sent, want 3 (the write makes the cached one stale)", n)
	}
}

// TestCacheWriteKeepsValidators: after a write, an answer the write did not
// change is asked for again, conditionally, and comes back as a 304.
func TestCacheWriteKeepsValidators(t *testing.T) {
	s, _ := newServer(t)
	c := newClient(t, s, writer)
	ctx := ctxT(t)
	if _, err := c.Repository(ctx, testRepo); err != nil {
		t.Fatal(err)
	}
	if err := c.ensureLabels(ctx, testRepo, []string{"optimizer"}); err != nil {
		t.Fatal(err)
	}
	s.ResetRequests()
	if _, err := c.Repository(ctx, testRepo); err != nil {
		t.Fatal(err)
	}
	if reqs := s.Requests(); len(reqs) != 1 || !reqs[0].Conditional || reqs[0].Status != http.StatusNotModified {
		t.Errorf("the repository after a write: %+v, want one conditional request answered 304", reqs)
	}
}

func TestCacheKey(t *testing.T) {
	req := func(auth, accept string) *http.Request {
		r, _ := http.NewRequest(http.MethodGet, "https://api.github.com/repos/o/r/pulls/1", nil)
		r.Header.Set("Authorization", auth)
		r.Header.Set("Accept", accept)
		return r
	}
	k := cacheKey(req("Bearer one", "application/json"))
	if k == cacheKey(req("Bearer two", "application/json")) {
		t.Error("two tokens share a key")
	}
	if k == cacheKey(req("Bearer one", "application/vnd.github.v3.diff")) {
		t.Error("the diff and the JSON share a key")
	}
	if strings.Contains(k, "one") {
		t.Errorf("key %q holds the token", k)
	}
}

func TestCacheFile(t *testing.T) {
	s, _ := newServer(t)
	c := newClient(t, s, writer)
	if _, err := c.Repository(ctxT(t), testRepo); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "github.json")
	if err := c.Cache().Save(path); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(data), writer) {
		t.Error("the saved cache holds the token")
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("cache file mode %v, want 0600", fi.Mode().Perm())
	}
	if loaded, err := LoadCache(path, time.Minute); err != nil || loaded.Len() != 1 {
		t.Errorf("LoadCache = %d entries, %v; want 1", loaded.Len(), err)
	}
	if loaded, err := LoadCache(filepath.Join(t.TempDir(), "missing.json"), time.Minute); err != nil || loaded.Len() != 0 {
		t.Errorf("LoadCache of a missing file = %d entries, %v; want an empty cache", loaded.Len(), err)
	}
	os.WriteFile(path, []byte("{not json"), 0o600)
	if loaded, err := LoadCache(path, time.Minute); err == nil || loaded == nil || loaded.Len() != 0 {
		t.Errorf("LoadCache of a corrupt file = %v, %v; want an empty cache and an error", loaded, err)
	}
}

// A 304 must come back to go-github as the cached 200.
func TestCacheServesBodyOn304(t *testing.T) {
	s, base := newServer(t)
	c := newClient(t, s, writer, func(o *Options) { o.CacheTTL = 0 })
	for range 2 {
		head, ok, err := c.branchHead(ctxT(t), testRepo, "heads/main")
		if err != nil || !ok || head != base {
			t.Fatalf("branchHead = %q, %v, %v; want %s", head, ok, err, base)
		}
	}
	if st := c.Stats().Cache; st.Revalidated != 1 || st.Misses != 1 {
		t.Errorf("stats %+v, want a miss and a 304", st)
	}
}
