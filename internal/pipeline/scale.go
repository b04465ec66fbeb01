package pipeline

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/agentic-optimizer/optimizer/internal/combine"
	"github.com/agentic-optimizer/optimizer/internal/config"
	"github.com/agentic-optimizer/optimizer/internal/control"
	"github.com/agentic-optimizer/optimizer/internal/patch"
	"github.com/agentic-optimizer/optimizer/internal/report"
	"github.com/agentic-optimizer/optimizer/internal/sandbox"
	"github.com/agentic-optimizer/optimizer/internal/source"
	"github.com/agentic-optimizer/optimizer/internal/validate"
)

// Plan is a matrix for GitHub Actions' strategy.matrix: one entry per
// shard, each a set of target packages.
type Plan struct {
	Include []PlanShard `json:"include"`
}

// PlanShard is one shard of a plan.
type PlanShard struct {
	Index    int      `json:"index"`
	Shards   int      `json:"shards"`
	Packages []string `json:"packages"`
	// Cost is the shard's estimated work: the bytes of its packages' Go
	// files, tests included (building and testing them is most of a task).
	Cost int64 `json:"cost"`
}

// MakePlan spreads the run's target packages over at most shards shards
// (0: one per four packages, at least one, at most 8) so that their costs
// are as even as the longest-first greedy makes them. The same commit and
// configuration always give the same plan, so a shard can compute its
// own part again.
func MakePlan(ctx context.Context, cfg *config.Config, repoDir string, shards int) (*Plan, error) {
	ws, err := Open(ctx, cfg, repoDir)
	if err != nil {
		return nil, err
	}
	defer ws.Close(context.WithoutCancel(ctx))
	wt, err := ws.Worktrees.Add(ctx, "plan", ws.Head)
	if err != nil {
		return nil, err
	}
	mod, err := source.Load(ctx, filepath.Join(wt.Dir, ws.ModuleRel), sandbox.TrustedEnv())
	if err != nil {
		return nil, err
	}
	pkgs, _, err := selectTargets(ctx, cfg, ws, mod, wt) // a shard runs whole packages
	if err != nil {
		return nil, err
	}
	type sized struct {
		pattern string
		cost    int64
	}
	var items []sized
	for _, p := range pkgs {
		if len(p.GoFiles)+len(p.TestFiles) == 0 {
			continue
		}
		var c int64
		for _, f := range append(slices.Clone(p.GoFiles), p.TestFiles...) {
			if st, err := os.Stat(f); err == nil {
				c += st.Size()
			}
		}
		items = append(items, sized{p.Pattern(), c})
	}
	if shards <= 0 {
		shards = min(max((len(items)+3)/4, 1), 8)
	}
	shards = max(min(shards, len(items)), 1)
	slices.SortStableFunc(items, func(a, b sized) int { return cmp.Or(-cmp.Compare(a.cost, b.cost), cmp.Compare(a.pattern, b.pattern)) })
	plan := &Plan{Include: make([]PlanShard, shards)}
	for i := range plan.Include {
		plan.Include[i] = PlanShard{Index: i, Shards: shards, Packages: []string{}}
	}
	for _, it := range items {
		least := &plan.Include[0]
		for i := range plan.Include {
			if plan.Include[i].Cost < least.Cost {
				least = &plan.Include[i]
			}
		}
		least.Packages = append(least.Packages, it.pattern)
		least.Cost += it.cost
	}
	for i := range plan.Include {
		slices.Sort(plan.Include[i].Packages)
	}
	return plan, nil
}

// ShardOf names one shard of a plan: Index of Shards, counted from 0.
type ShardOf struct{ Index, Shards int }

// RunShard runs the part of the plan that one shard holds: the packages
// MakePlan gives it, published as patches only (a shard has no write token;
// merge publishes) and not combined (merge combines them with the other
// shards').
func RunShard(ctx context.Context, cfg *config.Config, repoDir string, which ShardOf, h Host) (*report.Report, error) {
	index := which.Index
	plan, err := MakePlan(ctx, cfg, repoDir, which.Shards)
	if err != nil {
		return nil, err
	}
	if index < 0 || index >= len(plan.Include) {
		return nil, fmt.Errorf("%w: shard index %d is out of range: the plan has %d shards (0..%d)", ErrUsage, index, len(plan.Include), len(plan.Include)-1)
	}
	sh := plan.Include[index]
	scfg := *cfg
	scfg.Paths = sh.Packages
	scfg.Control = "patch"
	h.Logf("shard %d of %d: %d packages", index, sh.Shards, len(sh.Packages))
	ss := &session{cfg: &scfg, getenv: h.Getenv, logf: h.Logf, combine: false, reviewControl: cfg.Control}
	rep, err := ss.run(ctx, repoDir)
	if rep != nil {
		rep.Shard = &report.Shard{Index: index, Of: sh.Shards, Packages: sh.Packages}
	}
	return rep, err
}

// ErrTampered is returned by Merge when a shard's patch does not match
// the CID its shard recorded.
var ErrTampered = errors.New("a shard's patch does not match its CID")

// Merge gathers the output directories of shards: it checks that every
// shard ran on this checkout's commit, verifies every stored patch against
// the CIDs its shard recorded (one mismatch refuses the whole merge: an
// artifact was changed after its shard wrote it), combines the accepted
// patches (internal/combine), validates the combination and stores it all in
// cfg.Out with a report of every shard's tasks, then publishes it with the
// configured change control.
func Merge(ctx context.Context, cfg *config.Config, repoDir string, dirs []string, h Host) (*report.Report, error) {
	if len(dirs) == 0 {
		return nil, fmt.Errorf("%w: merge needs the output directories of the shards", ErrUsage)
	}
	s := &session{cfg: cfg, getenv: h.Getenv, logf: h.Logf, combine: true, reviewControl: cfg.Control, what: "merge"}
	return s.merge(ctx, repoDir, dirs)
}

// merge is Merge's session: open, gather the shards, verify their
// patches, combine, store and publish.
func (s *session) merge(ctx context.Context, repoDir string, dirs []string) (*report.Report, error) {
	s.start = time.Now()
	if err := control.Check(s.cfg, s.getenv); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUsage, err)
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	ws, err := Open(ctx, s.cfg, repoDir)
	if err != nil {
		return nil, err
	}
	s.ws = ws
	defer ws.Close(context.WithoutCancel(ctx))
	s.rep = &report.Report{
		Version: report.Version, Repo: ws.Repo.Root, Base: ws.Head, Started: s.start.UTC(),
		Levels: validate.Levels(), Tasks: []report.Task{}, ChangeControl: control.Initial(s.cfg),
	}
	iso := ws.Runner.Isolation()
	s.rep.Isolation = &iso
	from, read, err := s.gather(dirs)
	if err != nil {
		return nil, err
	}
	items, changes, err := s.verify(from)
	if err != nil {
		return nil, err
	}
	s.logf("merge %d shards: %d tasks, %d accepted patches, all matching their CIDs", len(dirs), len(s.rep.Tasks), len(items))
	// The patches were made, and are combined, under the shards' objective.
	mcfg := *s.cfg
	mcfg.Objective = s.rep.Objective
	s.cfg = &mcfg
	wt, err := ws.Worktrees.Add(ctx, "merge", ws.Head)
	if err != nil {
		return nil, err
	}
	if combined := s.combinePatches(ctx, wt, changes); combined != nil {
		items = append(storedOf(ws, s.rep, nil, nil, combined), items...)
	}
	s.gh, s.rep.ChangeControl.Reviews = control.ReadReviews(ctx, s.cfg, s.getenv, control.Logf(s.logf))
	carryFeedback(s.rep, read)
	return s.rep, s.finish(ctx, items)
}

// gather reads the shards' reports into the merge's: their tasks, methods
// and notes. It returns the shard directory of each task and the reviews
// each shard read, and refuses shards of another commit, objective or plan.
func (s *session) gather(dirs []string) (from map[string]string, read [][]report.PRReviews, err error) {
	from = map[string]string{} // task ID → shard directory
	rep := s.rep
	for _, d := range dirs {
		sr, err := report.Read(filepath.Join(d, "report.json"))
		if err != nil {
			return nil, nil, fmt.Errorf("%w: shard %s: %w", ErrUsage, d, err)
		}
		if sr.Base != s.ws.Head {
			return nil, nil, fmt.Errorf("%w: shard %s ran on commit %.12s, this checkout is at %.12s: merge on the commit the shards ran on", ErrUsage, d, sr.Base, s.ws.Head)
		}
		switch {
		case rep.Objective == "":
			rep.Objective, rep.Module = sr.Objective, sr.Module
		case sr.Objective != rep.Objective:
			return nil, nil, fmt.Errorf("%w: shard %s ran with objective %s, an earlier one with %s: the shards come from different configurations", ErrUsage, d, sr.Objective, rep.Objective)
		}
		for _, m := range sr.Methods {
			if !slices.Contains(rep.Methods, m) {
				rep.Methods = append(rep.Methods, m)
			}
		}
		rep.Shards = append(rep.Shards, d)
		read = append(read, sr.ChangeControl.Reviews)
		for _, n := range sr.Notes {
			rep.Notes = append(rep.Notes, filepath.Base(d)+": "+n)
		}
		for _, t := range sr.Tasks {
			if other, dup := from[t.ID]; dup {
				return nil, nil, fmt.Errorf("%w: task %s is in shards %s and %s: the shards come from different plans", ErrUsage, t.ID, other, d)
			}
			from[t.ID] = d
			t.Agent = 0
			rep.Tasks = append(rep.Tasks, t)
		}
	}
	return from, read, nil
}

// verify loads every stored patch of the gathered tasks from its shard and
// checks it against the CIDs the shard recorded (one mismatch refuses the
// whole merge) and against this checkout's commit; it returns them to
// store and to combine.
func (s *session) verify(from map[string]string) ([]stored, []combine.Change, error) {
	rank := map[string]int{}
	for i, m := range s.rep.Methods {
		rank[m] = len(s.rep.Methods) - i
	}
	var items []stored
	var changes []combine.Change
	for ti := range s.rep.Tasks {
		t := &s.rep.Tasks[ti]
		src := patch.Dir{Path: from[t.ID]}
		for ci := range t.Candidates {
			c := &t.Candidates[ci]
			if c.Patch == nil {
				continue
			}
			m, err := src.Find(c.Patch.ID)
			if err != nil {
				return nil, nil, fmt.Errorf("%w: shard %s: patch %s of %s: %w", ErrTampered, from[t.ID], c.Patch.ID, c.ID, err)
			}
			if m.CID != c.Patch.CID || m.ReverseCID != c.Patch.ReverseCID {
				return nil, nil, fmt.Errorf("%w: shard %s: patch %s of %s: its metadata says CID %s, the shard's report %s", ErrTampered, from[t.ID], m.ID, c.ID, m.CID, c.Patch.CID)
			}
			fwd, rev, err := src.Load(m)
			if err != nil {
				return nil, nil, fmt.Errorf("%w: shard %s: %w", ErrTampered, from[t.ID], err)
			}
			if m.Parent != s.ws.Head {
				return nil, nil, fmt.Errorf("%w: shard %s: patch %s was made against %.12s, not %.12s", ErrUsage, from[t.ID], m.ID, m.Parent, s.ws.Head)
			}
			meta := patch.Meta{Task: m.Task, Target: m.Target, Method: m.Method, Analyzer: m.Analyzer, Model: m.Model, Validation: m.Validation}
			items = append(items, stored{fwd, rev, meta, t.ID, c.ID})
			changes = append(changes, change(c.ID, fwd, rank[t.Method], c.Validation, s.rep.Objective))
		}
	}
	return items, changes, nil
}
