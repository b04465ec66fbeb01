package llm

import (
	"cmp"
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
)

// openAIProvider speaks OpenAI chat completions: OpenAI itself, GitHub
// Models, Ollama, vLLM, llama.cpp server.
type openAIProvider struct {
	ep   endpoint
	chat openai.ChatCompletionService
	now  func() time.Time
}

var _ Provider = (*openAIProvider)(nil)

func newOpenAI(ep endpoint, client *http.Client, now func() time.Time) *openAIProvider {
	opts := []option.RequestOption{
		option.WithBaseURL(ep.baseURL),
		option.WithHTTPClient(client),
		option.WithMaxRetries(0), // the Router retries
	}
	if ep.key != "" {
		opts = append(opts, option.WithAPIKey(ep.key))
	}
	// The service, not openai.NewClient: NewClient also reads OPENAI_* from
	// the process environment, which New has already resolved through getenv.
	return &openAIProvider{ep: ep, chat: openai.NewChatCompletionService(opts...), now: now}
}

func (p *openAIProvider) Name() string { return p.ep.name() }

func (p *openAIProvider) Complete(ctx context.Context, req Request) (*Response, error) {
	params := openai.ChatCompletionNewParams{Model: p.ep.model}
	if req.System != "" {
		params.Messages = append(params.Messages, openai.SystemMessage(req.System))
	}
	for _, m := range req.Messages {
		if m.Role == RoleAssistant {
			params.Messages = append(params.Messages, openai.AssistantMessage(m.Content))
		} else {
			params.Messages = append(params.Messages, openai.UserMessage(m.Content))
		}
	}
	maxTokens := openai.Int(int64(cmp.Or(req.MaxTokens, DefaultMaxTokens)))
	if p.usesMaxCompletionTokens() {
		params.MaxCompletionTokens = maxTokens
	} else {
		params.MaxTokens = maxTokens
	}
	if req.Temperature != nil {
		params.Temperature = openai.Float(*req.Temperature)
	}

	res, err := p.chat.New(ctx, params)
	if err != nil {
		var apiErr *openai.Error
		if errors.As(err, &apiErr) {
			var header http.Header
			if apiErr.Response != nil {
				header = apiErr.Response.Header
			}
			return nil, statusError(p.Name(), apiErr.StatusCode, header, apiErr.Message, p.ep.key, p.ep.keyVar, p.ep.baseURL, p.now())
		}
		return nil, transportError(p.Name(), err, p.ep.key)
	}
	out := &Response{
		Provider: p.Name(),
		Model:    cmp.Or(res.Model, p.ep.model),
		Usage:    Usage{PromptTokens: int(res.Usage.PromptTokens), CompletionTokens: int(res.Usage.CompletionTokens)},
	}
	if len(res.Choices) > 0 {
		c := res.Choices[0]
		out.Text, out.StopReason = c.Message.Content, c.FinishReason
		if c.Message.Refusal != "" || c.FinishReason == "content_filter" {
			out.Refused = true
			out.Text = cmp.Or(c.Message.Refusal, c.Message.Content)
		}
	}
	return out, nil
}

// usesMaxCompletionTokens reports whether the server wants
// max_completion_tokens rather than max_tokens: OpenAI's reasoning models
// reject max_tokens, while Ollama, vLLM and llama.cpp know only max_tokens.
func (p *openAIProvider) usesMaxCompletionTokens() bool {
	switch p.ep.provider {
	case ProviderOpenAI:
		return p.ep.baseURL == openAIBaseURL
	case ProviderGitHub:
		return strings.HasPrefix(p.ep.model, "openai/")
	}
	return false
}
