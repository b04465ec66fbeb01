package llm

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// Providers.
const (
	ProviderOpenAI    = "openai"    // api.openai.com, or any OpenAI-compatible server given a base URL (vLLM, llama.cpp)
	ProviderGitHub    = "github"    // GitHub Models, OpenAI-compatible, authenticated by a GitHub token
	ProviderOllama    = "ollama"    // a local Ollama server's OpenAI-compatible API, no key
	ProviderAnthropic = "anthropic" // Anthropic Messages
)

var providers = []string{ProviderOpenAI, ProviderGitHub, ProviderOllama, ProviderAnthropic}

// bareOpenAI matches model names that are OpenAI's without a provider prefix.
var bareOpenAI = regexp.MustCompile(`^(gpt-|chatgpt-|o[1-9]($|-))`)

// ParseModel splits a model name into its provider and model. The provider is
// what comes before the first colon, and the model everything after it, so
// that Ollama tags keep their colon:
//
//	github:openai/gpt-4.1        → github, openai/gpt-4.1
//	openai:gpt-4.1               → openai, gpt-4.1
//	anthropic:claude-sonnet-4-5  → anthropic, claude-sonnet-4-5
//	ollama:llama3:8b             → ollama, llama3:8b
//
// A bare name infers its provider: gpt-*, chatgpt-*, o1, o3-mini, … are
// OpenAI's, claude-* Anthropic's. Any other bare name is an error.
func ParseModel(name string) (provider, model string, err error) {
	if name == "" {
		return "", "", fmt.Errorf("llm: empty model name; %s", modelForms)
	}
	if strings.ContainsFunc(name, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		return "", "", fmt.Errorf("llm: model name %q contains whitespace or control characters", name)
	}
	provider, model, ok := strings.Cut(name, ":")
	if !ok {
		switch {
		case bareOpenAI.MatchString(name):
			return ProviderOpenAI, name, nil
		case strings.HasPrefix(name, "claude-"):
			return ProviderAnthropic, name, nil
		}
		return "", "", fmt.Errorf("llm: cannot tell the provider of model %q; %s", name, modelForms)
	}
	if !slices.Contains(providers, provider) {
		return "", "", fmt.Errorf("llm: unknown provider %q in %q; the providers are %s", provider, name, strings.Join(providers, ", "))
	}
	if model == "" {
		return "", "", fmt.Errorf("llm: %q names no model after the colon; %s", name, modelForms)
	}
	return provider, model, nil
}

const modelForms = "write provider:model (github:openai/gpt-4.1, openai:gpt-4.1, anthropic:claude-sonnet-4-5, ollama:llama3:8b) or a bare gpt-*, o1/o3/o4*, claude-* name"
