package llmtest

import (
	"fmt"
	"net/http"
	"time"
)

// Step is how the server answers one request. Make one with Reply, Refuse,
// Empty, Status, Truncated, Raw, Hang or Func, and adjust it with its
// methods; Always makes a step that answers every request from then on.
type Step struct {
	kind   stepKind
	text   string // the answer, the refusal, or the error message
	status int
	header []string // "Name: value"
	body   string   // Raw's body
	usage  *[2]int  // prompt, completion; nil: counted from the text
	stop   string   // finish_reason / stop_reason; "" for the usual one
	after  time.Duration
	fn     func(Request) Step
	repeat bool
}

type stepKind int

const (
	kindReply stepKind = iota
	kindRefuse
	kindStatus
	kindTruncated
	kindRaw
	kindHang
	kindFunc
)

// Reply answers with text, and usage counted from the prompt and the text
// (four characters a token) unless Usage says otherwise.
func Reply(text string) Step { return Step{kind: kindReply, text: text} }

// Empty answers with no text at all.
func Empty() Step { return Reply("") }

// Refuse answers with a refusal: OpenAI's message.refusal, or Anthropic's
// stop_reason "refusal".
func Refuse(explanation string) Step { return Step{kind: kindRefuse, text: explanation} }

// Status answers with an HTTP error in the provider's error format. headers
// are "Name: value" lines, e.g. Status(429, "Retry-After: 2").
func Status(code int, headers ...string) Step {
	return Step{kind: kindStatus, status: code, header: headers, text: http.StatusText(code)}
}

// DailyLimit is GitHub Models' answer once a model's requests per day are
// used up: 429 with x-ratelimit-type UserByModelByDay, and Retry-After the
// seconds until the day's limit resets.
func DailyLimit(perDay int, reset time.Duration) Step {
	return rateLimit("UserByModelByDay", perDay, 86400, reset)
}

// MinuteLimit is GitHub Models' answer to more requests in a minute than
// the model allows: 429 with x-ratelimit-type UserByModelByMinute, and
// Retry-After the seconds to wait.
func MinuteLimit(perMinute int, wait time.Duration) Step {
	return rateLimit("UserByModelByMinute", perMinute, 60, wait)
}

func rateLimit(kind string, limit, window int, wait time.Duration) Step {
	secs := int(wait.Seconds())
	return Status(http.StatusTooManyRequests, fmt.Sprintf("Retry-After: %d", secs), "x-ratelimit-type: "+kind).
		Message(fmt.Sprintf("Rate limit of %d per %ds exceeded for %s. Please wait %d seconds before retrying.", limit, window, kind, secs))
}

// Truncated answers 200 with the JSON of Reply(text) cut off halfway, as a
// dropped connection or a broken proxy would.
func Truncated(text string) Step { return Step{kind: kindTruncated, text: text} }

// Raw answers with exactly this status, body and headers.
func Raw(status int, body string, headers ...string) Step {
	return Step{kind: kindRaw, status: status, body: body, header: headers}
}

// Hang never answers: it holds the request until the client gives up (its
// timeout) or the server closes.
func Hang() Step { return Step{kind: kindHang} }

// Func decides the step from the request.
func Func(f func(Request) Step) Step { return Step{kind: kindFunc, fn: f} }

// Always makes s the answer to every request from now on: the script never
// moves past it.
func Always(s Step) Step {
	s.repeat = true
	return s
}

// Usage sets the token counts the answer reports.
func (s Step) Usage(prompt, completion int) Step {
	s.usage = &[2]int{prompt, completion}
	return s
}

// Stop sets the finish_reason (OpenAI) or stop_reason (Anthropic).
func (s Step) Stop(reason string) Step {
	s.stop = reason
	return s
}

// Message sets the message of a Status error.
func (s Step) Message(msg string) Step {
	s.text = msg
	return s
}

// After delays the answer by d, or until the client gives up if sooner.
func (s Step) After(d time.Duration) Step {
	s.after = d
	return s
}
