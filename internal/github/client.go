// Package github publishes accepted changes on GitHub through its REST API:
// draft pull requests committed through the Git Data API, review
// suggestions on a pull request, deduplicated issues, and the approvals a
// pull request has — never a merge.
//
// The Client is built on go-github with a transport stack that follows
// GitHub's REST guidance: a cache with conditional requests (ETag,
// Last-Modified) and a TTL, one request at a time with a gap between
// writes, a fail-fast stop when the primary rate limit falls under a
// threshold, and secondary rate limits waited out within a bound. Every
// failure is an *Error whose kind (ErrAuth, ErrPermission, ErrRateLimited,
// …) tells the caller to publish as a patch instead.
package github

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync/atomic"
	"time"

	gh "github.com/google/go-github/v89/github"
)

// Defaults, as docs/change-control.md and docs/configuration.md give them.
const (
	DefaultCacheTTL           = 300 * time.Second
	DefaultRateLimitThreshold = 100
	DefaultSecondaryWait      = 60 * time.Second
	DefaultWriteGap           = time.Second // "at least one second between writes", GitHub asks
)

// Options configure a Client. Zero values mean what they say (no TTL, no
// threshold, no waiting, no gap); DefaultOptions fills in the defaults.
type Options struct {
	Token   string // required; never logged, never stored (the cache keeps a hash)
	BaseURL string // "" for https://api.github.com/

	// Cache is the cache to use, e.g. one loaded with LoadCache (which
	// has its own TTL); nil makes a new one whose entries are fresh for
	// CacheTTL.
	Cache    *Cache
	CacheTTL time.Duration

	// RateLimitThreshold: once a response says fewer requests remain, the
	// client sends none until the window resets and fails with
	// ErrRateLimited.
	RateLimitThreshold int
	// SecondaryWait bounds the time spent waiting out secondary rate
	// limits, each and in all; beyond it, ErrSecondaryRateLimit.
	SecondaryWait time.Duration
	// WriteGap is the least time between the end of a write and the start
	// of the next.
	WriteGap time.Duration

	// Transport reaches the network; nil uses a copy of
	// http.DefaultTransport that waits at most 30 s for response headers.
	Transport http.RoundTripper
	UserAgent string
}

// DefaultOptions are the options docs/change-control.md describes, for token.
func DefaultOptions(token string) Options {
	return Options{
		Token: token, CacheTTL: DefaultCacheTTL, RateLimitThreshold: DefaultRateLimitThreshold,
		SecondaryWait: DefaultSecondaryWait, WriteGap: DefaultWriteGap,
	}
}

// Client talks to one GitHub API with one token. Its methods may be called
// from several goroutines, but the requests go out one at a time.
type Client struct {
	gh      *gh.Client
	opts    Options
	cache   *Cache
	limiter *limiter
	wire    *wire
	waits   atomic.Int64
}

// New returns a client for opts.
func New(opts Options) (*Client, error) {
	if opts.Token == "" {
		return nil, &Error{Op: "new client", Kind: ErrAuth, Err: errors.New("no token")}
	}
	base := opts.Transport
	if base == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.ResponseHeaderTimeout = 30 * time.Second
		base = t
	}
	c := &Client{opts: opts, cache: opts.Cache, wire: &wire{next: base}}
	if c.cache == nil {
		c.cache = NewCache(opts.CacheTTL)
	}
	c.limiter = newLimiter(secondaryLimiter(c.wire, opts.SecondaryWait, &c.waits), opts.RateLimitThreshold, opts.WriteGap)
	ghOpts := []gh.ClientOptionsFunc{
		gh.WithTransport(c.cache.transport(c.limiter)),
		gh.WithAuthToken(opts.Token),
	}
	if opts.BaseURL != "" {
		ghOpts = append(ghOpts, gh.WithURLs(&opts.BaseURL, &opts.BaseURL))
	}
	if opts.UserAgent != "" {
		ghOpts = append(ghOpts, gh.WithUserAgent(opts.UserAgent))
	}
	client, err := gh.NewClient(ghOpts...)
	if err != nil {
		return nil, &Error{Op: "new client", Err: err}
	}
	c.gh = client
	return c, nil
}

// Cache is the client's cache, to save for the next run.
func (c *Client) Cache() *Cache { return c.cache }

// Stats is what the client did, for report.json.
type Stats struct {
	Requests       int        `json:"requests"` // sent, conditional ones and retries included
	Writes         int        `json:"writes"`
	Cache          CacheStats `json:"cache"`
	CacheHitRate   float64    `json:"cache_hit_rate"` // 304s count as hits
	SecondaryWaits int        `json:"secondary_waits"`
	RateLimit      *Rate      `json:"rate_limit,omitempty"` // core, as last seen
}

// Stats returns the counts so far.
func (c *Client) Stats() Stats {
	cs := c.cache.Stats()
	s := Stats{
		Requests: int(c.wire.requests.Load()), Writes: int(c.wire.write.Load()),
		Cache: cs, CacheHitRate: cs.HitRate(), SecondaryWaits: int(c.waits.Load()),
	}
	if r, ok := c.limiter.rate("core"); ok {
		s.RateLimit = &r
	}
	return s
}

// Repo names a repository.
type Repo struct {
	Owner, Name string
}

func (r Repo) String() string { return r.Owner + "/" + r.Name }

var repoPart = regexp.MustCompile(`^[A-Za-z0-9_.-]+$`)

// ParseRepo reads "owner/name".
func ParseRepo(s string) (Repo, error) {
	owner, name, ok := strings.Cut(s, "/")
	if !ok || !repoPart.MatchString(owner) || !repoPart.MatchString(name) || name == "." || name == ".." {
		return Repo{}, fmt.Errorf("github: repository %q: want owner/name", s)
	}
	return Repo{Owner: owner, Name: name}, nil
}

// Repository is what the change controller needs to know of a repository.
type Repository struct {
	DefaultBranch string
	Private       bool
	Archived      bool
	// CanPush is whether the token may push, when GitHub says so (it does
	// for a user's token); nil when the answer has no permissions.
	CanPush *bool
}

// Repository reads the repository's metadata.
func (c *Client) Repository(ctx context.Context, repo Repo) (Repository, error) {
	r, resp, err := c.gh.Repositories.Get(ctx, repo.Owner, repo.Name)
	if err != nil {
		return Repository{}, c.wrap("get repository "+repo.String(), resp, err)
	}
	out := Repository{DefaultBranch: r.GetDefaultBranch(), Private: r.GetPrivate(), Archived: r.GetArchived()}
	if p := r.GetPermissions(); p != nil && p.Push != nil {
		out.CanPush = p.Push
	}
	return out, nil
}

// listAll collects every page of a list.
func listAll[T any](ctx context.Context, list func(context.Context, gh.ListOptions) ([]T, *gh.Response, error)) ([]T, *gh.Response, error) {
	var all []T
	opts := gh.ListOptions{PerPage: 100}
	for {
		page, resp, err := list(ctx, opts)
		if err != nil {
			return nil, resp, err
		}
		all = append(all, page...)
		if resp == nil || resp.NextPage == 0 || resp.NextPage == opts.Page {
			return all, resp, nil
		}
		opts.Page = resp.NextPage
	}
}
