package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"text/tabwriter"

	"github.com/agentic-optimizer/optimizer/internal/cas"
	"github.com/agentic-optimizer/optimizer/internal/gitx"
	"github.com/agentic-optimizer/optimizer/internal/patch"
)

func applyCmd(ctx context.Context, c *cli, args []string) int {
	return applyOrRollback(ctx, c, args, "apply", "Apply verifies a stored patch against its CID and applies it to the work tree\n(3-way when the files moved on since the patch was made).")
}

func rollbackCmd(ctx context.Context, c *cli, args []string) int {
	return applyOrRollback(ctx, c, args, "rollback", "Rollback verifies a stored patch's reverse against its CID and applies it, undoing `optimizer apply`.")
}

func applyOrRollback(ctx context.Context, c *cli, args []string, name, summary string) int {
	fs := newFlagSet(name, "optimizer "+name+" [--repo DIR] [--out DIR] ID|CID", summary, c)
	repoDir := fs.String("repo", ".", "directory inside the git work tree to change")
	out := fs.String("out", "", "output directory that holds the patches (default <repo>/.optimizer)")
	if st := fs.parse(args); st >= 0 {
		return st
	}
	if fs.NArg() != 1 {
		fmt.Fprintf(c.stderr, "optimizer %s: want exactly one patch ID or CID (see `optimizer patches list`), got %d\n", name, fs.NArg())
		return exitUsage
	}
	if *out == "" {
		*out = filepath.Join(*repoDir, ".optimizer")
	}
	repo, err := gitx.Open(ctx, *repoDir)
	if err != nil {
		fmt.Fprintf(c.stderr, "optimizer %s: %v\n", name, err)
		return exitUsage
	}
	dir := patch.Dir{Path: *out}
	if st := fetchMissing(ctx, c, name, *repoDir, dir, fs.Arg(0)); st >= 0 {
		return st
	}
	do := dir.Apply
	if name == "rollback" {
		do = dir.Rollback
	}
	meta, err := do(ctx, repo.Root, fs.Arg(0))
	if err != nil {
		return refuse(c, name, err)
	}
	if name == "apply" {
		fmt.Fprintf(c.stdout, "applied %s (%s) to %s\nundo with: optimizer rollback --out %s %s\n", meta.ID, meta.CID, repo.Root, *out, meta.ID)
	} else {
		fmt.Fprintf(c.stdout, "rolled back %s (%s) in %s\n", meta.ID, meta.CID, repo.Root)
	}
	return exitOK
}

// refuse prints why a patch command failed and returns its exit status:
// 2 for a reference that names no patch, 1 for a patch that was refused.
func refuse(c *cli, name string, err error) int {
	fmt.Fprintf(c.stderr, "optimizer %s: %v\n", name, err)
	if errors.Is(err, patch.ErrNotFound) || errors.Is(err, patch.ErrAmbiguous) {
		return exitUsage
	}
	return exitRejected
}

func patchesCmd(ctx context.Context, c *cli, args []string) int {
	fs := newFlagSet("patches", "optimizer patches [--repo DIR] [--out DIR] [list | show ID|CID | announced | fetch ID|CID | announce]",
		"Patches lists the stored patches, or shows one: its metadata, then the patch. With an IPFS node\n"+
			"(ipfs_api), `announced` lists the patches announced there by any run, `fetch` copies one into\n"+
			"the output directory after checking it against its CIDs, and `announce` puts the run in the output\n"+
			"directory back on the node as the run did (every patch and the audit record: content pinned,\n"+
			"metadata, MFS entries), after checking each against its CID — after a node failure, say.\n"+
			"Exit status: 0 done, 1 refused (content does not match its CID) or failed, 2 unknown patch or usage.", c)
	dirs := fs.outDir("the patches")
	if st := fs.parse(args); st >= 0 {
		return st
	}
	repoDir, out := dirs()
	dir := patch.Dir{Path: out}
	sub := "list"
	if fs.NArg() > 0 {
		sub = fs.Arg(0)
	}
	switch sub {
	case "list", "show", "announce":
		if st := needDir(c, "patches", out); st >= 0 {
			return st
		}
	}
	switch {
	case sub == "list" && fs.NArg() <= 1:
		metas, err := dir.List()
		if err != nil {
			fmt.Fprintf(c.stderr, "optimizer patches: %v\n", err)
			return exitUsage
		}
		tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintf(tw, "ID\tCID\tMETHOD\tTARGET\tCREATED\tFILES\n")
		for _, m := range metas {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\n", m.ID, m.CID, m.Method, m.Target, m.Created.Format("2006-01-02 15:04"), len(m.Files))
		}
		tw.Flush()
		return exitOK
	case sub == "show" && fs.NArg() == 2:
		m, err := dir.Find(fs.Arg(1))
		if err != nil {
			fmt.Fprintf(c.stderr, "optimizer patches: %v\n", err)
			return exitUsage
		}
		forward, _, err := dir.Load(m)
		if err != nil {
			fmt.Fprintf(c.stderr, "optimizer patches: %v\n", err)
			return exitRejected
		}
		b, _ := jsonIndent(m)
		c.stdout.Write(b)
		c.stdout.Write(forward)
		return exitOK
	case sub == "announced" && fs.NArg() == 1, sub == "fetch" && fs.NArg() == 2:
		return announcedCmd(ctx, c, repoDir, dir, fs.Args())
	case sub == "announce" && fs.NArg() == 1:
		return announceCmd(ctx, c, repoDir, dir)
	}
	fmt.Fprintf(c.stderr, "optimizer patches: want `list`, `show ID`, `announced`, `fetch ID` or `announce`, got %q\n", fs.Args())
	return exitUsage
}

func cidCmd(ctx context.Context, c *cli, args []string) int {
	fs := newFlagSet("cid", "optimizer cid [--cid-version 0|1] FILE…",
		"Cid prints the IPFS CID of each file — the CID that `ipfs add --only-hash --cid-version=N FILE`\n"+
			"prints with kubo's defaults. With one file it prints the CID alone; with several, `CID  FILE` lines.", c)
	version := fs.Int("cid-version", 1, "CID version: 1 (raw leaves, bafk…/bafy…) or 0 (Qm…)")
	if st := fs.parse(args); st >= 0 {
		return st
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(c.stderr, "optimizer cid: want at least one FILE")
		return exitUsage
	}
	if *version != 0 && *version != 1 {
		fmt.Fprintf(c.stderr, "optimizer cid: --cid-version %d: want 0 or 1\n", *version)
		return exitUsage
	}
	for _, name := range fs.Args() {
		f, err := os.Open(name)
		if err != nil {
			fmt.Fprintf(c.stderr, "optimizer cid: %v\n", err)
			return exitUsage
		}
		id, err := cas.CID(f, *version)
		f.Close()
		if err != nil {
			fmt.Fprintf(c.stderr, "optimizer cid: %s: %v\n", name, err)
			return exitRejected
		}
		if fs.NArg() == 1 {
			fmt.Fprintln(c.stdout, id)
		} else {
			fmt.Fprintf(c.stdout, "%s  %s\n", id, name)
		}
	}
	return exitOK
}

func jsonIndent(v any) ([]byte, error) {
	b, err := json.MarshalIndent(v, "", "  ")
	return append(b, '\n'), err
}
