// Package llmtest is a scripted stand-in for the model APIs in tests: a local
// HTTP server that speaks OpenAI chat completions or Anthropic Messages the
// way the official SDKs do, checks the shape of each request, answers it
// with the next step of a script, and records the exchanges for golden
// files. No test needs a network.
//
//	srv := llmtest.NewOpenAI(t, llmtest.Status(429, "Retry-After: 2"), llmtest.Reply("ok"))
//	// point the client at srv.URL, then:
//	srv.CheckGolden(t, "testdata/golden/retry.json", *update)
package llmtest

import (
	"cmp"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// Server is a scripted model API. Requests that do not have the shape the
// SDK sends fail the test; the others get the script's steps in order.
type Server struct {
	// URL is the base URL to give the client: with /v1 for OpenAI (the SDK
	// adds /chat/completions), the server's root for Anthropic (the SDK adds
	// /v1/messages). The OpenAI server answers under any prefix, so
	// Root+"/inference" works too.
	URL  string
	Root string // the server's root URL

	t    testing.TB
	wire wire
	srv  *httptest.Server
	done chan struct{} // closed when the test ends, to release hanging requests

	mu        sync.Mutex
	inflight  int           // requests being answered
	most      int           // the most requests answered at once
	idle      chan struct{} // closed when inflight drops to 0
	script    []Step
	key       string // the credential required; "" accepts any
	n         int    // requests so far
	exchanges []Exchange
}

// Request is a request the server received, decoded.
type Request struct {
	N           int // 1 for the server's first request
	Method      string
	Path        string
	Header      http.Header
	Body        []byte // as sent
	Key         string // the credential sent: the Bearer token, or Anthropic's x-api-key
	Model       string
	System      string // the system prompt
	Messages    []Message
	MaxTokens   int      // max_tokens, or max_completion_tokens; 0 if absent
	Temperature *float64 // nil if absent
}

// Message is one message of a Request, its content flattened to text.
type Message struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

// Prompt is the content of the last message: the question being asked.
func (r Request) Prompt() string {
	if len(r.Messages) == 0 {
		return ""
	}
	return r.Messages[len(r.Messages)-1].Content
}

// NewOpenAI starts a server speaking OpenAI chat completions (as OpenAI,
// GitHub Models, Ollama, vLLM and llama.cpp do) that answers with steps. It
// stops when the test ends, and the test fails if steps are left unused.
func NewOpenAI(t testing.TB, steps ...Step) *Server { return start(t, openAIWire, steps) }

// NewGitHubModels starts a server speaking GitHub Models' inference API:
// OpenAI chat completions at /inference/chat/completions (Server.URL ends in
// /inference, as llm_base_url would), with a Bearer token and model ids
// of the form publisher/model ("openai/gpt-4.1"). Its rate limits are
// DailyLimit and MinuteLimit steps.
func NewGitHubModels(t testing.TB, steps ...Step) *Server { return start(t, githubWire, steps) }

// MaxInflight is the most requests the server was answering at once.
func (s *Server) MaxInflight() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.most
}

// NewAnthropic starts a server speaking Anthropic Messages that answers with
// steps. It stops when the test ends, and the test fails if steps are left
// unused.
func NewAnthropic(t testing.TB, steps ...Step) *Server { return start(t, anthropicWire, steps) }

func start(t testing.TB, w wire, steps []Step) *Server {
	t.Helper()
	s := &Server{t: t, wire: w, script: steps, done: make(chan struct{})}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.Root = s.srv.URL
	s.URL = s.srv.URL + w.base
	t.Cleanup(func() {
		close(s.done)
		s.srv.Close()
		s.mu.Lock()
		defer s.mu.Unlock()
		left := 0
		for _, st := range s.script {
			if !st.repeat {
				left++
			}
		}
		if left > 0 {
			t.Errorf("llmtest: %s server: %d scripted steps were never requested", w.name, left)
		}
	})
	return s
}

// RequireKey makes the server answer 401, in the provider's format, to
// requests that do not carry key. The 401's message quotes the key sent, as
// real servers partly do, so that tests can check it is not repeated.
func (s *Server) RequireKey(key string) *Server {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.key = key
	return s
}

// Add appends steps to the script.
func (s *Server) Add(steps ...Step) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.script = append(s.script, steps...)
}

// Requests returns the requests received so far, in the order they arrived.
// It first waits for the requests being answered, if any (for five seconds
// at most).
func (s *Server) Requests() []Request {
	s.settle()
	s.mu.Lock()
	defer s.mu.Unlock()
	reqs := make([]Request, len(s.exchanges))
	for i, e := range s.exchanges {
		reqs[i] = e.req
	}
	slices.SortFunc(reqs, func(a, b Request) int { return cmp.Compare(a.N, b.N) })
	return reqs
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	if s.inflight == 0 {
		s.idle = make(chan struct{})
	}
	s.inflight++
	s.most = max(s.most, s.inflight)
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.inflight--; s.inflight == 0 {
			close(s.idle)
		}
	}()

	body, _ := io.ReadAll(r.Body)
	req := Request{Method: r.Method, Path: r.URL.Path, Header: r.Header.Clone(), Body: body}
	problems := s.wire.parse(r, body, &req)

	s.mu.Lock()
	s.n++
	req.N = s.n
	key := s.key
	var step Step
	var ok bool
	if len(problems) == 0 && (key == "" || req.Key == key) {
		step, ok = s.next()
	}
	s.mu.Unlock()

	var a answer
	switch {
	case len(problems) > 0:
		s.t.Errorf("llmtest: request %d (%s %s) is not what the SDK should send: %s", req.N, r.Method, r.URL.Path, strings.Join(problems, "; "))
		a = s.wire.fail(http.StatusBadRequest, "llmtest: "+strings.Join(problems, "; "), nil)
	case key != "" && req.Key != key:
		a = s.wire.fail(http.StatusUnauthorized, "Incorrect API key provided: "+req.Key, nil)
	case !ok:
		s.t.Errorf("llmtest: request %d: the script has no step left", req.N)
		a = s.wire.fail(http.StatusInternalServerError, "llmtest: the script has no step left", nil)
	default:
		for step.kind == kindFunc {
			step = step.fn(req)
		}
		a = s.wire.answer(step, req)
	}

	if a.wait > 0 || a.hang {
		var timeout <-chan time.Time
		if !a.hang {
			timer := time.NewTimer(a.wait)
			defer timer.Stop()
			timeout = timer.C
		}
		select {
		case <-timeout:
		case <-r.Context().Done():
			a = answer{note: "the client gave up before the answer"}
		case <-s.done:
			a = answer{note: "the test ended before the answer"}
		}
	}
	if a.status == 0 {
		s.record(req, a, nil)
		return
	}
	for _, h := range a.header {
		name, value, _ := strings.Cut(h, ":")
		w.Header().Add(strings.TrimSpace(name), strings.TrimSpace(value))
	}
	w.Header().Set("Content-Type", "application/json")
	// Recorded before it is sent, so that the client never sees an answer
	// that Exchanges does not show yet.
	s.record(req, a, w.Header())
	w.WriteHeader(a.status)
	w.Write(a.body)
}

// settle waits, for a few seconds at most, until no request is being
// answered: a request the client gave up on is recorded only when the
// server notices.
func (s *Server) settle() {
	timeout := time.NewTimer(5 * time.Second)
	defer timeout.Stop()
	for {
		s.mu.Lock()
		idle, busy := s.idle, s.inflight > 0
		s.mu.Unlock()
		if !busy {
			return
		}
		select {
		case <-idle:
		case <-timeout.C:
			return
		}
	}
}

// next pops the script's next step; s.mu is held.
func (s *Server) next() (Step, bool) {
	if len(s.script) == 0 {
		return Step{}, false
	}
	st := s.script[0]
	if !st.repeat {
		s.script = s.script[1:]
	}
	return st, true
}

// answer is what the server sends back for one request.
type answer struct {
	status int // 0: nothing is sent
	header []string
	body   []byte
	wait   time.Duration
	hang   bool
	note   string
}
