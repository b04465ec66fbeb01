package llmtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
)

func post(t *testing.T, url string, header map[string]string, body string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest("POST", url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, m
}

func TestFunc(t *testing.T) {
	srv := NewOpenAI(t, Always(Func(func(r Request) Step { return Reply("echo: " + r.Prompt()) })))
	for i := range 2 {
		body := fmt.Sprintf(`{"model":"m","messages":[{"role":"system","content":"s"},{"role":"user","content":[{"type":"text","text":"q%d"}]}]}`, i)
		status, m := post(t, srv.URL+"/chat/completions", map[string]string{"Authorization": "Bearer k"}, body)
		content := m["choices"].([]any)[0].(map[string]any)["message"].(map[string]any)["content"]
		if status != 200 || content != fmt.Sprintf("echo: q%d", i) {
			t.Errorf("%d %v", status, m)
		}
	}
	reqs := srv.Requests()
	if len(reqs) != 2 || reqs[1].N != 2 || reqs[1].System != "s" || reqs[1].Key != "k" || reqs[1].Prompt() != "q1" {
		t.Errorf("requests %+v", reqs)
	}
}

func TestAnthropicKey(t *testing.T) {
	srv := NewAnthropic(t, Reply("ok")).RequireKey("good")
	h := map[string]string{"Anthropic-Version": "2023-06-01", "X-Api-Key": "bad"}
	const body = `{"model":"c","max_tokens":10,"messages":[{"role":"user","content":"hi"}]}`
	if status, m := post(t, srv.URL+"/v1/messages", h, body); status != 401 || m["error"].(map[string]any)["type"] != "authentication_error" {
		t.Errorf("a wrong key got %d %v", status, m)
	}
	h["X-Api-Key"] = "good"
	if status, m := post(t, srv.URL+"/v1/messages", h, body); status != 200 || m["stop_reason"] != "end_turn" {
		t.Errorf("the right key got %d %v", status, m)
	}
}

// recorder is a testing.TB that keeps what the server reports.
type recorder struct {
	testing.TB
	mu     sync.Mutex
	errors []string
}

func (r *recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

func TestShapeChecked(t *testing.T) {
	tests := []struct {
		name   string
		start  func(testing.TB, ...Step) *Server
		path   string
		header map[string]string
		body   string
		says   string
	}{
		{"openai no model", NewOpenAI, "/chat/completions", nil, `{"messages":[{"role":"user","content":"hi"}]}`, "no model"},
		{"openai stream", NewOpenAI, "/chat/completions", nil, `{"model":"m","stream":true,"messages":[{"role":"user","content":"hi"}]}`, "stream"},
		{"openai x-api-key", NewOpenAI, "/chat/completions", map[string]string{"X-Api-Key": "k"}, `{"model":"m","messages":[{"role":"user","content":"hi"}]}`, "x-api-key"},
		{"openai wrong path", NewOpenAI, "/completions", nil, `{}`, "want POST …/chat/completions"},
		{"anthropic no version", NewAnthropic, "/v1/messages", nil, `{"model":"c","max_tokens":1,"messages":[{"role":"user","content":"hi"}]}`, "anthropic-version"},
		{"anthropic no max_tokens", NewAnthropic, "/v1/messages", map[string]string{"Anthropic-Version": "v"}, `{"model":"c","messages":[{"role":"user","content":"hi"}]}`, "max_tokens"},
		{"anthropic assistant first", NewAnthropic, "/v1/messages", map[string]string{"Anthropic-Version": "v"}, `{"model":"c","max_tokens":1,"messages":[{"role":"assistant","content":"hi"}]}`, "first message"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{TB: t}
			srv := tt.start(rec)
			status, _ := post(t, srv.URL+tt.path, tt.header, tt.body)
			srv.Requests() // waits for the handler to finish
			rec.mu.Lock()
			defer rec.mu.Unlock()
			if status != 400 || len(rec.errors) != 1 || !strings.Contains(rec.errors[0], tt.says) {
				t.Errorf("status %d, reported %q; want 400 and a report saying %q", status, rec.errors, tt.says)
			}
		})
	}
}
