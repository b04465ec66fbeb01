package llm_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/agentic-optimizer/optimizer/internal/llm"
	"github.com/agentic-optimizer/optimizer/internal/llm/llmtest"
)

func ask(task, prompt string) llm.Request {
	return llm.Request{Task: task, Messages: []llm.Message{{Role: llm.RoleUser, Content: prompt}}, MaxTokens: 300}
}

// twoModels is a primary on an OpenAI server and a fallback on an Anthropic
// one.
func twoModels(primary, fallback *llmtest.Server) (llm.Config, map[string]string) {
	return llm.Config{Primary: "openai:gpt-4.1", Fallback: "anthropic:claude-sonnet-4-5", BaseURL: primary.URL},
		map[string]string{"OPENAI_API_KEY": "sk-openai-SECRET", "ANTHROPIC_API_KEY": "sk-ant-SECRET", "ANTHROPIC_BASE_URL": fallback.URL}
}

func TestFallback(t *testing.T) {
	primary := llmtest.NewOpenAI(t, llmtest.Always(llmtest.Status(500)))
	fallback := llmtest.NewAnthropic(t, llmtest.Reply("from claude"))
	cfg, env := twoModels(primary, fallback)
	r, h := newRouter(t, cfg, env)

	resp, err := r.Complete(context.Background(), ask("t", "hi"))
	if err != nil {
		t.Fatal(err)
	}
	if resp.Text != "from claude" || resp.Provider != "anthropic:claude-sonnet-4-5" {
		t.Errorf("response %+v, want the fallback's", resp)
	}
	if n := len(primary.Requests()); n != 4 {
		t.Errorf("the primary got %d requests, want 4 (1 + 3 retries)", n)
	}
	if !strings.Contains(h.Logs(), "falling back to anthropic:claude-sonnet-4-5") {
		t.Errorf("the log does not tell of the fallback:\n%s", h.Logs())
	}
	u := r.Usage()
	if len(u.Records) != 2 || u.Records[0].Error == "" || u.Records[0].Attempts != 4 || u.Records[1].Error != "" || u.Failed != 1 || u.Requests != 2 {
		t.Errorf("usage %+v", u)
	}
}

// TestBothFail is the run whose models all fail: the error names each
// model's reason, and never a key.
func TestBothFail(t *testing.T) {
	primary := llmtest.NewOpenAI(t, llmtest.Always(llmtest.Status(500).Message("upstream exploded")))
	fallback := llmtest.NewAnthropic(t).RequireKey("the-right-key")
	cfg, env := twoModels(primary, fallback)
	r, _ := newRouter(t, cfg, env)

	_, err := r.Complete(context.Background(), ask("t", "hi"))
	var ex *llm.ExhaustedError
	if !errors.As(err, &ex) || len(ex.Errs) != 2 {
		t.Fatalf("error %v, want an *ExhaustedError of two", err)
	}
	var kinds []llm.Kind
	for _, e := range ex.Errs {
		var le *llm.Error
		if errors.As(e, &le) {
			kinds = append(kinds, le.Kind)
		}
	}
	if fmt.Sprint(kinds) != "[server auth]" {
		t.Errorf("kinds %v, want [server auth]", kinds)
	}
	for _, s := range []string{
		"openai:gpt-4.1: 500 Internal Server Error: upstream exploded (4 attempts)",
		"anthropic:claude-sonnet-4-5: 401 Unauthorized: the server refused the credential; check ANTHROPIC_API_KEY",
	} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q does not say %q", err, s)
		}
	}
	if errors.Is(err, llm.ErrBudget) || errors.Is(err, llm.ErrRefused) {
		t.Errorf("error %q is a budget or refusal error", err)
	}
}

// TestSecrets: a rejected key never shows in an error, a log line or the
// usage summary, even when the server quotes it back.
func TestSecrets(t *testing.T) {
	const key = "sk-live-SECRET-4242"
	for _, w := range wires {
		if w.name == "ollama" {
			continue
		}
		t.Run(w.name, func(t *testing.T) {
			srv := w.start(t).RequireKey("the-right-key")
			cfg, env := w.config(srv, key)
			r, h := newRouter(t, cfg, env)
			_, err := r.Complete(context.Background(), question)
			if err == nil {
				t.Fatal("no error from a rejected key")
			}
			if !strings.Contains(err.Error(), w.keyVar) || !strings.Contains(err.Error(), "Incorrect API key provided: [REDACTED]") {
				t.Errorf("error %q does not name %q, or does not redact the server's message", err, w.keyVar)
			}
			summary, _ := json.Marshal(r.Usage())
			for what, s := range map[string]string{"error": err.Error(), "log": h.Logs(), "summary": string(summary)} {
				if strings.Contains(s, key) {
					t.Errorf("the %s shows the key: %s", what, s)
				}
			}
		})
	}
}

func TestBudgetTokens(t *testing.T) {
	srv := llmtest.NewOpenAI(t, llmtest.Reply("first").Usage(500, 400))
	r, _ := newRouter(t, llm.Config{Primary: "ollama:llama3", BaseURL: srv.URL, BudgetTokens: 1000}, nil)

	if _, err := r.Complete(context.Background(), ask("t", "hi")); err != nil {
		t.Fatal(err)
	}
	// 900 used, 100 left: not enough for a prompt and a useful answer. The
	// server has no step left, so a request would fail the test.
	_, err := r.Complete(context.Background(), ask("t", "hi again"))
	if !errors.Is(err, llm.ErrBudget) {
		t.Fatalf("error %v, want ErrBudget", err)
	}
	var ex *llm.ExhaustedError
	if errors.As(err, &ex) {
		t.Errorf("a budget error is reported as every model failing: %v", err)
	}
	u := r.Usage()
	if !u.Budget.Spent || u.Budget.UsedTokens != 900 || u.Budget.Tokens != 1000 || len(u.Records) != 2 || u.Records[1].Attempts != 0 {
		t.Errorf("usage %+v", u)
	}
}

// TestBudgetClipsCompletion: a request is sent with its completion cap
// lowered to what the budget can still pay for.
func TestBudgetClipsCompletion(t *testing.T) {
	srv := llmtest.NewOpenAI(t, llmtest.Reply("ok"))
	r, _ := newRouter(t, llm.Config{Primary: "ollama:llama3", BaseURL: srv.URL, BudgetTokens: 1000}, nil)
	req := ask("t", strings.Repeat("x", 400)) // about 104 tokens with the framing
	req.MaxTokens = 4000
	if _, err := r.Complete(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	if got := srv.Requests()[0].MaxTokens; got != 1000-104 {
		t.Errorf("max_tokens %d, want %d", got, 1000-104)
	}
}

func TestBudgetCost(t *testing.T) {
	srv := llmtest.NewOpenAI(t, llmtest.Reply("ok").Usage(1000, 1000))
	prices := map[string]llm.Price{"gpt-4.1": {PromptPerMTok: 2, CompletionPerMTok: 8}}
	r, _ := newRouter(t, llm.Config{Primary: "openai:gpt-4.1", BaseURL: srv.URL, BudgetUSD: 0.01, Prices: prices}, map[string]string{"OPENAI_API_KEY": "k"})

	resp, err := r.Complete(context.Background(), ask("t", "hi"))
	if err != nil {
		t.Fatal(err)
	}
	if resp.Usage.CostUSD != 0.01 {
		t.Errorf("cost %v, want 0.01", resp.Usage.CostUSD)
	}
	if _, err := r.Complete(context.Background(), ask("t", "hi")); !errors.Is(err, llm.ErrBudget) || !strings.Contains(err.Error(), "$0.0100 of $0.01") {
		t.Errorf("error %v, want ErrBudget saying what was spent", err)
	}
}

// TestUsage totals usage per task and per model, and keeps the summary's
// JSON — what goes into report.json — in a golden file.
func TestUsage(t *testing.T) {
	primary := llmtest.NewOpenAI(t,
		llmtest.Reply("a1").Usage(100, 10),
		llmtest.Reply("b1").Usage(200, 20),
		llmtest.Status(503), llmtest.Reply("a2").Usage(300, 30),
		llmtest.Refuse("no").Usage(50, 5),
	)
	fallback := llmtest.NewAnthropic(t, llmtest.Reply("b2").Usage(400, 40))
	cfg, env := twoModels(primary, fallback)
	cfg.Prices = map[string]llm.Price{"openai:gpt-4.1": {PromptPerMTok: 2, CompletionPerMTok: 8}}
	r, _ := newRouter(t, cfg, env)

	for _, req := range []llm.Request{ask("a", "1"), ask("b", "1"), ask("a", "2"), ask("b", "2")} {
		if _, err := r.Complete(context.Background(), req); err != nil {
			t.Fatal(err)
		}
	}
	u := r.Usage()
	a, b := u.ByTask["a"], u.ByTask["b"]
	if a.PromptTokens != 400 || a.CompletionTokens != 40 || a.Attempts != 3 || a.Requests != 2 {
		t.Errorf("task a: %+v", a)
	}
	if b.PromptTokens != 650 || b.CompletionTokens != 65 || b.Requests != 3 || b.Failed != 1 {
		t.Errorf("task b: %+v", b)
	}
	if u.PromptTokens != 1050 || u.CompletionTokens != 105 || u.ByModel["anthropic:claude-sonnet-4-5"].PromptTokens != 400 {
		t.Errorf("totals %+v", u.Totals)
	}
	got, err := json.MarshalIndent(u, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	llmtest.Golden(t, golden("summary"), append(got, '\n'), *update)
}

// TestNoUsageReported: a server that reports no usage is charged an
// estimate.
func TestNoUsageReported(t *testing.T) {
	body := `{"id":"x","object":"chat.completion","created":1,"model":"llama3","choices":[{"index":0,"message":{"role":"assistant","content":"12345678"},"finish_reason":"stop"}]}`
	srv := llmtest.NewOpenAI(t, llmtest.Raw(200, body))
	r, _ := newRouter(t, llm.Config{Primary: "ollama:llama3", BaseURL: srv.URL}, nil)
	resp, err := r.Complete(context.Background(), ask("t", "12345678"))
	if err != nil {
		t.Fatal(err)
	}
	if want := (llm.Usage{PromptTokens: 6, CompletionTokens: 2, Estimated: true}); resp.Usage != want {
		t.Errorf("usage %+v, want %+v", resp.Usage, want)
	}
}

// TestCanceled: a canceled context ends the call at once, without trying
// the fallback.
func TestCanceled(t *testing.T) {
	primary := llmtest.NewOpenAI(t, llmtest.Status(500))
	fallback := llmtest.NewAnthropic(t)
	cfg, env := twoModels(primary, fallback)
	r, h := newRouter(t, cfg, env)
	ctx, cancel := context.WithCancel(context.Background())
	h.onSleep = cancel // the caller gives up while the router waits to retry

	_, err := r.Complete(ctx, ask("t", "hi"))
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error %v, want context.Canceled", err)
	}
	if len(fallback.Requests()) != 0 {
		t.Errorf("the fallback was asked after the caller gave up")
	}
}

func TestBadRequest(t *testing.T) {
	srv := llmtest.NewOpenAI(t)
	r, _ := newRouter(t, llm.Config{Primary: "ollama:llama3", BaseURL: srv.URL}, nil)
	for _, req := range []llm.Request{
		{},
		{Messages: []llm.Message{{Role: "system", Content: "x"}}},
	} {
		if _, err := r.Complete(context.Background(), req); err == nil {
			t.Errorf("Complete(%+v) succeeded", req)
		}
	}
}

// TestConcurrent has many agents share one router and one budget; run it
// with -race. The budget holds however the requests interleave.
func TestConcurrent(t *testing.T) {
	srv := llmtest.NewOpenAI(t, llmtest.Always(llmtest.Reply("ok").Usage(10, 290)))
	// Each request reserves its prompt (about 5 tokens) and 300 of answer:
	// at most 10 fit in 3100.
	r, _ := newRouter(t, llm.Config{Primary: "ollama:llama3", BaseURL: srv.URL, BudgetTokens: 3100}, nil)

	const agents = 30
	var wg sync.WaitGroup
	errs := make([]error, agents)
	for i := range agents {
		wg.Go(func() {
			_, errs[i] = r.Complete(context.Background(), ask(fmt.Sprintf("task-%d", i%3), "hi"))
		})
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case !errors.Is(err, llm.ErrBudget):
			t.Errorf("unexpected error %v", err)
		}
	}
	u := r.Usage()
	if ok == 0 || ok > 10 || u.Budget.UsedTokens != ok*300 || u.Budget.UsedTokens > 3100 || u.Requests != agents || len(srv.Requests()) != ok {
		t.Errorf("%d answered; usage %+v; %d requests reached the server", ok, u.Totals, len(srv.Requests()))
	}
	sum := 0
	for _, tt := range u.ByTask {
		sum += tt.Requests
	}
	if sum != agents {
		t.Errorf("per-task requests add up to %d, want %d", sum, agents)
	}
}

// TestFailingPrimaryIsSetAside: a primary that failed as a whole is not
// asked again until its cooldown ends, so a dead server costs its retries
// once per cooldown rather than on every request.
func TestFailingPrimaryIsSetAside(t *testing.T) {
	primary := llmtest.NewOpenAI(t, llmtest.Always(llmtest.Status(500)))
	fallback := llmtest.NewAnthropic(t, llmtest.Reply("one"), llmtest.Reply("two"), llmtest.Reply("three"))
	cfg, env := twoModels(primary, fallback)
	now := testNow
	h := &harness{}
	cfg.Sleep, cfg.Logf, cfg.Jitter = h.sleep, h.logf, func() float64 { return 0.5 }
	cfg.Now = func() time.Time { return now }
	r, err := llm.New(cfg, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []struct {
		text    string
		primary int // requests the primary has had after this call
	}{{"one", 4}, {"two", 4}, {"three", 8}} {
		if i == 2 {
			now = now.Add(3 * time.Minute) // past the cooldown: the primary is tried again
		}
		resp, err := r.Complete(context.Background(), ask("t", "hi"))
		if err != nil {
			t.Fatal(err)
		}
		if resp.Text != want.text {
			t.Errorf("call %d answered %q, want %q", i+1, resp.Text, want.text)
		}
		if n := len(primary.Requests()); n != want.primary {
			t.Errorf("after call %d the primary had %d requests, want %d", i+1, n, want.primary)
		}
	}
	if !strings.Contains(h.Logs(), "openai:gpt-4.1 is set aside for 2m0s") {
		t.Errorf("the log does not say the primary was set aside:\n%s", h.Logs())
	}
}

// TestOnlyProviderIsRetriedEvenWhenDown: with every provider cooling down,
// requests still go out rather than fail untried.
func TestOnlyProviderIsRetriedEvenWhenDown(t *testing.T) {
	srv := llmtest.NewOpenAI(t, llmtest.Status(401), llmtest.Reply("back"))
	r, _ := newRouter(t, llm.Config{Primary: "openai:gpt-4.1", BaseURL: srv.URL}, map[string]string{"OPENAI_API_KEY": "sk-test-key"})
	if _, err := r.Complete(context.Background(), ask("t", "hi")); err == nil {
		t.Fatal("the first call succeeded against a 401")
	}
	resp, err := r.Complete(context.Background(), ask("t", "again"))
	if err != nil || resp.Text != "back" {
		t.Fatalf("second call = %v, %v; want the server asked again", resp, err)
	}
}

// TestPrefer asks the fallback first when a request prefers it, and falls
// back to the primary when the preferred model fails.
func TestPrefer(t *testing.T) {
	primary := llmtest.NewOpenAI(t, llmtest.Reply("from gpt"), llmtest.Reply("from gpt again"))
	fallback := llmtest.NewAnthropic(t, llmtest.Reply("from claude"), llmtest.Status(401))
	cfg, env := twoModels(primary, fallback)
	r, _ := newRouter(t, cfg, env)

	req := ask("t", "hi")
	req.Prefer = "anthropic:claude-sonnet-4-5"
	resp, err := r.Complete(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.Provider != "anthropic:claude-sonnet-4-5" || len(primary.Requests()) != 0 {
		t.Errorf("preferred the fallback, got %s with %d requests to the primary", resp.Provider, len(primary.Requests()))
	}
	resp, err = r.Complete(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.Text != "from gpt" {
		t.Errorf("the preferred model failed: want the primary's answer, got %q from %s", resp.Text, resp.Provider)
	}
	if resp, err = r.Complete(context.Background(), ask("t", "hi")); err != nil || resp.Text != "from gpt again" {
		t.Errorf("without a preference: %v, %+v", err, resp)
	}
}
