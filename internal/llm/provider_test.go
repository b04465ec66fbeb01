package llm_test

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/agentic-optimizer/optimizer/internal/llm"
	"github.com/agentic-optimizer/optimizer/internal/llm/llmtest"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// testNow is the fake clock's time: fixed, so durations in records are 0
// and Retry-After dates are exact.
var testNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// harness stands in for the clock, the sleeper and the log of a Router.
type harness struct {
	mu      sync.Mutex
	waits   []time.Duration
	logs    []string
	onSleep func()
}

func (h *harness) sleep(ctx context.Context, d time.Duration) error {
	h.mu.Lock()
	h.waits = append(h.waits, d)
	f := h.onSleep
	h.mu.Unlock()
	if f != nil {
		f()
	}
	return ctx.Err()
}

func (h *harness) logf(format string, args ...any) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.logs = append(h.logs, fmt.Sprintf(format, args...))
}

func (h *harness) Waits() []time.Duration {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.waits)
}

func (h *harness) Logs() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return strings.Join(h.logs, "\n")
}

// newRouter is llm.New with the fake clock, a sleeper that records and does
// not wait, jitter fixed at one half, and env as the environment.
func newRouter(t *testing.T, cfg llm.Config, env map[string]string) (*llm.Router, *harness) {
	t.Helper()
	h := &harness{}
	cfg.Sleep = h.sleep
	cfg.Now = func() time.Time { return testNow }
	cfg.Jitter = func() float64 { return 0.5 }
	cfg.Logf = h.logf
	if cfg.Timeout == 0 {
		cfg.Timeout = 10 * time.Second
	}
	r, err := llm.New(cfg, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	return r, h
}

// wireCase is one way of reaching a model: a provider and a server speaking
// its format.
type wireCase struct {
	name   string
	start  func(testing.TB, ...llmtest.Step) *llmtest.Server
	config func(srv *llmtest.Server, key string) (llm.Config, map[string]string)
	keyVar string // the variable named when the credential is refused
	golden bool   // whether the error paths are kept as golden files too
}

var wires = []wireCase{{
	name:  "openai",
	start: llmtest.NewOpenAI,
	config: func(srv *llmtest.Server, key string) (llm.Config, map[string]string) {
		return llm.Config{Primary: "openai:gpt-4.1", BaseURL: srv.URL}, map[string]string{"OPENAI_API_KEY": key}
	},
	keyVar: "check OPENAI_API_KEY",
	golden: true,
}, {
	name:  "github",
	start: llmtest.NewOpenAI,
	config: func(srv *llmtest.Server, key string) (llm.Config, map[string]string) {
		// No pacing: these tests count the waits of retries alone.
		return llm.Config{Primary: "github:openai/gpt-4.1", BaseURL: srv.Root + "/inference", MaxConcurrent: -1, RequestsPerMinute: -1},
			map[string]string{"GITHUB_TOKEN": key, "OPENAI_API_KEY": "sk-not-for-github"}
	},
	keyVar: "check GITHUB_TOKEN",
}, {
	name:  "anthropic",
	start: llmtest.NewAnthropic,
	config: func(srv *llmtest.Server, key string) (llm.Config, map[string]string) {
		return llm.Config{Primary: "anthropic:claude-sonnet-4-5"}, map[string]string{"ANTHROPIC_API_KEY": key, "ANTHROPIC_BASE_URL": srv.URL}
	},
	keyVar: "check ANTHROPIC_API_KEY",
	golden: true,
}, {
	name:  "ollama",
	start: llmtest.NewOpenAI,
	config: func(srv *llmtest.Server, key string) (llm.Config, map[string]string) {
		return llm.Config{Primary: "ollama:llama3:8b", BaseURL: srv.URL}, nil
	},
	keyVar: "none is configured",
}}

// question is the request the tests ask.
var question = llm.Request{
	Task:        "task-1",
	System:      "You optimize Go code. Answer with SEARCH/REPLACE blocks.",
	Messages:    []llm.Message{{Role: llm.RoleUser, Content: "Make this faster:\n\nfunc sum(xs []int) (n int) {\n\tfor i := range xs {\n\t\tn += xs[i]\n\t}\n\treturn\n}\n"}},
	Temperature: new(0.2),
	MaxTokens:   512,
}

const testKey = "sk-test-0123456789"

func golden(name string) string { return filepath.Join("testdata", "golden", name+".json") }

// TestReply sends one request through each provider and compares the
// exchange — the request the SDK built, the answer — with a golden file.
func TestReply(t *testing.T) {
	for _, w := range wires {
		t.Run(w.name, func(t *testing.T) {
			srv := w.start(t, llmtest.Reply("Use a range over values.").Usage(57, 9))
			cfg, env := w.config(srv, testKey)
			r, _ := newRouter(t, cfg, env)

			resp, err := r.Complete(context.Background(), question)
			if err != nil {
				t.Fatal(err)
			}
			if resp.Text != "Use a range over values." || resp.Provider != r.Name() || resp.Usage.PromptTokens != 57 || resp.Usage.CompletionTokens != 9 || resp.Refused {
				t.Errorf("response %+v", resp)
			}
			reqs := srv.Requests()
			if len(reqs) != 1 {
				t.Fatalf("%d requests, want 1", len(reqs))
			}
			got := reqs[0]
			_, model, _ := llm.ParseModel(r.Name())
			if got.Model != model || resp.Model != model || got.System != question.System || !slices.Equal(got.Messages, []llmtest.Message{{Role: "user", Content: question.Messages[0].Content}}) || got.MaxTokens != 512 {
				t.Errorf("the server got %+v", got)
			}
			if w.name == "ollama" {
				if got.Key != "" {
					t.Errorf("a key was sent to ollama")
				}
			} else if got.Key != testKey {
				t.Errorf("the server got the key %q, want %q", got.Key, testKey)
			}
			if w.name == "anthropic" {
				if got.Temperature != nil {
					t.Errorf("temperature sent to Anthropic, whose API dropped it")
				}
			} else if got.Temperature == nil || *got.Temperature != 0.2 {
				t.Errorf("temperature %v, want 0.2", got.Temperature)
			}
			srv.CheckGolden(t, golden(w.name+"/reply"), *update)
		})
	}
}

// TestErrorPaths scripts each way a request fails, on each provider, and
// checks what the Router makes of it: retried or not, after which wait,
// with which error.
func TestErrorPaths(t *testing.T) {
	type result struct {
		text     string   // the answer, when one is expected
		kind     llm.Kind // else the kind of the error
		is       error    // and a sentinel it wraps, if any
		says     string   // and a part of its text
		waits    []time.Duration
		attempts int
	}
	const backoff0, backoff1, backoff2 = 750 * time.Millisecond, 1500 * time.Millisecond, 3 * time.Second
	tests := []struct {
		name    string
		script  []llmtest.Step
		timeout time.Duration
		want    result
	}{{
		name:   "429-retry-after",
		script: []llmtest.Step{llmtest.Status(429, "Retry-After: 2"), llmtest.Reply("ok")},
		want:   result{text: "ok", waits: []time.Duration{2 * time.Second}, attempts: 2},
	}, {
		name:   "429-retry-after-date",
		script: []llmtest.Step{llmtest.Status(429, "Retry-After: "+testNow.Add(3*time.Second).Format(http.TimeFormat)), llmtest.Reply("ok")},
		want:   result{text: "ok", waits: []time.Duration{3 * time.Second}, attempts: 2},
	}, {
		name:   "429-backoff",
		script: []llmtest.Step{llmtest.Status(429), llmtest.Reply("ok")},
		want:   result{text: "ok", waits: []time.Duration{backoff0}, attempts: 2},
	}, {
		name:   "429-retry-after-too-long",
		script: []llmtest.Step{llmtest.Status(429, "Retry-After: 120")},
		want:   result{kind: llm.KindRateLimit, says: "asks to wait 2m0s, more than the 1m0s allowed", attempts: 1},
	}, {
		name:   "500-then-ok",
		script: []llmtest.Step{llmtest.Status(500), llmtest.Reply("ok")},
		want:   result{text: "ok", waits: []time.Duration{backoff0}, attempts: 2},
	}, {
		name:   "529-overloaded-then-ok",
		script: []llmtest.Step{llmtest.Status(529).Message("Overloaded"), llmtest.Reply("ok")},
		want:   result{text: "ok", waits: []time.Duration{backoff0}, attempts: 2},
	}, {
		name:   "5xx-backoff-grows",
		script: []llmtest.Step{llmtest.Status(503), llmtest.Status(502), llmtest.Status(500), llmtest.Reply("ok")},
		want:   result{text: "ok", waits: []time.Duration{backoff0, backoff1, backoff2}, attempts: 4},
	}, {
		name:   "500-always",
		script: []llmtest.Step{llmtest.Always(llmtest.Status(500).Message("upstream exploded"))},
		want:   result{kind: llm.KindServer, says: "500 Internal Server Error: upstream exploded (4 attempts)", waits: []time.Duration{backoff0, backoff1, backoff2}, attempts: 4},
	}, {
		name:   "timeout-then-ok",
		script: []llmtest.Step{llmtest.Hang(), llmtest.Reply("ok")},
		// Each attempt gets this long: the answer that follows the hang
		// must arrive within it even on a loaded machine under -race (at
		// 50 ms a CI run cut the second request's body off).
		timeout: 500 * time.Millisecond,
		want:    result{text: "ok", waits: []time.Duration{backoff0}, attempts: 2},
	}, {
		name:   "truncated-then-ok",
		script: []llmtest.Step{llmtest.Truncated("a long answer that the connection cut"), llmtest.Reply("ok")},
		want:   result{text: "ok", waits: []time.Duration{backoff0}, attempts: 2},
	}, {
		name:   "truncated-always",
		script: []llmtest.Step{llmtest.Always(llmtest.Truncated("cut"))},
		want:   result{kind: llm.KindBadResponse, says: "not valid JSON", waits: []time.Duration{backoff0, backoff1, backoff2}, attempts: 4},
	}, {
		name:   "refusal",
		script: []llmtest.Step{llmtest.Refuse("I can't help with that.")},
		want:   result{kind: llm.KindRefused, is: llm.ErrRefused, says: "the model refused: I can't help with that.", attempts: 1},
	}, {
		name:   "empty",
		script: []llmtest.Step{llmtest.Empty()},
		want:   result{kind: llm.KindNoAnswer, is: llm.ErrNoAnswer, says: "no answer", attempts: 1},
	}, {
		name:   "400",
		script: []llmtest.Step{llmtest.Status(400).Message("max_tokens is too large")},
		want:   result{kind: llm.KindBadRequest, says: "400 Bad Request: max_tokens is too large", attempts: 1},
	}, {
		name:   "404",
		script: []llmtest.Step{llmtest.Status(404).Message("Unknown model")},
		want:   result{kind: llm.KindNotFound, says: "unknown model, or wrong base URL", attempts: 1},
	}, {
		name:   "401",
		script: []llmtest.Step{llmtest.Status(401).Message("Bad credentials")},
		want:   result{kind: llm.KindAuth, says: "401 Unauthorized", attempts: 1},
	}}
	for _, w := range wires {
		for _, tt := range tests {
			t.Run(w.name+"/"+tt.name, func(t *testing.T) {
				srv := w.start(t, tt.script...)
				cfg, env := w.config(srv, testKey)
				cfg.Timeout = tt.timeout
				r, h := newRouter(t, cfg, env)

				resp, err := r.Complete(context.Background(), question)
				if tt.want.text != "" {
					if err != nil || resp.Text != tt.want.text {
						t.Fatalf("Complete = %+v, %v; want the answer %q", resp, err, tt.want.text)
					}
				} else {
					var e *llm.Error
					if !errors.As(err, &e) || e.Kind != tt.want.kind {
						t.Fatalf("Complete = %+v, %v; want an error of kind %s", resp, err, tt.want.kind)
					}
					if tt.want.is != nil && !errors.Is(err, tt.want.is) {
						t.Errorf("error %q is not %q", err, tt.want.is)
					}
					says := tt.want.says
					if tt.name == "401" && !strings.Contains(err.Error(), w.keyVar) {
						t.Errorf("error %q does not say %q", err, w.keyVar)
					}
					if !strings.Contains(err.Error(), says) {
						t.Errorf("error %q does not say %q", err, says)
					}
					if strings.Contains(err.Error(), testKey) {
						t.Errorf("error %q shows the key", err)
					}
				}
				if got := h.Waits(); !slices.Equal(got, tt.want.waits) {
					t.Errorf("waited %v, want %v", got, tt.want.waits)
				}
				u := r.Usage()
				if len(u.Records) != 1 || u.Records[0].Attempts != tt.want.attempts || len(srv.Requests()) != tt.want.attempts {
					t.Errorf("records %+v, %d requests; want one record of %d attempts", u.Records, len(srv.Requests()), tt.want.attempts)
				}
				if w.golden {
					srv.CheckGolden(t, golden(w.name+"/"+tt.name), *update)
				}
			})
		}
	}
}
