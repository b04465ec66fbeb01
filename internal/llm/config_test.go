package llm

import (
	"errors"
	"strings"
	"testing"
)

func TestNew(t *testing.T) {
	type want struct {
		name, baseURL, keyVar, key string
	}
	tests := []struct {
		desc string
		cfg  Config
		env  map[string]string
		want []want
		err  error  // errors.Is target
		says string // part of the error
	}{{
		desc: "Actions with no key: GitHub Models with the workflow token",
		env:  map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_TOKEN": "ghs_x"},
		want: []want{{"github:openai/gpt-4.1", "https://models.github.ai/inference", "GITHUB_TOKEN", "ghs_x"}},
	}, {
		desc: "Actions with the token only in the config",
		cfg:  Config{GitHubToken: "ghp_cfg"},
		env:  map[string]string{"GITHUB_ACTIONS": "true"},
		want: []want{{"github:openai/gpt-4.1", githubBaseURL, "the github token input (OPTIMIZER_GITHUB_TOKEN)", "ghp_cfg"}},
	}, {
		desc: "Actions with an OpenAI key prefers it",
		env:  map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_TOKEN": "ghs_x", "OPENAI_API_KEY": "sk-o"},
		want: []want{{"openai:gpt-4.1", openAIBaseURL, "OPENAI_API_KEY", "sk-o"}},
	}, {
		desc: "an Anthropic key alone",
		env:  map[string]string{"ANTHROPIC_API_KEY": "sk-ant"},
		want: []want{{"anthropic:claude-sonnet-4-5", anthropicBaseURL, "ANTHROPIC_API_KEY", "sk-ant"}},
	}, {
		desc: "nothing configured outside Actions",
		env:  map[string]string{"GITHUB_TOKEN": "ghs_x"},
		err:  ErrNoModel, says: "OPTIMIZER_LLM_PROVIDER",
	}, {
		desc: "Actions without a token",
		env:  map[string]string{"GITHUB_ACTIONS": "true"},
		err:  ErrNoModel,
	}, {
		desc: "the seed's names, both keys",
		cfg:  Config{Primary: "gpt-4", Fallback: "claude-3-opus"},
		env:  map[string]string{"OPENAI_API_KEY": "sk-o", "ANTHROPIC_API_KEY": "sk-a"},
		want: []want{{"openai:gpt-4", openAIBaseURL, "OPENAI_API_KEY", "sk-o"}, {"anthropic:claude-3-opus", anthropicBaseURL, "ANTHROPIC_API_KEY", "sk-a"}},
	}, {
		desc: "llm_base_url is the primary's, and wins over OPENAI_BASE_URL; the fallback keeps its own",
		cfg:  Config{Primary: "openai:qwen", Fallback: "openai:gpt-4.1", BaseURL: "http://vllm:8000/v1/"},
		env:  map[string]string{"OPENAI_API_KEY": "sk-o", "OPENAI_BASE_URL": "https://proxy.example/v1"},
		want: []want{{"openai:qwen", "http://vllm:8000/v1", "OPENAI_API_KEY", "sk-o"}, {"openai:gpt-4.1", "https://proxy.example/v1", "OPENAI_API_KEY", "sk-o"}},
	}, {
		desc: "an OpenAI-compatible server needs no key",
		cfg:  Config{Primary: "openai:llama", BaseURL: "http://localhost:8080/v1"},
		want: []want{{"openai:llama", "http://localhost:8080/v1", "OPENAI_API_KEY", ""}},
	}, {
		desc: "ollama needs no key",
		cfg:  Config{Primary: "ollama:llama3:8b"},
		want: []want{{"ollama:llama3:8b", "http://localhost:11434/v1", "", ""}},
	}, {
		desc: "ANTHROPIC_BASE_URL",
		cfg:  Config{Primary: "claude-sonnet-4-5"},
		env:  map[string]string{"ANTHROPIC_API_KEY": "sk-a", "ANTHROPIC_BASE_URL": "http://127.0.0.1:9/"},
		want: []want{{"anthropic:claude-sonnet-4-5", "http://127.0.0.1:9", "ANTHROPIC_API_KEY", "sk-a"}},
	}, {
		desc: "only a fallback: it becomes the primary",
		cfg:  Config{Fallback: "anthropic:claude-sonnet-4-5"},
		env:  map[string]string{"ANTHROPIC_API_KEY": "sk-a"},
		want: []want{{"anthropic:claude-sonnet-4-5", anthropicBaseURL, "ANTHROPIC_API_KEY", "sk-a"}},
	}, {
		desc: "a fallback equal to the primary is dropped",
		cfg:  Config{Primary: "openai:gpt-4.1", Fallback: "gpt-4.1"},
		env:  map[string]string{"OPENAI_API_KEY": "sk-o"},
		want: []want{{"openai:gpt-4.1", openAIBaseURL, "OPENAI_API_KEY", "sk-o"}},
	}, {
		desc: "OpenAI without a key",
		cfg:  Config{Primary: "openai:gpt-4.1"},
		err:  ErrNoCredential, says: "set OPENAI_API_KEY",
	}, {
		desc: "Anthropic without a key",
		cfg:  Config{Primary: "anthropic:claude-sonnet-4-5"},
		err:  ErrNoCredential, says: "set ANTHROPIC_API_KEY",
	}, {
		desc: "GitHub Models without a token",
		cfg:  Config{Primary: "github:openai/gpt-4.1"},
		err:  ErrNoCredential, says: "set GITHUB_TOKEN",
	}, {
		desc: "the fallback without a key",
		cfg:  Config{Primary: "ollama:llama3", Fallback: "anthropic:claude-sonnet-4-5"},
		err:  ErrNoCredential, says: "(the fallback model)",
	}, {
		desc: "a bare name of no known provider",
		cfg:  Config{Primary: "llama3"},
		says: "provider:model",
	}, {
		desc: "a base URL with a password",
		cfg:  Config{Primary: "ollama:llama3", BaseURL: "http://user:hunter2@host/v1"},
		says: "has credentials in it",
	}, {
		desc: "a base URL that is not http",
		cfg:  Config{Primary: "ollama:llama3", BaseURL: "ftp://host/v1"},
		says: "from llm_base_url is not an http(s) URL",
	}, {
		desc: "a cost budget without prices",
		cfg:  Config{Primary: "ollama:llama3", BudgetUSD: 1},
		says: "ollama:llama3 has no price",
	}}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			r, err := New(tt.cfg, func(k string) string { return tt.env[k] })
			if tt.err != nil || tt.says != "" {
				if err == nil {
					t.Fatalf("New succeeded with %v; want an error", r.Models())
				}
				if tt.err != nil && !errors.Is(err, tt.err) {
					t.Errorf("error %q is not %q", err, tt.err)
				}
				if !strings.Contains(err.Error(), tt.says) {
					t.Errorf("error %q does not say %q", err, tt.says)
				}
				if strings.Contains(err.Error(), "hunter2") {
					t.Errorf("error %q shows the password", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []want
			for _, p := range r.providers {
				var ep endpoint
				switch p := p.(type) {
				case *openAIProvider:
					ep = p.ep
				case *anthropicProvider:
					ep = p.ep
				}
				got = append(got, want{ep.name(), ep.baseURL, ep.keyVar, ep.key})
			}
			if len(got) != len(tt.want) {
				t.Fatalf("providers %+v, want %+v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("provider %d = %+v, want %+v", i, got[i], tt.want[i])
				}
			}
		})
	}
}

func TestUsesMaxCompletionTokens(t *testing.T) {
	tests := []struct {
		ep   endpoint
		want bool
	}{
		{endpoint{provider: ProviderOpenAI, model: "o3", baseURL: openAIBaseURL}, true},
		{endpoint{provider: ProviderOpenAI, model: "qwen", baseURL: "http://vllm/v1"}, false},
		{endpoint{provider: ProviderGitHub, model: "openai/gpt-4.1", baseURL: githubBaseURL}, true},
		{endpoint{provider: ProviderGitHub, model: "meta/llama-3.3-70b-instruct", baseURL: githubBaseURL}, false},
		{endpoint{provider: ProviderOllama, model: "llama3", baseURL: ollamaBaseURL}, false},
	}
	for _, tt := range tests {
		p := &openAIProvider{ep: tt.ep}
		if got := p.usesMaxCompletionTokens(); got != tt.want {
			t.Errorf("%s at %s: %v, want %v", tt.ep.name(), tt.ep.baseURL, got, tt.want)
		}
	}
}
