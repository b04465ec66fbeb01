// Package pipeline is one optimizer run from configuration to report:
// it finds the targets, makes one task per method and target, lets up to
// max_agents agents work through them in their own worktrees, stores the
// accepted patches and writes the report.
package pipeline

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/agentic-optimizer/optimizer/internal/combine"
	"github.com/agentic-optimizer/optimizer/internal/config"
	"github.com/agentic-optimizer/optimizer/internal/control"
	"github.com/agentic-optimizer/optimizer/internal/gitx"
	"github.com/agentic-optimizer/optimizer/internal/report"
	"github.com/agentic-optimizer/optimizer/internal/sandbox"
	"github.com/agentic-optimizer/optimizer/internal/source"
	"github.com/agentic-optimizer/optimizer/internal/validate"
	"github.com/agentic-optimizer/optimizer/methods"
	"github.com/agentic-optimizer/optimizer/methods/all"
)

// testMethods are methods this package's tests add to the build's.
var testMethods []*methods.Method

// usesModel reports whether a method asks a model.
func usesModel(m *methods.Method) bool { return m.Model != methods.NoModel }

// needsModel reports whether a method proposes nothing without a model
// (chaos, which uses one when there is one, does not).
func needsModel(m *methods.Method) bool { return m.Model == methods.ModelRequired }

// ErrUsage is wrapped by errors that the user fixes by changing the
// command line or configuration (exit status 2).
var ErrUsage = errors.New("usage")

// LookupMethods resolves method names.
func LookupMethods(names []string) ([]*methods.Method, error) {
	var out []*methods.Method
	for _, name := range names {
		var found *methods.Method
		var known []string
		for _, m := range append(all.Methods(), testMethods...) {
			known = append(known, m.Name)
			if m.Name == name {
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

// Host is what a run takes from the process that starts it.
type Host struct {
	// Getenv reads the environment (os.Getenv in production): the model
	// credentials, the secrets that must never reach a prompt, and
	// GitHub's variables.
	Getenv func(string) string
	// Logf reports progress.
	Logf Logf
}

// Run performs one optimizer run and returns its report. The report is
// complete for whatever finished even when the run is cancelled.
func Run(ctx context.Context, cfg *config.Config, repoDir string, h Host) (*report.Report, error) {
	s := &session{cfg: cfg, getenv: h.Getenv, logf: h.Logf, combine: true, reviewControl: cfg.Control}
	return s.run(ctx, repoDir)
}

// session is one run through its phases — open, plan, execute, combine,
// store, publish — each a method that hands its result to the next.
type session struct {
	cfg    *config.Config
	getenv func(string) string
	logf   Logf
	// combine is false for a shard: the merge combines the shards'
	// accepted patches. reviewControl is the change control under which
	// the reviews of the optimizer's pull requests are read: a shard
	// publishes patches only, but its model-driven tasks answer the
	// reviews too.
	combine       bool
	reviewControl string
	what          string // "merge", or "" for a run: what stopped early

	start  time.Time
	ws     *Workspace
	rep    *report.Report
	ms     []*methods.Method
	byName map[string]*methods.Method // ms by name, for the tasks
	models *models
	first  *gitx.Worktree // agent 1's worktree, where the module is analyzed
	tasks  []*methods.Task
	gh     *control.GitHub // the controller that read the reviews, for publishing
}

// run opens the workspace, runs every phase and returns the report.
func (s *session) run(ctx context.Context, repoDir string) (*report.Report, error) {
	s.start = time.Now()
	ms, err := LookupMethods(s.cfg.Methods)
	if err != nil {
		return nil, err
	}
	s.ms = ms
	if err := control.Check(s.cfg, s.getenv); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUsage, err)
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	if s.ws, err = Open(ctx, s.cfg, repoDir); err != nil {
		return nil, err
	}
	defer s.ws.Close(ctx)
	if err := s.begin(ctx); err != nil {
		return nil, err
	}
	if err := s.plan(ctx); err != nil {
		return nil, err
	}
	accepted := s.execute(ctx)
	var combined *combine.Result
	if s.combine {
		combined = s.combinePatches(ctx, s.first, changesOf(s.cfg.Methods, s.cfg.Objective, s.tasks, accepted))
	}
	return s.rep, s.finish(ctx, storedOf(s.ws, s.rep, s.tasks, accepted, combined))
}

// begin starts the report and the models.
func (s *session) begin(ctx context.Context) error {
	s.rep = &report.Report{
		Version:   report.Version,
		Repo:      s.ws.Repo.Root,
		Base:      s.ws.Head,
		Objective: s.cfg.Objective,
		Started:   s.start.UTC(),
		Levels:    validate.Levels(),
		Tasks:     []report.Task{},
	}
	iso := s.ws.Runner.Isolation()
	s.rep.Isolation = &iso
	for _, m := range s.ms {
		s.rep.Methods = append(s.rep.Methods, m.Name)
	}
	s.rep.ChangeControl = control.Initial(s.cfg)
	if dirty, _ := s.ws.Repo.Git(ctx, "status", "--porcelain", "--untracked-files=no", "--", s.ws.ModuleRel); dirty != "" {
		note := fmt.Sprintf("the work tree has uncommitted changes in %s; the run works on the last commit (%.12s) and does not see them", s.ws.ModuleRel, s.ws.Head)
		s.logf("warning: %s", note)
		s.rep.Notes = append(s.rep.Notes, note)
	}
	models, err := newModels(s.cfg, s.ms, s.getenv, s.logf)
	if err != nil {
		return err
	}
	s.models = models
	if models.why != "" && models.router == nil && slices.ContainsFunc(s.ms, needsModel) {
		s.rep.Notes = append(s.rep.Notes, "no model is available, so the LLM methods propose nothing: "+models.why)
	}
	return nil
}

// plan analyzes the module, makes one task per method and target, and
// reads the reviews that the model-driven tasks answer.
func (s *session) plan(ctx context.Context) error {
	s.logf("analyze %s at %.12s", s.ws.ModuleRel, s.ws.Head)
	first, err := s.ws.Worktrees.Add(ctx, "1", s.ws.Head)
	if err != nil {
		return err
	}
	s.first = first
	mod, err := source.Load(ctx, filepath.Join(first.Dir, s.ws.ModuleRel), sandbox.TrustedEnv())
	if err != nil {
		return err
	}
	s.rep.Module = mod.Path
	targets, aims, err := selectTargets(ctx, s.cfg, s.ws, mod, first)
	if err != nil {
		return err
	}
	s.byName = map[string]*methods.Method{}
	for _, m := range s.ms {
		s.byName[m.Name] = m
		for _, p := range targets {
			if len(p.GoFiles)+len(p.TestFiles) > 0 {
				t := &methods.Task{ID: m.Name + ":" + p.Pattern(), Method: m.Name, Package: p, Module: mod, Objective: s.cfg.Objective}
				if a := aims[p]; a != nil {
					t.Files, t.Funcs = a.files, a.funcs
				}
				s.tasks = append(s.tasks, t)
			}
		}
	}
	s.logf("%d targets, %d tasks", len(targets), len(s.tasks))
	rcfg := *s.cfg
	rcfg.Control = s.reviewControl
	s.gh, s.rep.ChangeControl.Reviews = control.ReadReviews(ctx, &rcfg, s.getenv, control.Logf(s.logf))
	giveFeedback(s.rep, s.tasks, s.byName, s.ws.ModuleRel, s.models.unavailable())
	return nil
}

// finish stores the accepted patches, publishes them under the run's
// change control and stores the audit record last, so that it covers the
// whole report.
func (s *session) finish(ctx context.Context, items []stored) error {
	var pub *publisher
	if !s.cfg.DryRun {
		pub = newPublisher(s.cfg, s.rep, s.logf)
		saved, err := s.store(ctx, items, pub)
		record(s.rep, items, saved)
		if err != nil {
			return err
		}
	}
	s.rep.Tally(len(s.rep.Agents), time.Since(s.start))
	var runErr error
	if pub != nil {
		run := control.Run{Config: s.cfg, Getenv: s.getenv, Worktrees: s.ws.Worktrees, Head: s.ws.Head, ModuleDir: s.ws.ModuleRel, GitHub: s.gh}
		var cc report.ChangeControl
		cc, runErr = control.Publish(ctx, run, s.rep, control.Logf(s.logf))
		s.rep.Published(cc)
	}
	if runErr == nil && ctx.Err() != nil {
		what := cmp.Or(s.what, "run")
		s.rep.Notes = append(s.rep.Notes, what+" stopped early: "+cause(ctx, nil))
		runErr = fmt.Errorf("%s stopped early: %s; the report holds what finished", what, cause(ctx, nil))
	}
	return auditLast(ctx, s.cfg, s.rep, pub, runErr)
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
// aims holds what paths narrow a package's tasks to (see aimAt).
func selectTargets(ctx context.Context, cfg *config.Config, ws *Workspace, mod *source.Module, wt *gitx.Worktree) (pkgs []*source.Package, aims map[*source.Package]*aim, err error) {
	switch {
	case len(cfg.Paths) > 0:
		pkgs, aims, err := aimAt(mod, cfg.Paths)
		if err != nil {
			return nil, nil, fmt.Errorf("%w: %w", ErrUsage, err)
		}
		return pkgs, aims, nil
	case cfg.Base != "":
		base, err := ws.Repo.Resolve(ctx, cfg.Base)
		if err != nil {
			return nil, nil, fmt.Errorf("%w: %w", ErrUsage, err)
		}
		files, err := ws.Repo.ChangedFiles(ctx, base, ws.Head)
		if err != nil {
			return nil, nil, err
		}
		var abs []string
		for _, f := range files {
			abs = append(abs, filepath.Join(wt.Dir, filepath.FromSlash(f)))
		}
		return mod.PackagesOfFiles(abs), nil, nil
	}
	return mod.Packages, nil, nil
}
