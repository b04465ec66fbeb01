package llm_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/agentic-optimizer/optimizer/internal/llm"
	"github.com/agentic-optimizer/optimizer/internal/llm/llmtest"
)

// clock is a fake clock that sleeping advances.
type clock struct {
	mu    sync.Mutex
	now   time.Time
	waits []time.Duration
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.waits = append(c.waits, d)
	c.mu.Unlock()
	return ctx.Err()
}

// githubRouter is a router over GitHub Models at srv, with fallback (an
// OpenAI server) when it is not nil, on the fake clock c.
func githubRouter(t *testing.T, srv, fallback *llmtest.Server, c *clock, edit func(*llm.Config)) *llm.Router {
	t.Helper()
	cfg := llm.Config{Primary: "github:openai/gpt-4.1", BaseURL: srv.URL, Sleep: c.Sleep, Now: c.Now, Jitter: func() float64 { return 0.5 }}
	env := map[string]string{"GITHUB_TOKEN": "ghs_modelsToken0123456789"}
	if fallback != nil {
		cfg.Fallback = "openai:gpt-4.1-mini"
		env["OPENAI_API_KEY"], env["OPENAI_BASE_URL"] = "sk-test-0123456789abcdefghij", fallback.URL
	}
	if edit != nil {
		edit(&cfg)
	}
	r, err := llm.New(cfg, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func askAs(r *llm.Router, task string) (*llm.Response, error) {
	q := question
	q.Task = task
	return r.Complete(context.Background(), q)
}

// TestDailyLimit: GitHub Models' 429 for the day is not retried; the model
// is not asked again in the run, the fallback answers instead, and without
// a fallback nothing more is sent at all.
func TestDailyLimit(t *testing.T) {
	t.Run("with a fallback", func(t *testing.T) {
		gh := llmtest.NewGitHubModels(t, llmtest.Reply("one"), llmtest.DailyLimit(50, 6*time.Hour))
		oa := llmtest.NewOpenAI(t, llmtest.Always(llmtest.Reply("from the fallback")))
		c := &clock{now: testNow}
		r := githubRouter(t, gh, oa, c, nil)
		for i, want := range []string{"one", "from the fallback", "from the fallback"} {
			resp, err := askAs(r, "t")
			if err != nil || resp.Text != want {
				t.Fatalf("request %d: %+v, %v; want %q", i+1, resp, err, want)
			}
		}
		if n := len(gh.Requests()); n != 2 {
			t.Errorf("GitHub Models got %d requests, want 2: none after its daily limit", n)
		}
		if len(c.waits) != 1 || c.waits[0] != time.Minute/llm.GitHubRequestsPerMinute {
			t.Errorf("waited %v, want the pace's one wait and none for the daily limit", c.waits)
		}
		u := r.Usage()
		why := u.SetAside["github:openai/gpt-4.1"]
		if !strings.Contains(why, "daily request limit") || !strings.Contains(why, "not asked again") {
			t.Errorf("set aside %q, want the daily limit", u.SetAside)
		}
		if gm := u.ByModel["github:openai/gpt-4.1"]; gm.Requests != 2 || gm.Failed != 1 || gm.Attempts != 2 {
			t.Errorf("GitHub Models' totals %+v, want 2 calls, 1 failed, 2 HTTP requests", gm)
		}
	})
	t.Run("alone", func(t *testing.T) {
		gh := llmtest.NewGitHubModels(t, llmtest.DailyLimit(150, time.Hour))
		r := githubRouter(t, gh, nil, &clock{now: testNow}, nil)
		_, err := askAs(r, "first")
		var e *llm.Error
		if !errors.As(err, &e) || e.Kind != llm.KindQuota || !errors.Is(err, llm.ErrLimit) || e.RetryAfter != time.Hour {
			t.Fatalf("error %v, want a quota error wrapping ErrLimit, reset in 1h", err)
		}
		_, err = askAs(r, "second")
		if !errors.Is(err, llm.ErrLimit) || len(gh.Requests()) != 1 {
			t.Fatalf("second call: %v after %d requests; want ErrLimit, nothing sent", err, len(gh.Requests()))
		}
		u := r.Usage()
		if len(u.Unasked) != 2 || u.Unasked[0] != "first" || u.Unasked[1] != "second" || u.ByTask["second"].Limited != 1 || u.ByTask["second"].Attempts != 0 {
			t.Errorf("unasked %v, by task %+v; want both tasks unasked, the second without a request", u.Unasked, u.ByTask)
		}
	})
}

// TestMinuteLimit: a 429 for the minute is waited out as Retry-After says.
func TestMinuteLimit(t *testing.T) {
	gh := llmtest.NewGitHubModels(t, llmtest.MinuteLimit(10, 20*time.Second), llmtest.Reply("after the wait"))
	c := &clock{now: testNow}
	r := githubRouter(t, gh, nil, c, func(cfg *llm.Config) { cfg.RequestsPerMinute = -1 })
	resp, err := askAs(r, "t")
	if err != nil || resp.Text != "after the wait" {
		t.Fatalf("%+v, %v", resp, err)
	}
	if len(c.waits) != 1 || c.waits[0] != 20*time.Second {
		t.Errorf("waited %v, want [20s]", c.waits)
	}
	if len(r.Usage().SetAside) != 0 {
		t.Errorf("a minute's limit set the model aside: %v", r.Usage().SetAside)
	}
}

// TestRequestBudget: llm_max_requests counts HTTP requests, retries
// included; a model past it is not asked again, and its fallback answers.
func TestRequestBudget(t *testing.T) {
	gh := llmtest.NewGitHubModels(t, llmtest.Status(500), llmtest.Reply("one"), llmtest.Reply("two"))
	oa := llmtest.NewOpenAI(t, llmtest.Always(llmtest.Reply("fallback")))
	r := githubRouter(t, gh, oa, &clock{now: testNow}, func(cfg *llm.Config) { cfg.MaxRequests = 3 })
	var got []string
	for range 3 {
		resp, err := askAs(r, "t")
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, resp.Text)
	}
	if strings.Join(got, ",") != "one,two,fallback" || len(gh.Requests()) != 3 {
		t.Errorf("answers %v after %d GitHub requests; want one,two from GitHub (a retry counted), then the fallback", got, len(gh.Requests()))
	}
	if why := r.Usage().SetAside["github:openai/gpt-4.1"]; !strings.Contains(why, "llm_max_requests 3") {
		t.Errorf("set aside %q", why)
	}
}

// TestConcurrencyAndPace: requests to GitHub Models keep to its default
// cap on requests in flight and its pace per minute.
func TestConcurrencyAndPace(t *testing.T) {
	t.Run("in flight", func(t *testing.T) {
		gh := llmtest.NewGitHubModels(t, llmtest.Always(llmtest.Reply("ok").After(50*time.Millisecond)))
		r := githubRouter(t, gh, nil, &clock{now: testNow}, func(cfg *llm.Config) { cfg.RequestsPerMinute = -1 })
		var wg sync.WaitGroup
		for range 6 {
			wg.Go(func() {
				if _, err := askAs(r, "t"); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if n := gh.MaxInflight(); n != llm.GitHubMaxConcurrent {
			t.Errorf("%d requests in flight at once, want %d", n, llm.GitHubMaxConcurrent)
		}
	})
	t.Run("pace", func(t *testing.T) {
		gh := llmtest.NewGitHubModels(t, llmtest.Always(llmtest.Reply("ok")))
		c := &clock{now: testNow}
		r := githubRouter(t, gh, nil, c, nil)
		for range 3 {
			if _, err := askAs(r, "t"); err != nil {
				t.Fatal(err)
			}
		}
		gap := time.Minute / llm.GitHubRequestsPerMinute
		if len(c.waits) != 2 || c.waits[0] != gap || c.waits[1] != gap {
			t.Errorf("waited %v, want two waits of %s (%d requests a minute)", c.waits, gap, llm.GitHubRequestsPerMinute)
		}
	})
}
