package report

import (
	"fmt"
	"slices"
	"strings"

	"github.com/agentic-optimizer/optimizer/internal/validate"
)

// Proposal is what a run proposes: one stored patch that was validated as
// a whole — the combination of the accepted patches when the run made one,
// else the only accepted patch. The CLI's table, the job summary, the
// step's outputs, the draft pull request and the review suggestions all
// show it first, and its validation's figures are the headline: the
// individual patches stay in report.json and `optimizer patches list`.
type Proposal struct {
	Patch      *Patch // nil when the run proposes nothing
	Validation *validate.Report
	// Members are the candidates the patch holds, by ID, in task order.
	Members []string
	// Left are the stored patches it does not hold, with why.
	Left []Left
	// Note says why a run with accepted patches proposes nothing.
	Note string
}

// Left is a stored patch the proposal does not hold.
type Left struct {
	ID, Why string
}

// Combined reports whether the proposal is a combination of patches.
func (p Proposal) Combined() bool { return len(p.Members) > 1 }

// Proposed returns the run's proposal.
func (r *Report) Proposed() Proposal {
	var stored []Candidate
	for _, t := range r.Tasks {
		for _, c := range t.Candidates {
			if c.Patch != nil {
				stored = append(stored, c)
			}
		}
	}
	comb := r.Combination
	switch {
	case comb != nil && comb.Patch != nil:
		p := Proposal{Patch: comb.Patch, Validation: comb.Validation}
		for _, c := range stored {
			if slices.Contains(comb.Members, c.ID) {
				p.Members = append(p.Members, c.ID)
			} else {
				p.Left = append(p.Left, Left{c.ID, comb.whyLeft(c.ID)})
			}
		}
		return p
	case len(stored) == 1:
		return Proposal{Patch: stored[0].Patch, Validation: stored[0].Validation, Members: []string{stored[0].ID}}
	case len(stored) > 1:
		why := "the combination was not validated"
		if comb != nil && comb.Error != "" {
			why = comb.Error
		}
		return Proposal{Note: fmt.Sprintf("%d accepted patches, but no validated combination of them (%s): nothing is proposed as one change; the patches are in the output directory", len(stored), why)}
	}
	return Proposal{}
}

// whyLeft says why the combination does not hold a stored patch.
func (comb *Combination) whyLeft(id string) string {
	for _, l := range comb.LeftOut {
		if l.ID == id {
			return l.Reason
		}
	}
	for _, cf := range comb.Conflicts {
		if cf.Loser == id {
			return fmt.Sprintf("it overlaps %s at %s (%s)", cf.Winner, cf.Where, cf.Resolution)
		}
	}
	return "not combined"
}

// unreplicated is ", unreplicated" for a significant row that one batch
// alone showed (bench.Row.Unreplicated), "" otherwise.
func unreplicated(bm validate.Benchmark) string {
	if bm.Unreplicated() {
		return ", unreplicated"
	}
	return ""
}

// What says what the proposal is, in words: "the combination of 4
// accepted patches (c1, c2, c3, c4), validated as a whole" or "the only
// accepted patch, c1", with the benchmarks its validation measured
// significant.
func (p Proposal) What() string {
	s := "the only accepted patch, " + p.Members[0]
	if p.Combined() {
		s = fmt.Sprintf("the combination of %d accepted patches (%s), validated as a whole", len(p.Members), strings.Join(p.Members, ", "))
	}
	var benches []string
	if p.Validation != nil {
		for _, bm := range p.Validation.Benchmarks {
			if bm.Significant && len(benches) < 3 {
				benches = append(benches, fmt.Sprintf("%s %s %s (p=%.3g%s)", bm.Name, bm.Delta(), bm.Unit, bm.P, unreplicated(bm)))
			}
		}
	}
	if len(benches) > 0 {
		s += "; benchmarks " + strings.Join(benches, ", ")
	}
	return s
}
