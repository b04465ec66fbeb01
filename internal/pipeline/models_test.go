package pipeline

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/agentic-optimizer/optimizer/internal/config"
	"github.com/agentic-optimizer/optimizer/internal/llm"
	"github.com/agentic-optimizer/optimizer/internal/llm/llmtest"
)

// TestModelLimitsFromConfig: llm_max_requests, llm_max_concurrent and
// llm_requests_per_minute reach the router.
func TestModelLimitsFromConfig(t *testing.T) {
	ms, err := LookupMethods([]string{"adversarial"})
	if err != nil {
		t.Fatal(err)
	}
	q := llm.Request{Task: "t", Messages: []llm.Message{{Role: llm.RoleUser, Content: "hi"}}}
	router := func(srv *llmtest.Server, edit func(*config.Config)) *llm.Router {
		cfg := &config.Config{LLMProvider: "openai:gpt-4.1", LLMBaseURL: srv.URL, LLMTimeout: time.Minute}
		edit(cfg)
		m, err := newModels(cfg, ms, func(k string) string { return map[string]string{"OPENAI_API_KEY": "sk-test-0123456789abcdef"}[k] }, t.Logf)
		if err != nil || m.router == nil {
			t.Fatalf("models: %v %+v", err, m)
		}
		return m.router
	}

	srv := llmtest.NewOpenAI(t, llmtest.Always(llmtest.Reply("ok").After(30*time.Millisecond)))
	r := router(srv, func(c *config.Config) { c.LLMMaxRequests, c.LLMMaxConcurrent = 3, 1 })
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for range 4 {
		wg.Go(func() {
			_, err := r.Complete(context.Background(), q)
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	limited := 0
	for err := range errs {
		if errors.Is(err, llm.ErrLimit) {
			limited++
		}
	}
	if limited != 1 || len(srv.Requests()) != 3 || srv.MaxInflight() != 1 {
		t.Errorf("%d calls limited, %d requests, %d at once; want 1 (llm_max_requests 3), 3, 1 (llm_max_concurrent 1)", limited, len(srv.Requests()), srv.MaxInflight())
	}

	// One request a minute: the second waits its turn, past this context.
	paced := router(llmtest.NewOpenAI(t, llmtest.Reply("ok")), func(c *config.Config) { c.LLMRequestsPerMinute = 1 })
	if _, err := paced.Complete(context.Background(), q); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := paced.Complete(ctx, q); !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, context.Canceled) {
		t.Errorf("the second request a minute: %v, want it held back until the context ended", err)
	}
}
