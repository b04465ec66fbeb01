package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/agentic-optimizer/optimizer/internal/action"
	"github.com/agentic-optimizer/optimizer/internal/config"
	"github.com/agentic-optimizer/optimizer/internal/gitx"
	"github.com/agentic-optimizer/optimizer/internal/report"
)

// actionStep is the run command's GitHub Actions side, active when
// GITHUB_ACTIONS=true: secrets masked before anything is logged, the log
// neutralized against forged workflow commands, the workspace trusted by
// git, the event's base commit as the default base, and at the end the
// step outputs, the job summary and annotations.
type actionStep struct {
	rt        *action.Runtime
	log       *action.Log
	getenv    func(string) string
	workspace string // GITHUB_WORKSPACE; "" outside a runner
}

// secretEnv names the variables whose values are masked in the log: the
// token input and every other place a token or API key can come from.
func secretEnv() []string {
	return []string{"INPUT_TOKEN", "OPTIMIZER_GITHUB_TOKEN", "GITHUB_TOKEN", "GH_TOKEN", "OPENAI_API_KEY", "ANTHROPIC_API_KEY"}
}

// startAction returns the step and a cli whose stderr is the neutralized
// log, or nil and c unchanged outside GitHub Actions.
func startAction(c *cli) (*actionStep, *cli) {
	if !action.Enabled(c.getenv) {
		return nil, c
	}
	log := action.NewLog(c.stderr)
	s := &actionStep{rt: action.New(log.Commands(), c.getenv), log: log, getenv: c.getenv, workspace: c.getenv("GITHUB_WORKSPACE")}
	for _, name := range secretEnv() {
		s.rt.Mask(c.getenv(name))
	}
	ac := *c
	ac.stderr = log
	return s, &ac
}

// repoDir is the module directory to work on: --repo when given, else the
// working-directory input, else def.
func (s *actionStep) repoDir(fs *flagSet, def string) string {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == "repo" })
	if wd := action.Input(s.getenv, action.InputWorkingDirectory); !set && wd != "" {
		return wd
	}
	return def
}

// prepare readies the run once the configuration is known: a
// pull_request_target run is refused unless the code checked out is
// provably the base branch's (see trustedTarget), and the event's base
// commit becomes the base unless the user set one.
func (s *actionStep) prepare(ctx context.Context, cfg *config.Config, repoDir string, logf func(string, ...any)) error {
	s.rt.Mask(cfg.GitHubToken)
	ev, err := action.ReadEvent(s.getenv)
	if err != nil {
		return err
	}
	repo, err := gitx.Open(ctx, repoDir)
	if err != nil {
		return err
	}
	if ev.Name == "pull_request_target" {
		if why := trustedTarget(ctx, repo, ev); why != "" {
			if !cfg.AllowPullRequestTarget {
				return fmt.Errorf("action: refusing to run on pull_request_target: %s, so the pull request's code may be checked out, and its tests would run with the workflow's write token and secrets (trigger the workflow on pull_request instead, check out the base branch, or set the input allow-pull-request-target: true if you trust every pull request's author)", why)
			}
			logf("warning: running on pull_request_target although %s, as allow_pull_request_target says: the pull request's code may run beside the workflow's write token", why)
		}
	}
	switch {
	case ev.IsPullRequest() && ev.Fork:
		logf("event %s #%d from a fork", ev.Name, ev.PullRequest)
	case ev.IsPullRequest():
		logf("event %s #%d", ev.Name, ev.PullRequest)
	case ev.Name != "":
		logf("event %s", ev.Name)
	}
	// The event's base only narrows the targets when the user named
	// neither a base nor the paths; pull_request_target runs the base
	// branch, to which the pull request's base says nothing.
	if ev.Base == "" || ev.Name == "pull_request_target" || cfg.Sources["base"] != "default" || len(cfg.Paths) > 0 {
		return nil
	}
	if _, err := repo.Git(ctx, "cat-file", "-e", ev.Base+"^{commit}"); err != nil {
		return fmt.Errorf("action: the %s event's base commit %.12s is not in the clone (check out with actions/checkout's fetch-depth: 0, or set the base input)", ev.Name, ev.Base)
	}
	cfg.Base = ev.Base
	cfg.Sources["base"] = "event " + ev.Name
	logf("base %.12s from the %s event", ev.Base, ev.Name)
	return nil
}

// trustedTarget returns "" when the code checked out on a
// pull_request_target run is provably the base branch's: HEAD is the
// event's GITHUB_SHA (the base branch's commit the workflow runs on) or
// the pull request's base commit, and not the pull request's head. Else it
// says what it found. It fails closed: a merge commit of a depth-1
// checkout of refs/pull/N/merge has the pull request's code in its tree
// while the pull request's head is not in the clone at all, so no
// ancestry check can see it; only the identity of HEAD proves anything.
func trustedTarget(ctx context.Context, repo *gitx.Repo, ev *action.Event) string {
	head, err := repo.Resolve(ctx, "HEAD")
	if err != nil {
		return "HEAD cannot be resolved (" + err.Error() + ")"
	}
	switch {
	case ev.SHA == "" && ev.Base == "":
		return "neither GITHUB_SHA nor the event's base commit is known"
	case head == ev.Head:
		return fmt.Sprintf("HEAD (%.12s) is the pull request's head", head)
	case head == ev.SHA || head == ev.Base:
		return ""
	}
	return fmt.Sprintf("HEAD (%.12s) is neither GITHUB_SHA (%.12s) nor the pull request's base (%.12s)", head, ev.SHA, ev.Base)
}

// finish publishes the run's result to the runner: outputs, the job
// summary, annotations. rep is nil when the run failed before it had a
// report; reportPath is "" when report.json was not written.
func (s *actionStep) finish(cfg *config.Config, rep *report.Report, reportPath string, runErr error) {
	defer s.log.Flush()
	outDir := ""
	if cfg != nil {
		outDir = cfg.Out
	}
	var problems []action.Annotation
	warn := func(err error) {
		problems = append(problems, action.Annotation{Level: action.Warning, Title: "optimizer", Message: err.Error()})
	}
	if cfg != nil && !cfg.DryRun {
		// The steps after this one run as the workspace's owner.
		if _, err := action.HandOver(outDir, s.workspace); err != nil {
			warn(fmt.Errorf("%s stays root's, so later steps may not write it: %w", s.rel(outDir), err))
		}
	}
	for _, o := range action.Outputs(rep, runErr, outDir, reportPath, s.rel) {
		if err := s.rt.SetOutput(o.Name, o.Value); err != nil {
			warn(err)
		}
	}
	var md string
	switch {
	case rep == nil:
		md = report.FailedMarkdown(runErr.Error())
	case runErr != nil:
		failed := "\n" + report.FailedMarkdown(runErr.Error())
		md = rep.Markdown(report.SummaryLimit-len(failed)) + failed
	default:
		md = rep.Markdown(report.SummaryLimit)
	}
	if err := s.rt.AppendSummary(md); err != nil {
		warn(err)
	}
	var as []action.Annotation
	if rep != nil {
		as = action.Annotations(rep, outDir, s.rel(rep.Repo), s.rel(outDir))
	}
	if runErr != nil {
		as = append(as, action.Annotation{Level: action.Error, Title: "optimizer failed", Message: runErr.Error()})
	}
	if dropped := s.rt.Annotate(append(as, problems...)); dropped > 0 {
		fmt.Fprintf(s.log, "optimizer: %d more annotations left out (GitHub shows %d of each kind); the job summary lists every change\n", dropped, action.MaxAnnotations)
	}
}

// rel makes p relative to the workspace, where the steps after this one
// find it; a path outside the workspace stays absolute.
func (s *actionStep) rel(p string) string {
	base := s.workspace
	if base == "" {
		base, _ = os.Getwd()
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		return p
	}
	if r, err := filepath.EvalSymlinks(base); err == nil {
		base = r
	}
	if dir, err := filepath.EvalSymlinks(filepath.Dir(abs)); err == nil {
		abs = filepath.Join(dir, filepath.Base(abs))
	}
	r, err := filepath.Rel(base, abs)
	if err != nil || r == ".." || strings.HasPrefix(r, ".."+string(filepath.Separator)) {
		return abs
	}
	return filepath.ToSlash(r)
}
