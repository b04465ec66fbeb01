// Package githubtest is a local, stateful GitHub REST API for tests: the
// repositories, git objects, refs, pull requests, reviews, issues and labels
// that the optimizer's change control uses, served in the JSON shapes of
// api.github.com, with ETags and 304s, X-RateLimit-* headers that count down
// per token, and programmable faults (secondary rate limits, 5xx, missing
// permissions, unknown tokens).
//
// Set it up with AddToken and AddRepo (and Mirror, to hold a local
// repository's commits with their SHAs), point a client at URL, and read the
// state back with Files, PullRequests, Reviews, Issues and Requests.
// Setup helpers panic on misuse (an unknown repository), as httptest does.
package githubtest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Documentation URLs GitHub puts in its error bodies; clients (go-github,
// go-github-ratelimit) recognise secondary limits by them.
const (
	docsRateLimit     = "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-primary-rate-limits"
	docsSecondary     = "https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"
	docsREST          = "https://docs.github.com/rest"
	secondaryMessage  = "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID 0000:0000:0000000:0000000:00000000."
	notAccessible     = "Resource not accessible by integration"
	defaultRateLimit  = 5000
	rateLimitResource = "core"
)

// Token is what the server knows about an access token.
type Token struct {
	Login string
	// Bot marks an installation token (GITHUB_TOKEN, a GitHub App): the
	// user's type is "Bot", a write it may not make is refused with 403
	// "Resource not accessible by integration", and the commits it creates
	// without an author are signed. A user's token without write access
	// gets 404 on writes instead, as github.com answers.
	Bot bool
	// Write allows pushes, pull requests, reviews, issues and labels.
	Write bool
	// Limit is the primary rate limit per hour (0: 5000); Remaining starts
	// at Limit unless set.
	Limit, Remaining int

	used          int
	reset         time.Time
	blockedUntil  time.Time // a secondary limit is in force until then
	blockedStatus int
	id            int64
}

// Fault makes matching requests fail.
type Fault struct {
	Method string // "" matches every method
	Path   string // a prefix of the request path, e.g. "/repos/o/r/git/trees"; "" matches every path
	After  int    // let this many matching requests through first
	Times  int    // how many matching requests fail: 0 means 1, a negative number all of them
	// Status is the HTTP status of the failure (500, 502, …). With
	// Secondary it is 403 (the default) or 429.
	Status int
	// Secondary answers as GitHub's secondary rate limit, with the
	// documented message and documentation_url. RetryAfter, rounded up to
	// whole seconds, goes in the Retry-After header, and until it has
	// passed every request of the token is refused the same way; when it
	// is zero there is no Retry-After, and clients fall back on
	// x-ratelimit-reset, the primary window's reset.
	Secondary  bool
	RetryAfter time.Duration

	seen, fired int
}

// Request is one request the server answered.
type Request struct {
	Time        time.Time
	Method      string
	Path        string
	Query       string
	Route       string // the pattern that served it, e.g. "POST /repos/{owner}/{repo}/git/trees"
	Login       string // the token's user, "" when unauthenticated
	Status      int
	Conditional bool // it carried If-None-Match or If-Modified-Since
}

// IsWrite reports whether the request could change state.
func (r Request) IsWrite() bool { return r.Method != http.MethodGet && r.Method != http.MethodHead }

// Server is a running fake API.
type Server struct {
	// URL is the API's base URL, without a trailing slash (go-github wants
	// it with one).
	URL string

	srv *httptest.Server
	mux *http.ServeMux

	mu      sync.Mutex
	tokens  map[string]*Token
	repos   map[string]*repo
	faults  []*Fault
	log     []Request
	nextID  int64
	clock   time.Time // the last Last-Modified handed out, strictly increasing
	nowFunc func() time.Time
}

// New starts a server; Close stops it.
func New() *Server {
	s := &Server{
		tokens:  make(map[string]*Token),
		repos:   make(map[string]*repo),
		nowFunc: time.Now,
	}
	s.routes()
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL
	return s
}

// Close shuts the server down.
func (s *Server) Close() { s.srv.Close() }

// Client is an HTTP client that reaches the server.
func (s *Server) Client() *http.Client { return s.srv.Client() }

// AddToken makes a token known.
func (s *Server) AddToken(token string, t Token) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t.Limit == 0 {
		t.Limit = defaultRateLimit
	}
	if t.Remaining == 0 {
		t.Remaining = t.Limit
	}
	t.used = t.Limit - t.Remaining
	t.reset = s.nowFunc().Add(time.Hour).Truncate(time.Second)
	t.id = s.newID()
	s.tokens[token] = &t
}

// SetRemaining sets how many requests the token has left in the current
// rate-limit window.
func (s *Server) SetRemaining(token string, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.mustToken(token)
	t.Remaining, t.used = n, t.Limit-n
}

// Remaining is how many requests the token has left.
func (s *Server) Remaining(token string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.mustToken(token).Remaining
}

// AddFault adds a fault; faults are tried in the order they were added.
func (s *Server) AddFault(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &f)
}

// Requests returns every request answered so far, oldest first.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.log)
}

// Count is the number of requests answered by the route ("GET
// /repos/{owner}/{repo}/pulls"); "" counts them all.
func (s *Server) Count(route string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if route == "" {
		return len(s.log)
	}
	n := 0
	for _, r := range s.log {
		if r.Route == route {
			n++
		}
	}
	return n
}

// CountByRoute is the number of requests per route.
func (s *Server) CountByRoute() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := make(map[string]int)
	for _, r := range s.log {
		m[r.Route]++
	}
	return m
}

// ResetRequests forgets the requests answered so far.
func (s *Server) ResetRequests() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.log = nil
}

func (s *Server) mustToken(token string) *Token {
	t, ok := s.tokens[token]
	if !ok {
		panic("githubtest: unknown token")
	}
	return t
}

func (s *Server) newID() int64 {
	s.nextID++
	return s.nextID
}

// tick returns a new Last-Modified time: whole seconds, later than every
// one handed out before, so that If-Modified-Since never misses a change
// made within the same second.
func (s *Server) tick() time.Time {
	now := s.nowFunc().UTC().Truncate(time.Second)
	if !now.After(s.clock) {
		now = s.clock.Add(time.Second)
	}
	s.clock = now
	return now
}

// serve runs every request: authentication, faults, the rate limit, the
// route, then ETag/Last-Modified and the 304 of a conditional request.
func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.nowFunc()
	entry := Request{
		Time: now, Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery,
		Conditional: r.Header.Get("If-None-Match") != "" || r.Header.Get("If-Modified-Since") != "",
	}
	rec := httptest.NewRecorder()
	token, tok := s.authenticate(r)
	switch {
	case tok == nil:
		msg := "Bad credentials"
		if token == "" {
			msg = "Requires authentication"
		}
		writeJSON(rec, http.StatusUnauthorized, map[string]string{"message": msg, "documentation_url": docsREST, "status": "401"})
		entry.Route = "unauthenticated"
	default:
		entry.Login = tok.Login
		if now.After(tok.reset) {
			tok.Remaining, tok.used, tok.reset = tok.Limit, 0, now.Add(time.Hour).Truncate(time.Second)
		}
		s.handle(rec, r, tok, now, &entry)
		s.rateHeaders(rec.Header(), tok)
	}
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	entry.Status = rec.Code
	w.WriteHeader(rec.Code)
	w.Write(rec.Body.Bytes())
	s.log = append(s.log, entry)
}

func (s *Server) handle(rec *httptest.ResponseRecorder, r *http.Request, tok *Token, now time.Time, entry *Request) {
	if now.Before(tok.blockedUntil) {
		s.secondary(rec, tok.blockedStatus, tok.blockedUntil.Sub(now))
		entry.Route = "secondary rate limit"
		return
	}
	if f := s.fault(r); f != nil {
		if f.Secondary {
			tok.blockedUntil, tok.blockedStatus = now.Add(f.RetryAfter), f.Status
			s.secondary(rec, f.Status, f.RetryAfter)
			entry.Route = "secondary rate limit"
			return
		}
		writeJSON(rec, f.Status, map[string]string{"message": http.StatusText(f.Status), "documentation_url": docsREST})
		entry.Route = "fault"
		tok.Remaining, tok.used = max(tok.Remaining-1, 0), tok.used+1
		return
	}
	if tok.Remaining <= 0 {
		writeJSON(rec, http.StatusForbidden, map[string]string{
			"message":           fmt.Sprintf("API rate limit exceeded for user ID %d.", tok.id),
			"documentation_url": docsRateLimit,
		})
		entry.Route = "rate limit"
		return
	}
	if entry.Method != http.MethodGet && strings.HasPrefix(r.URL.Path, "/repos/") && !tok.Write {
		if tok.Bot {
			writeJSON(rec, http.StatusForbidden, map[string]string{"message": notAccessible, "documentation_url": docsREST, "status": "403"})
		} else {
			notFound(rec)
		}
		entry.Route = "forbidden"
		tok.Remaining, tok.used = tok.Remaining-1, tok.used+1
		return
	}

	r = r.WithContext(withToken(r.Context(), tok))
	s.mux.ServeHTTP(rec, r)
	entry.Route = r.Pattern
	if entry.Route == "" {
		entry.Route = r.Method + " " + r.URL.Path
	}
	if r.Method == http.MethodGet && rec.Code == http.StatusOK {
		s.conditional(rec, r)
	}
	if rec.Code != http.StatusNotModified {
		// A 304 to an authorized conditional request is free, as on github.com.
		tok.Remaining, tok.used = tok.Remaining-1, tok.used+1
	}
}

func (s *Server) authenticate(r *http.Request) (string, *Token) {
	auth := r.Header.Get("Authorization")
	scheme, token, ok := strings.Cut(auth, " ")
	if !ok || (!strings.EqualFold(scheme, "bearer") && !strings.EqualFold(scheme, "token")) {
		return "", nil
	}
	return token, s.tokens[token]
}

func (s *Server) fault(r *http.Request) *Fault {
	for _, f := range s.faults {
		if (f.Method != "" && f.Method != r.Method) || !strings.HasPrefix(r.URL.Path, f.Path) {
			continue
		}
		times := f.Times
		if times == 0 {
			times = 1
		}
		f.seen++
		if f.seen <= f.After || (times > 0 && f.fired >= times) {
			continue
		}
		f.fired++
		if f.Status == 0 {
			f.Status = http.StatusForbidden
		}
		return f
	}
	return nil
}

func (s *Server) secondary(rec *httptest.ResponseRecorder, status int, wait time.Duration) {
	if wait > 0 {
		secs := int((wait + time.Second - 1) / time.Second)
		rec.Header().Set("Retry-After", strconv.Itoa(secs))
	}
	writeJSON(rec, status, map[string]string{"message": secondaryMessage, "documentation_url": docsSecondary})
}

func (s *Server) rateHeaders(h http.Header, tok *Token) {
	h.Set("X-RateLimit-Limit", strconv.Itoa(tok.Limit))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(max(tok.Remaining, 0)))
	h.Set("X-RateLimit-Used", strconv.Itoa(tok.used))
	h.Set("X-RateLimit-Reset", strconv.FormatInt(tok.reset.Unix(), 10))
	h.Set("X-RateLimit-Resource", rateLimitResource)
}

// conditional adds the validators of a 200 GET and turns it into a 304 when
// the request's validators still match: If-None-Match first, and
// If-Modified-Since only without it (RFC 9110 §13.2.2).
func (s *Server) conditional(rec *httptest.ResponseRecorder, r *http.Request) {
	sum := sha256.Sum256(rec.Body.Bytes())
	etag := `W/"` + hex.EncodeToString(sum[:16]) + `"`
	h := rec.Header()
	h.Set("ETag", etag)
	h.Set("Cache-Control", "private, max-age=60, s-maxage=60")
	h.Set("Vary", "Accept, Authorization, Cookie, X-GitHub-OTP")
	var modified time.Time
	if rp := s.repos[repoKey(r.PathValue("owner"), r.PathValue("repo"))]; rp != nil {
		modified = rp.modified
		h.Set("Last-Modified", modified.Format(http.TimeFormat))
	}
	notModified := false
	if inm := r.Header.Get("If-None-Match"); inm != "" {
		notModified = etagMatch(inm, etag)
	} else if ims := r.Header.Get("If-Modified-Since"); ims != "" && !modified.IsZero() {
		t, err := http.ParseTime(ims)
		notModified = err == nil && !modified.After(t)
	}
	if notModified {
		rec.Code = http.StatusNotModified
		rec.Body = new(bytes.Buffer)
		h.Del("Content-Type")
		h.Del("Content-Length")
	}
}

// etagMatch is the weak comparison of If-None-Match.
func etagMatch(header, etag string) bool {
	weak := func(s string) string { return strings.TrimPrefix(strings.TrimSpace(s), "W/") }
	for _, t := range strings.Split(header, ",") {
		if strings.TrimSpace(t) == "*" || weak(t) == weak(etag) {
			return true
		}
	}
	return false
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-GitHub-Media-Type", "github.v3; format=json")
	w.WriteHeader(status)
	w.Write(b)
}

func notFound(w http.ResponseWriter) {
	writeJSON(w, http.StatusNotFound, map[string]string{"message": "Not Found", "documentation_url": docsREST, "status": "404"})
}

// unprocessable is GitHub's 422 with a message and, optionally, the
// "errors" list of a validation failure.
func unprocessable(w http.ResponseWriter, message string, errs ...any) {
	body := map[string]any{"message": message, "documentation_url": docsREST, "status": "422"}
	if len(errs) > 0 {
		body["errors"] = errs
	}
	writeJSON(w, http.StatusUnprocessableEntity, body)
}

func badJSON(w http.ResponseWriter) {
	writeJSON(w, http.StatusBadRequest, map[string]string{"message": "Problems parsing JSON", "documentation_url": docsREST, "status": "400"})
}

// decode reads a JSON request body; it answers 400 and returns false when
// the body is not JSON.
func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	if err := json.NewDecoder(r.Body).Decode(v); err != nil {
		badJSON(w)
		return false
	}
	return true
}

// paginate answers a list with GitHub's page and per_page parameters
// (30 by default, at most 100) and its Link header.
func paginate[T any](w http.ResponseWriter, r *http.Request, items []T) {
	q := r.URL.Query()
	per, _ := strconv.Atoi(q.Get("per_page"))
	if per <= 0 {
		per = 30
	}
	per = min(per, 100)
	page, _ := strconv.Atoi(q.Get("page"))
	page = max(page, 1)
	last := max((len(items)+per-1)/per, 1)
	lo, hi := min((page-1)*per, len(items)), min(page*per, len(items))
	link := func(p int, rel string) string {
		u := *r.URL
		u.Scheme, u.Host = "http", r.Host
		v := maps.Clone(q)
		v.Set("page", strconv.Itoa(p))
		u.RawQuery = v.Encode()
		return fmt.Sprintf("<%s>; rel=%q", u.String(), rel)
	}
	var links []string
	if page < last {
		links = append(links, link(page+1, "next"), link(last, "last"))
	}
	if page > 1 {
		links = append(links, link(1, "first"), link(page-1, "prev"))
	}
	if len(links) > 0 {
		w.Header().Set("Link", strings.Join(links, ", "))
	}
	page0 := items[lo:hi]
	if page0 == nil {
		page0 = []T{}
	}
	writeJSON(w, http.StatusOK, page0)
}

func timestamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

// nullable is a JSON string that is null when empty, as GitHub writes an
// absent body.
func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
