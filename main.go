// Command optimizer proposes validated improvements to Go code. It runs as
// a CLI and as a containerized GitHub Action: it picks packages, asks
// optimization methods for candidate changes, proves each candidate in an
// isolated git worktree, and stores every accepted patch with its reverse
// and its IPFS CID.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/agentic-optimizer/optimizer/internal/cleanup"
	"github.com/agentic-optimizer/optimizer/internal/config"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv))
}

// Exit statuses shared by every subcommand.
const (
	exitOK       = 0
	exitRejected = 1 // the work finished with a negative answer, or failed
	exitUsage    = 2 // bad command line, configuration or input
	// exitInterrupted is a second interrupt's: the run was abandoned, as
	// a shell reports a command that SIGINT ended.
	exitInterrupted = 130
)

// command is one subcommand.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, c *cli, args []string) int
}

// cli is what a subcommand may use of the process.
type cli struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
}

func commands() []command {
	return []command{
		{"run", "optimize the module: make, validate and store candidate patches", runCmd},
		{"validate", "validate one patch on every level and print the verdict", validateCmd},
		{"apply", "apply a stored patch to the work tree, after verifying its CID", applyCmd},
		{"rollback", "apply a stored patch's reverse, after verifying its CID", rollbackCmd},
		{"patches", "list stored patches or show one; list or fetch those announced on the IPFS node", patchesCmd},
		{"verify", "recompute a stored patch's CIDs; with an IPFS node, fetch and compare", verifyCmd},
		{"plan", "print a GitHub Actions matrix that spreads the run's packages over shards", planCmd},
		{"shard", "run one shard of the plan; its patches and CIDs go to --out", shardCmd},
		{"merge", "verify the shards' patches by CID, combine them, validate and publish the combination", mergeCmd},
		{"cid", "print the IPFS CID of files, as `ipfs add --only-hash` would", cidCmd},
		{"version", "print the version", versionCmd},
	}
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	c := &cli{stdin: stdin, stdout: stdout, stderr: stderr, getenv: getenv}
	if len(args) == 0 && getenv("GITHUB_ACTIONS") == "true" {
		args = []string{"run"} // the action: every setting comes from INPUT_*
	}
	switch {
	case len(args) == 0:
		usage(stderr)
		return exitUsage
	case args[0] == "-h" || args[0] == "--help" || args[0] == "-help" || args[0] == "help" && len(args) == 1:
		usage(stdout)
		return exitOK
	case args[0] == "help":
		// help CMD is CMD --help.
		args = []string{args[1], "--help"}
	}
	var names []string
	for _, cmd := range commands() {
		names = append(names, cmd.name)
		if cmd.name == args[0] {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			sigs := make(chan os.Signal, 2)
			signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
			defer signal.Stop(sigs)
			go handleSignals(sigs, cancel, stderr, os.Exit)
			return cmd.run(ctx, c, args[1:])
		}
	}
	if s := config.Suggest(args[0], names); s != "" {
		fmt.Fprintf(stderr, "optimizer: unknown command %q (did you mean %q?)\nRun `optimizer help` for the list.\n", args[0], s)
	} else {
		fmt.Fprintf(stderr, "optimizer: unknown command %q\nRun `optimizer help` for the list.\n", args[0])
	}
	return exitUsage
}

// handleSignals carries out what interrupts mean. The first signal winds
// the run down: what is finished is reported, everything is cleaned up.
// The second ends the process at once through exit, after a cleanup
// bounded in time that restores what the run changed.
func handleSignals(sigs <-chan os.Signal, cancel func(), stderr io.Writer, exit func(int)) {
	if _, ok := <-sigs; !ok {
		return
	}
	fmt.Fprintln(stderr, "optimizer: stopping: finishing the report and cleaning up (interrupt again to quit at once)")
	cancel()
	if _, ok := <-sigs; !ok {
		return
	}
	fmt.Fprintln(stderr, "optimizer: quitting at once; cleaning up for at most 10s")
	if !cleanup.Run(10 * time.Second) {
		fmt.Fprintln(stderr, "optimizer: cleanup did not finish in time")
	}
	exit(exitInterrupted)
}

func usage(w io.Writer) {
	fmt.Fprintf(w, "optimizer proposes validated improvements to Go code.\n\nUsage:\n  optimizer <command> [flags] [args]\n\nCommands:\n")
	for _, cmd := range commands() {
		fmt.Fprintf(w, "  %-9s %s\n", cmd.name, cmd.summary)
	}
	fmt.Fprintf(w, "\nRun `optimizer help <command>` or `optimizer <command> --help` for a command's flags.\n")
	fmt.Fprintf(w, "Exit status: 0 done (or patch accepted), 1 rejected or failed, 2 usage or configuration error.\n")
}
