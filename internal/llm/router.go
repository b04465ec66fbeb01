package llm

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"time"
)

// Router sends each request to the primary provider, retrying what can be
// retried, then to the fallback the same way, within the run's budget. It is
// safe for concurrent use.
type Router struct {
	providers     []Provider
	prices        map[string]Price
	timeout       time.Duration
	maxRetries    int
	backoffBase   time.Duration
	backoffMax    time.Duration
	maxRetryAfter time.Duration
	logf          func(format string, args ...any)
	sleep         func(ctx context.Context, d time.Duration) error
	now           func() time.Time
	jitter        func() float64

	ledger ledger
	gates  map[string]*gate // by provider name

	// downMu guards down and out: when each provider that failed as a
	// whole (its retries used up, or a credential or model it will never
	// accept) may be tried again, and why each provider that reached a
	// request limit is out for the rest of the run. Until then requests go
	// straight to the next one, so a dead primary costs its retries once,
	// not on every request; a provider out of requests is never tried again.
	downMu sync.Mutex
	down   map[string]time.Time
	out    map[string]error
}

// Cooldowns of a provider that failed as a whole.
const (
	downTransient = 2 * time.Minute       // servers failing, timeouts, rate limits past their retries
	downPermanent = 1000 * 24 * time.Hour // rejected credential, unknown model: the run will not fix them
)

var _ Provider = (*Router)(nil)

// NewRouter returns a Router over providers, tried in order, with the policy
// of cfg: budget, prices, timeout, retries and the test seams. It ignores
// the fields that choose models. New is the usual way to make one; NewRouter
// serves callers with providers of their own.
func NewRouter(cfg Config, providers ...Provider) (*Router, error) {
	if len(providers) == 0 {
		return nil, fmt.Errorf("llm: a router needs at least one provider")
	}
	if cfg.BudgetTokens < 0 || cfg.BudgetUSD < 0 {
		return nil, fmt.Errorf("llm: negative budget")
	}
	r := &Router{
		providers:     providers,
		prices:        cfg.Prices,
		timeout:       cmp.Or(cfg.Timeout, DefaultTimeout),
		maxRetries:    cfg.MaxRetries,
		backoffBase:   cmp.Or(cfg.BackoffBase, DefaultBackoffBase),
		backoffMax:    cmp.Or(cfg.BackoffMax, DefaultBackoffMax),
		maxRetryAfter: cmp.Or(cfg.MaxRetryAfter, DefaultMaxRetryAfter),
		logf:          cfg.Logf,
		sleep:         cfg.Sleep,
		now:           cfg.Now,
		jitter:        cfg.Jitter,
	}
	if r.sleep == nil {
		r.sleep = sleep
	}
	if r.now == nil {
		r.now = time.Now
	}
	if r.jitter == nil {
		r.jitter = rand.Float64
	}
	if r.logf == nil {
		r.logf = func(string, ...any) {}
	}
	switch {
	case r.maxRetries == 0:
		r.maxRetries = DefaultMaxRetries
	case r.maxRetries < 0:
		r.maxRetries = 0
	}
	if cfg.BudgetUSD > 0 {
		for _, p := range providers {
			if _, ok := r.price(p.Name()); !ok {
				return nil, fmt.Errorf("llm: a cost budget is set but %s has no price; add one for it or for its model", p.Name())
			}
		}
	}
	if cfg.MaxRequests < 0 {
		return nil, fmt.Errorf("llm: negative request budget")
	}
	r.gates = map[string]*gate{}
	for _, p := range providers {
		r.gates[p.Name()] = newGate(p.Name(), cfg)
	}
	r.ledger.status = BudgetStatus{Tokens: cfg.BudgetTokens, CostUSD: cfg.BudgetUSD}
	return r, nil
}

// Name is the name of the primary provider.
func (r *Router) Name() string { return r.providers[0].Name() }

// Models lists the providers in the order they are tried.
func (r *Router) Models() []string {
	names := make([]string, len(r.providers))
	for i, p := range r.providers {
		names[i] = p.Name()
	}
	return names
}

// Usage returns the usage so far: totals, per task, per model, and every
// record.
func (r *Router) Usage() Summary {
	s := r.ledger.summary(r.Models())
	if m := r.SetAside(); len(m) > 0 {
		s.SetAside = m
	}
	return s
}

// Complete asks the providers in turn until one answers with text.
//
// Each provider gets up to 1+MaxRetries attempts, each bounded by the
// timeout. Rate limits (429), server errors (5xx), timeouts, network
// failures and answers that are not JSON are retried after a backoff, or
// after the server's Retry-After when it gives one; a server asking for
// longer than MaxRetryAfter is given up on. A refusal, an empty answer, a
// rejected credential, an unknown model or a bad request is not retried:
// the next provider is tried. A provider that failed as a whole is set
// aside — for two minutes after server failures, for the rest of the run
// after a rejected credential or an unknown model — and later requests go
// straight to the next one; when every provider is set aside, all are tried.
//
// When no provider answers, the error is an *ExhaustedError with each
// provider's last error. When the budget cannot pay for a request the error
// wraps ErrBudget, and no request is sent. A refusal's error wraps
// ErrRefused, an empty answer's ErrNoAnswer.
func (r *Router) Complete(ctx context.Context, req Request) (*Response, error) {
	if err := req.check(); err != nil {
		return nil, err
	}
	ps, outErrs := r.usable()
	if len(ps) == 0 {
		// Every model is out of requests for the run: nothing is sent.
		r.ledger.add(Record{Task: req.Task, Provider: r.providers[0].Name(), Limited: true, Error: outErrs[0].Error()})
		return nil, &ExhaustedError{Errs: outErrs}
	}
	var errs []error
	for i, p := range prefer(ps, req.Prefer) {
		if i > 0 && len(errs) > 0 {
			r.logf("llm: %v; falling back to %s", errs[len(errs)-1], p.Name())
		}
		resp, err := r.try(ctx, p, req)
		if err == nil {
			r.markDown(p, nil)
			return resp, nil
		}
		r.markDown(p, err)
		errs = append(errs, err)
		if ctx.Err() != nil || errors.Is(err, ErrBudget) {
			if len(errs) == 1 {
				return nil, err
			}
			break
		}
	}
	return nil, &ExhaustedError{Errs: errs}
}

// prefer moves the provider named name to the front, keeping the others
// in order behind it as its fallbacks.
func prefer(ps []Provider, name string) []Provider {
	i := slices.IndexFunc(ps, func(p Provider) bool { return p.Name() == name })
	if i <= 0 {
		return ps
	}
	out := append([]Provider{ps[i]}, ps[:i]...)
	return append(out, ps[i+1:]...)
}

// usable returns the providers to try, in order: those not cooling down
// after a failure, or, when every one is, all of them — a request is never
// refused without being tried — except those out of requests for the run,
// which are never tried again; out holds why each of those is out.
func (r *Router) usable() (ps []Provider, out []error) {
	r.downMu.Lock()
	defer r.downMu.Unlock()
	now := r.now()
	var left []Provider
	for _, p := range r.providers {
		if err, ok := r.out[p.Name()]; ok {
			out = append(out, err)
			continue
		}
		left = append(left, p)
		if until, ok := r.down[p.Name()]; !ok || !now.Before(until) {
			ps = append(ps, p)
		}
	}
	if len(ps) == 0 {
		return left, out
	}
	return ps, out
}

// SetAside says why each model that reached a request limit is not asked
// again in the run, by provider name.
func (r *Router) SetAside() map[string]string {
	r.downMu.Lock()
	defer r.downMu.Unlock()
	m := map[string]string{}
	for name, err := range r.out {
		m[name] = err.Error()
	}
	return m
}

// markDown records how a provider's turn ended: an answer clears it; a
// failure of the provider as a whole (not of this one prompt, as a
// refusal or an empty answer is, nor the caller's cancellation or the
// budget) sets it aside for a while.
func (r *Router) markDown(p Provider, err error) {
	r.downMu.Lock()
	defer r.downMu.Unlock()
	if err == nil {
		delete(r.down, p.Name())
		return
	}
	var e *Error
	if !errors.As(err, &e) {
		return
	}
	var d time.Duration
	switch e.Kind {
	case KindQuota:
		if r.out == nil {
			r.out = map[string]error{}
		}
		if _, seen := r.out[p.Name()]; !seen {
			r.out[p.Name()] = err
			r.logf("llm: %s is not asked again in this run: %v", p.Name(), err)
		}
		return
	case KindAuth, KindNotFound:
		d = downPermanent
	case KindServer, KindTimeout, KindNetwork, KindRateLimit, KindBadResponse:
		d = downTransient
	default:
		return
	}
	if r.down == nil {
		r.down = map[string]time.Time{}
	}
	r.down[p.Name()] = r.now().Add(d)
	if len(r.providers) > 1 {
		how := "for the rest of the run"
		if d == downTransient {
			how = "for " + d.String()
		}
		r.logf("llm: %s is set aside %s after: %v", p.Name(), how, err)
	}
}

// try makes up to 1+maxRetries attempts at one provider, and records them.
func (r *Router) try(ctx context.Context, p Provider, req Request) (_ *Response, err error) {
	rec := Record{Task: req.Task, Provider: p.Name()}
	start := r.now()
	defer func() {
		if err != nil {
			rec.Error = err.Error()
			rec.Limited = errors.Is(err, ErrLimit) || errors.Is(err, ErrBudget)
		}
		rec.DurationMS = r.now().Sub(start).Milliseconds()
		r.ledger.add(rec)
	}()
	price, _ := r.price(p.Name())
	prompt := estimateTokens(req)
	want := cmp.Or(req.MaxTokens, DefaultMaxTokens)
	for attempt := 0; ; attempt++ {
		g, err := r.ledger.reserve(prompt, want, price)
		if err != nil {
			return nil, err
		}
		sent := req
		sent.MaxTokens = g.completion
		leave, err := r.gates[p.Name()].enter(ctx, p.Name(), r.now, r.sleep)
		if err != nil {
			r.ledger.settle(g, Usage{})
			var e *Error
			if !errors.As(err, &e) {
				err = &Error{Provider: p.Name(), Kind: KindCanceled, Msg: "canceled while waiting for a request slot", Err: err}
			}
			return nil, withAttempts(err, rec.Attempts)
		}
		rec.Attempts++
		resp, err := r.attempt(ctx, p, sent)
		leave()
		var used Usage
		if resp != nil {
			used = r.usage(resp, sent, price)
			resp.Usage = used
			rec.Model = resp.Model
		}
		r.ledger.settle(g, used)
		rec.PromptTokens += used.PromptTokens
		rec.CompletionTokens += used.CompletionTokens
		rec.CostUSD += used.CostUSD
		rec.Estimated = rec.Estimated || used.Estimated
		if err == nil {
			return resp, nil
		}

		var e *Error
		if !errors.As(err, &e) || ctx.Err() != nil || !e.Kind.Retryable() {
			return nil, withAttempts(err, rec.Attempts)
		}
		if attempt >= r.maxRetries {
			return nil, withAttempts(err, rec.Attempts)
		}
		wait := r.backoff(attempt)
		if e.RetryAfter > 0 {
			if e.RetryAfter > r.maxRetryAfter {
				ec := *e
				ec.Msg += fmt.Sprintf("; the server asks to wait %s, more than the %s allowed", e.RetryAfter, r.maxRetryAfter)
				return nil, withAttempts(&ec, rec.Attempts)
			}
			wait = e.RetryAfter
		}
		r.logf("llm: %v; retry %d of %d in %s", err, attempt+1, r.maxRetries, wait.Round(time.Millisecond))
		if err := r.sleep(ctx, wait); err != nil {
			return nil, &Error{Provider: p.Name(), Kind: KindCanceled, Msg: "canceled while waiting to retry", Err: err}
		}
	}
}

// attempt sends req once, bounded by the timeout, and turns what is not an
// answer with text into an *Error.
func (r *Router) attempt(ctx context.Context, p Provider, req Request) (*Response, error) {
	actx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	resp, err := p.Complete(actx, req)
	if err != nil {
		var e *Error
		switch {
		case errors.As(err, &e):
		case ctx.Err() != nil:
			err = &Error{Provider: p.Name(), Kind: KindCanceled, Msg: "canceled", Err: ctx.Err()}
		case actx.Err() != nil:
			err = &Error{Provider: p.Name(), Kind: KindTimeout, Msg: "no answer within the request timeout", Err: context.DeadlineExceeded}
		default:
			err = &Error{Provider: p.Name(), Kind: KindOther, Msg: err.Error()}
		}
		return nil, err
	}
	switch {
	case resp.Refused:
		msg := "the model refused"
		if t := clean(resp.Text); t != "" {
			msg += ": " + t
		}
		return resp, &Error{Provider: p.Name(), Kind: KindRefused, Msg: msg, Err: ErrRefused}
	case strings.TrimSpace(resp.Text) == "":
		return resp, &Error{Provider: p.Name(), Kind: KindNoAnswer, Msg: fmt.Sprintf("the model gave no answer (stop reason %q)", resp.StopReason), Err: ErrNoAnswer}
	}
	return resp, nil
}

// withAttempts adds the number of attempts to the message of a provider's
// last error.
func withAttempts(err error, attempts int) error {
	var e *Error
	if attempts < 2 || !errors.As(err, &e) {
		return err
	}
	ec := *e
	ec.Msg += fmt.Sprintf(" (%d attempts)", attempts)
	return &ec
}

// backoff is the wait before retry number attempt+1: exponential from
// backoffBase, capped at backoffMax, half of it random so that parallel
// agents do not retry in step.
func (r *Router) backoff(attempt int) time.Duration {
	d := r.backoffMax
	if attempt < 30 {
		d = min(r.backoffBase<<attempt, r.backoffMax)
	}
	return d/2 + time.Duration(r.jitter()*float64(d/2))
}

// usage is what resp consumed, estimated from the text when the server did
// not say, and priced.
func (r *Router) usage(resp *Response, req Request, price Price) Usage {
	u := resp.Usage
	if u.Tokens() == 0 {
		u = Usage{PromptTokens: estimateTokens(req), CompletionTokens: textTokens(resp.Text), Estimated: true}
	}
	u.CostUSD = price.cost(u.PromptTokens, u.CompletionTokens)
	return u
}

// price finds the price of a provider by its name, then by its model.
func (r *Router) price(name string) (Price, bool) {
	if p, ok := r.prices[name]; ok {
		return p, true
	}
	if _, model, ok := strings.Cut(name, ":"); ok {
		p, ok := r.prices[model]
		return p, ok
	}
	return Price{}, false
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
