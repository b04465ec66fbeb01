package github

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/agentic-optimizer/optimizer/internal/atomicfile"
)

// maxCacheEntries bounds the cache; the entries fetched longest ago go first.
const maxCacheEntries = 4096

// Cache keeps the API's answers to GET requests. Within its TTL an answer
// is served again without a request; after it, the request is sent with
// If-None-Match (and If-Modified-Since) and a 304 — free on GitHub's rate
// limit — renews the entry. Entries are keyed by method, URL, Accept, API
// version and a hash of the Authorization header, so two tokens never
// share one. A write to a repository makes every entry under that
// repository's path stale: the next GET of it is sent, conditionally, so
// that an answer the write did not change still comes back as a 304. Git
// objects named by their SHA never change and never expire; the commits a
// write creates are kept as if they had been fetched. A Cache is safe for
// concurrent use and may be saved to a file and loaded by the next run.
type Cache struct {
	ttl time.Duration
	now func() time.Time

	mu      sync.Mutex
	entries map[string]*cacheEntry
	stats   CacheStats
}

type cacheEntry struct {
	Key    string      `json:"key"`
	Path   string      `json:"path"` // the URL path, for invalidation
	Header http.Header `json:"header"`
	Body   []byte      `json:"body"`
	Stored time.Time   `json:"stored"` // fetched or last revalidated
}

// CacheStats counts what the cache did with GET requests.
type CacheStats struct {
	Hits        int `json:"hits"`        // served without a request, within the TTL
	Revalidated int `json:"revalidated"` // a conditional request answered 304
	Misses      int `json:"misses"`      // a full answer was fetched
}

// HitRate is the share of GETs answered from the cache, 304s included; 0
// when there were none.
func (s CacheStats) HitRate() float64 {
	n := s.Hits + s.Revalidated + s.Misses
	if n == 0 {
		return 0
	}
	return float64(s.Hits+s.Revalidated) / float64(n)
}

// NewCache returns an empty cache whose entries are fresh for ttl; with a
// ttl of 0 every GET is revalidated.
func NewCache(ttl time.Duration) *Cache {
	return &Cache{ttl: max(ttl, 0), now: time.Now, entries: make(map[string]*cacheEntry)}
}

// cacheFile is the on-disk form of a Cache.
type cacheFile struct {
	Version int           `json:"version"`
	Entries []*cacheEntry `json:"entries"`
}

const cacheFileVersion = 1

// LoadCache reads a cache saved by Save. A missing file gives an empty
// cache; so does an unreadable one, together with the error saying why, so
// that the caller can note it and go on.
func LoadCache(path string, ttl time.Duration) (*Cache, error) {
	c := NewCache(ttl)
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return c, nil
	}
	if err != nil {
		return c, fmt.Errorf("github: load cache: %w", err)
	}
	var f cacheFile
	if err := json.Unmarshal(data, &f); err != nil || f.Version != cacheFileVersion {
		if err == nil {
			err = fmt.Errorf("version %d, want %d", f.Version, cacheFileVersion)
		}
		return c, fmt.Errorf("github: load cache %s: %w", path, err)
	}
	for _, e := range f.Entries {
		if e != nil && e.Key != "" {
			c.entries[e.Key] = e
		}
	}
	return c, nil
}

// Save writes the cache to path, readable by its owner only: it holds API
// answers, though never a token.
func (c *Cache) Save(path string) error {
	c.mu.Lock()
	f := cacheFile{Version: cacheFileVersion}
	for _, e := range c.entries {
		f.Entries = append(f.Entries, e)
	}
	c.mu.Unlock()
	sort.Slice(f.Entries, func(i, j int) bool { return f.Entries[i].Key < f.Entries[j].Key })
	data, err := json.Marshal(f)
	if err != nil {
		return fmt.Errorf("github: save cache: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("github: save cache: %w", err)
	}
	if err := atomicfile.WriteFile(path, data, 0o600); err != nil {
		return fmt.Errorf("github: save cache: %w", err)
	}
	return nil
}

// Stats returns the counts so far.
func (c *Cache) Stats() CacheStats {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stats
}

// Len is the number of entries.
func (c *Cache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries)
}

// transport returns the caching RoundTripper in front of next.
func (c *Cache) transport(next http.RoundTripper) http.RoundTripper {
	return roundTripFunc(func(req *http.Request) (*http.Response, error) { return c.roundTrip(next, req) })
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(req *http.Request) (*http.Response, error) { return f(req) }

type revalidateKey struct{}

// revalidate marks a context so that its GETs are revalidated even within
// the TTL: for lookups whose answer decides a write (is there already a
// pull request for this branch?), where a stale answer would duplicate it.
func revalidate(ctx context.Context) context.Context {
	return context.WithValue(ctx, revalidateKey{}, true)
}

func (c *Cache) roundTrip(next http.RoundTripper, req *http.Request) (*http.Response, error) {
	if req.Method != http.MethodGet {
		resp, err := next.RoundTrip(req)
		var unsent *RateLimitError
		if !errors.As(err, &unsent) { // it may have changed something
			c.invalidate(req.URL.Path)
		}
		if err == nil {
			resp = c.keepCreated(req, resp)
		}
		return resp, err
	}
	if req.Header.Get("If-None-Match") != "" || req.Header.Get("If-Modified-Since") != "" || req.Header.Get("Range") != "" {
		return next.RoundTrip(req) // the caller's own conditional request
	}
	key := cacheKey(req)
	c.mu.Lock()
	e := c.entries[key]
	fresh := e != nil && (immutable(e.Path) || c.now().Sub(e.Stored) < c.ttl) && req.Context().Value(revalidateKey{}) == nil
	if fresh {
		c.stats.Hits++
	}
	c.mu.Unlock()
	if fresh {
		if o := opFrom(req.Context()); o != nil {
			o.cacheHits.Add(1)
		}
		return e.response(req, true), nil
	}

	out := req
	if e != nil {
		out = req.Clone(req.Context())
		if etag := e.Header.Get("ETag"); etag != "" {
			out.Header.Set("If-None-Match", etag)
		}
		if lm := e.Header.Get("Last-Modified"); lm != "" {
			out.Header.Set("If-Modified-Since", lm)
		}
	}
	resp, err := next.RoundTrip(out)
	if err != nil {
		return nil, err
	}
	switch {
	case resp.StatusCode == http.StatusNotModified && e != nil:
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		c.mu.Lock()
		// The 304 carries the current validators and rate-limit headers.
		renewed := &cacheEntry{Key: e.Key, Path: e.Path, Header: e.Header.Clone(), Body: e.Body, Stored: c.now()}
		for k, v := range resp.Header {
			renewed.Header[k] = v
		}
		c.entries[key] = renewed
		c.stats.Revalidated++
		c.mu.Unlock()
		return renewed.response(req, false), nil
	case resp.StatusCode == http.StatusOK:
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return nil, err
		}
		resp.Body = io.NopCloser(bytes.NewReader(body))
		c.mu.Lock()
		c.stats.Misses++
		c.entries[key] = &cacheEntry{Key: key, Path: req.URL.Path, Header: resp.Header.Clone(), Body: body, Stored: c.now()}
		c.evict()
		c.mu.Unlock()
	default:
		c.mu.Lock()
		c.stats.Misses++
		delete(c.entries, key)
		c.mu.Unlock()
	}
	return resp, nil
}

// response rebuilds an answer from the entry. fromCache marks it with
// X-From-Cache, which tells go-github not to take its rate-limit headers
// for current ones.
func (e *cacheEntry) response(req *http.Request, fromCache bool) *http.Response {
	h := e.Header.Clone()
	if fromCache {
		h.Set("X-From-Cache", "1")
	}
	return &http.Response{
		Status: "200 OK", StatusCode: http.StatusOK, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: h, Body: io.NopCloser(bytes.NewReader(e.Body)), ContentLength: int64(len(e.Body)), Request: req,
	}
}

// invalidate makes the entries of the repository a write went to stale:
// they are no longer served without a request, but keep their validators,
// so that the next GET asks whether they changed.
func (c *Cache) invalidate(path string) {
	prefix := repoPrefix(path)
	if prefix == "" {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, e := range c.entries {
		if p := strings.ToLower(e.Path); (p == prefix || strings.HasPrefix(p, prefix+"/")) && !immutable(p) {
			stale := *e
			stale.Stored = time.Time{}
			c.entries[k] = &stale
		}
	}
}

// createdCommit matches the path a commit is created at.
var createdCommit = regexp.MustCompile(`/repos/[^/]+/[^/]+/git/commits$`)

// keepCreated stores a commit that a write created as the answer to its
// GET: a git object never changes, so the answer GitHub gave to the POST is
// the one it would give to the GET, and the next run that looks the commit
// up (is the branch's change still the same?) needs no request.
func (c *Cache) keepCreated(req *http.Request, resp *http.Response) *http.Response {
	if req.Method != http.MethodPost || resp.StatusCode != http.StatusCreated || !createdCommit.MatchString(req.URL.Path) {
		return resp
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	var created struct {
		SHA string `json:"sha"`
	}
	if err != nil || json.Unmarshal(body, &created) != nil || !sha1Hex.MatchString(created.SHA) {
		return resp
	}
	get := req.Clone(req.Context())
	get.Method, get.Body, get.ContentLength = http.MethodGet, nil, 0
	u := *req.URL
	u.Path, u.RawPath, u.RawQuery = req.URL.Path+"/"+created.SHA, "", ""
	get.URL = &u
	key := cacheKey(get)
	c.mu.Lock()
	c.entries[key] = &cacheEntry{Key: key, Path: u.Path, Header: resp.Header.Clone(), Body: body, Stored: c.now()}
	c.evict()
	c.mu.Unlock()
	return resp
}

var sha1Hex = regexp.MustCompile(`^[0-9a-f]{40}$`)

// gitObject matches the path of a git object named by its SHA.
var gitObject = regexp.MustCompile(`/git/(commits|trees|blobs)/[0-9a-f]{40}$`)

// immutable reports whether the answer at path can never change: a git
// object named by its SHA. It stays fresh and survives writes.
func immutable(path string) bool { return gitObject.MatchString(path) }

// repoPrefix is the "/repos/{owner}/{repo}" part of a path (after any
// base path, as GitHub Enterprise's /api/v3), "" when there is none.
func repoPrefix(path string) string {
	i := strings.Index(path, "/repos/")
	if i < 0 {
		return ""
	}
	parts := strings.SplitN(path[i+len("/repos/"):], "/", 3)
	if len(parts) < 2 || parts[0] == "" || parts[1] == "" {
		return ""
	}
	return strings.ToLower(path[:i] + "/repos/" + parts[0] + "/" + parts[1])
}

func (c *Cache) evict() {
	if len(c.entries) <= maxCacheEntries {
		return
	}
	all := make([]*cacheEntry, 0, len(c.entries))
	for _, e := range c.entries {
		all = append(all, e)
	}
	sort.Slice(all, func(i, j int) bool { return all[i].Stored.Before(all[j].Stored) })
	for _, e := range all[:len(all)-maxCacheEntries] {
		delete(c.entries, e.Key)
	}
}

// cacheKey identifies an answer: method, URL, the headers that change it,
// and the token, hashed so that the key can be saved.
func cacheKey(req *http.Request) string {
	auth := sha256.Sum256([]byte(req.Header.Get("Authorization")))
	return strings.Join([]string{
		req.Method, req.URL.String(), req.Header.Get("Accept"), req.Header.Get("X-GitHub-Api-Version"),
		hex.EncodeToString(auth[:16]),
	}, "\x00")
}
