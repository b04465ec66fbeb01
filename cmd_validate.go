package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"text/tabwriter"

	"github.com/agentic-optimizer/optimizer/internal/pipeline"
	"github.com/agentic-optimizer/optimizer/internal/validate"
)

func validateCmd(ctx context.Context, c *cli, args []string) int {
	fs := newFlagSet("validate", "optimizer validate [--repo DIR] [--objective speed|allocs|quality] [--timeout DUR] [--json] PATCH",
		"Validate applies PATCH (a git-style unified diff relative to the repository root, or - for stdin) to\n"+
			"HEAD in an isolated worktree and runs every validation level. Exit status: 0 accepted, 1 rejected,\n"+
			"2 the patch could not be judged (malformed, does not apply, bad flag, toolchain missing).", c)
	repo, configFile := addConfigFlags(fs)
	asJSON := fs.Bool("json", false, "print the ValidationReport as JSON on stdout")
	if st := fs.parse(args); st >= 0 {
		return st
	}
	if fs.NArg() != 1 {
		fmt.Fprintf(c.stderr, "optimizer validate: want exactly one PATCH argument (a file, or - for stdin), got %d\n", fs.NArg())
		return exitUsage
	}
	raw, err := readPatch(c.stdin, fs.Arg(0))
	if err != nil {
		fmt.Fprintf(c.stderr, "optimizer validate: %v\n", err)
		return exitUsage
	}
	cfg, ok := loadConfig(c, fs, *repo, *configFile)
	if !ok {
		return exitUsage
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	ws, err := pipeline.Open(ctx, cfg, *repo)
	if err != nil {
		fmt.Fprintf(c.stderr, "optimizer validate: %v\n", err)
		return exitUsage
	}
	defer ws.Close(ctx)
	wt, err := ws.Worktrees.Add(ctx, "validate", ws.Head)
	if err != nil {
		fmt.Fprintf(c.stderr, "optimizer validate: %v\n", err)
		return exitUsage
	}
	rep, err := ws.Validator(cfg, nil).Validate(ctx, wt, raw)
	if err != nil {
		fmt.Fprintf(c.stderr, "optimizer validate: %v\n", err)
		return exitUsage
	}
	if *asJSON {
		b, _ := jsonIndent(rep)
		c.stdout.Write(b)
	} else {
		printValidation(c.stdout, rep)
	}
	if !rep.Accepted {
		return exitRejected
	}
	return exitOK
}

func readPatch(stdin io.Reader, name string) ([]byte, error) {
	var raw []byte
	var err error
	if name == "-" {
		raw, err = io.ReadAll(stdin)
	} else {
		raw, err = os.ReadFile(name)
	}
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("patch file %s does not exist", name)
	}
	if err != nil {
		return nil, fmt.Errorf("read patch: %w", err)
	}
	return raw, nil
}

func printValidation(w io.Writer, rep *validate.Report) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, l := range rep.Levels {
		fmt.Fprintf(tw, "%s\t%s\t%dms\t%s\n", l.Name, l.Status, l.DurationMS, l.Detail)
	}
	tw.Flush()
	if rep.Accepted {
		fmt.Fprintln(w, "accepted")
	} else {
		fmt.Fprintf(w, "rejected by %s\n", rep.RejectedBy)
	}
}
