package llm

import (
	"fmt"
	"math"
	"slices"
	"sync"
)

// Record is what one Router.Complete call did with one provider: a call that
// falls back makes two records.
type Record struct {
	Task     string `json:"task,omitempty"`
	Provider string `json:"provider"`        // the configured name: "openai:gpt-4.1"
	Model    string `json:"model,omitempty"` // as the server named it, when it answered
	Usage
	Attempts   int    `json:"attempts"` // HTTP requests made; 0 when the budget stopped the call
	DurationMS int64  `json:"duration_ms"`
	Error      string `json:"error,omitempty"` // the last error, when the provider gave no answer
	// Limited is set when a budget or a request limit stopped the call:
	// nothing was sent, or the server answered that the model's daily
	// limit is reached.
	Limited bool `json:"limited,omitempty"`
}

// Totals add up records.
type Totals struct {
	Requests         int     `json:"requests"` // records: calls, counted once for each provider tried
	Failed           int     `json:"failed"`   // records with an error
	Limited          int     `json:"limited"`  // records of calls a budget or request limit stopped
	Attempts         int     `json:"attempts"` // HTTP requests, retries included
	PromptTokens     int     `json:"prompt_tokens"`
	CompletionTokens int     `json:"completion_tokens"`
	CostUSD          float64 `json:"cost_usd"`
}

func (t *Totals) add(r Record) {
	t.Requests++
	if r.Error != "" {
		t.Failed++
	}
	if r.Limited {
		t.Limited++
	}
	t.Attempts += r.Attempts
	t.PromptTokens += r.PromptTokens
	t.CompletionTokens += r.CompletionTokens
	t.CostUSD += r.CostUSD
}

// Summary is the LLM usage of a run, for report.json.
type Summary struct {
	Models []string `json:"models"` // the providers, in the order they are tried
	Totals
	Budget  BudgetStatus      `json:"budget"`
	ByTask  map[string]Totals `json:"by_task"`  // by Request.Task; "" for requests with none
	ByModel map[string]Totals `json:"by_model"` // by provider name
	// SetAside says why each model that reached a request limit (its daily
	// limit, or llm_max_requests) was not asked again in the run.
	SetAside map[string]string `json:"set_aside,omitempty"`
	// Unasked are the tasks that got no answer because a budget or a
	// request limit stopped every call they made.
	Unasked []string `json:"unasked,omitempty"`
	Records []Record `json:"records"` // in the order the calls ended
}

// BudgetStatus says how much of the budget the run used.
type BudgetStatus struct {
	Tokens     int     `json:"tokens,omitempty"`   // the budget; 0 for none
	CostUSD    float64 `json:"cost_usd,omitempty"` // the budget; 0 for none
	UsedTokens int     `json:"used_tokens"`
	UsedUSD    float64 `json:"used_usd"`
	// Spent is set when a call was refused because the budget could not pay
	// for it.
	Spent bool `json:"spent"`
}

// minCompletionTokens is the least completion worth asking for: when the
// budget cannot pay for the prompt and this many tokens of answer (or the
// request's own cap if smaller), the request is not sent.
const minCompletionTokens = 256

// ledger keeps the budget and the records. A request reserves the most it
// can consume before it is sent, so that parallel requests cannot overspend
// together, and settles with what it used when it ends.
type ledger struct {
	mu             sync.Mutex
	status         BudgetStatus
	reservedTokens int
	reservedUSD    float64
	records        []Record
}

// grant is what one request reserved.
type grant struct {
	tokens     int
	usd        float64
	completion int // the completion cap the request may ask for
}

// reserve sets aside what a request with a prompt of about prompt tokens and
// a completion cap of want tokens may cost at most, lowering the cap to what
// the budget can still pay for. It fails with ErrBudget when the budget
// cannot pay for the prompt and a useful answer.
func (l *ledger) reserve(prompt, want int, price Price) (grant, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.status
	completion := want
	if b.Tokens > 0 {
		completion = min(completion, b.Tokens-b.UsedTokens-l.reservedTokens-prompt)
	}
	if b.CostUSD > 0 {
		left := b.CostUSD - b.UsedUSD - l.reservedUSD - price.cost(prompt, 0)
		switch {
		case left < 0:
			completion = -1
		case price.CompletionPerMTok > 0:
			if n := left / price.CompletionPerMTok * 1e6; n < float64(completion) {
				completion = int(n)
			}
		}
	}
	if completion < min(want, minCompletionTokens) {
		l.status.Spent = true
		if b.Tokens > 0 && b.Tokens-b.UsedTokens-l.reservedTokens-prompt < min(want, minCompletionTokens) {
			return grant{}, fmt.Errorf("llm: %w: %d of %d tokens used or in flight, and the next prompt is about %d tokens",
				ErrBudget, b.UsedTokens+l.reservedTokens, b.Tokens, prompt)
		}
		return grant{}, fmt.Errorf("llm: %w: $%.4f of $%.2f used or in flight", ErrBudget, b.UsedUSD+l.reservedUSD, b.CostUSD)
	}
	g := grant{tokens: prompt + completion, usd: price.cost(prompt, completion), completion: completion}
	l.reservedTokens += g.tokens
	l.reservedUSD += g.usd
	return g, nil
}

// settle releases a reservation and charges what the request used.
func (l *ledger) settle(g grant, u Usage) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.reservedTokens -= g.tokens
	l.reservedUSD -= g.usd
	l.status.UsedTokens += u.Tokens()
	l.status.UsedUSD += u.CostUSD
}

func (l *ledger) add(r Record) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.records = append(l.records, r)
}

func (l *ledger) summary(models []string) Summary {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := Summary{
		Models:  models,
		Budget:  l.status,
		ByTask:  map[string]Totals{},
		ByModel: map[string]Totals{},
		Records: append([]Record{}, l.records...),
	}
	for _, r := range l.records {
		s.Totals.add(r)
		t := s.ByTask[r.Task]
		t.add(r)
		s.ByTask[r.Task] = t
		m := s.ByModel[r.Provider]
		m.add(r)
		s.ByModel[r.Provider] = m
	}
	// Sums of float prices pick up noise (0.0006999999999999999); a
	// billionth of a dollar is precise enough for a report.
	s.CostUSD = roundUSD(s.CostUSD)
	s.Budget.UsedUSD = roundUSD(s.Budget.UsedUSD)
	for k, t := range s.ByTask {
		t.CostUSD = roundUSD(t.CostUSD)
		s.ByTask[k] = t
	}
	for k, t := range s.ByModel {
		t.CostUSD = roundUSD(t.CostUSD)
		s.ByModel[k] = t
	}
	for task, t := range s.ByTask {
		if task != "" && t.Limited > 0 && t.Requests == t.Failed {
			s.Unasked = append(s.Unasked, task)
		}
	}
	slices.Sort(s.Unasked)
	return s
}

func roundUSD(x float64) float64 { return math.Round(x*1e9) / 1e9 }

// cost is what prompt and completion tokens cost at this price.
func (p Price) cost(prompt, completion int) float64 {
	return (float64(prompt)*p.PromptPerMTok + float64(completion)*p.CompletionPerMTok) / 1e6
}
