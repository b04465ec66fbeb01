package control

import (
	"fmt"
	"slices"
	"strings"

	"github.com/agentic-optimizer/optimizer/internal/diff"
	"github.com/agentic-optimizer/optimizer/internal/patch"
	"github.com/agentic-optimizer/optimizer/internal/report"
	"github.com/agentic-optimizer/optimizer/internal/validate"
)

// change is what a run proposes: one stored, validated patch — the
// combination of the accepted patches when the run made one, else the only
// accepted patch — with the candidates it holds. One pull request holds
// exactly a patch that was validated as a whole: split per target, the
// parts would be changes nobody validated on their own, and separate pull
// requests of overlapping patches would conflict with each other.
type change struct {
	patch      *report.Patch
	forward    []byte
	files      []diff.File
	validation *validate.Report
	members    []member
	// left are the stored patches it does not hold, with why.
	left []left
}

type member struct {
	task report.Task
	cand report.Candidate
}

type left struct {
	member
	why string
}

// tasks are the IDs of the tasks whose candidates the change holds.
func (c *change) tasks() []string {
	var ids []string
	for _, m := range c.members {
		if !slices.Contains(ids, m.task.ID) {
			ids = append(ids, m.task.ID)
		}
	}
	return ids
}

// stored lists the candidates whose patch was stored, in task order.
func stored(rep *report.Report) []member {
	var out []member
	for _, t := range rep.Tasks {
		for _, c := range t.Candidates {
			if c.Patch != nil {
				out = append(out, member{t, c})
			}
		}
	}
	return out
}

// proposed is the run's change, nil when there is none; note says why a
// run with accepted patches has none.
func proposed(rep *report.Report, dir patch.Dir, moduleDir string) (c *change, note string, err error) {
	p := rep.Proposed()
	if p.Patch == nil {
		return nil, p.Note, nil
	}
	c = &change{patch: p.Patch, validation: p.Validation}
	for _, m := range stored(rep) {
		if slices.Contains(p.Members, m.cand.ID) {
			c.members = append(c.members, m)
		}
		for _, l := range p.Left {
			if l.ID == m.cand.ID {
				c.left = append(c.left, left{m, l.Why})
			}
		}
	}
	m, err := dir.Find(c.patch.ID)
	if err != nil {
		return nil, "", fmt.Errorf("patch %s: %w", c.patch.ID, err)
	}
	if m.CID != c.patch.CID {
		return nil, "", fmt.Errorf("patch %s: its metadata says CID %s, the report %s", m.ID, m.CID, c.patch.CID)
	}
	if c.forward, _, err = dir.Load(m); err != nil {
		return nil, "", err
	}
	if c.files, err = diff.Parse(c.forward); err != nil {
		return nil, "", fmt.Errorf("patch %s: %w", m.ID, err)
	}
	if err := checkPublishable(c.files, moduleDir); err != nil {
		return nil, "", fmt.Errorf("patch %s: %w", m.ID, err)
	}
	return c, "", nil
}

// scope is what the run covered, for the branch of its pull request: the
// module, or the module and the targets it was narrowed to (paths, or the
// packages changed since a base), so that a narrower run never replaces a
// whole-module run's pull request, and the same narrowing updates its own.
func scope(run Run, rep *report.Report) (key string, whole bool) {
	cfg := run.Config
	if len(cfg.Paths) == 0 && cfg.Base == "" {
		return rep.Module, true
	}
	var targets []string
	for _, t := range rep.Tasks {
		if !slices.Contains(targets, t.Target) {
			targets = append(targets, t.Target)
		}
	}
	slices.Sort(targets)
	return rep.Module + " " + strings.Join(targets, " "), false
}

// methodsOf names the run's methods in a branch, in a stable order:
// "modernize", "chaos-modernize".
func methodsOf(rep *report.Report) string {
	return strings.Join(slices.Sorted(slices.Values(rep.Methods)), "-")
}
