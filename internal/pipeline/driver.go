package pipeline

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"

	"github.com/agentic-optimizer/optimizer/internal/gitx"
	"github.com/agentic-optimizer/optimizer/internal/validate"
	"github.com/agentic-optimizer/optimizer/methods"
)

// driver is the pipeline's side of a method's pass (methods.Driver): it
// validates in the pass's worktree with v, stages accepted steps as
// commits and lends free agent slots to forks.
type driver struct {
	ws     *Workspace
	v      *validate.Validator
	models *models
	slots  chan struct{} // the run's agent slots; a fork takes a free one
	name   string        // the agent's name, for the worktrees it makes
	// inFlight records the validations the run's end interrupted, shared
	// with the driver's stages and forks, for runTask to report them.
	inFlight *inFlight
}

// inFlight are the patches whose validation the end of the run cut short,
// with how far each got.
type inFlight struct {
	mu      sync.Mutex
	patches [][]byte
	reports []*validate.Report
}

func (f *inFlight) add(patch []byte, rep *validate.Report) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.patches = append(f.patches, patch)
	f.reports = append(f.reports, rep)
}

var _ methods.Driver = (*driver)(nil)

// pass fills in base, a pass of the task, to work in wt with d's tools.
func (d *driver) pass(base *methods.Pass, wt *gitx.Worktree) *methods.Pass {
	p := *base
	p.Worktree = wt
	p.ModuleDir = filepath.Join(wt.Dir, d.ws.ModuleRel)
	p.GoEnv = d.ws.Runner.Env()
	p.Sandbox = d.ws.Runner
	p.Timeout = d.v.Timeout
	p.MinTestCoverage = d.v.MinTestCoverage
	p.LLM, p.LLMUnavailable, p.Secrets = d.models.router, d.models.why, d.models.secrets
	p.Driver = d
	return &p
}

func (d *driver) Validate(ctx context.Context, pass *methods.Pass, patch []byte, how methods.Validation) (*validate.Report, error) {
	v := *d.v
	if how.Objective != "" {
		v.Objective = how.Objective
	}
	v.Repeat = how.Repeat
	if how.NoCoverageGain {
		v.MinCoverageGain = 0
	}
	rep, err := v.Validate(ctx, pass.Worktree, patch)
	if err != nil && rep != nil && rep.Interrupted && d.inFlight != nil {
		d.inFlight.add(patch, rep)
	}
	return rep, err
}

func (d *driver) Stage(ctx context.Context, pass *methods.Pass, patch []byte) (*methods.Pass, func(), error) {
	wt := pass.Worktree
	if err := gitx.Apply(ctx, wt.Dir, patch, gitx.ApplyOptions{}); err != nil {
		wt.Reset(context.WithoutCancel(ctx))
		return nil, nil, err
	}
	commit, err := wt.Snapshot(ctx, "optimizer: a step accepted by validation")
	if rerr := wt.Reset(context.WithoutCancel(ctx)); err == nil {
		err = rerr
	}
	if err != nil {
		return nil, nil, err
	}
	swt, err := d.ws.Worktrees.Add(ctx, d.name+"-staged", commit)
	if err != nil {
		return nil, nil, err
	}
	sd := *d
	sv := *d.v
	sv.Baseline = &validate.Baseline{Worktrees: d.ws.Worktrees, Commit: commit, Runner: d.ws.Runner, ModuleDir: d.ws.ModuleRel, Timeout: d.v.Timeout}
	sd.v, sd.name = &sv, d.name+"-staged"
	release := func() {
		ctx := context.WithoutCancel(ctx)
		sv.Baseline.Release(ctx)
		d.ws.Worktrees.Remove(ctx, swt)
	}
	return sd.pass(pass, swt), release, nil
}

func (d *driver) Fork(ctx context.Context, pass *methods.Pass) (*methods.Pass, func(), error) {
	select {
	case d.slots <- struct{}{}:
	default:
		return nil, nil, methods.ErrNoSlot
	}
	fd := *d
	fd.name = fmt.Sprintf("%s-fork%d", d.name, forks.Add(1))
	fwt, err := d.ws.Worktrees.Add(ctx, fd.name, pass.Worktree.Commit)
	if err != nil {
		<-d.slots
		return nil, nil, err
	}
	release := func() {
		d.ws.Worktrees.Remove(context.WithoutCancel(ctx), fwt)
		<-d.slots
	}
	return fd.pass(pass, fwt), release, nil
}

// forks numbers the worktrees Fork makes, so that their names never
// collide.
var forks atomic.Int64
