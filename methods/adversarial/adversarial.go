// Package adversarial is the adversarial method: several candidates for the
// same function compete, each asked for with a different approach,
// temperature and model, each validated on its own (side by side, in as
// many worktrees as the run has free agent slots). Among the accepted ones
// a tournament picks the winner: the best statistically significant
// improvement, and between two that benchmath cannot tell apart, the
// smaller diff. Only the winner is stored; the leaderboard in the report
// says why each other candidate lost.
package adversarial

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/perf/benchmath"

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
const Name = "adversarial"

// DefaultCandidates is how many candidates compete per target.
const DefaultCandidates = 4

// alpha is the significance level at which two winners are told apart.
const alpha = 0.05

// Method is the adversarial method.
var Method = &methods.Method{
	Name:  Name,
	Doc:   "competing model candidates (varied approach, temperature, model) validated side by side; a benchmath tournament keeps the best",
	Model: methods.ModelRequired,
	Options: []config.Option{{
		Name: "candidates", Default: strconv.Itoa(DefaultCandidates),
		Help: "competing candidates the adversarial method asks for per target, 1..16",
		Want: "an integer 1..16", Example: "6", Parse: config.Int(1, 16),
	}},
	Run: func(ctx context.Context, pass *methods.Pass) (*methods.Result, error) {
		return (&method{Candidates: pass.Option("candidates").(int)}).run(ctx, pass)
	},
}

// method is the state of the method for one task.
type method struct {
	// Candidates is how many candidates compete for each target.
	Candidates int
	// Budget is the token budget of the code context in each prompt; 0
	// means prompt.DefaultBudget.
	Budget int
}

// Approach is one way of attacking the target, stated in its prompt.
type Approach struct{ Name, Text string }

// Approaches are the prompts' approaches, handed out in turn.
var Approaches = []Approach{
	{"algorithm", "Look for a better algorithm or data structure: lower the complexity of the hot path."},
	{"allocation", "Look for allocations on the hot path and remove them: preallocate, reuse buffers, build strings with strings.Builder, avoid conversions between string and []byte."},
	{"loop", "Tighten the inner loops: hoist invariant work out of them, avoid repeated lookups and bounds checks, stop early when the answer is known."},
	{"library", "Use the standard library's optimized routines (strings, bytes, slices, maps, strconv) instead of hand-written loops."},
	{"minimal", "Make the smallest change that removes the largest cost."},
}

// Variant is how one candidate was asked for.
type Variant struct {
	Approach    string  `json:"approach"`
	Model       string  `json:"model"`
	Temperature float64 `json:"temperature"`
}

// variants spreads n candidates over the approaches, the models, and
// temperatures from 0.2 to 1.0.
func variants(n int, models []string) []Variant {
	out := make([]Variant, n)
	for i := range out {
		t := 0.2
		if n > 1 {
			t = math.Round((0.2+0.8*float64(i)/float64(n-1))*10) / 10
		}
		out[i] = Variant{Approach: Approaches[i%len(Approaches)].Name, Temperature: t}
		if len(models) > 0 {
			out[i].Model = models[i%len(models)]
		}
	}
	return out
}

// Details is the tournament, as the report shows it.
type Details struct {
	Target string `json:"target"`
	// Unit is what the tournament compared: "sec/op" under speed,
	// "allocs/op" under allocs; empty under quality, where the smallest
	// accepted diff wins.
	Unit        string  `json:"unit,omitempty"`
	Winner      string  `json:"winner,omitempty"`
	Leaderboard []Entry `json:"leaderboard"`
}

// Entry is one candidate on the leaderboard.
type Entry struct {
	Rank      int    `json:"rank,omitempty"` // 1 for the winner, then the other accepted ones; 0 when not accepted
	Candidate string `json:"candidate,omitempty"`
	Variant
	Verdict string `json:"verdict"` // "winner", "lost", "rejected by unit", "no answer", "error"
	Why     string `json:"why,omitempty"`
	// ScorePct is the geometric mean of the candidate's change over the
	// unit's benchmarks, counting only significant changes (−40 is 40 %
	// less).
	ScorePct  *float64 `json:"score_pct,omitempty"`
	Deltas    []Delta  `json:"deltas,omitempty"`
	DiffLines int      `json:"diff_lines,omitempty"`
}

// Delta is one benchmark row of a candidate's validation.
type Delta struct {
	Benchmark   string  `json:"benchmark"`
	Unit        string  `json:"unit"`
	DeltaPct    float64 `json:"delta_pct"`
	P           float64 `json:"p"`
	Significant bool    `json:"significant"`
	// Replicated: significant in both batches of the validation, in the
	// same direction (bench.Row.Replicated); a significant delta that is
	// not was shown by one batch only.
	Replicated bool `json:"replicated"`
}

// entrant is one candidate's progress through the tournament.
type entrant struct {
	variant Variant
	c       *methods.Candidate
	err     error // the model gave no answer
	score   float64
	lines   int
}

// Optimize asks for the candidates, validates them and holds the tournament.
func (m *method) run(ctx context.Context, pass *methods.Pass) (*methods.Result, error) {
	t := pass.Task
	tg, res, err := ask.Start(Name, t, pass, m.Budget)
	if tg == nil {
		return res, err
	}
	n := max(m.Candidates, 1)
	entrants := make([]*entrant, n)
	for i, v := range variants(n, pass.LLM.Models()) {
		entrants[i] = &entrant{variant: v}
	}

	// One worker per worktree: the agent's own and every one Fork lends.
	envs := []*methods.Pass{pass}
	for len(envs) < n {
		f, release, err := pass.Fork(ctx)
		if err != nil {
			if !errors.Is(err, methods.ErrNoSlot) {
				res.Notes = append(res.Notes, "could not open another worktree: "+err.Error())
			}
			break
		}
		defer release()
		envs = append(envs, f)
	}
	pass.Logf("%d candidates for %s in %d worktrees", n, tg.Name, len(envs))
	next := make(chan int, n)
	for i := range n {
		next <- i
	}
	close(next)
	var wg sync.WaitGroup
	for _, e := range envs {
		wg.Go(func() {
			for i := range next {
				if ctx.Err() != nil {
					entrants[i].err = ctx.Err()
					continue
				}
				m.compete(ctx, t, e, tg, i, entrants[i])
			}
		})
	}
	wg.Wait()

	d := tournament(t.Objective, tg.Name, entrants)
	for _, e := range entrants {
		if e.c != nil {
			res.Candidates = append(res.Candidates, e.c)
		}
	}
	res.Details = d
	res.Notes = append(res.Notes, summary(d)...)
	return res, nil
}

// compete asks for one candidate and validates it in e's worktree.
func (m *method) compete(ctx context.Context, t *methods.Task, e *methods.Pass, tg *ask.Target, i int, en *entrant) {
	approach := Approaches[i%len(Approaches)]
	allowed := tg.SourceFiles()
	question := fmt.Sprintf(`%s
## Task
Change %s. %s
Approach: %s — %s
Its behaviour must stay exactly the same: the existing tests must pass unchanged. Edit only these files: %s. Do not edit any test or benchmark.
`, tg.Context.Text, tg.Name, ask.Goal(t.Objective), approach.Name, approach.Text, strings.Join(allowed, ", "))
	temperature := en.variant.Temperature
	resp, err := e.LLM.Complete(ctx, llm.Request{
		Task: t.ID, System: ask.System, Prefer: en.variant.Model, Temperature: &temperature,
		Messages: []llm.Message{{Role: llm.RoleUser, Content: prompt.Redact(question, e.Secrets)}},
	})
	if err != nil {
		en.err = err
		e.Logf("candidate %d (%s): no answer: %v", i+1, approach.Name, err)
		return
	}
	en.variant.Model = resp.Provider
	c, _ := ask.Candidate(ctx, e, t.Objective, ask.Step{
		Task: t.ID, Kind: fmt.Sprintf("candidate %d", i+1), Allowed: allowed,
		Describe: func(files []string) string {
			return fmt.Sprintf("%s of %s, %s approach (%s)", ask.Change(t.Objective), tg.Name, approach.Name, strings.Join(files, ", "))
		},
		Validate: e.Validate,
	}, 1, resp.Text)
	en.c = c
	files, _ := diff.Parse(c.Patch) // a patch that does not parse is never accepted
	en.lines = diff.Stat(files).Lines()
	e.Logf("candidate %d (%s) %s: %s", i+1, approach.Name, c.ID, verdict(c))
}

// tournament ranks the accepted entrants, marks the losers superseded by
// the winner, and writes the leaderboard.
func tournament(objective, target string, entrants []*entrant) *Details {
	d := &Details{Target: target, Unit: bench.UnitOf(objective)}
	var accepted []*entrant
	for _, e := range entrants {
		if e.c != nil && e.c.Accepted() {
			e.score = score(e.c.Validation, d.Unit)
			accepted = append(accepted, e)
		}
	}
	// Best score first; equal scores (always, under quality), smaller diff.
	slices.SortStableFunc(accepted, func(a, b *entrant) int {
		return cmp.Or(cmp.Compare(a.score, b.score), cmp.Compare(a.lines, b.lines))
	})
	why := map[*entrant]string{}
	if len(accepted) > 0 {
		winner := accepted[0]
		// A candidate that benchmath cannot tell from the leader wins
		// with a smaller diff.
		for _, e := range accepted[1:] {
			if p, tied := tie(winner, e, d.Unit); tied && e.lines < winner.lines {
				why[winner] = fmt.Sprintf("as good as %s (no significant difference, p=%.2f) with a larger diff (%d lines against %d)", e.c.ID, p, winner.lines, e.lines)
				winner = e
			}
		}
		d.Winner = winner.c.ID
		rest := slices.DeleteFunc(slices.Clone(accepted), func(e *entrant) bool { return e == winner })
		accepted = append([]*entrant{winner}, rest...)
		for _, e := range rest {
			e.c.SupersededBy = winner.c.ID
			if why[e] != "" {
				continue
			}
			if p, tied := tie(winner, e, d.Unit); tied {
				why[e] = fmt.Sprintf("as good as the winner (no significant difference, p=%.2f) with a diff no smaller (%d lines against %d)", p, e.lines, winner.lines)
			} else {
				why[e] = fmt.Sprintf("less improvement than the winner: %+.1f %% against %+.1f %% %s (p=%.2g)", e.score, winner.score, d.Unit, p)
			}
		}
	}
	for i, e := range accepted {
		entry := newEntry(e, d.Unit)
		entry.Rank = i + 1
		entry.Verdict = "lost"
		if i == 0 {
			entry.Verdict = "winner"
		}
		entry.Why = why[e]
		d.Leaderboard = append(d.Leaderboard, entry)
	}
	for _, e := range entrants {
		if e.c != nil && e.c.Accepted() {
			continue
		}
		entry := newEntry(e, d.Unit)
		switch {
		case e.c == nil:
			entry.Verdict, entry.Why = "no answer", fmt.Sprint(e.err)
		case e.c.Validation == nil:
			entry.Verdict, entry.Why = "error", e.c.Error
		default:
			v := e.c.Validation
			entry.Verdict = "rejected by " + v.RejectedBy
			if l := v.Level(v.RejectedBy); l != nil {
				entry.Why = clip.Bytes(l.Detail, 400, "…")
			}
		}
		d.Leaderboard = append(d.Leaderboard, entry)
	}
	return d
}

func newEntry(e *entrant, unit string) Entry {
	entry := Entry{Variant: e.variant, DiffLines: e.lines}
	if e.c == nil {
		return entry
	}
	entry.Candidate = e.c.ID
	if v := e.c.Validation; v != nil {
		for _, r := range v.Benchmarks {
			entry.Deltas = append(entry.Deltas, Delta{Benchmark: r.Name, Unit: r.Unit, DeltaPct: r.DeltaPct, P: r.P, Significant: r.Significant, Replicated: r.Replicated})
		}
		if v.Accepted && unit != "" {
			s := e.score
			entry.ScorePct = &s
		}
	}
	return entry
}

// score is the candidate's significant change in unit, in percent (see
// bench.Change); 0 under quality.
func score(v *validate.Report, unit string) float64 {
	if v == nil || unit == "" {
		return 0
	}
	return bench.Change(v.Benchmarks, unit)
}

// tie reports whether benchmath cannot tell a's results from b's on any
// row of unit both measured, with the smallest p-value found. Each
// candidate's samples are divided by its own base's median, so that the
// two runs' drift cancels out. Without samples to compare (or under
// quality) candidates tie when their scores are within a point.
func tie(a, b *entrant, unit string) (float64, bool) {
	if unit == "" {
		return 1, true
	}
	minP, compared := 1.0, false
	for _, ra := range a.c.Validation.Benchmarks {
		if ra.Unit != unit {
			continue
		}
		for _, rb := range b.c.Validation.Benchmarks {
			if rb.Name != ra.Name || rb.Unit != unit {
				continue
			}
			na, nb := normalized(ra.Samples), normalized(rb.Samples)
			if len(na) < 2 || len(nb) < 2 {
				continue
			}
			c := benchmath.AssumeNothing.Compare(benchmath.NewSample(na, &benchmath.DefaultThresholds), benchmath.NewSample(nb, &benchmath.DefaultThresholds))
			compared = true
			minP = min(minP, c.P)
		}
	}
	if !compared {
		return 1, math.Abs(a.score-b.score) < 1
	}
	return minP, minP >= alpha
}

// normalized is the candidate's samples divided by the base's median.
func normalized(s [2][]float64) []float64 {
	base := slices.Clone(s[0])
	if len(base) == 0 {
		return nil
	}
	slices.Sort(base)
	med := base[len(base)/2]
	if len(base)%2 == 0 {
		med = (base[len(base)/2-1] + base[len(base)/2]) / 2
	}
	if med <= 0 {
		return nil
	}
	out := make([]float64, len(s[1]))
	for i, x := range s[1] {
		out[i] = x / med
	}
	return out
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

// summary is the leaderboard as notes, one line per candidate.
func summary(d *Details) []string {
	var out []string
	for _, e := range d.Leaderboard {
		line := fmt.Sprintf("%s (%s, %s, t=%.1f): %s", cmp.Or(e.Candidate, "-"), e.Approach, cmp.Or(e.Model, "-"), e.Temperature, e.Verdict)
		if e.ScorePct != nil {
			line += fmt.Sprintf(", %+.1f %% %s", *e.ScorePct, d.Unit)
		}
		if e.Why != "" {
			line += ": " + clip.FirstLine(e.Why)
		}
		out = append(out, line)
	}
	return out
}
