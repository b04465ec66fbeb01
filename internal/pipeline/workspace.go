package pipeline

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"go/version"
	"os"
	"path/filepath"

	"golang.org/x/mod/modfile"

	"github.com/agentic-optimizer/optimizer/internal/config"
	"github.com/agentic-optimizer/optimizer/internal/gitx"
	"github.com/agentic-optimizer/optimizer/internal/sandbox"
	"github.com/agentic-optimizer/optimizer/internal/stdapi"
	"github.com/agentic-optimizer/optimizer/internal/validate"
)

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
