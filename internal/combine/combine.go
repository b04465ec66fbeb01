// Package combine joins what the agents accepted: it finds where their
// patches overlap, hunk by hunk, combines the ones that do not into one
// patch validated once, and resolves the ones that do — by measured
// improvement, then priority, then score, the loser rebased onto the winner with a three-way apply and
// validated again — or escalates them to a human.
package combine

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/agentic-optimizer/optimizer/internal/clip"
	"github.com/agentic-optimizer/optimizer/internal/diff"
	"github.com/agentic-optimizer/optimizer/internal/gitx"
	"github.com/agentic-optimizer/optimizer/internal/validate"
)

// Change is one accepted patch, made against the base.
type Change struct {
	ID    string
	Patch []byte
	// Measured is the change's measured improvement in percent (positive
	// is better; 0 when its benchmarks showed nothing significant): the
	// larger wins an overlap, whatever the priorities, so that measured
	// evidence decides wherever there is some.
	Measured float64
	Priority int     // higher wins an overlap between equal measurements
	Score    float64 // higher wins an overlap between equal priorities
}

// Span is the part of a file one hunk reads or writes, in the base's line
// numbers, context included: two hunks whose spans meet cannot be applied
// one after the other as they are.
type Span struct {
	File     string `json:"file"`
	From, To int    // inclusive; To < From for a hunk that only adds to an empty file
}

func (s Span) String() string { return fmt.Sprintf("%s:%d-%d", s.File, s.From, s.To) }

// Spans lists the spans of every hunk of a patch. A binary file, a file
// created, deleted or renamed is one span covering the whole file: any
// other change to it overlaps.
func Spans(p []byte) ([]Span, error) {
	files, err := diff.Parse(p)
	if err != nil {
		return nil, err
	}
	var out []Span
	for _, f := range files {
		whole := f.Binary || f.OldPath == "" || f.NewPath == "" || f.OldPath != f.NewPath || len(f.Hunks) == 0
		if whole {
			out = append(out, Span{File: f.Path(), From: 0, To: 1 << 30})
			continue
		}
		for _, h := range f.Hunks {
			out = append(out, Span{File: f.Path(), From: h.OldStart, To: h.OldStart + h.OldLines - 1})
		}
	}
	return out, nil
}

// overlap returns the first pair of spans, one of a and one of b, that
// meet in the same file.
func overlap(a, b []Span) (Span, Span, bool) {
	for _, x := range a {
		for _, y := range b {
			if x.File == y.File && x.From <= y.To+1 && y.From <= x.To+1 {
				return x, y, true
			}
		}
	}
	return Span{}, Span{}, false
}

// Conflict is two accepted patches that overlap.
type Conflict struct {
	Winner     string `json:"winner"`
	Loser      string `json:"loser"`
	Where      string `json:"where"`      // "a.go:10-17 and a.go:14-20"
	Resolution string `json:"resolution"` // ResolutionRebased or ResolutionEscalated
	Detail     string `json:"detail,omitempty"`
}

// How a conflict ended.
const (
	// ResolutionRebased: the loser applied on top of the winner with a
	// three-way merge, and the combination passed validation.
	ResolutionRebased = "rebased"
	// ResolutionEscalated: the loser could not be merged, or the merge
	// failed validation; a human decides.
	ResolutionEscalated = "escalated"
)

// Env is what Combine works with.
type Env struct {
	// Worktree is a clean worktree at the base; Combine leaves it clean.
	Worktree *gitx.Worktree
	// Validate judges a patch against the base.
	Validate func(ctx context.Context, patch []byte) (*validate.Report, error)
	Logf     func(format string, args ...any)
}

// Result is the combination of the accepted changes.
type Result struct {
	// Members are the changes the combined patch holds, in the order
	// applied.
	Members []string `json:"members"`
	// Patch and Reverse are the combination against the base; nil when
	// no combination passed validation.
	Patch      []byte           `json:"-"`
	Reverse    []byte           `json:"-"`
	Validation *validate.Report `json:"validation,omitempty"`
	Conflicts  []Conflict       `json:"conflicts"`
	// Left out are changes that are not in the combination although they
	// overlap nothing: the combination failed validation with them.
	LeftOut []LeftOut `json:"left_out,omitempty"`
	// Repairs are what the combination changed beyond its members: the
	// imports they leave unused together although each used them.
	Repairs     []string `json:"repairs,omitempty"`
	Validations int      `json:"validations"`
}

// LeftOut is a change the combination could not take.
type LeftOut struct {
	ID     string `json:"id"`
	Reason string `json:"reason"`
}

// AutoResolved is the share of conflicts resolved without a human, 0..1;
// 1 when there were none.
func (r *Result) AutoResolved() float64 {
	if len(r.Conflicts) == 0 {
		return 1
	}
	n := 0
	for _, c := range r.Conflicts {
		if c.Resolution == ResolutionRebased {
			n++
		}
	}
	return float64(n) / float64(len(r.Conflicts))
}

// Combine combines the changes. Changes that overlap no other are applied
// together and the combination is validated once; should it fail, they are
// added one at a time instead, each addition validated, and a change that
// breaks the combination is left out with the reason. Each change that
// overlaps one already taken (taken in order of priority, then score) is
// then applied on top of the combination with a three-way merge and the
// result validated: it joins, or the conflict is escalated.
func Patches(ctx context.Context, env Env, changes []Change) (*Result, error) {
	logf := env.Logf
	if logf == nil {
		logf = func(string, ...any) {}
	}
	order := slices.Clone(changes)
	slices.SortStableFunc(order, func(a, b Change) int {
		return cmp.Or(-cmp.Compare(a.Measured, b.Measured), -cmp.Compare(a.Priority, b.Priority), -cmp.Compare(a.Score, b.Score), cmp.Compare(a.ID, b.ID))
	})
	spans := map[string][]Span{}
	for _, c := range order {
		s, err := Spans(c.Patch)
		if err != nil {
			return nil, fmt.Errorf("combine: patch %s: %w", c.ID, err)
		}
		spans[c.ID] = s
	}
	// Partition: a change joins the clean set unless it overlaps one
	// already in it; then it waits for a three-way merge.
	var clean, losers []Change
	winnerOf := map[string]string{}
	where := map[string]string{}
	for _, c := range order {
		overlapped := false
		for _, w := range clean {
			if x, y, ok := overlap(spans[w.ID], spans[c.ID]); ok {
				winnerOf[c.ID], where[c.ID] = w.ID, x.String()+" and "+y.String()
				overlapped = true
				break
			}
		}
		if overlapped {
			losers = append(losers, c)
		} else {
			clean = append(clean, c)
		}
	}
	res := &Result{Conflicts: []Conflict{}}
	s := &combiner{env: env, res: res, logf: logf}
	defer env.Worktree.Reset(context.WithoutCancel(ctx))

	if err := s.takeClean(ctx, clean); err != nil {
		return nil, err
	}
	for _, l := range losers {
		conflict := Conflict{Winner: winnerOf[l.ID], Loser: l.ID, Where: where[l.ID]}
		ok, why, err := s.try(ctx, []Change{l}, true)
		if err != nil {
			return nil, err
		}
		if ok {
			conflict.Resolution = ResolutionRebased
			conflict.Detail = "applied on top of " + conflict.Winner + " with a three-way merge; the combination passed validation"
		} else {
			conflict.Resolution, conflict.Detail = ResolutionEscalated, why
		}
		logf("conflict %s over %s: %s", l.ID, conflict.Winner, conflict.Resolution)
		res.Conflicts = append(res.Conflicts, conflict)
	}
	return res, nil
}

// combiner holds the combination as it grows: res.Patch and res.Members.
type combiner struct {
	env  Env
	res  *Result
	logf func(string, ...any)
}

// takeClean validates the changes that overlap nothing together, or, when
// that fails, one by one.
func (s *combiner) takeClean(ctx context.Context, clean []Change) error {
	if len(clean) == 0 {
		return nil
	}
	ok, why, err := s.try(ctx, clean, false)
	if err != nil || ok {
		return err
	}
	if len(clean) == 1 {
		s.res.LeftOut = append(s.res.LeftOut, LeftOut{ID: clean[0].ID, Reason: why})
		return nil
	}
	s.logf("the combination of %d changes failed validation (%s); adding them one at a time", len(clean), clip.FirstLine(why))
	for _, c := range clean {
		ok, why, err := s.try(ctx, []Change{c}, false)
		if err != nil {
			return err
		}
		if !ok {
			s.res.LeftOut = append(s.res.LeftOut, LeftOut{ID: c.ID, Reason: why})
		}
	}
	return nil
}

// try applies changes on top of the combination so far — the last with a
// three-way merge when threeWay — and validates the result. When it
// passes, it becomes the combination. When it fails only because the
// members together leave an import unused that each of them used, the
// import is removed and the result validated once more.
func (s *combiner) try(ctx context.Context, changes []Change, threeWay bool) (bool, string, error) {
	fwd, rev, why, _, err := s.build(ctx, changes, threeWay, nil)
	if err != nil || why != "" {
		return false, why, err
	}
	rep, err := s.validate(ctx, fwd)
	if err != nil {
		return false, "", err
	}
	if unused := unusedImports(rep); unused != nil {
		rfwd, rrev, rwhy, notes, err := s.build(ctx, changes, threeWay, unused)
		if err != nil {
			return false, "", err
		}
		if rwhy == "" && len(notes) > 0 {
			rrep, err := s.validate(ctx, rfwd)
			if err != nil {
				return false, "", err
			}
			if rrep.Accepted {
				s.logf("combine: %s", strings.Join(notes, "; "))
				fwd, rev, rep = rfwd, rrev, rrep
				s.res.Repairs = append(s.res.Repairs, notes...)
			}
		}
	}
	if !rep.Accepted {
		why := "rejected by " + rep.RejectedBy
		if l := rep.Level(rep.RejectedBy); l != nil && l.Detail != "" {
			why += ": " + l.Detail
		}
		return false, why, nil
	}
	s.res.Members = append(s.res.Members, ids(changes)...)
	s.res.Patch, s.res.Reverse, s.res.Validation = fwd, rev, rep
	return true, "", nil
}

// validate judges a combined patch and counts the validation.
func (s *combiner) validate(ctx context.Context, patch []byte) (*validate.Report, error) {
	s.res.Validations++
	return s.env.Validate(ctx, patch)
}

// build makes the patch of the combination so far with changes on top,
// without the imports in unused (see unusedImports), and leaves the
// worktree clean. why says why it could not be made: a change that does
// not apply, or conflict markers a three-way merge left.
func (s *combiner) build(ctx context.Context, changes []Change, threeWay bool, unused map[string][]string) (fwd, rev []byte, why string, notes []string, err error) {
	wt := s.env.Worktree
	if err := wt.Reset(ctx); err != nil {
		return nil, nil, "", nil, err
	}
	// A three-way apply works on the index: what comes before it must be
	// in the index too.
	if s.res.Patch != nil {
		if err := gitx.Apply(ctx, wt.Dir, s.res.Patch, gitx.ApplyOptions{Index: threeWay}); err != nil {
			return nil, nil, "", nil, fmt.Errorf("combine: the combination no longer applies to the base: %w", err)
		}
	}
	for i, c := range changes {
		last := i == len(changes)-1
		if err := gitx.Apply(ctx, wt.Dir, c.Patch, gitx.ApplyOptions{ThreeWay: threeWay && last, Index: threeWay}); err != nil {
			onto := append(slices.Clone(s.res.Members), ids(changes[:i])...)
			what := "the base"
			if len(onto) > 0 {
				what = strings.Join(onto, ", ")
			}
			return nil, nil, fmt.Sprintf("%s does not apply on top of %s: %v", c.ID, what, clip.FirstLine(err.Error())), nil, nil
		}
	}
	if markers, _ := wt.Git(ctx, "diff", "--check"); strings.Contains(markers, "conflict marker") {
		return nil, nil, "the three-way merge left conflict markers: " + clip.FirstLine(markers), nil, nil
	}
	if unused != nil {
		if notes, err = dropImports(wt.Dir, unused); err != nil {
			return nil, nil, "", nil, err
		}
	}
	if fwd, err = wt.Diff(ctx, false); err != nil {
		return nil, nil, "", nil, err
	}
	if rev, err = wt.Diff(ctx, true); err != nil {
		return nil, nil, "", nil, err
	}
	return fwd, rev, "", notes, wt.Reset(ctx)
}

func ids(cs []Change) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.ID
	}
	return out
}
