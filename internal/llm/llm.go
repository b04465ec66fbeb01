// Package llm sends prompts to language models for the optimization methods:
// OpenAI-compatible chat completions (OpenAI, GitHub Models, Ollama, vLLM,
// llama.cpp) and Anthropic Messages, behind a Router that retries, falls back
// to a second model, enforces the run's token and cost budget and accounts
// for every request.
package llm

import (
	"context"
	"fmt"
)

// Roles of a Message. The system prompt is not a message: it is Request.System.
const (
	RoleUser      = "user"
	RoleAssistant = "assistant"
)

// DefaultMaxTokens caps the completion when a Request sets no MaxTokens.
const DefaultMaxTokens = 4096

// Message is one turn of a conversation.
type Message struct {
	Role    string `json:"role"` // RoleUser or RoleAssistant
	Content string `json:"content"`
}

// Request is one prompt.
type Request struct {
	// Task names the report task the request is made for; usage is totalled
	// per task in the Summary.
	Task     string
	System   string
	Messages []Message // at least one, alternating, the first the user's (Anthropic insists)
	// Temperature is the sampling temperature; nil leaves the provider's
	// default. Anthropic's Messages API no longer takes one and ignores it.
	Temperature *float64
	MaxTokens   int // cap on the completion; 0 means DefaultMaxTokens
	// Prefer names the model (as Router.Models lists it) to ask first; the
	// others remain its fallbacks. Empty keeps the configured order.
	Prefer string
}

// Response is a model's answer.
type Response struct {
	Text       string `json:"text"`
	Provider   string `json:"provider"`    // the configured name: "openai:gpt-4.1"
	Model      string `json:"model"`       // the model the server says answered: "gpt-4.1-2025-04-14"
	StopReason string `json:"stop_reason"` // as the provider put it: "stop", "end_turn", "length", …
	Usage      Usage  `json:"usage"`
	// Refused is set by a Provider when the model declined to answer. The
	// Router turns a refusal into an error wrapping ErrRefused.
	Refused bool `json:"refused,omitempty"`
}

// Usage is what one request (or a total of requests) consumed.
type Usage struct {
	PromptTokens     int     `json:"prompt_tokens"`
	CompletionTokens int     `json:"completion_tokens"`
	CostUSD          float64 `json:"cost_usd"` // 0 when no price is configured for the model
	// Estimated is set when the server reported no usage and the tokens were
	// estimated from the text (four characters a token).
	Estimated bool `json:"estimated,omitempty"`
}

// Tokens is the prompt and completion tokens together.
func (u Usage) Tokens() int { return u.PromptTokens + u.CompletionTokens }

// Provider is one model behind one API. Complete makes exactly one HTTP
// request: retries, timeouts, budget and fallback are the Router's.
//
// Complete returns a *Error for every failure of the request, never an error
// that could carry a credential. A refusal or an empty answer is not an
// error at this level: it is a Response with Refused set or no Text.
type Provider interface {
	Name() string // "provider:model", e.g. "openai:gpt-4.1"
	Complete(ctx context.Context, req Request) (*Response, error)
}

// check reports what is wrong with req before anything is sent.
func (req Request) check() error {
	if len(req.Messages) == 0 {
		return fmt.Errorf("llm: request has no messages")
	}
	for i, m := range req.Messages {
		if m.Role != RoleUser && m.Role != RoleAssistant {
			return fmt.Errorf("llm: message %d has role %q, want %q or %q (the system prompt goes in Request.System)", i, m.Role, RoleUser, RoleAssistant)
		}
	}
	if req.MaxTokens < 0 {
		return fmt.Errorf("llm: negative MaxTokens %d", req.MaxTokens)
	}
	return nil
}

// estimateTokens is a rough count of the tokens of a prompt: four characters
// a token, plus a few for each message's framing. It is used for the budget
// before a request is sent, and for servers that report no usage.
func estimateTokens(req Request) int {
	n := textTokens(req.System)
	for _, m := range req.Messages {
		n += 4 + textTokens(m.Content)
	}
	return n
}

func textTokens(s string) int { return (len(s) + 3) / 4 }
