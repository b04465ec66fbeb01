package llmtest

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// wire is one provider's wire format.
type wire struct {
	name   string
	base   string // appended to the root for Server.URL
	parse  func(r *http.Request, body []byte, req *Request) (problems []string)
	answer func(s Step, req Request) answer
	fail   func(status int, msg string, header []string) answer
}

// created is the fixed creation time of every OpenAI answer, so that golden
// files do not change from run to run.
const created = 1700000000

// tokens counts tokens the way the scripted model does: four characters a
// token.
func tokens(s string) int { return (len(s) + 3) / 4 }

func promptTokens(req Request) int {
	n := tokens(req.System)
	for _, m := range req.Messages {
		n += tokens(m.Content)
	}
	return n
}

func usageOf(s Step, req Request, text string) (prompt, completion int) {
	if s.usage != nil {
		return s.usage[0], s.usage[1]
	}
	return promptTokens(req), tokens(text)
}

// truncate cuts a JSON body halfway.
func truncate(body []byte) []byte { return body[:len(body)/2] }

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// text flattens a message content: a string, or an array of text parts.
func text(raw json.RawMessage) (string, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return "", true
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s, true
	}
	var parts []struct {
		Type string `json:"type"`
		Text string `json:"text"`
	}
	if json.Unmarshal(raw, &parts) != nil {
		return "", false
	}
	var b strings.Builder
	for _, p := range parts {
		if p.Type != "text" {
			return "", false
		}
		b.WriteString(p.Text)
	}
	return b.String(), true
}

type wireMessage struct {
	Role    string          `json:"role"`
	Content json.RawMessage `json:"content"`
}

// ---- OpenAI chat completions ----

// githubWire is OpenAI's format at GitHub Models' path, with its model ids
// and its token.
var githubWire = wire{
	name: "github models",
	base: "/inference",
	parse: func(r *http.Request, body []byte, req *Request) []string {
		problems := parseOpenAI(r, body, req)
		if r.URL.Path != "/inference/chat/completions" {
			problems = append(problems, fmt.Sprintf("want POST /inference/chat/completions, got %s", r.URL.Path))
		}
		if publisher, model, ok := strings.Cut(req.Model, "/"); req.Model != "" && (!ok || publisher == "" || model == "") {
			problems = append(problems, fmt.Sprintf("model %q is not a GitHub Models id (publisher/model)", req.Model))
		}
		if req.Key == "" {
			problems = append(problems, "no Bearer token")
		}
		return problems
	},
	answer: func(s Step, req Request) answer {
		if s.kind == kindStatus && s.status == http.StatusTooManyRequests {
			a := failGitHub(s.status, s.text, s.header)
			a.wait = s.after
			return a
		}
		return answerOpenAI(s, req)
	},
	fail: failGitHub,
}

// failGitHub is GitHub Models' error body: OpenAI's for most errors, the
// Azure inference service's for its rate limits.
func failGitHub(status int, msg string, header []string) answer {
	if status != http.StatusTooManyRequests {
		return failOpenAI(status, msg, header)
	}
	type apiError struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Details string `json:"details"`
	}
	return answer{status: status, header: header, body: mustJSON(struct {
		Error apiError `json:"error"`
	}{apiError{Code: "RateLimitReached", Message: msg, Details: msg}})}
}

var openAIWire = wire{
	name:   "openai",
	base:   "/v1",
	parse:  parseOpenAI,
	answer: answerOpenAI,
	fail:   failOpenAI,
}

func parseOpenAI(r *http.Request, body []byte, req *Request) (problems []string) {
	if r.Method != http.MethodPost || !strings.HasSuffix(r.URL.Path, "/chat/completions") {
		return []string{fmt.Sprintf("want POST …/chat/completions, got %s %s", r.Method, r.URL.Path)}
	}
	if auth := r.Header.Get("Authorization"); auth != "" {
		key, ok := strings.CutPrefix(auth, "Bearer ")
		if !ok || key == "" {
			problems = append(problems, "Authorization is not a Bearer token")
		}
		req.Key = key
	}
	if r.Header.Get("X-Api-Key") != "" {
		problems = append(problems, "an OpenAI request carries x-api-key")
	}
	var b struct {
		Model               string        `json:"model"`
		Messages            []wireMessage `json:"messages"`
		MaxTokens           *int          `json:"max_tokens"`
		MaxCompletionTokens *int          `json:"max_completion_tokens"`
		Temperature         *float64      `json:"temperature"`
		Stream              bool          `json:"stream"`
	}
	if err := json.Unmarshal(body, &b); err != nil {
		return append(problems, "body is not JSON: "+err.Error())
	}
	if b.Model == "" {
		problems = append(problems, "no model")
	}
	if b.Stream {
		problems = append(problems, "stream is not supported")
	}
	if len(b.Messages) == 0 {
		problems = append(problems, "no messages")
	}
	req.Model, req.Temperature = b.Model, b.Temperature
	if b.MaxTokens != nil {
		req.MaxTokens = *b.MaxTokens
	}
	if b.MaxCompletionTokens != nil {
		req.MaxTokens = *b.MaxCompletionTokens
	}
	for i, m := range b.Messages {
		t, ok := text(m.Content)
		if !ok {
			problems = append(problems, fmt.Sprintf("message %d has content that is not text", i))
		}
		switch m.Role {
		case "system", "developer":
			req.System += t
		case "user", "assistant":
			req.Messages = append(req.Messages, Message{Role: m.Role, Content: t})
		default:
			problems = append(problems, fmt.Sprintf("message %d has role %q", i, m.Role))
		}
	}
	return problems
}

type openAIMessage struct {
	Role    string  `json:"role"`
	Content *string `json:"content"`
	Refusal *string `json:"refusal"`
}

type openAIChoice struct {
	Index        int           `json:"index"`
	Message      openAIMessage `json:"message"`
	Logprobs     *struct{}     `json:"logprobs"`
	FinishReason string        `json:"finish_reason"`
}

type openAIUsage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
	TotalTokens      int `json:"total_tokens"`
}

type openAICompletion struct {
	ID      string         `json:"id"`
	Object  string         `json:"object"`
	Created int64          `json:"created"`
	Model   string         `json:"model"`
	Choices []openAIChoice `json:"choices"`
	Usage   openAIUsage    `json:"usage"`
}

func answerOpenAI(s Step, req Request) answer {
	switch s.kind {
	case kindStatus:
		a := failOpenAI(s.status, s.text, s.header)
		a.wait = s.after
		return a
	case kindRaw:
		return answer{status: s.status, body: []byte(s.body), header: s.header, wait: s.after}
	case kindHang:
		return answer{hang: true}
	}
	msg := openAIMessage{Role: "assistant"}
	text := s.text
	if s.kind == kindRefuse {
		msg.Refusal = &text
	} else {
		msg.Content = &text
	}
	prompt, completion := usageOf(s, req, text)
	body := mustJSON(openAICompletion{
		ID:      fmt.Sprintf("chatcmpl-llmtest-%d", req.N),
		Object:  "chat.completion",
		Created: created,
		Model:   req.Model,
		Choices: []openAIChoice{{Message: msg, FinishReason: cmp.Or(s.stop, "stop")}},
		Usage:   openAIUsage{PromptTokens: prompt, CompletionTokens: completion, TotalTokens: prompt + completion},
	})
	if s.kind == kindTruncated {
		body = truncate(body)
	}
	return answer{status: http.StatusOK, body: body, header: s.header, wait: s.after}
}

func failOpenAI(status int, msg string, header []string) answer {
	typ, code := "invalid_request_error", ""
	switch {
	case status == http.StatusUnauthorized:
		code = "invalid_api_key"
	case status == http.StatusNotFound:
		code = "model_not_found"
	case status == http.StatusTooManyRequests:
		typ, code = "requests", "rate_limit_exceeded"
	case status >= 500:
		typ = "server_error"
	}
	type apiError struct {
		Message string  `json:"message"`
		Type    string  `json:"type"`
		Param   *string `json:"param"`
		Code    *string `json:"code"`
	}
	e := apiError{Message: msg, Type: typ}
	if code != "" {
		e.Code = &code
	}
	return answer{status: status, header: header, body: mustJSON(struct {
		Error apiError `json:"error"`
	}{e})}
}

// ---- Anthropic Messages ----

var anthropicWire = wire{
	name:   "anthropic",
	base:   "",
	parse:  parseAnthropic,
	answer: answerAnthropic,
	fail:   failAnthropic,
}

func parseAnthropic(r *http.Request, body []byte, req *Request) (problems []string) {
	if r.Method != http.MethodPost || r.URL.Path != "/v1/messages" {
		return []string{fmt.Sprintf("want POST /v1/messages, got %s %s", r.Method, r.URL.Path)}
	}
	if r.Header.Get("Anthropic-Version") == "" {
		problems = append(problems, "no anthropic-version header")
	}
	// The SDK sends its key as a Bearer token (v2); the API also takes x-api-key.
	req.Key = r.Header.Get("X-Api-Key")
	if auth := r.Header.Get("Authorization"); auth != "" {
		key, ok := strings.CutPrefix(auth, "Bearer ")
		switch {
		case !ok || key == "":
			problems = append(problems, "Authorization is not a Bearer token")
		case req.Key != "" && req.Key != key:
			problems = append(problems, "x-api-key and Authorization carry different credentials")
		}
		req.Key = key
	}
	var b struct {
		Model       string          `json:"model"`
		MaxTokens   *int            `json:"max_tokens"`
		System      json.RawMessage `json:"system"`
		Messages    []wireMessage   `json:"messages"`
		Temperature *float64        `json:"temperature"`
		Stream      bool            `json:"stream"`
	}
	if err := json.Unmarshal(body, &b); err != nil {
		return append(problems, "body is not JSON: "+err.Error())
	}
	if b.Model == "" {
		problems = append(problems, "no model")
	}
	if b.MaxTokens == nil || *b.MaxTokens < 1 {
		problems = append(problems, "max_tokens is missing or not positive")
	} else {
		req.MaxTokens = *b.MaxTokens
	}
	if b.Stream {
		problems = append(problems, "stream is not supported")
	}
	if len(b.Messages) == 0 {
		problems = append(problems, "no messages")
	}
	sys, ok := text(b.System)
	if !ok {
		problems = append(problems, "system is not text")
	}
	req.Model, req.System, req.Temperature = b.Model, sys, b.Temperature
	for i, m := range b.Messages {
		t, ok := text(m.Content)
		if !ok {
			problems = append(problems, fmt.Sprintf("message %d has content that is not text", i))
		}
		if m.Role != "user" && m.Role != "assistant" {
			problems = append(problems, fmt.Sprintf("message %d has role %q", i, m.Role))
		}
		if i == 0 && m.Role != "user" {
			problems = append(problems, "the first message is not the user's")
		}
		req.Messages = append(req.Messages, Message{Role: m.Role, Content: t})
	}
	return problems
}

type anthropicBlock struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

type anthropicUsage struct {
	InputTokens  int `json:"input_tokens"`
	OutputTokens int `json:"output_tokens"`
}

type anthropicMessage struct {
	ID           string           `json:"id"`
	Type         string           `json:"type"`
	Role         string           `json:"role"`
	Model        string           `json:"model"`
	Content      []anthropicBlock `json:"content"`
	StopReason   string           `json:"stop_reason"`
	StopSequence *string          `json:"stop_sequence"`
	Usage        anthropicUsage   `json:"usage"`
}

func answerAnthropic(s Step, req Request) answer {
	switch s.kind {
	case kindStatus:
		a := failAnthropic(s.status, s.text, s.header)
		a.wait = s.after
		return a
	case kindRaw:
		return answer{status: s.status, body: []byte(s.body), header: s.header, wait: s.after}
	case kindHang:
		return answer{hang: true}
	}
	content := []anthropicBlock{}
	if s.text != "" {
		content = append(content, anthropicBlock{Type: "text", Text: s.text})
	}
	stop := "end_turn"
	if s.kind == kindRefuse {
		stop = "refusal"
	}
	prompt, completion := usageOf(s, req, s.text)
	body := mustJSON(anthropicMessage{
		ID:         fmt.Sprintf("msg_llmtest_%d", req.N),
		Type:       "message",
		Role:       "assistant",
		Model:      req.Model,
		Content:    content,
		StopReason: cmp.Or(s.stop, stop),
		Usage:      anthropicUsage{InputTokens: prompt, OutputTokens: completion},
	})
	if s.kind == kindTruncated {
		body = truncate(body)
	}
	return answer{status: http.StatusOK, body: body, header: s.header, wait: s.after}
}

func failAnthropic(status int, msg string, header []string) answer {
	typ := "invalid_request_error"
	switch status {
	case http.StatusUnauthorized:
		typ = "authentication_error"
	case http.StatusForbidden:
		typ = "permission_error"
	case http.StatusNotFound:
		typ = "not_found_error"
	case http.StatusTooManyRequests:
		typ = "rate_limit_error"
	case 529:
		typ = "overloaded_error"
	default:
		if status >= 500 {
			typ = "api_error"
		}
	}
	type apiError struct {
		Type    string `json:"type"`
		Message string `json:"message"`
	}
	return answer{status: status, header: header, body: mustJSON(struct {
		Type  string   `json:"type"`
		Error apiError `json:"error"`
	}{"error", apiError{typ, msg}})}
}
