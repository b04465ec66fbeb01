package llm

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestParseModel(t *testing.T) {
	tests := []struct {
		name, provider, model string
		err                   string // a part of the error, "" for none
	}{
		{name: "github:openai/gpt-4.1", provider: "github", model: "openai/gpt-4.1"},
		{name: "openai:gpt-4.1", provider: "openai", model: "gpt-4.1"},
		{name: "anthropic:claude-sonnet-4-5", provider: "anthropic", model: "claude-sonnet-4-5"},
		{name: "ollama:llama3:8b", provider: "ollama", model: "llama3:8b"},
		{name: "gpt-4", provider: "openai", model: "gpt-4"},
		{name: "o1", provider: "openai", model: "o1"},
		{name: "o3-mini", provider: "openai", model: "o3-mini"},
		{name: "claude-3-opus", provider: "anthropic", model: "claude-3-opus"},
		{name: "llama3", err: "cannot tell the provider"},
		{name: "o1x", err: "cannot tell the provider"},
		{name: "", err: "empty model name"},
		{name: "azure:gpt-4.1", err: `unknown provider "azure"`},
		{name: "openai:", err: "names no model"},
		{name: "openai:gpt 4", err: "whitespace"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			provider, model, err := ParseModel(tt.name)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("ParseModel(%q) = %q, %q, %v; want an error with %q", tt.name, provider, model, err, tt.err)
				}
				if strings.Contains(tt.err, "cannot tell") && !strings.Contains(err.Error(), "provider:model") {
					t.Errorf("the error does not list the forms: %v", err)
				}
				return
			}
			if err != nil || provider != tt.provider || model != tt.model {
				t.Errorf("ParseModel(%q) = %q, %q, %v; want %q, %q", tt.name, provider, model, err, tt.provider, tt.model)
			}
		})
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		header []string
		want   time.Duration
	}{
		{nil, 0},
		{[]string{"Retry-After", "2"}, 2 * time.Second},
		{[]string{"Retry-After", "0.5"}, 500 * time.Millisecond},
		{[]string{"Retry-After", "0"}, 0},
		{[]string{"Retry-After", "-3"}, 0},
		{[]string{"Retry-After", now.Add(7 * time.Second).Format(http.TimeFormat)}, 7 * time.Second},
		{[]string{"Retry-After", now.Add(-time.Minute).Format(http.TimeFormat)}, 0},
		{[]string{"Retry-After", "soon"}, 0},
		{[]string{"Retry-After", "1e30"}, maxRetryAfterHeader},
		{[]string{"Retry-After-Ms", "250", "Retry-After", "1"}, 250 * time.Millisecond},
	}
	for _, tt := range tests {
		h := http.Header{}
		for i := 0; i < len(tt.header); i += 2 {
			h.Set(tt.header[i], tt.header[i+1])
		}
		if got := parseRetryAfter(h, now); got != tt.want {
			t.Errorf("parseRetryAfter(%v) = %v, want %v", tt.header, got, tt.want)
		}
	}
}

func TestStatusError(t *testing.T) {
	tests := []struct {
		status    int
		kind      Kind
		retryable bool
		says      string
	}{
		{429, KindRateLimit, true, "429 Too Many Requests (retry after 3s)"},
		{500, KindServer, true, "500 Internal Server Error"},
		{503, KindServer, true, "503"},
		{529, KindServer, true, "529"},
		{408, KindServer, true, "408"},
		{400, KindBadRequest, false, "400 Bad Request"},
		{401, KindAuth, false, "check OPENAI_API_KEY"},
		{403, KindAuth, false, "check OPENAI_API_KEY"},
		{404, KindNotFound, false, "unknown model, or wrong base URL http://x/v1"},
	}
	for _, tt := range tests {
		h := http.Header{"Retry-After": {"3"}}
		e := statusError("openai:gpt-4.1", tt.status, h, "bad sk-secret\nthing", "sk-secret", "OPENAI_API_KEY", "http://x/v1", time.Now())
		if e.Kind != tt.kind || e.Kind.Retryable() != tt.retryable || !strings.Contains(e.Error(), tt.says) {
			t.Errorf("%d: got %v %q (retryable %v); want %v saying %q", tt.status, e.Kind, e, e.Kind.Retryable(), tt.kind, tt.says)
		}
		if strings.Contains(e.Error(), "sk-secret") || !strings.HasSuffix(e.Error(), ": bad [REDACTED] thing") {
			t.Errorf("%d: %q: the server's message is not cleaned and redacted", tt.status, e)
		}
	}
}
