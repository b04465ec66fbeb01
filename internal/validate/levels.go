package validate

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/agentic-optimizer/optimizer/internal/markdown"
)

// A level is one validation level, in the manner of an analysis.Analyzer:
// a name, what it checks, the levels it requires, and a run function that
// concludes on one candidate. A level receives the results of the levels
// it requires (pass.resultOf) and returns an outcome, or an error that
// wraps why it could not conclude; it writes nowhere else.
type level struct {
	name string
	doc  string
	// requires lists the levels whose results run reads, or whose pass it
	// presumes (a level that runs the candidate's code presumes the
	// policy's). Each must come before this level in a list, and every
	// level before it must have passed for it to run at all.
	requires []*level
	// admit, when set, checks the parsed patch before anything is
	// applied: what must hold before the patch may write in the worktree
	// (where it writes). An outcome that is not a pass rejects the patch
	// unapplied; nil admits it.
	admit func(ctx context.Context, p *pass) (*outcome, error)
	// run judges the candidate, the patch applied.
	run func(ctx context.Context, p *pass) (*outcome, error)
}

// levels run in this order, cheapest first. Adding a level is adding one
// value here.
var levels = []*level{
	policyLevel,
	syntaxLevel,
	styleLevel,
	typesLevel,
	unitLevel,
	integrationLevel,
	performanceLevel,
	coverageLevel,
}

// Levels returns the names of the levels this build runs, in order.
func Levels() []string {
	names := make([]string, len(levels))
	for i, l := range levels {
		names[i] = l.name
	}
	return names
}

// LevelTable is the levels table of docs/validation.md: each level, in
// order, with the levels it requires and what it checks.
func LevelTable() string {
	var b strings.Builder
	b.WriteString("| level | requires | checks |\n|---|---|---|\n")
	for _, l := range levels {
		req := make([]string, len(l.requires))
		for i, r := range l.requires {
			req[i] = "`" + r.name + "`"
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s |\n", l.name, strings.Join(req, ", "), markdown.Cell(l.doc))
	}
	return b.String()
}

// ErrLevelOrder is wrapped by the error for a list of levels that cannot
// run as it stands: a level before one it requires, a requirement missing,
// a name twice.
var ErrLevelOrder = errors.New("levels out of order")

// checkOrder refuses a list of levels in which a level comes before one it
// requires, requires one that is not in the list, or shares its name.
func checkOrder(list []*level) error {
	for i, l := range list {
		if slices.ContainsFunc(list[:i], func(m *level) bool { return m.name == l.name }) {
			return fmt.Errorf("validate: level %q is in the list twice: %w", l.name, ErrLevelOrder)
		}
		for _, r := range l.requires {
			switch j := slices.Index(list, r); {
			case j < 0:
				return fmt.Errorf("validate: level %q requires %q, which is not in the list: %w", l.name, r.name, ErrLevelOrder)
			case j > i:
				return fmt.Errorf("validate: level %q requires %q, which comes after it: %w", l.name, r.name, ErrLevelOrder)
			}
		}
	}
	return nil
}

// outcome is what a level concludes on one candidate.
type outcome struct {
	status Status
	// summary says what the level checked and found, in a phrase: the
	// head of the report's detail ("3 tests passed in 1 packages").
	summary string
	// problems are why the level fails, one phrase each.
	problems []string
	// notes qualify the verdict: what is not held against the patch, what
	// could not be checked.
	notes []string
	// findings are problems at a line of the patched tree.
	findings []Finding
	// tests and benchmarks are what the report shows of the unit level's
	// tests and the performance level's comparisons.
	tests      []TestResult
	benchmarks []Benchmark
	// result is what the levels that require this one receive in
	// pass.resultOf (a *unitResult from the unit level, say).
	result any
}

// detail renders the outcome as the report's detail: the summary, the
// problems and the notes, in that order, joined by "; ".
func (o *outcome) detail() string {
	parts := make([]string, 0, 1+len(o.problems)+len(o.notes))
	for _, s := range append(append([]string{o.summary}, o.problems...), o.notes...) {
		if s != "" {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, "; ")
}

// passed is a pass with a summary and notes.
func passed(summary string, notes ...string) *outcome {
	return &outcome{status: Pass, summary: summary, notes: notes}
}

// failed is a failure for problems.
func failed(problems ...string) *outcome {
	return &outcome{status: Fail, problems: problems}
}

// skipped is a skip for the reason given.
func skipped(why string) *outcome {
	return &outcome{status: Skip, summary: why}
}

// pass is what one level sees of a candidate: the candidate (the patch,
// its tree, the validator), the results of the levels it requires, and the
// findings it reports. Methods on it call their receiver c, as those on
// candidate do: it is the candidate as one level sees it.
type pass struct {
	*candidate
	level    *level
	resultOf map[*level]any
	findings []Finding
}

// report records a finding of the level, as analysis.Pass.Report does a
// diagnostic.
func (c *pass) report(f Finding) {
	c.findings = append(c.findings, f)
}

// runLevel runs one level's admit or run step (step) on c with the
// results of earlier levels, and returns its outcome with the findings it
// reported. The results passed are only those of the levels it requires.
func (c *candidate) runLevel(ctx context.Context, l *level, step func(context.Context, *pass) (*outcome, error), results map[*level]any) (*outcome, error) {
	p := &pass{candidate: c, level: l, resultOf: map[*level]any{}}
	for _, r := range l.requires {
		p.resultOf[r] = results[r]
	}
	out, err := step(ctx, p)
	if err != nil {
		return nil, err
	}
	if out == nil {
		return nil, nil
	}
	out.findings = append(p.findings, out.findings...)
	return out, nil
}
