package github

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	gh "github.com/google/go-github/v89/github"
)

// The kinds of failure a caller decides on; test for them with errors.Is.
// Every one of them means "publish as a patch instead".
var (
	// ErrAuth: the token is missing, unknown or expired (401).
	ErrAuth = errors.New("authentication failed")
	// ErrPermission: the token may not do this (403, or 404 on a write,
	// which is how GitHub hides a repository from a token that cannot
	// write to it).
	ErrPermission = errors.New("permission denied")
	// ErrRateLimited: the primary rate limit is exhausted or under the
	// threshold; errors.As finds a *RateLimitError with the numbers.
	ErrRateLimited = errors.New("rate limit under the threshold")
	// ErrSecondaryRateLimit: GitHub asked to wait longer than the bound;
	// errors.As finds a *SecondaryLimitError.
	ErrSecondaryRateLimit = errors.New("secondary rate limit")
	// ErrUnavailable: a 5xx answer or no answer at all.
	ErrUnavailable = errors.New("API unavailable")
	// ErrNotFound: a read found nothing (404).
	ErrNotFound = errors.New("not found")
	// ErrRejected: GitHub refused the request as invalid (409, 422).
	ErrRejected = errors.New("request rejected")
	// ErrHeadMoved: the pull request's head is no longer the commit the
	// change was made against.
	ErrHeadMoved = errors.New("pull request head moved")
)

// Error is a failed API operation.
type Error struct {
	Op     string // what was being done, e.g. "create the tree"
	Status int    // the HTTP status, 0 when no response came
	Kind   error  // one of the Err… values above, nil when none fits
	Err    error  // the underlying error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("github: ")
	b.WriteString(e.Op)
	if e.Kind != nil {
		b.WriteString(": ")
		b.WriteString(e.Kind.Error())
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap gives errors.Is and errors.As both the kind and the cause.
func (e *Error) Unwrap() []error {
	var errs []error
	if e.Kind != nil {
		errs = append(errs, e.Kind)
	}
	if e.Err != nil {
		errs = append(errs, e.Err)
	}
	return errs
}

// RateLimitError says how far the primary rate limit is spent.
type RateLimitError struct {
	Rate
	Threshold int // the client stops when Remaining falls under it
}

func (e *RateLimitError) Error() string {
	return fmt.Sprintf("%d of %d %s requests left (threshold %d), resets at %s",
		e.Remaining, e.Limit, e.Resource, e.Threshold, e.Reset.UTC().Format(time.TimeOnly))
}

// Is makes a *RateLimitError match ErrRateLimited.
func (e *RateLimitError) Is(target error) bool { return target == ErrRateLimited }

// SecondaryLimitError is a secondary rate limit that would have taken
// longer than the client may wait.
type SecondaryLimitError struct {
	RetryAfter time.Duration // what GitHub asked for, 0 when it did not say
	Bound      time.Duration // how long the client may wait in all
}

func (e *SecondaryLimitError) Error() string {
	if e.RetryAfter <= 0 {
		return fmt.Sprintf("GitHub asked to wait an unspecified time (bound %s)", e.Bound)
	}
	return fmt.Sprintf("GitHub asked to wait %s, more than the bound %s", e.RetryAfter, e.Bound)
}

// Is makes a *SecondaryLimitError match ErrSecondaryRateLimit.
func (e *SecondaryLimitError) Is(target error) bool { return target == ErrSecondaryRateLimit }

// wrap turns what go-github returned into an *Error of the right kind.
func (c *Client) wrap(op string, resp *gh.Response, err error) error {
	if err == nil {
		return nil
	}
	e := &Error{Op: op, Err: err}
	if resp != nil && resp.Response != nil {
		e.Status = resp.StatusCode
	}
	var (
		ours      *RateLimitError
		primary   *gh.RateLimitError
		secondary *gh.AbuseRateLimitError
		api       *gh.ErrorResponse
	)
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		// The caller's deadline: no kind, the context error says it.
	case errors.As(err, &ours):
		e.Kind = ErrRateLimited
	case errors.As(err, &primary):
		e.Kind = ErrRateLimited
		e.Err = &RateLimitError{Rate: rateOf(primary.Rate), Threshold: c.opts.RateLimitThreshold}
	case errors.As(err, &secondary):
		e.Kind = ErrSecondaryRateLimit
		e.Err = &SecondaryLimitError{RetryAfter: secondary.GetRetryAfter(), Bound: c.opts.SecondaryWait}
	case errors.As(err, &api) && api.Response != nil:
		e.Status = api.Response.StatusCode
		e.Kind = kindOf(api.Response.StatusCode, api.Response.Request)
		e.Err = fmt.Errorf("%d %s", api.Response.StatusCode, apiMessage(api))
		if req := api.Response.Request; req != nil {
			e.Err = fmt.Errorf("%s %s: %w", req.Method, req.URL.Path, e.Err)
		}
	default:
		e.Kind = ErrUnavailable
	}
	return e
}

func kindOf(status int, req *http.Request) error {
	switch {
	case status == http.StatusUnauthorized:
		return ErrAuth
	case status == http.StatusForbidden:
		return ErrPermission
	case status == http.StatusNotFound && req != nil && isWrite(req.Method):
		return ErrPermission
	case status == http.StatusNotFound:
		return ErrNotFound
	case status == http.StatusConflict, status == http.StatusUnprocessableEntity:
		return ErrRejected
	case status >= 500:
		return ErrUnavailable
	}
	return nil
}

// apiMessage is GitHub's message and its validation errors, in one line.
func apiMessage(e *gh.ErrorResponse) string {
	msg := strings.Join(strings.Fields(e.Message), " ")
	for _, v := range e.Errors {
		detail := v.Message
		if detail == "" {
			detail = strings.TrimSpace(v.Resource + " " + v.Field + " " + v.Code)
		}
		msg += "; " + detail
	}
	return msg
}

// rejectedWith reports whether err is a 422 whose message or validation
// errors contain text.
func rejectedWith(err error, text string) bool {
	var api *gh.ErrorResponse
	if !errors.As(err, &api) || api.Response == nil || api.Response.StatusCode != http.StatusUnprocessableEntity {
		return false
	}
	return strings.Contains(strings.ToLower(apiMessage(api)), strings.ToLower(text))
}

func isWrite(method string) bool {
	return method != http.MethodGet && method != http.MethodHead && method != http.MethodOptions
}
