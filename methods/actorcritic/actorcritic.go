// Package actorcritic is the actor-critic method: an actor model proposes a
// change; a critic scores it — with the validation's signals (levels
// passed, benchmark deltas, diff size) and a second model's review of the
// diff — and explains what to fix; the actor revises, for up to Rounds
// rounds or until the reward stops improving.
//
// The review never decides alone. A rejected candidate's reward stays below
// every accepted one's whatever the reviewer thinks, and only validation
// accepts: the review adds at most ReviewWeight to a reward.
package actorcritic

import (
	"context"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"

	"github.com/agentic-optimizer/optimizer/internal/bench"
	"github.com/agentic-optimizer/optimizer/internal/clip"
	"github.com/agentic-optimizer/optimizer/internal/config"
	"github.com/agentic-optimizer/optimizer/internal/diff"
	"github.com/agentic-optimizer/optimizer/internal/llm"
	"github.com/agentic-optimizer/optimizer/internal/prompt"
	"github.com/agentic-optimizer/optimizer/internal/validate"
	"github.com/agentic-optimizer/optimizer/methods"
	"github.com/agentic-optimizer/optimizer/methods/internal/ask"
)

// Name is the method's name in the registry and on the command line.
const Name = "actor-critic"

// DefaultRounds is the most rounds per target.
const DefaultRounds = 3

// The reward's parts. An accepted candidate earns 1 plus its improvement
// (0.4 for 40 % faster) minus a small price per changed line; a rejected
// one at most 0.5, in proportion to the levels it passed. The review adds
// up to ReviewWeight to either.
const (
	ReviewWeight   = 0.05
	LinePrice      = 0.002 // per changed line, at most MaxLinePenalty in all
	MaxLinePenalty = 0.1
	// MinGain is how much a round's reward must exceed the best so far to
	// count as an improvement: less is noise in the benchmarks.
	MinGain = 0.01
)

// Method is the actor-critic method.
var Method = &methods.Method{
	Name:  Name,
	Doc:   "a model proposes, a critic (validation signals + a model's review) scores and explains, the model revises while the reward improves",
	Model: methods.ModelRequired,
	Options: []config.Option{{
		Name: "rounds", Default: strconv.Itoa(DefaultRounds),
		Help: "most actor-critic rounds per target (the actor revises after each critique), 1..10",
		Want: "an integer 1..10", Example: "5", Parse: config.Int(1, 10),
	}},
	Run: func(ctx context.Context, pass *methods.Pass) (*methods.Result, error) {
		return (&method{Rounds: pass.Option("rounds").(int)}).run(ctx, pass)
	},
}

// method is the state of the method for one task.
type method struct {
	// Rounds is the most rounds per target.
	Rounds int
	// Budget is the token budget of the code context in each prompt; 0
	// means prompt.DefaultBudget.
	Budget int
}

// Details is the reward history, as the report shows it.
type Details struct {
	Target string  `json:"target"`
	Rounds []Round `json:"rounds"`
	// Best is the accepted candidate with the highest reward, the one
	// stored; empty when none was accepted.
	Best string `json:"best,omitempty"`
	// Stopped says why the rounds ended.
	Stopped string `json:"stopped"`
}

// Round is one proposal and its critique.
type Round struct {
	Round     int     `json:"round"`
	Candidate string  `json:"candidate,omitempty"`
	Verdict   string  `json:"verdict"`
	Reward    float64 `json:"reward"`
	Signals   Signals `json:"signals"`
	Review    *Review `json:"review,omitempty"`
	// Critique is what the actor was told for the next round.
	Critique string `json:"critique,omitempty"`
}

// Signals are what validation said about a round's candidate.
type Signals struct {
	Accepted     bool    `json:"accepted"`
	LevelsPassed int     `json:"levels_passed"`
	LevelsRun    int     `json:"levels_run"` // passed or failed; skipped levels do not count
	DeltaPct     float64 `json:"delta_pct"`  // geometric mean of the significant changes in the objective's unit
	DiffLines    int     `json:"diff_lines"`
	RejectedBy   string  `json:"rejected_by,omitempty"`
}

// Review is the critic model's opinion of a diff.
type Review struct {
	Model string `json:"model,omitempty"`
	Score *int   `json:"score,omitempty"` // 0..10; nil when the answer had no score
	Text  string `json:"text"`
}

// Reward is a round's reward from its signals and review score (nil: no score).
func Reward(s Signals, review *int) float64 {
	var r float64
	if s.Accepted {
		r = 1 - s.DeltaPct/100 - min(LinePrice*float64(s.DiffLines), MaxLinePenalty)
	} else if s.LevelsRun > 0 {
		r = 0.5 * float64(s.LevelsPassed) / float64(s.LevelsRun)
	}
	if review != nil {
		r += ReviewWeight * float64(*review) / 10
	}
	return math.Round(r*1e4) / 1e4
}

const criticSystem = `You are a meticulous Go reviewer. You review one change to one function of a Go module, ` +
	`knowing what automated validation said about it. Judge correctness first, then whether it achieves its goal, then clarity. ` +
	`Answer with a first line "SCORE: n/10" and then, briefly, what the author must fix or could improve, most important first.`

// Optimize runs the rounds for the package's most promising function.
func (m *method) run(ctx context.Context, pass *methods.Pass) (*methods.Result, error) {
	t := pass.Task
	tg, res, err := ask.Start(Name, t, pass, m.Budget)
	if tg == nil {
		return res, err
	}
	d := &Details{Target: tg.Name}
	res.Details = d

	models := pass.LLM.Models()
	actorModel, criticModel := models[0], models[0]
	if len(models) > 1 {
		criticModel = models[1] // a second opinion from another model
	}
	redact := func(s string) string { return prompt.Redact(s, pass.Secrets) }
	allowed := tg.SourceFiles()
	msgs := []llm.Message{{Role: llm.RoleUser, Content: redact(fmt.Sprintf(`%s
## Task
Change %s. %s
Its behaviour must stay exactly the same: the existing tests must pass unchanged. Edit only these files: %s. Do not edit any test or benchmark.
A reviewer and the validation will judge your change; you will be able to revise it.
`, tg.Context.Text, tg.Name, ask.Goal(t.Objective), strings.Join(allowed, ", ")))}}
	var (
		best         *methods.Candidate
		bestAccepted float64
		bestR        = math.Inf(-1)        // the best reward so far, accepted or not
		seen         = map[string]*Round{} // patch → the round that made it
		rounds       = max(m.Rounds, 1)
		temp         = 0.2
		unitName     = map[string]string{"speed": "sec/op", "allocs": "allocs/op"}[t.Objective]
	)
	d.Stopped = fmt.Sprintf("reached the most rounds (%d)", rounds)
	for round := 1; round <= rounds; round++ {
		resp, err := pass.LLM.Complete(ctx, llm.Request{Task: t.ID, System: ask.System, Messages: msgs, Prefer: actorModel, Temperature: &temp})
		if err != nil {
			d.Stopped = "the actor could not be asked: " + err.Error()
			break
		}
		msgs = append(msgs, llm.Message{Role: llm.RoleAssistant, Content: resp.Text})
		var repeated *Round
		c, feedback := ask.Candidate(ctx, pass, t.Objective, ask.Step{
			Task: t.ID, Kind: fmt.Sprintf("round %d", round), Allowed: allowed,
			Describe: func(files []string) string {
				return fmt.Sprintf("%s of %s, round %d (%s)", ask.Change(t.Objective), tg.Name, round, strings.Join(files, ", "))
			},
			Validate: func(ctx context.Context, p []byte, _ ...methods.ValidateOption) (*validate.Report, error) {
				// The same change again is judged as before: validating it
				// twice would only let noise pick between them.
				if repeated = seen[string(p)]; repeated != nil {
					return nil, fmt.Errorf("the same change as round %d", repeated.Round)
				}
				return pass.Validate(ctx, p)
			},
		}, 1, resp.Text)
		if repeated != nil {
			d.Rounds = append(d.Rounds, Round{
				Round: round, Verdict: fmt.Sprintf("the same change as round %d", repeated.Round),
				Signals: repeated.Signals, Review: repeated.Review, Reward: repeated.Reward,
			})
			d.Stopped = fmt.Sprintf("round %d repeated the change of round %d: the reward cannot improve", round, repeated.Round)
			break
		}
		res.Candidates = append(res.Candidates, c)
		r := Round{Round: round, Candidate: c.ID, Verdict: verdict(c), Signals: signals(c, unitName)}
		var score *int
		if len(c.Patch) > 0 {
			if r.Review = m.review(ctx, t, pass, tg, c, criticModel, redact); r.Review != nil {
				score = r.Review.Score
			}
		}
		r.Reward = Reward(r.Signals, score)
		if len(c.Patch) > 0 {
			seen[string(c.Patch)] = &r
		}
		if c.Accepted() && (best == nil || r.Reward > bestAccepted) {
			best, bestAccepted = c, r.Reward
		}
		pass.Logf("round %d %s: %s, reward %.3f", round, c.ID, r.Verdict, r.Reward)
		if round > 1 && r.Reward <= bestR+MinGain {
			d.Rounds = append(d.Rounds, r)
			d.Stopped = fmt.Sprintf("the reward did not improve in round %d (%.3f against %.3f before)", round, r.Reward, bestR)
			break
		}
		bestR = max(bestR, r.Reward)
		if round < rounds {
			r.Critique = critique(c, feedback, r.Review)
			msgs = append(msgs, llm.Message{Role: llm.RoleUser, Content: redact(r.Critique)})
		}
		d.Rounds = append(d.Rounds, r)
	}
	// Only the accepted candidate with the best reward is stored.
	if best != nil {
		d.Best = best.ID
		for _, c := range res.Candidates {
			if c.Accepted() && c != best {
				c.SupersededBy = best.ID
			}
		}
	}
	res.Notes = append(res.Notes, history(d)...)
	return res, nil
}

// signals reads what validation said about c.
func signals(c *methods.Candidate, unit string) Signals {
	files, _ := diff.Parse(c.Patch) // a patch that does not parse is never accepted
	s := Signals{DiffLines: diff.Stat(files).Lines()}
	v := c.Validation
	if v == nil {
		return s
	}
	s.Accepted, s.RejectedBy = v.Accepted, v.RejectedBy
	for _, l := range v.Levels {
		switch l.Status {
		case validate.Pass:
			s.LevelsPassed++
			s.LevelsRun++
		case validate.Fail, validate.Error:
			s.LevelsRun++
		}
	}
	s.DeltaPct = math.Round(bench.Change(v.Benchmarks, unit)*10) / 10
	return s
}

var scoreLine = regexp.MustCompile(`(?i)score\W{0,5}(\d{1,2})\s*(?:/\s*10)?`)

// review asks the critic model for its opinion of c's diff. A failed
// request leaves the round without a review: validation's signals still
// score it.
func (m *method) review(ctx context.Context, t *methods.Task, pass *methods.Pass, tg *ask.Target, c *methods.Candidate, model string, redact func(string) string) *Review {
	var b strings.Builder
	fmt.Fprintf(&b, "## Goal\nChange %s of module %s. %s\n\n## The change\n```diff\n%s```\n\n## What validation said\n", tg.Name, tg.Mod.Path, ask.Goal(t.Objective), c.Patch)
	b.WriteString(validationSummary(c))
	b.WriteString("\nReview the change.")
	temp := 0.0
	resp, err := pass.LLM.Complete(ctx, llm.Request{
		Task: t.ID, System: criticSystem, Prefer: model, Temperature: &temp, MaxTokens: 1024,
		Messages: []llm.Message{{Role: llm.RoleUser, Content: redact(b.String())}},
	})
	if err != nil {
		pass.Logf("the critic could not be asked: %v", err)
		return nil
	}
	r := &Review{Model: resp.Provider, Text: strings.TrimSpace(resp.Text)}
	if mm := scoreLine.FindStringSubmatch(resp.Text); mm != nil {
		if n, err := strconv.Atoi(mm[1]); err == nil && n <= 10 {
			r.Score = &n
		}
	}
	return r
}

// validationSummary is the validation's verdict in a few lines.
func validationSummary(c *methods.Candidate) string {
	v := c.Validation
	if v == nil {
		return "It could not be validated: " + c.Error + "\n"
	}
	var b strings.Builder
	if v.Accepted {
		b.WriteString("Accepted: every level passed.\n")
	} else {
		fmt.Fprintf(&b, "Rejected by the %s level.\n", v.RejectedBy)
		if l := v.Level(v.RejectedBy); l != nil && l.Detail != "" {
			fmt.Fprintf(&b, "%s\n", clip.Bytes(l.Detail, 1500, "…"))
		}
	}
	for _, r := range v.Benchmarks {
		sig := "not significant"
		switch {
		case r.Unreplicated():
			sig = "significant in one batch only, unreplicated"
		case r.Significant:
			sig = "significant"
		}
		fmt.Fprintf(&b, "- %s %s: %s (p=%.3g, %s)\n", r.Name, r.Unit, r.Delta(), r.P, sig)
	}
	return b.String()
}

// critique is what the actor reads before revising: validation first (it
// decides), then the reviewer.
func critique(c *methods.Candidate, feedback string, review *Review) string {
	var b strings.Builder
	switch {
	case feedback != "":
		b.WriteString(feedback)
		b.WriteString("\n")
	case c.Validation != nil:
		b.WriteString("Validation accepted your change.\n")
		b.WriteString(validationSummary(c))
	}
	if review != nil && review.Text != "" {
		fmt.Fprintf(&b, "\nA reviewer says:\n%s\n", clip.Bytes(review.Text, 3000, "…"))
	}
	b.WriteString("\nRevise: give the complete change again, as edits to the files as they were originally, addressing what matters most.")
	return b.String()
}

func verdict(c *methods.Candidate) string {
	switch {
	case c.Validation == nil:
		return "error: " + c.Error
	case c.Validation.Accepted:
		return "accepted"
	}
	return "rejected by " + c.Validation.RejectedBy
}

// history is the reward history as notes.
func history(d *Details) []string {
	var out []string
	for _, r := range d.Rounds {
		line := fmt.Sprintf("round %d %s: %s, reward %.3f", r.Round, r.Candidate, r.Verdict, r.Reward)
		if r.Review != nil && r.Review.Score != nil {
			line += fmt.Sprintf(" (review %d/10)", *r.Review.Score)
		}
		out = append(out, line)
	}
	out = append(out, "rounds ended: "+d.Stopped)
	return out
}
