package llm

import (
	"cmp"
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/anthropics/anthropic-sdk-go/v2/option"
)

// anthropicProvider speaks Anthropic Messages.
type anthropicProvider struct {
	ep       endpoint
	messages anthropic.MessageService
	now      func() time.Time
}

var _ Provider = (*anthropicProvider)(nil)

func newAnthropic(ep endpoint, client *http.Client, now func() time.Time) *anthropicProvider {
	opts := []option.RequestOption{
		// New has resolved ANTHROPIC_* through getenv; the SDK must not read
		// the process environment or a credentials profile on its own.
		option.WithoutEnvironmentDefaults(),
		option.WithBaseURL(ep.baseURL),
		option.WithHTTPClient(client),
		option.WithMaxRetries(0), // the Router retries
	}
	if ep.key != "" {
		opts = append(opts, option.WithAPIKey(ep.key))
	}
	c := anthropic.NewClient(opts...)
	return &anthropicProvider{ep: ep, messages: c.Messages, now: now}
}

func (p *anthropicProvider) Name() string { return p.ep.name() }

// Complete sends req. Temperature is not sent: the Messages API has dropped it.
func (p *anthropicProvider) Complete(ctx context.Context, req Request) (*Response, error) {
	params := anthropic.MessageNewParams{
		Model:     p.ep.model,
		MaxTokens: int64(cmp.Or(req.MaxTokens, DefaultMaxTokens)),
	}
	if req.System != "" {
		params.System = []anthropic.TextBlockParam{{Text: req.System}}
	}
	for _, m := range req.Messages {
		if m.Role == RoleAssistant {
			params.Messages = append(params.Messages, anthropic.NewAssistantMessage(anthropic.NewTextBlock(m.Content)))
		} else {
			params.Messages = append(params.Messages, anthropic.NewUserMessage(anthropic.NewTextBlock(m.Content)))
		}
	}

	res, err := p.messages.New(ctx, params)
	if err != nil {
		var apiErr *anthropic.Error
		if errors.As(err, &apiErr) {
			var header http.Header
			if apiErr.Response != nil {
				header = apiErr.Response.Header
			}
			return nil, statusError(p.Name(), apiErr.StatusCode, header, apiErr.Message, p.ep.key, p.ep.keyVar, p.ep.baseURL, p.now())
		}
		return nil, transportError(p.Name(), err, p.ep.key)
	}
	var text strings.Builder
	for _, b := range res.Content {
		if b.Type == "text" {
			text.WriteString(b.Text)
		}
	}
	u := res.Usage
	return &Response{
		Text:       text.String(),
		Provider:   p.Name(),
		Model:      cmp.Or(res.Model, p.ep.model),
		StopReason: string(res.StopReason),
		Refused:    res.StopReason == anthropic.StopReasonRefusal,
		Usage: Usage{
			PromptTokens:     int(u.InputTokens + u.CacheCreationInputTokens + u.CacheReadInputTokens),
			CompletionTokens: int(u.OutputTokens),
		},
	}, nil
}
