package bench

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
)

// Objective is what a candidate claims to improve (docs/validation.md).
type Objective string

const (
	Speed   Objective = "speed"   // faster sec/op
	Allocs  Objective = "allocs"  // fewer allocs/op or B/op
	Quality Objective = "quality" // anything, as long as nothing got worse
)

// Criteria are the thresholds of one decision, in percent.
type Criteria struct {
	Objective Objective
	// MinImprovement is the smallest sec/op gain a speed win must show.
	MinImprovement float64
	// MaxRegression: a row is "significantly worse" only when significant
	// and worse by more than this — noise alone must not reject.
	MaxRegression float64
	// Noise, from Calibrate, raises both thresholds per row to the
	// machine's own A/A noise. Nil means no calibration.
	Noise Noise
}

// Verdict is the judgement of one batch.
type Verdict struct {
	Accept      bool   `json:"accept"`
	Reason      string `json:"reason"`
	Wins        []Row  `json:"wins,omitempty"`        // rows that carry the claimed win
	Regressions []Row  `json:"regressions,omitempty"` // rows significantly worse beyond MaxRegression
}

// Judge applies c to the rows of one comparison.
//
//   - speed: some sec/op row significantly faster by ≥ MinImprovement, and
//     no sec/op row significantly slower by more than MaxRegression;
//   - allocs: some allocs/op or B/op row lower — its samples completely
//     separated or the difference significant — and no row of any unit
//     significantly worse by more than MaxRegression;
//   - quality: no row of any unit significantly worse by more than
//     MaxRegression.
//
// With Criteria.Noise, each row's thresholds are at least its A/A noise.
func Judge(rows []Row, c Criteria) Verdict {
	var v Verdict
	worse := func(r Row) bool { return r.Significant && r.DeltaPct > c.Noise.floor(r, c.MaxRegression) }
	switch c.Objective {
	case Speed:
		for _, r := range rows {
			if r.Unit != "sec/op" {
				continue
			}
			if r.Significant && -r.DeltaPct >= c.Noise.floor(r, c.MinImprovement) {
				v.Wins = append(v.Wins, r)
			}
			if worse(r) {
				v.Regressions = append(v.Regressions, r)
			}
		}
	case Allocs:
		for _, r := range rows {
			if (r.Unit == "allocs/op" || r.Unit == "B/op") && r.Better() && (r.Separated() || r.Significant) {
				v.Wins = append(v.Wins, r)
			}
			if worse(r) {
				v.Regressions = append(v.Regressions, r)
			}
		}
	case Quality:
		for _, r := range rows {
			if worse(r) {
				v.Regressions = append(v.Regressions, r)
			}
		}
	default:
		v.Reason = fmt.Sprintf("unknown objective %q", c.Objective)
		return v
	}
	switch {
	case len(v.Regressions) > 0:
		v.Reason = fmt.Sprintf("%s: significantly worse by more than %g%%: %s", c.Objective, c.MaxRegression, list(v.Regressions))
	case c.Objective == Quality:
		v.Accept = true
		v.Reason = fmt.Sprintf("quality: nothing significantly worse by more than %g%%", c.MaxRegression)
	case len(v.Wins) == 0:
		v.Reason = fmt.Sprintf("%s: no significant improvement", c.Objective)
		if c.Objective == Speed {
			v.Reason += fmt.Sprintf(" of at least %g%%", c.MinImprovement)
		}
	default:
		v.Accept = true
		v.Reason = fmt.Sprintf("%s: %s", c.Objective, list(v.Wins))
	}
	return v
}

// Decision is the outcome of Decide: one batch, or two when the first
// claimed a win.
type Decision struct {
	Accept   bool      `json:"accept"`
	Reason   string    `json:"reason"`
	Batches  []*Result `json:"batches"`
	Verdicts []Verdict `json:"verdicts"`
}

// Rows are the rows to report: the last batch's, Replicated where the
// first batch showed the same significant difference.
func (d *Decision) Rows() []Row {
	if len(d.Batches) == 0 {
		return nil
	}
	return d.Batches[len(d.Batches)-1].Rows
}

// Decide compares base and cand and judges the result by c. A claimed win
// (speed, allocs) is accepted only if a second, independent interleaved
// batch — started with the candidate, so that position effects cancel —
// also wins, on at least one of the same rows, and shows no regression.
// After two batches every row of either unit that is significant in both,
// in the same direction, is Replicated; after one, none is.
func Decide(ctx context.Context, run Runner, base, cand Binary, benchmarks []string, opt Options, c Criteria) (*Decision, error) {
	return decide(func(replication bool) (*Result, error) {
		o := opt
		if replication {
			o.CandidateFirst = !o.CandidateFirst
		}
		return Compare(ctx, run, base, cand, benchmarks, o)
	}, c)
}

// batchFunc runs one interleaved batch: the first, or the replication.
type batchFunc func(replication bool) (*Result, error)

// decide is Decide over any source of batches, so that the quality
// harness can judge the same batches by several criteria.
func decide(batch batchFunc, c Criteria) (*Decision, error) {
	first, err := batch(false)
	if err != nil {
		return nil, err
	}
	v1 := Judge(first.Rows, c)
	d := &Decision{Batches: []*Result{first}, Verdicts: []Verdict{v1}, Accept: v1.Accept, Reason: v1.Reason}
	// A quality candidate is measured again only to confirm a regression,
	// a speed or allocs candidate only to confirm a win.
	if c.Objective == Quality && v1.Accept || c.Objective != Quality && len(v1.Wins) == 0 {
		return d, nil
	}
	second, err := batch(true)
	if err != nil {
		return nil, fmt.Errorf("bench: replication: %w", err)
	}
	replicate(first.Rows, second.Rows)
	v2 := Judge(second.Rows, c)
	d.Batches = append(d.Batches, second)
	d.Verdicts = append(d.Verdicts, v2)
	// A win counts when both batches show it on the same row; so does a
	// regression: one batch of a noisy machine can look significantly
	// better or worse (p < α happens α of the time), and one noisy batch
	// must neither accept nor reject.
	wins := common(v1.Wins, v2.Wins)
	regressions := common(v1.Regressions, v2.Regressions)
	d.Verdicts[1].Regressions = regressions
	switch {
	case len(regressions) > 0:
		d.Accept = false
		d.Reason = fmt.Sprintf("%s: significantly worse by more than %g%% in two batches: %s", c.Objective, c.MaxRegression, list(regressions))
	case c.Objective == Quality:
		d.Accept = true
		d.Reason = fmt.Sprintf("%s: nothing significantly worse in two batches (the first batch's %s was not replicated)", c.Objective, list(v1.Regressions))
	case len(v2.Wins) == 0:
		d.Accept = false
		d.Reason = fmt.Sprintf("win not replicated: first batch %s; second batch %s", v1.Reason, v2.Reason)
	case len(wins) == 0:
		d.Accept = false
		d.Reason = fmt.Sprintf("win not replicated on the same benchmark: first %s; second %s", list(v1.Wins), list(v2.Wins))
	default:
		d.Accept = true
		d.Reason = fmt.Sprintf("%s: replicated: %s", c.Objective, list(wins))
		if once := append(slices.Clone(v1.Regressions), v2.Regressions...); len(once) > 0 {
			d.Reason += fmt.Sprintf(" (a regression in one batch only, not replicated: %s)", list(once))
		}
	}
	return d, nil
}

// replicate marks Replicated the rows of both batches that are
// significant in both, in the same direction: the only rows whose
// difference a report may call significant without a caveat.
func replicate(first, second []Row) {
	sig := map[key]int{}
	for _, r := range first {
		if r.Significant {
			sig[key{r.Name, r.Unit}] = cmp.Compare(r.Candidate, r.Base)
		}
	}
	again := map[key]bool{}
	for i, r := range second {
		k := key{r.Name, r.Unit}
		if dir, ok := sig[k]; ok && r.Significant && dir == cmp.Compare(r.Candidate, r.Base) {
			second[i].Replicated, again[k] = true, true
		}
	}
	for i, r := range first {
		first[i].Replicated = again[key{r.Name, r.Unit}]
	}
}

// common is the rows of b whose benchmark and unit also won in a.
func common(a, b []Row) []Row {
	won := map[key]bool{}
	for _, r := range a {
		won[key{r.Name, r.Unit}] = true
	}
	var out []Row
	for _, r := range b {
		if won[key{r.Name, r.Unit}] {
			out = append(out, r)
		}
	}
	return out
}

func list(rows []Row) string {
	s := make([]string, len(rows))
	for i, r := range rows {
		s[i] = r.String()
	}
	return strings.Join(s, ", ")
}
