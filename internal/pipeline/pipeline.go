// Package pipeline is one optimizer run from configuration to report:
// it finds the targets, makes one task per method and target, lets up to
// max_agents agents work through them in their own worktrees, stores the
// accepted patches and writes the report.
package pipeline

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"go/version"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/mod/modfile"

	"github.com/agentic-optimizer/optimizer/internal/analysis"
	"github.com/agentic-optimizer/optimizer/internal/config"
	"github.com/agentic-optimizer/optimizer/internal/control"
	"github.com/agentic-optimizer/optimizer/internal/coord"
	"github.com/agentic-optimizer/optimizer/internal/diff"
	"github.com/agentic-optimizer/optimizer/internal/gitx"
	"github.com/agentic-optimizer/optimizer/internal/patch"
	"github.com/agentic-optimizer/optimizer/internal/report"
	"github.com/agentic-optimizer/optimizer/internal/sandbox"
	"github.com/agentic-optimizer/optimizer/internal/stdapi"
	"github.com/agentic-optimizer/optimizer/internal/validate"
	"github.com/agentic-optimizer/optimizer/methods"
	"github.com/agentic-optimizer/optimizer/methods/actorcritic"
	"github.com/agentic-optimizer/optimizer/methods/adversarial"
	"github.com/agentic-optimizer/optimizer/methods/chaos"
	"github.com/agentic-optimizer/optimizer/methods/modernize"
	"github.com/agentic-optimizer/optimizer/methods/pgo"
	"github.com/agentic-optimizer/optimizer/methods/testdriven"
)

// Methods lists every method this build has, in the order --help shows them.
func Methods() []methods.Method {
	return []methods.Method{modernize.New(), pgo.New(), testdriven.New(), adversarial.New(), actorcritic.New(), chaos.New()}
}

// testMethods are methods this package's tests add to the registry.
var testMethods []methods.Method

// usesModel reports whether a method uses the LLM router.
func usesModel(m methods.Method) bool {
	u, ok := m.(interface{ UsesModel() bool })
	return ok && u.UsesModel()
}

// needsModel reports whether a method proposes nothing without a model
// (chaos, which uses one when there is one, does not).
func needsModel(m methods.Method) bool {
	o, ok := m.(interface{ ModelOptional() bool })
	return usesModel(m) && !(ok && o.ModelOptional())
}

// ErrUsage is wrapped by errors that the user fixes by changing the
// command line or configuration (exit status 2).
var ErrUsage = errors.New("usage")

// LookupMethods resolves method names.
func LookupMethods(names []string) ([]methods.Method, error) {
	var out []methods.Method
	for _, name := range names {
		var found methods.Method
		var known []string
		for _, m := range append(Methods(), testMethods...) {
			known = append(known, m.Name())
			if m.Name() == name {
				found = m
			}
		}
		if found == nil {
			if s := config.Suggest(name, known); s != "" {
				return nil, fmt.Errorf("%w: unknown method %q (did you mean %q?)", ErrUsage, name, s)
			}
			return nil, fmt.Errorf("%w: unknown method %q (this build has: %s)", ErrUsage, name, strings.Join(known, ", "))
		}
		out = append(out, found)
	}
	return out, nil
}

// Logf reports progress.
type Logf func(format string, args ...any)

// Workspace is what every command that validates needs: the repository,
// the module inside it, a sandbox runner and the worktrees.
type Workspace struct {
	Repo      *gitx.Repo
	ModuleRel string // module directory relative to the repository root
	Head      string
	Runner    *sandbox.Runner
	Worktrees *gitx.Worktrees
	Manifest  *stdapi.Manifest
	Baseline  *validate.Baseline
}

// Open prepares a workspace for the module at repoDir. Close it.
func Open(ctx context.Context, cfg *config.Config, repoDir string) (*Workspace, error) {
	repo, err := gitx.Open(ctx, repoDir)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUsage, err)
	}
	abs, err := filepath.Abs(repoDir)
	if err != nil {
		return nil, err
	}
	if r, err := filepath.EvalSymlinks(abs); err == nil {
		abs = r
	}
	if _, err := os.Stat(filepath.Join(abs, "go.mod")); err != nil {
		return nil, fmt.Errorf("%w: %s has no go.mod (pass --repo with the directory of a Go module)", ErrUsage, repoDir)
	}
	rel, err := filepath.Rel(repo.Root, abs)
	if err != nil {
		return nil, err
	}
	head, err := repo.Resolve(ctx, "HEAD")
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUsage, err)
	}
	if out, err := repo.Git(ctx, "ls-files", "--error-unmatch", filepath.ToSlash(filepath.Join(rel, "go.mod"))); err != nil || out == "" {
		return nil, fmt.Errorf("%w: %s/go.mod is not committed (the optimizer works on the last commit; commit the module first)", ErrUsage, repoDir)
	}
	runner, err := sandbox.New(ctx, sandbox.Options{Strict: cfg.Isolation != "best-effort"})
	if err == nil {
		if err = confine(ctx, runner, repo, cfg, abs); err != nil {
			runner.Close()
		}
	}
	if errors.Is(err, sandbox.ErrIsolation) {
		// The run refuses to execute untrusted code: a setting or the
		// platform must change, as for a configuration error.
		return nil, fmt.Errorf("%w: %w", ErrUsage, err)
	}
	if err != nil {
		return nil, err
	}
	if err := checkToolchain(ctx, repo, head, filepath.ToSlash(filepath.Join(rel, "go.mod")), runner.GoEnv["GOVERSION"]); err != nil {
		runner.Close()
		return nil, fmt.Errorf("%w: %w", ErrUsage, err)
	}
	ws := &Workspace{
		Repo:      repo,
		ModuleRel: filepath.ToSlash(rel),
		Head:      head,
		Runner:    runner,
		Worktrees: &gitx.Worktrees{Repo: repo, Base: cfg.WorktreeBase},
	}
	ws.Baseline = &validate.Baseline{Worktrees: ws.Worktrees, Commit: head, Runner: runner, ModuleDir: ws.ModuleRel, Timeout: cfg.Timeout, Shared: true}
	// Without the API manifest the types level still builds and vets; it
	// says that it could not date the standard library's API.
	if m, err := stdapi.Load(runner.GOROOT()); err == nil {
		ws.Manifest = m
	}
	return ws, nil
}

// checkToolchain refuses, before anything runs, a module whose go.mod (at
// head) needs a newer Go than the toolchain here (have, "go1.26.8"): the
// commands that build and test it run with GOTOOLCHAIN=local, so they would
// all fail, and a toolchain the go.mod names is not downloaded.
func checkToolchain(ctx context.Context, repo *gitx.Repo, head, gomod, have string) error {
	if have == "" {
		return nil
	}
	data, err := repo.Git(ctx, "show", head+":"+gomod)
	if err != nil {
		return err
	}
	f, err := modfile.ParseLax(gomod, []byte(data), nil)
	if err != nil {
		return fmt.Errorf("%s: %w", gomod, err)
	}
	if f.Go == nil || version.Compare(have, "go"+f.Go.Version) >= 0 {
		return nil
	}
	return fmt.Errorf("%s says go %s, and the Go toolchain here is %s: it cannot build the module, and the optimizer does not download a toolchain "+
		"(its commands run with GOTOOLCHAIN=local). In the action, use a release of the optimizer whose image has Go %s or newer; "+
		"on the command line, put Go %s or newer first on PATH", gomod, f.Go.Version, have, f.Go.Version, f.Go.Version)
}

// confine makes the modules the module needs readable by the sandbox's
// children, and hides the repository's git directory from them: its config
// may hold the token that actions/checkout persisted. (They run on copies
// without .git; hiding closes the way by absolute path where Landlock does
// not confine their reads.)
func confine(ctx context.Context, runner *sandbox.Runner, repo *gitx.Repo, cfg *config.Config, moduleDir string) error {
	if gomod, err := os.ReadFile(filepath.Join(moduleDir, "go.mod")); err != nil || bytes.Contains(gomod, []byte("require")) {
		if err := runner.Modules(ctx, moduleDir); err != nil {
			return err
		}
	}
	common, err := repo.CommonDir(ctx)
	if err != nil {
		return err
	}
	return runner.Hide(common)
}

// Close removes every worktree and the sandbox's private directory.
func (ws *Workspace) Close(ctx context.Context) error {
	err := ws.Worktrees.RemoveAll(ctx)
	if cerr := ws.Runner.Close(); err == nil {
		err = cerr
	}
	return err
}

// Validator returns a validator for patches confined to allowed
// (repository-relative directories; empty means the module).
func (ws *Workspace) Validator(cfg *config.Config, allowed []string) *validate.Validator {
	return &validate.Validator{
		Runner:    ws.Runner,
		Manifest:  ws.Manifest,
		Baseline:  ws.Baseline,
		Objective: cfg.Objective,
		ModuleDir: ws.ModuleRel,
		Allowed:   allowed,
		Timeout:   cfg.Timeout,

		IntegrationTags:    cfg.IntegrationTags,
		IntegrationCommand: cfg.IntegrationCommand,
		MinImprovement:     cfg.MinPerformanceImprovement,
		MaxRegression:      cfg.MaxRegression,
		MinCoverageGain:    cfg.MinCoverageGain,
		MinTestCoverage:    cfg.MinTestCoverage,
	}
}

// Run performs one optimizer run and returns its report. The report is
// complete for whatever finished even when the run is cancelled. getenv
// reads the environment (os.Getenv in production): the model credentials
// and the secrets that must never reach a prompt.
func Run(ctx context.Context, cfg *config.Config, repoDir string, getenv func(string) string, logf Logf) (*report.Report, error) {
	return run(ctx, cfg, repoDir, getenv, logf, true, cfg.Control)
}

// run is Run; combining the accepted patches is left to the merge when
// the run is a shard. reviewControl is the change control under which the
// reviews of the optimizer's pull requests are read: a shard publishes
// patches only, but its model-driven tasks answer the reviews too.
func run(ctx context.Context, cfg *config.Config, repoDir string, getenv func(string) string, logf Logf, combinePatches bool, reviewControl string) (*report.Report, error) {
	start := time.Now()
	ms, err := LookupMethods(cfg.Methods)
	if err != nil {
		return nil, err
	}
	for _, m := range ms {
		if c, ok := m.(interface{ Configure(*config.Config) }); ok {
			c.Configure(cfg)
		}
	}
	if err := control.Check(cfg, getenv); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUsage, err)
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	ws, err := Open(ctx, cfg, repoDir)
	if err != nil {
		return nil, err
	}
	defer ws.Close(ctx)

	rep := &report.Report{
		Version:   report.Version,
		Repo:      ws.Repo.Root,
		Base:      ws.Head,
		Objective: cfg.Objective,
		Started:   start.UTC(),
		Levels:    validate.Levels(),
		Tasks:     []report.Task{},
	}
	iso := ws.Runner.Isolation()
	rep.Isolation = &iso
	for _, m := range ms {
		rep.Methods = append(rep.Methods, m.Name())
	}
	rep.ChangeControl = control.Initial(cfg)

	if dirty, _ := ws.Repo.Git(ctx, "status", "--porcelain", "--untracked-files=no", "--", ws.ModuleRel); dirty != "" {
		note := fmt.Sprintf("the work tree has uncommitted changes in %s; the run works on the last commit (%.12s) and does not see them", ws.ModuleRel, ws.Head)
		logf("warning: %s", note)
		rep.Notes = append(rep.Notes, note)
	}
	models, err := newModels(cfg, ms, getenv, logf)
	if err != nil {
		return nil, err
	}
	if models.why != "" && models.router == nil && slices.ContainsFunc(ms, needsModel) {
		rep.Notes = append(rep.Notes, "no model is available, so the LLM methods propose nothing: "+models.why)
	}
	logf("analyze %s at %.12s", ws.ModuleRel, ws.Head)
	first, err := ws.Worktrees.Add(ctx, "1", ws.Head)
	if err != nil {
		return nil, err
	}
	mod, err := analysis.Load(ctx, filepath.Join(first.Dir, ws.ModuleRel), sandbox.TrustedEnv())
	if err != nil {
		return nil, err
	}
	rep.Module = mod.Path
	targets, err := selectTargets(ctx, cfg, ws, mod, first)
	if err != nil {
		return nil, err
	}
	var tasks []*methods.Task
	byName := map[string]methods.Method{}
	for _, m := range ms {
		byName[m.Name()] = m
		for _, p := range targets {
			if len(p.GoFiles)+len(p.TestFiles) == 0 {
				continue
			}
			tasks = append(tasks, &methods.Task{ID: m.Name() + ":" + p.Pattern(), Method: m.Name(), Package: p, Module: mod, Objective: cfg.Objective})
		}
	}
	logf("%d targets, %d tasks", len(targets), len(tasks))
	rcfg := *cfg
	rcfg.Control = reviewControl
	gh := control.ReadReviews(ctx, &rcfg, getenv, rep, control.Logf(logf))
	giveFeedback(rep, tasks, byName, ws.ModuleRel, models.unavailable())

	agents := min(cfg.MaxAgents, max(len(tasks), 1))
	// Every agent holds a slot while it works on a task; a method that
	// validates candidates side by side (Env.Fork) takes the free ones.
	slots := make(chan struct{}, max(cfg.MaxAgents, 1))
	results := make([]report.Task, len(tasks))
	accepted := make([][]*methods.Candidate, len(tasks))
	order := priorityOrder(tasks, recentChanges(ctx, ws.Repo, ws.Head, ws.ModuleRel))
	queue := coord.NewQueue(len(order), agents)
	stop := context.AfterFunc(ctx, queue.Close)
	defer stop()
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex // guards done, setupErr, agentStats and retried
		done     int
		setupErr error
		retried  = map[int]string{} // task → why its first attempt failed
	)
	agentStats := make([]report.Agent, agents)
	for a := 1; a <= agents; a++ {
		agentStats[a-1] = report.Agent{ID: a, State: report.AgentIdle}
		wg.Go(func() {
			wt := first
			if a > 1 {
				w, err := ws.Worktrees.Add(ctx, fmt.Sprint(a), ws.Head)
				if err != nil {
					mu.Lock()
					setupErr = errors.Join(setupErr, err)
					agentStats[a-1].State, agentStats[a-1].Error = report.AgentFailed, err.Error()
					mu.Unlock()
					queue.Leave()
					return // the other agents take the tasks
				}
				wt = w
			}
			for {
				k, attempt, ok := queue.Take(a)
				if !ok {
					return
				}
				i := order[k]
				t := tasks[i]
				var agentLog Logf = func(format string, args ...any) {
					logf("agent %d: %s: %s", a, t.ID, fmt.Sprintf(format, args...))
				}
				slots <- struct{}{}
				res, acc := runTask(ctx, cfg, ws, wt, models, slots, byName[t.Method], t, a, agentLog)
				<-slots
				failed := res.Status == report.StatusFailed && ctx.Err() == nil
				again := queue.Done(a, k, failed)
				mu.Lock()
				agentStats[a-1].Count(res)
				if again {
					retried[i] = fmt.Sprintf("agent %d: %s", a, res.Error)
					logf("%s failed on agent %d (%s); trying it once more on another agent", t.ID, a, firstLine(res.Error))
				} else {
					if attempt > 1 {
						res.Notes = append(res.Notes, "tried a second time after the first attempt failed on "+retried[i])
						agentStats[a-1].Retried++
					}
					results[i], accepted[i] = res, acc
					done++
					logf("[%d/%d] %s: %s", done, len(tasks), t.ID, res.Status)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	for i, t := range tasks {
		if results[i].ID == "" {
			results[i] = report.Task{ID: t.ID, Target: t.Package.Pattern(), Method: t.Method, Status: report.StatusFailed, Error: "not run: " + cause(ctx, setupErr)}
		}
	}
	rep.Agents = agentStats
	rep.Tasks = results
	if models.router != nil {
		models.report(rep)
	}

	var combined *coord.Result
	if combinePatches {
		combined = combine(ctx, cfg, ws, first, rep, changesOf(cfg.Methods, cfg.Objective, tasks, accepted), logf)
	}

	var pub *publisher
	if !cfg.DryRun {
		pub = newPublisher(cfg, rep, logf)
		if err := store(ctx, cfg, ws, rep, storedOf(ws, rep, tasks, accepted, combined), pub); err != nil {
			return rep, err
		}
	}
	rep.Tally(agents, time.Since(start))
	var runErr error
	if pub != nil {
		run := control.Run{Config: cfg, Getenv: getenv, Worktrees: ws.Worktrees, Head: ws.Head, ModuleDir: ws.ModuleRel, GitHub: gh}
		runErr = control.Publish(ctx, run, rep, control.Logf(logf))
	}
	if runErr == nil && ctx.Err() != nil {
		rep.Notes = append(rep.Notes, "run stopped early: "+cause(ctx, nil))
		runErr = fmt.Errorf("run stopped early: %s; the report holds what finished", cause(ctx, nil))
	}
	return rep, auditLast(ctx, cfg, rep, pub, runErr)
}

// auditLast stores the audit record once the report is complete, so that it covers everything
// in report.json (change control, every note); err is the run's error, returned unless storing
// the record fails.
func auditLast(ctx context.Context, cfg *config.Config, rep *report.Report, pub *publisher, err error) error {
	if pub == nil {
		return err
	}
	if aerr := pub.audit(ctx, cfg, rep); aerr != nil {
		return errors.Join(err, aerr)
	}
	return err
}

func cause(ctx context.Context, setupErr error) string {
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return "the run's timeout was reached (raise --timeout)"
	case ctx.Err() != nil:
		return "the run was interrupted"
	case setupErr != nil:
		return setupErr.Error()
	}
	return "no agent was available"
}

// selectTargets picks the packages to work on: the ones named by paths,
// else the ones holding files changed since base, else the whole module.
func selectTargets(ctx context.Context, cfg *config.Config, ws *Workspace, mod *analysis.Module, wt *gitx.Worktree) ([]*analysis.Package, error) {
	switch {
	case len(cfg.Paths) > 0:
		pkgs, err := mod.Resolve(cfg.Paths)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrUsage, err)
		}
		return pkgs, nil
	case cfg.Base != "":
		base, err := ws.Repo.Resolve(ctx, cfg.Base)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrUsage, err)
		}
		files, err := ws.Repo.ChangedFiles(ctx, base, ws.Head)
		if err != nil {
			return nil, err
		}
		var abs []string
		for _, f := range files {
			abs = append(abs, filepath.Join(wt.Dir, filepath.FromSlash(f)))
		}
		return mod.PackagesOfFiles(abs), nil
	}
	return mod.Packages, nil
}

// runTask runs one method on one task in the agent's worktree.
// It returns the task's report and its accepted candidates.
func runTask(ctx context.Context, cfg *config.Config, ws *Workspace, wt *gitx.Worktree, models *models, slots chan struct{}, m methods.Method, t *methods.Task, agent int, logf Logf) (report.Task, []*methods.Candidate) {
	start := time.Now()
	out := report.Task{ID: t.ID, Target: t.Package.Pattern(), Method: t.Method, Agent: agent, Candidates: []report.Candidate{}}
	pkgRel := filepath.ToSlash(filepath.Join(ws.ModuleRel, t.Package.RelDir))
	v := ws.Validator(cfg, []string{pkgRel})
	env := taskEnv(ws, wt, v, models, slots, fmt.Sprint(agent), logf)
	res, err := m.Optimize(ctx, t, env)
	out.DurationMS = time.Since(start).Milliseconds()
	if res != nil {
		out.Notes = res.Notes
		if res.Details != nil {
			d, derr := json.Marshal(res.Details)
			if derr != nil {
				err = errors.Join(err, fmt.Errorf("%s: encode the method's details: %w", t.ID, derr))
			}
			out.Details = d
		}
		for _, c := range res.Candidates {
			out.Candidates = append(out.Candidates, report.Candidate{
				ID: c.ID, Description: c.Description, Analyzer: c.Analyzer, Files: c.Files,
				SplitFrom: c.SplitFrom, Validation: c.Validation, Error: c.Error,
				IncludedIn: c.IncludedIn, Parent: c.Parent, SupersededBy: c.SupersededBy,
			})
		}
	}
	switch {
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

// taskEnv is what a method gets to work in wt, validating with v.
func taskEnv(ws *Workspace, wt *gitx.Worktree, v *validate.Validator, models *models, slots chan struct{}, agent string, logf Logf) methods.Env {
	env := methods.Env{
		Worktree:  wt,
		ModuleDir: filepath.Join(wt.Dir, ws.ModuleRel),
		GoEnv:     ws.Runner.Env(),
		Sandbox:   ws.Runner,
		Timeout:   v.Timeout,

		MinTestCoverage: v.MinTestCoverage,
		Validate: func(ctx context.Context, p []byte) (*validate.Report, error) {
			return v.Validate(ctx, wt, p)
		},
		ValidateAs: func(ctx context.Context, p []byte, objective string) (*validate.Report, error) {
			ov := *v
			ov.Objective = objective
			return ov.Validate(ctx, wt, p)
		},
		ValidateTests: func(ctx context.Context, p []byte, repeat int) (*validate.Report, error) {
			tv := *v
			tv.Objective = "quality"
			tv.Repeat = repeat
			return tv.Validate(ctx, wt, p)
		},
		ValidateProven: func(ctx context.Context, p []byte, repeat int) (*validate.Report, error) {
			tv := *v
			tv.Objective = "quality"
			tv.Repeat = repeat
			tv.MinCoverageGain = 0
			return tv.Validate(ctx, wt, p)
		},
		Logf:           logf,
		LLM:            models.router,
		LLMUnavailable: models.why,
		Secrets:        models.secrets,
	}
	env.Stage = func(ctx context.Context, p []byte) (methods.Env, func(), error) {
		if err := gitx.Apply(ctx, wt.Dir, p, gitx.ApplyOptions{}); err != nil {
			wt.Reset(context.WithoutCancel(ctx))
			return methods.Env{}, nil, err
		}
		commit, err := wt.Snapshot(ctx, "optimizer: a step accepted by validation")
		if rerr := wt.Reset(context.WithoutCancel(ctx)); err == nil {
			err = rerr
		}
		if err != nil {
			return methods.Env{}, nil, err
		}
		swt, err := ws.Worktrees.Add(ctx, agent+"-staged", commit)
		if err != nil {
			return methods.Env{}, nil, err
		}
		sv := *v
		sv.Baseline = &validate.Baseline{Worktrees: ws.Worktrees, Commit: commit, Runner: ws.Runner, ModuleDir: ws.ModuleRel, Timeout: v.Timeout}
		release := func() {
			ctx := context.WithoutCancel(ctx)
			sv.Baseline.Release(ctx)
			ws.Worktrees.Remove(ctx, swt)
		}
		return taskEnv(ws, swt, &sv, models, slots, agent+"-staged", logf), release, nil
	}
	env.Fork = func(ctx context.Context) (methods.Env, func(), error) {
		select {
		case slots <- struct{}{}:
		default:
			return methods.Env{}, nil, methods.ErrNoSlot
		}
		name := fmt.Sprintf("%s-fork%d", agent, forks.Add(1))
		fwt, err := ws.Worktrees.Add(ctx, name, wt.Commit)
		if err != nil {
			<-slots
			return methods.Env{}, nil, err
		}
		release := func() {
			ws.Worktrees.Remove(context.WithoutCancel(ctx), fwt)
			<-slots
		}
		return taskEnv(ws, fwt, v, models, slots, name, logf), release, nil
	}
	return env
}

// priorityOrder is the order in which the agents take the tasks, and so
// the order in which a limited model budget is spent: tasks on benchmarked
// packages first (hot code, and measurable), then on the packages changed
// most often lately (changed counts commits by package directory, relative
// to the module), then the larger packages (the longest tasks first keeps
// the agents busy to the end), then as listed.
func priorityOrder(tasks []*methods.Task, changed map[string]int) []int {
	size := make([]int64, len(tasks))
	for i, t := range tasks {
		for _, f := range append(slices.Clone(t.Package.GoFiles), t.Package.TestFiles...) {
			if st, err := os.Stat(f); err == nil {
				size[i] += st.Size()
			}
		}
	}
	order := make([]int, len(tasks))
	for i := range order {
		order[i] = i
	}
	benched := func(i int) int {
		if len(tasks[i].Package.Benchmarks) > 0 {
			return 1
		}
		return 0
	}
	commits := func(i int) int { return changed[filepath.ToSlash(tasks[i].Package.RelDir)] }
	slices.SortStableFunc(order, func(a, b int) int {
		return cmp.Or(benched(b)-benched(a), commits(b)-commits(a), cmp.Compare(size[b], size[a]))
	})
	return order
}

// recentChanges counts, for each directory of the module, the commits among
// the last recentCommits of head that changed a file directly in it. A
// repository whose history cannot be read counts nothing.
func recentChanges(ctx context.Context, repo *gitx.Repo, head, moduleRel string) map[string]int {
	out, err := repo.Git(ctx, "log", "-n", strconv.Itoa(recentCommits), "--no-renames", "--name-only", "--format=%x00", head, "--", moduleRel)
	if err != nil {
		return nil
	}
	counts := map[string]int{}
	for _, commit := range strings.Split(out, "\x00") {
		seen := map[string]bool{}
		for _, f := range strings.Split(commit, "\n") {
			if f = strings.TrimSpace(f); f == "" {
				continue
			}
			rel, err := filepath.Rel(filepath.FromSlash(moduleRel), filepath.FromSlash(f))
			if err != nil || strings.HasPrefix(rel, "..") {
				continue
			}
			if dir := filepath.ToSlash(filepath.Dir(rel)); !seen[dir] {
				seen[dir] = true
				counts[dir]++
			}
		}
	}
	return counts
}

// recentCommits is how far back recentChanges looks.
const recentCommits = 100

// forks numbers the worktrees Env.Fork makes, so that their names never
// collide.
var forks atomic.Int64

// stored is a patch to save in the output directory and where the report
// records it.
type stored struct {
	forward, reverse []byte
	meta             patch.Meta
	into             **report.Patch
}

// storedOf lists the run's accepted candidates and its combination for store.
func storedOf(ws *Workspace, rep *report.Report, tasks []*methods.Task, accepted [][]*methods.Candidate, combined *coord.Result) []stored {
	var out []stored
	if combined != nil {
		out = append(out, stored{combined.Patch, combined.Reverse, patch.Meta{
			Task: "combination", Target: rep.Module, Method: "combination", Validation: mustJSON(combined.Validation),
		}, &rep.Combination.Patch})
	}
	for i, t := range tasks {
		for _, c := range accepted[i] {
			for j := range rep.Tasks[i].Candidates {
				if rc := &rep.Tasks[i].Candidates[j]; rc.ID == c.ID {
					out = append(out, stored{c.Patch, c.Reverse, patch.Meta{
						Task: t.ID, Target: t.Package.Pattern(), Method: t.Method, Analyzer: c.Analyzer, Validation: mustJSON(c.Validation),
					}, &rc.Patch})
				}
			}
		}
	}
	return out
}

// store saves each patch with its reverse in the output directory, pins
// them on the IPFS node if there is one, and records where in the report.
func store(ctx context.Context, cfg *config.Config, ws *Workspace, rep *report.Report, items []stored, pub *publisher) error {
	dir := patch.Dir{Path: cfg.Out, CIDVersion: cfg.CIDVersion}
	for _, it := range items {
		files, err := diff.Parse(it.forward)
		if err != nil {
			return fmt.Errorf("store %s: %w", it.meta.Task, err)
		}
		meta := it.meta
		for _, f := range files {
			meta.Files = append(meta.Files, f.Path())
		}
		meta.Parent = ws.Head
		m, err := dir.Save(it.forward, it.reverse, meta)
		if err != nil {
			return err
		}
		rp := &report.Patch{
			ID: m.ID, CID: m.CID, ReverseCID: m.ReverseCID,
			Path:        "patches/" + m.ID + ".patch",
			ReversePath: "patches/" + m.ID + ".reverse.patch",
		}
		pub.patch(ctx, rep, dir, m, rp)
		*it.into = rp
	}
	return nil
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	return b
}
