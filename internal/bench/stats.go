package bench

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"golang.org/x/perf/benchmath"
)

// Row compares one benchmark in one unit; its JSON is a `benchmarks` entry
// of docs/design.md#reports. P is Holm-adjusted across the rows of the same
// unit, and Significant means P < α in this row's batch.
//
// Replicated means the row was significant, in the same direction, in
// both batches of a [Decision]. A row that is Significant but not
// Replicated is one batch's word only — on a noisy machine p < α happens
// α of the time per row — so every rendering of it says "unreplicated"
// (see [Row.Unreplicated]).
type Row struct {
	Name        string  `json:"name"`
	Unit        string  `json:"unit"`
	Base        float64 `json:"base"`      // median
	Candidate   float64 `json:"candidate"` // median
	DeltaPct    float64 `json:"delta_pct"` // (Candidate−Base)/Base·100; lower is better for every unit here
	P           float64 `json:"p"`
	N           [2]int  `json:"n"`
	Significant bool    `json:"significant"`
	Replicated  bool    `json:"replicated"`

	// RawP is the Mann-Whitney p-value before the Holm adjustment.
	RawP float64 `json:"-"`
	// Samples are the measurements, base then candidate, ascending.
	Samples [2][]float64 `json:"-"`
}

// Better reports whether the candidate's median is lower (all units compared
// here are lower-is-better).
func (r Row) Better() bool { return r.Candidate < r.Base }

// Separated reports whether every candidate sample is below every base
// sample: for near-deterministic units (allocs/op, B/op) the strongest
// evidence a handful of samples can give.
func (r Row) Separated() bool {
	b, c := r.Samples[0], r.Samples[1]
	return len(b) > 0 && len(c) > 0 && c[len(c)-1] < b[0]
}

// Delta says the change as people read it: "-12.5%", "-100.0%" for a
// value that went to 0, and "+3 from 0" for one that rose from a base of
// 0, where a percentage means nothing.
func (r Row) Delta() string {
	if r.Base == 0 && r.Candidate != 0 {
		return fmt.Sprintf("%+.4g from 0", r.Candidate)
	}
	return fmt.Sprintf("%+.1f%%", r.DeltaPct)
}

// Unreplicated reports whether the row is significant in its batch but
// was not confirmed by a second one: not measured again (one batch decided)
// or not significant there in the same direction. Renderings that call a
// row significant say "unreplicated" beside it.
func (r Row) Unreplicated() bool { return r.Significant && !r.Replicated }

func (r Row) String() string {
	s := fmt.Sprintf("%s %s %s (p=%.3g n=%d+%d", r.Name, r.Unit, r.Delta(), r.P, r.N[0], r.N[1])
	if r.Unreplicated() {
		s += ", unreplicated"
	}
	return s + ")"
}

// analyze compares every row that has samples on both sides. Rows with
// samples on one side only become warnings.
func (s *samples) analyze(alpha float64) ([]Row, []string) {
	thresholds := benchmath.DefaultThresholds
	thresholds.CompareAlpha = alpha
	var rows []Row
	var warnings []string
	for _, k := range s.order {
		v := s.vals[k]
		if len(v[0]) == 0 || len(v[1]) == 0 {
			warnings = append(warnings, fmt.Sprintf("%s %s: results on one side only (base %d, candidate %d)", k.name, k.unit, len(v[0]), len(v[1])))
			continue
		}
		sb := benchmath.NewSample(slices.Clone(v[0]), &thresholds)
		sc := benchmath.NewSample(slices.Clone(v[1]), &thresholds)
		base := benchmath.AssumeNothing.Summary(sb, 0.95).Center
		cand := benchmath.AssumeNothing.Summary(sc, 0.95).Center
		c := benchmath.AssumeNothing.Compare(sb, sc)
		rows = append(rows, Row{
			Name: k.name, Unit: k.unit,
			Base: base, Candidate: cand, DeltaPct: deltaPct(base, cand),
			RawP: c.P, N: [2]int{c.N1, c.N2},
			Samples: [2][]float64{sb.Values, sc.Values},
		})
	}
	slices.SortStableFunc(rows, func(a, b Row) int {
		return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(slices.Index(units, a.Unit), slices.Index(units, b.Unit)))
	})
	for _, unit := range units {
		var idx []int
		for i := range rows {
			if rows[i].Unit == unit {
				idx = append(idx, i)
			}
		}
		raw := make([]float64, len(idx))
		for j, i := range idx {
			raw[j] = rows[i].RawP
		}
		for j, p := range holm(raw) {
			rows[idx[j]].P = p
			rows[idx[j]].Significant = p < alpha
		}
	}
	return rows, warnings
}

// deltaPct is the candidate's change relative to the base. A zero base
// (e.g. 0 allocs/op) gives ±100 %, never ±Inf, which JSON cannot carry.
func deltaPct(base, cand float64) float64 {
	switch {
	case base == cand:
		return 0
	case base == 0:
		return math.Copysign(100, cand)
	}
	return (cand - base) / base * 100
}

// holm returns Holm-Bonferroni adjusted p-values, in the input's order:
// sorted ascending, p(i) becomes max over j ≤ i of min(1, (m−j+1)·p(j)).
// Rejecting where the adjusted p < α is Holm's step-down procedure, which
// holds the family-wise error rate at α for any dependence between rows.
func holm(p []float64) []float64 {
	m := len(p)
	order := make([]int, m)
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(p[a], p[b]) })
	adj := make([]float64, m)
	running := 0.0
	for rank, i := range order {
		v := min(1, float64(m-rank)*p[i])
		running = max(running, v)
		adj[i] = running
	}
	return adj
}
