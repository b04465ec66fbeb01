package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/agentic-optimizer/optimizer/internal/pipeline"
)

// shardsFlag parses --shards: 0 (the plan decides) or a count.
func shardsFlag(c *cli, cmd, s string) (int, bool) {
	if s == "" {
		return 0, true
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 256 {
		fmt.Fprintf(c.stderr, "optimizer %s: --shards %q: want a number of shards 1..256 (or leave it out and the plan decides)\n", cmd, s)
		return 0, false
	}
	return n, true
}

func planCmd(ctx context.Context, c *cli, args []string) int {
	fs := newFlagSet("plan", "optimizer plan [--shards N] [run's flags: --repo, --method, --paths, --base, --objective …]",
		"Plan spreads the run's target packages over shards of about equal cost (the bytes of their Go\n"+
			"files, tests included) and prints a matrix for a GitHub Actions strategy.matrix:\n"+
			`{"include":[{"index":0,"shards":3,"packages":["./a","./b"],"cost":12345},…]}`+"\n"+
			"Each shard job runs `optimizer shard --index I --shards N` with the same configuration.", c)
	repo, configFile := addRunFlags(fs)
	shards := fs.String("shards", "", "number of shards (default: one per four packages, at most 8)")
	if st := fs.parse(args); st >= 0 {
		return st
	}
	n, ok := shardsFlag(c, "plan", *shards)
	if !ok {
		return exitUsage
	}
	cfg, ok := loadConfig(c, fs, *repo, *configFile)
	if !ok {
		return exitUsage
	}
	plan, err := pipeline.MakePlan(ctx, cfg, *repo, n)
	if err != nil {
		fmt.Fprintf(c.stderr, "optimizer plan: %v\n", err)
		return exitFor(err)
	}
	b, err := json.Marshal(plan)
	if err != nil {
		fmt.Fprintf(c.stderr, "optimizer plan: %v\n", err)
		return exitRejected
	}
	fmt.Fprintf(c.stdout, "%s\n", b)
	return exitOK
}

func shardCmd(ctx context.Context, c *cli, args []string) int {
	fs := newFlagSet("shard", "optimizer shard --index I [--shards N] [run's flags]",
		"Shard runs shard I of the plan that `optimizer plan` prints for the same configuration: the run of\n"+
			"its packages, published as patches in --out (for an artifact) — a shard never needs a write token.", c)
	repo, configFile := addRunFlags(fs)
	index := fs.String("index", "", "the shard to run, 0-based (matrix.index)")
	shards := fs.String("shards", "", "number of shards, as given to plan (matrix.shards)")
	asJSON := fs.Bool("json", false, "print report.json on stdout")
	if st := fs.parse(args); st >= 0 {
		return st
	}
	i, err := strconv.Atoi(*index)
	if err != nil || i < 0 {
		fmt.Fprintf(c.stderr, "optimizer shard: --index %q: want the shard's 0-based index from the plan (matrix.index)\n", *index)
		return exitUsage
	}
	n, ok := shardsFlag(c, "shard", *shards)
	if !ok {
		return exitUsage
	}
	cfg, ok := loadConfig(c, fs, *repo, *configFile)
	if !ok {
		return exitUsage
	}
	logf := progress(c.stderr)
	rep, err := pipeline.RunShard(ctx, cfg, *repo, pipeline.ShardOf{Index: i, Shards: n}, pipeline.Host{Getenv: c.getenv, Logf: logf})
	return finishRun(c, nil, cfg, rep, err, *asJSON, logf)
}

func mergeCmd(ctx context.Context, c *cli, args []string) int {
	fs := newFlagSet("merge", "optimizer merge [--repo DIR] [--out DIR] [--control auto|patch|github] [--json] SHARD_DIR…",
		"Merge gathers the output directories of the shards of one plan: it verifies every patch against the\n"+
			"CID its shard recorded (one mismatch refuses the merge), combines the accepted patches — hunk by hunk,\n"+
			"merging overlaps three-way or escalating them — validates the combination, writes everything\n"+
			"with one report to --out and publishes it (--control). Run it on the commit the shards ran on.", c)
	repo, configFile := addConfigFlags(fs)
	fs.configString("out", "out")
	fs.configString("control", "control")
	fs.configString("cid-version", "cid_version")
	fs.configBool("dry-run", "dry_run")
	asJSON := fs.Bool("json", false, "print report.json on stdout")
	if st := fs.parse(args); st >= 0 {
		return st
	}
	cfg, ok := loadConfig(c, fs, *repo, *configFile)
	if !ok {
		return exitUsage
	}
	logf := progress(c.stderr)
	rep, err := pipeline.Merge(ctx, cfg, *repo, fs.Args(), pipeline.Host{Getenv: c.getenv, Logf: logf})
	if errors.Is(err, pipeline.ErrTampered) {
		fmt.Fprintf(c.stderr, "optimizer merge: %v\nNothing was merged or published. Run the shards again, and keep their artifacts out of reach of other jobs.\n", err)
		return exitRejected
	}
	return finishRun(c, nil, cfg, rep, err, *asJSON, logf)
}

// exitFor is the exit status of an error from the pipeline.
func exitFor(err error) int {
	if errors.Is(err, pipeline.ErrUsage) {
		return exitUsage
	}
	return exitRejected
}
