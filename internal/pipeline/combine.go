package pipeline

import (
	"context"
	"fmt"

	"github.com/agentic-optimizer/optimizer/internal/bench"
	"github.com/agentic-optimizer/optimizer/internal/clip"
	"github.com/agentic-optimizer/optimizer/internal/combine"
	"github.com/agentic-optimizer/optimizer/internal/gitx"
	"github.com/agentic-optimizer/optimizer/internal/report"
	"github.com/agentic-optimizer/optimizer/internal/validate"
	"github.com/agentic-optimizer/optimizer/methods"
)

// changesOf turns the tasks' stored candidates into changes to combine.
// The larger measured improvement wins an overlap, under every objective
// (under quality, the speed its benchmarks measured); without one, higher
// priority — the earlier method on the command line — then the smaller
// patch.
func changesOf(methodOrder []string, objective string, tasks []*methods.Task, accepted [][]*methods.Candidate) []combine.Change {
	rank := map[string]int{}
	for i, name := range methodOrder {
		if _, ok := rank[name]; !ok {
			rank[name] = len(methodOrder) - i
		}
	}
	var out []combine.Change
	for i, t := range tasks {
		for _, c := range accepted[i] {
			out = append(out, change(c.ID, c.Patch, rank[t.Method], c.Validation, objective))
		}
	}
	return out
}

func change(id string, p []byte, priority int, v *validate.Report, objective string) combine.Change {
	unit := bench.UnitOf(objective)
	if unit == "" {
		unit = "sec/op" // quality: what speed was measured still counts
	}
	measured := 0.0
	if v != nil {
		measured = -bench.Change(v.Benchmarks, unit)
	}
	return combine.Change{ID: id, Patch: p, Measured: measured, Priority: priority, Score: -float64(len(p)) / 1e6}
}

// combinePatches joins the run's stored candidates into one patch when there are
// at least two: those that overlap nothing are applied together and
// validated once; one that overlaps a candidate already taken is merged
// on top of it three-way and validated, or escalated (internal/combine).
func (s *session) combinePatches(ctx context.Context, wt *gitx.Worktree, changes []combine.Change) *combine.Result {
	if len(changes) < 2 || ctx.Err() != nil {
		return nil
	}
	rep, logf := s.rep, s.logf
	logf("combine %d accepted patches", len(changes))
	v := s.ws.Validator(s.cfg, nil)
	res, err := combine.Patches(ctx, combine.Env{
		Worktree: wt,
		Validate: func(ctx context.Context, p []byte) (*validate.Report, error) { return v.Validate(ctx, wt, p) },
		Logf:     func(format string, args ...any) { logf("combine: "+format, args...) },
	}, changes)
	rc := &report.Combination{Conflicts: []combine.Conflict{}}
	rep.Combination = rc
	if err != nil {
		rc.Error = err.Error()
		rep.Notes = append(rep.Notes, "the accepted patches could not be combined: "+err.Error())
		return nil
	}
	rc.Members, rc.Validation, rc.Conflicts, rc.LeftOut, rc.Repairs, rc.Validations = res.Members, res.Validation, res.Conflicts, res.LeftOut, res.Repairs, res.Validations
	rc.AutoResolvedPct = 100 * res.AutoResolved()
	note := fmt.Sprintf("combined %d of %d accepted patches into one (validations: %d)", len(res.Members), len(changes), res.Validations)
	if n := len(res.Conflicts); n > 0 {
		note += fmt.Sprintf("; %d overlapping, %.0f %% resolved without a human", n, rc.AutoResolvedPct)
	}
	for _, c := range res.Conflicts {
		if c.Resolution == combine.ResolutionEscalated {
			rep.Notes = append(rep.Notes, fmt.Sprintf("conflict for a human: %s and %s overlap at %s: %s", c.Winner, c.Loser, c.Where, clip.FirstLine(c.Detail)))
		}
	}
	for _, r := range res.Repairs {
		rep.Notes = append(rep.Notes, "combination: "+r)
	}
	for _, l := range res.LeftOut {
		rep.Notes = append(rep.Notes, fmt.Sprintf("%s is not in the combination: %s", l.ID, clip.FirstLine(l.Reason)))
	}
	rep.Notes = append(rep.Notes, note)
	// A combination of one is that patch, already stored.
	if res.Patch == nil || len(res.Members) < 2 {
		return nil
	}
	return res
}
