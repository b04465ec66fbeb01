package validate

import (
	"context"
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"

	"golang.org/x/tools/cover"
)

// extraCandidateRuns is how many more times, at most, steadyLosses runs
// the candidate's tests while it still seems to lose coverage.
const extraCandidateRuns = 2

// losses is what one comparison of profiles holds against a patch.
type losses struct {
	lost   []Finding // statements covered on the base, not after the patch (lostCoverage)
	gaps   []funcGap // changed lines left uncovered in covered functions (uncoveredChanges)
	judged int       // the changed functions covered on the base
}

func (l losses) none() bool { return len(l.lost) == 0 && len(l.gaps) == 0 }

// losses compares the base's coverage with the candidate's.
func (c *candidate) losses(ctx context.Context, base, cand []*cover.Profile) (losses, error) {
	lost, err := c.lostCoverage(ctx, base, cand)
	if err != nil {
		return losses{}, err
	}
	gaps, judged, err := c.uncoveredChanges(ctx, base, cand)
	return losses{lost: lost, gaps: gaps, judged: judged}, err
}

// steadiness is what steadyLosses concludes.
type steadiness struct {
	losses                  // what is lost still
	cand   []*cover.Profile // the candidate's coverage, over all its runs
	notes  []string         // what was not judged, and why
}

// steadyLosses judges again what one run of each side seemed to lose (l),
// now against the statements the base's tests covered in every one of
// their runs (Baseline.coverRuns) and those the candidate's covered in any
// of theirs: see checkCoverage. When the base's runs all covered the same
// statements, the module's tests are deterministic and l stands as it is.
func (c *pass) steadyLosses(ctx context.Context, unit *unitResult, base, cand []*cover.Profile, l losses) (steadiness, error) {
	extra, err := c.v.Baseline.coverRuns(ctx, unit.baseSpec)
	if err != nil {
		return steadiness{}, fmt.Errorf("base: %w", err)
	}
	stable, unstable := stableCoverage(append([][]*cover.Profile{base}, extra...))
	if len(unstable) == 0 {
		return steadiness{losses: l, cand: cand}, nil
	}
	varying, err := c.coveredFuncs(ctx, unstable)
	if err != nil {
		return steadiness{}, err
	}
	s := steadiness{cand: cand, notes: []string{c.unstableNote(unstable, 1+len(extra))}}
	excused, runs, err := c.rejudge(ctx, unit, stable, varying, &s)
	if err != nil {
		return steadiness{}, err
	}
	if runs > 1 {
		s.notes = append(s.notes, fmt.Sprintf("the candidate's tests ran %d times: a statement any of the runs covered counts as covered", runs))
	}
	for _, g := range excused {
		s.notes = append(s.notes, fmt.Sprintf("lines the patch changed in %s (%s) are not judged: its coverage varies between the base's runs", g.name, g.file))
	}
	return s, nil
}

// rejudge sets s.losses to what s.cand loses against stable, the base's
// steady coverage, running the candidate's tests again, at most
// extraCandidateRuns times, while something seems lost, and merging
// their coverage into s.cand. The gaps in functions of varying, whose
// coverage varies on the base, are excused rather than held against the
// patch. It returns them and how many runs of the candidate's s.cand
// merges.
func (c *pass) rejudge(ctx context.Context, unit *unitResult, stable []*cover.Profile, varying map[funcKey]bool, s *steadiness) (excused []funcGap, runs int, err error) {
	for runs = 1; ; runs++ {
		if s.losses, err = c.losses(ctx, stable, s.cand); err != nil {
			return nil, runs, err
		}
		s.gaps, excused = splitGaps(s.gaps, varying)
		s.judged -= len(excused)
		if s.none() || runs > extraCandidateRuns {
			return excused, runs, nil
		}
		again, err := c.coverRerun(ctx, unit)
		if err != nil {
			return nil, runs, err
		}
		s.cand = unionProfiles(s.cand, again)
	}
}

// splitGaps returns apart the gaps in functions of varying.
func splitGaps(gaps []funcGap, varying map[funcKey]bool) (judged, excused []funcGap) {
	for _, g := range gaps {
		if varying[funcKey{dir: path.Dir(g.file), name: g.name}] {
			excused = append(excused, g)
		} else {
			judged = append(judged, g)
		}
	}
	return judged, excused
}

// coverRerun runs the candidate's tests once more as the run whose
// profile the coverage level judges ran them, without its repeats and
// benchmarks, and returns the profile it wrote (nil when it wrote none).
// Its failures are the unit level's business, which judged them; this run
// only samples coverage.
func (c *candidate) coverRerun(ctx context.Context, unit *unitResult) (_ []*cover.Profile, err error) {
	spec := unit.spec
	spec.count, spec.bench = 0, ""
	if unit.baseTestdata {
		restore, rerr := c.baseTestdata(ctx)
		if rerr != nil {
			return nil, rerr
		}
		defer func() { err = errors.Join(err, restore()) }()
	}
	run, err := c.runTests(ctx, spec)
	if err != nil || run.profile == "" {
		return nil, err
	}
	return readProfiles(run.profile)
}

// blockAt identifies a block of a file's profile across runs of the same
// code.
type blockAt struct {
	file                                 string
	startLine, startCol, endLine, endCol int
}

func at(file string, b cover.ProfileBlock) blockAt {
	return blockAt{file, b.StartLine, b.StartCol, b.EndLine, b.EndCol}
}

// stableCoverage takes the profiles of several runs of the same tests on
// the same code. stable is the first run's profiles with a block counted
// as covered (1) only when every run covered it; unstable holds the
// blocks with statements that some runs covered and others did not, each
// counted 1. A file a run has no profile of counts as not covered there.
func stableCoverage(runs [][]*cover.Profile) (stable, unstable []*cover.Profile) {
	hits := map[blockAt]int{}
	for _, run := range runs {
		for _, p := range run {
			for _, b := range p.Blocks {
				if b.Count > 0 {
					hits[at(p.FileName, b)]++
				}
			}
		}
	}
	for _, p := range runs[0] {
		s := &cover.Profile{FileName: p.FileName, Mode: p.Mode, Blocks: slices.Clone(p.Blocks)}
		u := &cover.Profile{FileName: p.FileName, Mode: p.Mode}
		for i := range s.Blocks {
			b := &s.Blocks[i]
			n := hits[at(p.FileName, *b)]
			b.Count = 0
			if n == len(runs) {
				b.Count = 1
			} else if n > 0 && b.NumStmt > 0 {
				u.Blocks = append(u.Blocks, *b)
				u.Blocks[len(u.Blocks)-1].Count = 1
			}
		}
		stable = append(stable, s)
		if len(u.Blocks) > 0 {
			unstable = append(unstable, u)
		}
	}
	return stable, unstable
}

// unionProfiles merges the profiles of two runs of the same code: each
// block counts what it counted in both.
func unionProfiles(a, b []*cover.Profile) []*cover.Profile {
	counts := map[blockAt]int{}
	for _, p := range b {
		for _, bl := range p.Blocks {
			counts[at(p.FileName, bl)] += bl.Count
		}
	}
	out := make([]*cover.Profile, 0, len(a))
	for _, p := range a {
		q := &cover.Profile{FileName: p.FileName, Mode: p.Mode, Blocks: slices.Clone(p.Blocks)}
		for i := range q.Blocks {
			q.Blocks[i].Count += counts[at(p.FileName, q.Blocks[i])]
		}
		out = append(out, q)
	}
	for _, p := range b {
		if !slices.ContainsFunc(a, func(q *cover.Profile) bool { return q.FileName == p.FileName }) {
			out = append(out, p)
		}
	}
	return out
}

// unstableNote says which statements' coverage varies between the base's
// runs (unstable, from stableCoverage): how many, and in which files at
// which lines of the base (at most five files, five lines each).
func (c *candidate) unstableNote(unstable []*cover.Profile, runs int) string {
	n := 0
	var where []string
	for i, p := range unstable {
		stmts := 0
		var lines []string
		for _, b := range p.Blocks {
			stmts += b.NumStmt
			if len(lines) < 5 {
				lines = append(lines, fmt.Sprint(b.StartLine))
			}
		}
		n += stmts
		if len(p.Blocks) > 5 {
			lines = append(lines, "…")
		}
		switch {
		case i < 5:
			where = append(where, fmt.Sprintf("%d of %s (base lines %s)", stmts, c.profileFile(p.FileName), strings.Join(lines, ", ")))
		case i == 5:
			where = append(where, fmt.Sprintf("and %d more files", len(unstable)-5))
		}
	}
	return fmt.Sprintf("%d statements covered in some of the base's %d runs of its tests and not in others (tests that draw their input from the clock or at random?) are not judged: %s", n, runs, strings.Join(where, ", "))
}
