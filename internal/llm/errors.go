package llm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/agentic-optimizer/optimizer/internal/clip"
)

var (
	// ErrNoModel is returned by New when no model is configured and none can
	// be chosen from the environment; the caller skips the LLM methods.
	ErrNoModel = errors.New("no model configured")
	// ErrNoCredential is returned by New when a configured model has no key.
	ErrNoCredential = errors.New("no credential")
	// ErrBudget is returned by Router.Complete when the run's token or cost
	// budget cannot pay for another request.
	ErrBudget = errors.New("LLM budget spent")
	// ErrRefused is wrapped by the *Error of a model that declined to answer.
	ErrRefused = errors.New("the model refused")
	// ErrNoAnswer is wrapped by the *Error of a model that answered nothing.
	ErrNoAnswer = errors.New("the model gave no answer")
	// ErrLimit is wrapped by the *Error of a model that may not be asked
	// again in this run: its daily request limit is reached (GitHub Models'
	// 429 for UserByModelByDay), or the run's request budget for it
	// (llm_max_requests) is used up.
	ErrLimit = errors.New("request limit reached")
)

// Kind says what went wrong with a request, and so whether retrying can help.
type Kind string

// Kinds of Error.
const (
	KindRateLimit   Kind = "rate_limit"   // 429 for a short window: wait and retry
	KindQuota       Kind = "quota"        // 429 for the day, or the run's request budget: not again in this run
	KindServer      Kind = "server"       // 5xx, 408: the server failed
	KindTimeout     Kind = "timeout"      // no answer within the request timeout
	KindNetwork     Kind = "network"      // connection refused or reset, DNS
	KindBadResponse Kind = "bad_response" // the answer was not the JSON it should be (truncated, garbled)
	KindAuth        Kind = "auth"         // 401, 403: the credential is missing, wrong or lacks permission
	KindNotFound    Kind = "not_found"    // 404: unknown model or wrong base URL
	KindBadRequest  Kind = "bad_request"  // other 4xx: the request itself is wrong
	KindRefused     Kind = "refused"      // the model declined to answer
	KindNoAnswer    Kind = "no_answer"    // the model's answer was empty
	KindCanceled    Kind = "canceled"     // the caller's context ended
	KindOther       Kind = "other"        // anything else: the request could not be made
)

// Retryable reports whether the same request may succeed if sent again to
// the same provider.
func (k Kind) Retryable() bool {
	switch k {
	case KindRateLimit, KindServer, KindTimeout, KindNetwork, KindBadResponse:
		return true
	}
	return false
}

// Error is a failed request to one provider. Its text never contains a
// credential: it names the variable to check instead.
type Error struct {
	Provider   string        // "openai:gpt-4.1"
	Kind       Kind          // what went wrong; Kind.Retryable says whether trying again may help
	Status     int           // the HTTP status, 0 when there was no response
	RetryAfter time.Duration // what the server asked to wait (Retry-After), 0 when it did not say
	Msg        string        // what happened, for a person
	// Err is ErrRefused, ErrNoAnswer, a context error or nil — never an SDK
	// error, which holds the request and so the credential.
	Err error
}

func (e *Error) Error() string { return e.Provider + ": " + e.Msg }
func (e *Error) Unwrap() error { return e.Err }

// ExhaustedError is returned by Router.Complete when no provider answered:
// it holds the last error of each provider tried, in order.
type ExhaustedError struct {
	Errs []error
}

func (e *ExhaustedError) Error() string {
	parts := make([]string, len(e.Errs))
	for i, err := range e.Errs {
		parts[i] = err.Error()
	}
	return "llm: no model answered: " + strings.Join(parts, "; ")
}

func (e *ExhaustedError) Unwrap() []error { return e.Errs }

// transportError describes a failure that is not an HTTP error status: no
// connection, no answer in time, or an answer that is not JSON. key is
// removed from the text in case an error echoes it.
func transportError(provider string, err error, key string) *Error {
	e := &Error{Provider: provider, Msg: redact(err.Error(), key)}
	var netErr net.Error
	var urlErr *url.Error
	var syntaxErr *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.Is(err, context.Canceled):
		e.Kind, e.Err, e.Msg = KindCanceled, context.Canceled, "canceled"
	case errors.Is(err, context.DeadlineExceeded):
		e.Kind, e.Err, e.Msg = KindTimeout, context.DeadlineExceeded, "no answer within the request timeout"
	case errors.As(err, &urlErr), errors.As(err, &netErr), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.ECONNREFUSED):
		e.Kind = KindNetwork
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.As(err, &syntaxErr), errors.As(err, &typeErr):
		e.Kind = KindBadResponse
		e.Msg = "the answer is not valid JSON (truncated?): " + e.Msg
	default:
		e.Kind = KindOther
	}
	return e
}

// redact removes a credential from text that is about to go into an error.
func redact(s, key string) string {
	if key == "" {
		return s
	}
	return strings.ReplaceAll(s, key, "[REDACTED]")
}

// statusError describes an HTTP error response. serverMsg is the message the
// server put in its error body; credential names the variable that holds the
// key ("OPENAI_API_KEY"), for 401 and 403.
func statusError(provider string, status int, header http.Header, serverMsg, key, credential, baseURL string, now time.Time) *Error {
	e := &Error{Provider: provider, Status: status}
	head := fmt.Sprintf("%d %s", status, http.StatusText(status))
	switch {
	case status == http.StatusTooManyRequests && daily(header, serverMsg):
		e.Kind, e.Err = KindQuota, ErrLimit
		e.RetryAfter = parseRetryAfter(header, now)
		head += ": the model's daily request limit is reached"
		if e.RetryAfter > 0 {
			head += fmt.Sprintf(" (it resets in %s)", e.RetryAfter.Round(time.Minute))
		}
		head += "; it is not asked again in this run"
	case status == http.StatusTooManyRequests:
		e.Kind = KindRateLimit
		e.RetryAfter = parseRetryAfter(header, now)
		if e.RetryAfter > 0 {
			head += fmt.Sprintf(" (retry after %s)", e.RetryAfter)
		}
	case status >= 500 || status == http.StatusRequestTimeout:
		e.Kind = KindServer
		e.RetryAfter = parseRetryAfter(header, now)
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		e.Kind = KindAuth
		if credential == "" {
			head += ": the server wants a credential, and none is configured for this provider"
		} else {
			head += ": the server refused the credential; check " + credential
		}
	case status == http.StatusNotFound:
		e.Kind = KindNotFound
		head += fmt.Sprintf(": unknown model, or wrong base URL %s", baseURL)
	default:
		e.Kind = KindBadRequest
	}
	e.Msg = head
	if m := clean(redact(serverMsg, key)); m != "" {
		e.Msg += ": " + m
	}
	return e
}

// daily reports whether a 429 is for a daily limit: GitHub Models names the
// limit it hit in x-ratelimit-type (UserByModelByDay) and in its message
// ("Rate limit of 50 per 86400s exceeded for UserByModelByDay").
func daily(h http.Header, msg string) bool {
	t := h.Get("X-Ratelimit-Type")
	return strings.Contains(t, "ByDay") || strings.Contains(msg, "ByDay") || strings.Contains(msg, "per 86400s")
}

// clean makes server-provided text fit one log line of reasonable length.
func clean(s string) string {
	return clip.Bytes(clip.OneLine(s), 300, "…")
}

// maxRetryAfterHeader bounds what parseRetryAfter believes, so that a
// garbled header cannot overflow a Duration.
const maxRetryAfterHeader = 24 * time.Hour

// parseRetryAfter reads how long the server asked to wait: retry-after-ms
// (OpenAI), or Retry-After in seconds or as an HTTP date. 0 means it did not
// say.
func parseRetryAfter(h http.Header, now time.Time) time.Duration {
	if ms, err := strconv.ParseFloat(strings.TrimSpace(h.Get("Retry-After-Ms")), 64); err == nil && ms > 0 {
		return seconds(ms / 1000)
	}
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseFloat(v, 64); err == nil {
		return seconds(secs)
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return min(t.Sub(now), maxRetryAfterHeader)
	}
	return 0
}

// seconds converts a number of seconds to a Duration within
// [0, maxRetryAfterHeader], converting only what fits.
func seconds(secs float64) time.Duration {
	switch {
	case !(secs > 0): // also NaN
		return 0
	case secs >= maxRetryAfterHeader.Seconds():
		return maxRetryAfterHeader
	}
	return time.Duration(secs * float64(time.Second))
}
