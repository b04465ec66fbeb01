package pipeline

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/agentic-optimizer/optimizer/internal/clip"
	"github.com/agentic-optimizer/optimizer/internal/diff"
	"github.com/agentic-optimizer/optimizer/internal/gitx"
	"github.com/agentic-optimizer/optimizer/internal/report"
	"github.com/agentic-optimizer/optimizer/methods"
)

// pool is the run's agents at work: each takes tasks from the queue, in
// priority order, and runs them in its own worktree; a task that fails is
// tried once more on another agent.
type pool struct {
	s     *session
	order []int // task indexes, in the order the agents take them
	queue *taskQueue
	// slots: every agent holds one while it works on a task; a method
	// that validates candidates side by side (Pass.Fork) takes the free
	// ones.
	slots chan struct{}

	mu       sync.Mutex // guards the fields below
	results  []report.Task
	accepted [][]*methods.Candidate
	stats    []report.Agent
	done     int
	setupErr error
	retried  map[int]string // task → why its first attempt failed
}

// agent is one of the pool's agents.
type agent struct {
	s    *session
	pool *pool
	id   int
	wt   *gitx.Worktree
}

// execute runs every task with up to max_agents agents, puts the tasks'
// reports and the agents' into the report, and returns each task's
// accepted candidates.
func (s *session) execute(ctx context.Context) [][]*methods.Candidate {
	n := min(s.cfg.MaxAgents, max(len(s.tasks), 1))
	p := &pool{
		s:        s,
		order:    priorityOrder(s.tasks, recentChanges(ctx, s.ws.Repo, s.ws.Head, s.ws.ModuleRel)),
		slots:    make(chan struct{}, max(s.cfg.MaxAgents, 1)),
		results:  make([]report.Task, len(s.tasks)),
		accepted: make([][]*methods.Candidate, len(s.tasks)),
		stats:    make([]report.Agent, n),
		retried:  map[int]string{},
	}
	p.queue = newTaskQueue(len(p.order), n)
	stop := context.AfterFunc(ctx, p.queue.Close)
	defer stop()
	var wg sync.WaitGroup
	for id := 1; id <= n; id++ {
		p.stats[id-1] = report.Agent{ID: id, State: report.AgentIdle}
		wg.Go(func() { p.work(ctx, id) })
	}
	wg.Wait()
	for i, t := range s.tasks {
		if p.results[i].ID == "" {
			status := report.StatusFailed
			if ctx.Err() != nil {
				status = report.StatusNotRun
			}
			p.results[i] = report.Task{ID: t.ID, Target: t.Package.Pattern(), Method: t.Method, Status: status, Error: "not run: " + cause(ctx, p.setupErr)}
		}
	}
	s.rep.Agents, s.rep.Tasks = p.stats, p.results
	if s.models.router != nil {
		s.models.report(s.rep)
	}
	return p.accepted
}

// work is agent id's loop: its worktree (the first agent's is the one the
// module was analyzed in), then tasks until the queue is empty.
func (p *pool) work(ctx context.Context, id int) {
	a := &agent{s: p.s, pool: p, id: id, wt: p.s.first}
	if id > 1 {
		w, err := p.s.ws.Worktrees.Add(ctx, fmt.Sprint(id), p.s.ws.Head)
		if err != nil {
			p.mu.Lock()
			p.setupErr = errors.Join(p.setupErr, err)
			p.stats[id-1].State, p.stats[id-1].Error = report.AgentFailed, err.Error()
			p.mu.Unlock()
			p.queue.Leave()
			return // the other agents take the tasks
		}
		a.wt = w
	}
	for {
		k, attempt, ok := p.queue.Take(id)
		if !ok {
			return
		}
		p.take(ctx, a, k, attempt)
	}
}

// take runs the k-th task of the order on agent a and records how it
// ended, or puts it back for another agent after a first failure.
func (p *pool) take(ctx context.Context, a *agent, k, attempt int) {
	s := p.s
	i := p.order[k]
	t := s.tasks[i]
	logf := func(format string, args ...any) {
		s.logf("agent %d: %s: %s", a.id, t.ID, fmt.Sprintf(format, args...))
	}
	p.slots <- struct{}{}
	res, acc := a.runTask(ctx, s.byName[t.Method], t, logf)
	<-p.slots
	failed := res.Status == report.StatusFailed && ctx.Err() == nil
	again := p.queue.Done(a.id, k, failed)
	p.mu.Lock()
	defer p.mu.Unlock()
	p.stats[a.id-1].Count(res)
	if again {
		p.retried[i] = fmt.Sprintf("agent %d: %s", a.id, res.Error)
		s.logf("%s failed on agent %d (%s); trying it once more on another agent", t.ID, a.id, clip.FirstLine(res.Error))
		return
	}
	if attempt > 1 {
		res.Notes = append(res.Notes, "tried a second time after the first attempt failed on "+p.retried[i])
		p.stats[a.id-1].Retried++
	}
	p.results[i], p.accepted[i] = res, acc
	p.done++
	s.logf("[%d/%d] %s: %s", p.done, len(s.tasks), t.ID, res.Status)
}

// runTask runs m on t in the agent's worktree. It returns the task's
// report and its accepted candidates.
func (a *agent) runTask(ctx context.Context, m *methods.Method, t *methods.Task, logf Logf) (report.Task, []*methods.Candidate) {
	s := a.s
	start := time.Now()
	out := report.Task{ID: t.ID, Target: t.Package.Pattern(), Method: t.Method, Agent: a.id, Candidates: []report.Candidate{}}
	pkgRel := filepath.ToSlash(filepath.Join(s.ws.ModuleRel, t.Package.RelDir))
	d := &driver{ws: s.ws, v: s.ws.Validator(s.cfg, []string{pkgRel}), models: s.models, slots: a.pool.slots, name: fmt.Sprint(a.id), inFlight: &inFlight{}}
	res, err := m.Run(ctx, d.pass(&methods.Pass{Method: m, Task: t, Config: s.cfg, Logf: logf}, a.wt))
	out.DurationMS = time.Since(start).Milliseconds()
	if ctx.Err() != nil {
		res = withInFlight(t, res, d.inFlight, cause(ctx, nil))
	}
	if res != nil {
		out.Notes = res.Notes
		out.Findings = res.Findings
		if res.Details != nil {
			d, derr := json.Marshal(res.Details)
			if derr != nil {
				err = errors.Join(err, fmt.Errorf("%s: encode the method's details: %w", t.ID, derr))
			}
			out.Details = d
		}
		for _, c := range res.Candidates {
			rc := *c
			rc.Patch, rc.Reverse = nil, nil // the report holds where a patch is stored, not its bytes
			out.Candidates = append(out.Candidates, report.Candidate{Candidate: rc})
		}
	}
	switch {
	case err != nil && ctx.Err() != nil:
		out.Status, out.Error = report.StatusInterrupted, "interrupted: "+cause(ctx, nil)
	case err != nil:
		out.Status, out.Error = report.StatusFailed, err.Error()
	case res == nil || len(res.Candidates) == 0:
		out.Status = report.StatusNoCandidates
	case slices.ContainsFunc(res.Candidates, (*methods.Candidate).Accepted):
		out.Status = report.StatusAccepted
	default:
		out.Status = report.StatusRejected
	}
	var accepted []*methods.Candidate
	if res != nil {
		for _, c := range res.Candidates {
			if c.Stored() {
				accepted = append(accepted, c)
			}
		}
	}
	return out, accepted
}

// withInFlight adds to res the candidates whose validation the end of the
// run interrupted and that the method did not report itself (it returns
// when its context ends): each with how far it got, so that no candidate
// in flight goes missing from the report.
func withInFlight(t *methods.Task, res *methods.Result, f *inFlight, why string) *methods.Result {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.patches) == 0 {
		return res
	}
	if res == nil {
		res = &methods.Result{}
	}
	for i, p := range f.patches {
		if slices.ContainsFunc(res.Candidates, func(c *methods.Candidate) bool { return bytes.Equal(c.Patch, p) }) {
			continue
		}
		c := &methods.Candidate{
			ID:          fmt.Sprintf("%s#interrupted-%d", t.ID, i+1),
			Description: "a candidate in validation when the run stopped",
			Files:       patchFiles(p),
			Patch:       p,
			Validation:  f.reports[i],
			Error:       "interrupted: " + why,
		}
		res.Candidates = append(res.Candidates, c)
	}
	return res
}

// patchFiles are the paths a patch touches, nil when it does not parse.
func patchFiles(p []byte) []string {
	files, err := diff.Parse(p)
	if err != nil {
		return nil
	}
	out := make([]string, len(files))
	for i, f := range files {
		out[i] = f.Path()
	}
	return out
}
