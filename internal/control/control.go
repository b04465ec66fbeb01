// Package control publishes a run's accepted changes: the change control of
// docs/change-control.md. The patch controller leaves them in the output directory, where
// the run stored them with their reverse patches and CIDs; the github
// controller also proposes them on GitHub — one draft pull request for the
// run's validated change, review suggestions on the pull request that
// triggered the run, one issue per task with findings — and auto is github
// when a token, a repository and a working API allow it, else patch.
//
// Nothing is lost on the way: whatever happens on GitHub, the patches stay
// in the output directory, and the report says what was published and, when
// GitHub was not used or failed midway, why (change_control.fallback_reason).
package control

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/agentic-optimizer/optimizer/internal/config"
	"github.com/agentic-optimizer/optimizer/internal/gitx"
	"github.com/agentic-optimizer/optimizer/internal/report"
)

// Logf reports progress.
type Logf func(format string, args ...any)

// The controllers' names, as the control key takes them.
const (
	ModePatch  = "patch"
	ModeGitHub = "github"
	ModeAuto   = "auto"
)

// Run is what a controller needs to know of the run besides its report.
type Run struct {
	Config *config.Config
	// Getenv reads the environment: GITHUB_API_URL, the event
	// (GITHUB_EVENT_NAME, GITHUB_EVENT_PATH), GITHUB_REF and where the API
	// cache is kept (XDG_CACHE_HOME).
	Getenv func(string) string
	// Worktrees make the worktrees in which a patch is applied to read the
	// files it makes.
	Worktrees *gitx.Worktrees
	// Head is the commit the run worked on: every patch's base.
	Head string
	// ModuleDir is the module's directory relative to the repository root
	// ("." at the root); no published path may be outside it.
	ModuleDir string
	// GitHub is the controller ReadReviews returned, for Publish to go on
	// with; nil makes Publish start one.
	GitHub *GitHub
}

// ErrGitHub is wrapped by Publish's error when github control was asked for
// explicitly and not everything could be published on GitHub. The patches
// and the report are complete all the same.
var ErrGitHub = errors.New("GitHub change control failed")

// Initial is the change control part of a new report: patch until a
// controller has published otherwise.
func Initial(cfg *config.Config) report.ChangeControl {
	return report.ChangeControl{Mode: ModePatch, Requested: cfg.Control, DryRun: cfg.DryRun}
}

// Check finds, before a run starts, what makes the configured control
// impossible whatever the run finds: github without a token or a
// repository, or an API URL that is not one. auto and patch always pass,
// and so does a dry run, which publishes nothing.
func Check(cfg *config.Config, getenv func(string) string) error {
	if cfg.Control != ModeGitHub || cfg.DryRun {
		return nil
	}
	if why := missing(cfg, getenv); why != "" {
		return fmt.Errorf("control github: %s (or use --control auto, which falls back to patches)", why)
	}
	return nil
}

// missing says what keeps the github controller from starting, "" when
// nothing does.
func missing(cfg *config.Config, getenv func(string) string) string {
	switch {
	case strings.TrimSpace(cfg.GitHubToken) == "":
		return "no GitHub token (set the action input token, or OPTIMIZER_GITHUB_TOKEN)"
	case cfg.GitHubRepo == "":
		return "no repository (set github_repo, or OPTIMIZER_GITHUB_REPO; in GitHub Actions GITHUB_REPOSITORY says it)"
	}
	if _, err := apiURL(getenv); err != nil {
		return err.Error()
	}
	return ""
}

// Publish publishes the run's stored patches with the configured control
// and returns the record of how: the report's change_control as the run
// began it (what was requested, the reviews read) with what Publish did.
// It reads rep and writes nothing in it. Under auto, whatever keeps GitHub
// from being used — no token, no repository, the rate limit under its
// threshold, a missing permission, an API that fails midway — falls back
// to patch with the reason; under github it is also an error wrapping
// ErrGitHub (the run exits 1). Either way the stored patches, the report and
// the summary are complete: Publish never removes or changes a patch.
func Publish(ctx context.Context, run Run, rep *report.Report, logf Logf) (report.ChangeControl, error) {
	cc := rep.ChangeControl
	cc.Reviews = cloneReviews(cc.Reviews) // answered and marked stale here, not in rep
	cc.Requested = run.Config.Control
	cc.Mode = ModePatch
	cc.Stored = rep.StoredPatches()
	err := publish(ctx, run, rep, &cc, logf)
	return cc, err
}

func publish(ctx context.Context, run Run, rep *report.Report, cc *report.ChangeControl, logf Logf) error {
	cfg := run.Config
	if cfg.Control == ModePatch {
		return nil
	}
	g := run.GitHub
	defer func() {
		if g != nil {
			g.finish(cc, cfg.RateLimitThreshold)
		}
	}()
	fallback := func(reason string) error {
		cc.FallbackReason = reason
		logf("warning: change control: %s; the accepted patches are in %s", reason, cfg.Out)
		return failed(cfg, reason)
	}
	if ctx.Err() != nil {
		// The run reports its early stop itself.
		cc.FallbackReason = "the run stopped early, so nothing was proposed on GitHub"
		return nil
	}
	if why := missing(cfg, run.Getenv); why != "" {
		// Under auto, the usual case of a local run: no warning.
		cc.FallbackReason = why
		logf("change control: patches only: %s", why)
		return failed(cfg, why)
	}
	if g == nil {
		var err error
		if g, err = NewGitHub(cfg, run.Getenv, logf); err != nil {
			return fallback(err.Error())
		}
	}
	err := g.propose(ctx, run, rep, cc)
	if g.published || err == nil {
		cc.Mode = ModeGitHub
	}
	if err != nil {
		return fallback(err.Error())
	}
	return nil
}

// cloneReviews copies the reviews deep enough for Publish to record its
// answers and stale approvals in the copy.
func cloneReviews(rs []report.PRReviews) []report.PRReviews {
	out := slices.Clone(rs)
	for i := range out {
		out[i].Approvals = slices.Clone(out[i].Approvals)
		out[i].ChangesRequested = slices.Clone(out[i].ChangesRequested)
	}
	return out
}

// failed is the error of a fallback: ErrGitHub when github was asked for.
func failed(cfg *config.Config, reason string) error {
	if cfg.Control == ModeGitHub {
		return fmt.Errorf("%w: %s (the accepted patches are in %s, and the report says what was published)", ErrGitHub, reason, cfg.Out)
	}
	return nil
}
