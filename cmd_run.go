package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/agentic-optimizer/optimizer/internal/action"
	"github.com/agentic-optimizer/optimizer/internal/config"
	"github.com/agentic-optimizer/optimizer/internal/pipeline"
	"github.com/agentic-optimizer/optimizer/internal/report"
	"github.com/agentic-optimizer/optimizer/internal/sandbox"
	"github.com/agentic-optimizer/optimizer/methods/all"
)

// addConfigFlags defines the flags that every validating command shares.
func addConfigFlags(fs *flagSet) (repo, configFile *string) {
	repo = fs.String("repo", ".", "directory of the Go module to work on, inside a git work tree")
	configFile = fs.String("config", "", "configuration file (default <repo>/.github/optimizer.yml when it exists)")
	fs.configString("objective", "objective")
	fs.configString("timeout", "timeout")
	fs.configString("worktree-base", "worktree_base")
	return repo, configFile
}

// loadConfig loads the configuration for the module at repo; it prints
// the error, if any.
func loadConfig(c *cli, fs *flagSet, repo, configFile string) (*config.Config, bool) {
	cfg, err := configFor(c, fs, repo, configFile)
	if err != nil {
		fmt.Fprintf(c.stderr, "optimizer: %v\n", err)
		return nil, false
	}
	return cfg, true
}

// configFor loads the configuration for the module at repo.
func configFor(c *cli, fs *flagSet, repo, configFile string) (*config.Config, error) {
	cfg, err := config.Load(repo, fs.configFlags(), c.getenv, configFile, methodOptions()...)
	if err != nil {
		return nil, err
	}
	if cfg.Out == "" {
		cfg.Out = filepath.Join(repo, ".optimizer")
	}
	return cfg, nil
}

func runCmd(ctx context.Context, c *cli, args []string) int {
	act, c := startAction(c) // nil outside GitHub Actions
	fs := newFlagSet("run", "optimizer run [--repo DIR] [--method M[,M…]] [--paths PKG_OR_FILE…] [--base REF] [--objective speed|allocs|quality] [--control auto|patch|github] [--out DIR] [--max-agents N] [--timeout DUR] [--METHOD-OPTION V…] [--dry-run] [--json]",
		"Run optimizes a Go module: it makes candidate changes with the chosen methods, validates each one in\n"+
			"its own git worktree, and writes the accepted ones as patches with reverse patches and CIDs to the\n"+
			"output directory; with GitHub change control it also proposes them as a draft pull request. It never\n"+
			"edits your files; `optimizer apply ID` does.\n\nMethods:\n"+methodList(), c)
	repo, configFile := addRunFlags(fs)
	asJSON := fs.Bool("json", false, "print report.json on stdout")
	if st := fs.parse(args); st >= 0 {
		return st
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(c.stderr, "optimizer run: unexpected argument %q (targets go in --paths)\n", fs.Arg(0))
		return exitUsage
	}
	if act != nil {
		*repo = act.repoDir(fs, *repo)
	}
	cfg, err := configFor(c, fs, *repo, *configFile)
	if err != nil {
		fmt.Fprintf(c.stderr, "optimizer: %v\n", err)
		if act != nil {
			act.finish(nil, nil, "", err)
		}
		return exitUsage
	}
	logf := progress(c.stderr)
	if act != nil {
		if err := act.prepare(ctx, cfg, *repo, logf); err != nil {
			fmt.Fprintf(c.stderr, "optimizer: %v\n", err)
			act.finish(cfg, nil, "", err)
			return exitUsage
		}
		act.rt.Group("optimizer: optimize " + *repo)
	}
	rep, err := pipeline.Run(ctx, cfg, *repo, pipeline.Host{Getenv: c.getenv, Logf: logf})
	if act != nil {
		act.rt.EndGroup()
	}
	return finishRun(c, act, cfg, rep, err, *asJSON, logf)
}

// addRunFlags defines the flags of run, which shard and plan share.
func addRunFlags(fs *flagSet) (repo, configFile *string) {
	repo, configFile = addConfigFlags(fs)
	fs.configList("method", "methods")
	fs.configList("paths", "paths")
	fs.configString("base", "base")
	fs.configString("control", "control")
	fs.configString("out", "out")
	fs.configString("max-agents", "max_agents")
	fs.configString("isolation", "isolation")
	fs.configString("cid-version", "cid_version")
	fs.configBool("dry-run", "dry_run")
	// Each method's options: --adversarial-candidates for adversarial.candidates.
	for _, k := range config.Keys(methodOptions()...) {
		if strings.Contains(k.Name, ".") {
			fs.configString(k.Input, k.Name)
		}
	}
	return repo, configFile
}

// finishRun writes the report of a run, prints its summary (and the report
// on stdout with --json) and returns the exit status.
func finishRun(c *cli, act *actionStep, cfg *config.Config, rep *report.Report, err error, asJSON bool, logf func(string, ...any)) int {
	reportPath := ""
	if rep != nil {
		if !cfg.DryRun {
			path := filepath.Join(cfg.Out, "report.json")
			if werr := rep.Write(path); werr != nil {
				fmt.Fprintf(c.stderr, "optimizer: %v\n", werr)
				if act != nil {
					act.finish(cfg, rep, "", werr)
				}
				return exitRejected
			}
			logf("report written to %s", path)
			reportPath = path
		}
		rep.Summary(c.stderr)
		if asJSON {
			b, jerr := rep.JSON()
			if jerr == nil {
				if act != nil {
					b = action.NeutralizeJSON(b)
				}
				c.stdout.Write(b)
			}
		}
	}
	if act != nil {
		act.finish(cfg, rep, reportPath, err)
	}
	if err != nil {
		fmt.Fprintf(c.stderr, "optimizer: %v\n", err)
		if errors.Is(err, pipeline.ErrUsage) || errors.Is(err, sandbox.ErrToolchain) {
			return exitUsage
		}
		return exitRejected
	}
	return exitOK
}

func methodList() string {
	var b strings.Builder
	width := 0
	for _, m := range all.Methods() {
		width = max(width, len(m.Name))
	}
	for _, m := range all.Methods() {
		fmt.Fprintf(&b, "  %-*s  %s\n", width, m.Name, m.Doc)
	}
	return b.String()
}

// methodOptions are the configuration keys of this build's methods' own
// options (see methods.Method.Options).
func methodOptions() []config.Option { return all.Options(all.Methods()) }

// progress returns the log of a command's phases: each line with the time
// since the command started, "optimizer: [1:05] validate …", so that a long
// phase shows where the time goes.
func progress(w io.Writer) func(format string, args ...any) {
	start := time.Now()
	return func(format string, args ...any) {
		fmt.Fprintf(w, "optimizer: [%s] %s\n", elapsed(time.Since(start)), fmt.Sprintf(format, args...))
	}
}

// elapsed is d as m:ss, or h:mm:ss from an hour on.
func elapsed(d time.Duration) string {
	s := int(d.Seconds())
	if s >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
	}
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}
