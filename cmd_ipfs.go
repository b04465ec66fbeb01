package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	iofs "io/fs"
	"os"
	"path/filepath"
	"text/tabwriter"

	"github.com/ipfs/go-cid"

	"github.com/agentic-optimizer/optimizer/internal/config"
	"github.com/agentic-optimizer/optimizer/internal/patch"
	"github.com/agentic-optimizer/optimizer/internal/store"
)

// node returns the IPFS node that ipfs_api configures (flags aside, as for run), or nil when
// none is configured.
func node(c *cli, repoDir string) (*store.Node, error) {
	cfg, err := config.Load(repoDir, nil, c.getenv, "")
	if err != nil {
		return nil, err
	}
	if cfg.IPFSAPI == "" {
		return nil, nil
	}
	return store.Dial(cfg.IPFSAPI)
}

// fetchMissing fetches the patch ref names from the configured IPFS node into dir when dir does
// not have it, so that apply works from a CID alone on a fresh clone. It returns -1 to go on,
// or the exit status.
func fetchMissing(ctx context.Context, c *cli, name, repoDir string, dir patch.Dir, ref string) int {
	if _, err := dir.Find(ref); !errors.Is(err, patch.ErrNotFound) {
		return -1 // found, or an error that the command reports itself
	}
	n, err := node(c, repoDir)
	if err != nil {
		fmt.Fprintf(c.stderr, "optimizer %s: %v\n", name, err)
		return exitUsage
	}
	if n == nil {
		return -1
	}
	fmt.Fprintf(c.stderr, "optimizer %s: %s is not in %s; fetching it from the IPFS node at %s\n", name, ref, dir.Path, n)
	m, err := dir.Fetch(ctx, n, ref)
	if err != nil {
		return refuse(c, name, err)
	}
	fmt.Fprintf(c.stderr, "optimizer %s: fetched %s (%s) and its reverse, verified against their CIDs\n", name, m.ID, m.CID)
	return -1
}

func verifyCmd(ctx context.Context, c *cli, args []string) int {
	fs := newFlagSet("verify", "optimizer verify [--out DIR] ID|CID",
		"Verify recomputes the CID of a stored patch and its reverse (or of any content in the store, such as\n"+
			"a run's audit record) and checks them and their CAR files. With an IPFS node (ipfs_api) it also\n"+
			"fetches each CID from the node and compares the bytes, and says whether the node pins it; a patch\n"+
			"that is only on the node is fetched and checked. Exit status: 0 verified, 1 a mismatch, 2 unknown.", c.stderr)
	out := fs.String("out", ".optimizer", "output directory that holds the patches")
	if st := fs.parse(args); st >= 0 {
		return st
	}
	if fs.NArg() != 1 {
		fmt.Fprintf(c.stderr, "optimizer verify: want exactly one patch ID or CID, got %d\n", fs.NArg())
		return exitUsage
	}
	ref := fs.Arg(0)
	n, err := node(c, ".")
	if err != nil {
		fmt.Fprintf(c.stderr, "optimizer verify: %v\n", err)
		return exitUsage
	}
	v := &verifier{c: c, node: n}
	dir := patch.Dir{Path: *out}
	m, err := dir.Find(ref)
	switch {
	case err == nil:
		forward, reverse, err := dir.Load(m)
		if err != nil {
			fmt.Fprintf(c.stderr, "optimizer verify: %v\n", err)
			return exitRejected
		}
		fmt.Fprintf(c.stdout, "ok  %s forward %s: the patch file and store/%s.car match the CID\n", m.ID, m.CID, m.CID)
		fmt.Fprintf(c.stdout, "ok  %s reverse %s: the patch file and store/%s.car match the CID\n", m.ID, m.ReverseCID, m.ReverseCID)
		v.onNode(ctx, m.CID, forward)
		v.onNode(ctx, m.ReverseCID, reverse)
		return v.status
	case !errors.Is(err, patch.ErrNotFound):
		fmt.Fprintf(c.stderr, "optimizer verify: %v\n", err)
		return exitUsage
	}

	if _, cerr := cid.Decode(ref); cerr == nil {
		data, err := store.Get(dir.StorePath(), ref)
		switch {
		case err == nil:
			fmt.Fprintf(c.stdout, "ok  %s: store/%s.car holds %d bytes with this CID\n", ref, ref, len(data))
			v.onNode(ctx, ref, data)
			return v.status
		case !errors.Is(err, iofs.ErrNotExist):
			fmt.Fprintf(c.stderr, "optimizer verify: %v\n", err)
			return exitRejected
		}
	}
	if n == nil {
		fmt.Fprintf(c.stderr, "optimizer verify: %s is neither a patch nor a CID stored in %s (run `optimizer patches list`; set OPTIMIZER_IPFS_API to look on a node)\n", ref, *out)
		return exitUsage
	}
	// Only on the node: a patch announced there, or any content by CID.
	tmp, err := os.MkdirTemp("", "optimizer-verify-")
	if err != nil {
		fmt.Fprintf(c.stderr, "optimizer verify: %v\n", err)
		return exitRejected
	}
	defer os.RemoveAll(tmp)
	m, err = patch.Dir{Path: filepath.Join(tmp, "out")}.Fetch(ctx, n, ref)
	switch {
	case err == nil:
		fmt.Fprintf(c.stdout, "ok  %s forward %s and reverse %s: fetched from %s, the content matches the CIDs and the ID\n", m.ID, m.CID, m.ReverseCID, n)
		v.pinned(ctx, m.CID)
		v.pinned(ctx, m.ReverseCID)
		return v.status
	case !errors.Is(err, patch.ErrNotFound):
		fmt.Fprintf(c.stderr, "optimizer verify: %v\n", err)
		return exitRejected
	}
	if _, cerr := cid.Decode(ref); cerr != nil {
		fmt.Fprintf(c.stderr, "optimizer verify: %v\n", err)
		return exitUsage
	}
	data, err := n.Cat(ctx, ref)
	if err != nil {
		fmt.Fprintf(c.stderr, "optimizer verify: %v\n", err)
		return exitRejected
	}
	fmt.Fprintf(c.stdout, "ok  %s: fetched %d bytes from %s, they have this CID\n", ref, len(data), n)
	v.pinned(ctx, ref)
	return v.status
}

// verifier compares local content with the node's and keeps the exit status.
type verifier struct {
	c      *cli
	node   *store.Node
	status int
}

// onNode fetches c from the node, if there is one, and compares it with local.
func (v *verifier) onNode(ctx context.Context, c string, local []byte) {
	if v.node == nil {
		return
	}
	data, err := v.node.Cat(ctx, c)
	switch {
	case errors.Is(err, store.ErrMismatch):
		fmt.Fprintf(v.c.stdout, "BAD %s: %v\n", c, err)
		v.status = exitRejected
	case err != nil:
		fmt.Fprintf(v.c.stderr, "optimizer verify: warning: %v (the local copy is verified; the node's is not)\n", err)
	case !bytes.Equal(data, local):
		fmt.Fprintf(v.c.stdout, "BAD %s: the node returned %d bytes that differ from the local %d\n", c, len(data), len(local))
		v.status = exitRejected
	default:
		fmt.Fprintf(v.c.stdout, "ok  %s: %s returns the same %d bytes\n", c, v.node, len(data))
		v.pinned(ctx, c)
	}
}

// pinned says whether the node pins c.
func (v *verifier) pinned(ctx context.Context, c string) {
	ok, err := v.node.Pinned(ctx, c)
	switch {
	case err != nil:
		fmt.Fprintf(v.c.stderr, "optimizer verify: warning: %v\n", err)
	case ok:
		fmt.Fprintf(v.c.stdout, "ok  %s: pinned on %s\n", c, v.node)
	default:
		fmt.Fprintf(v.c.stdout, "--  %s: not pinned on %s (garbage collection may remove it there)\n", c, v.node)
	}
}

// announcedCmd is `patches announced` and `patches fetch ID|CID`.
func announcedCmd(ctx context.Context, c *cli, dir patch.Dir, args []string) int {
	n, err := node(c, ".")
	if err == nil && n == nil {
		err = errors.New("no IPFS node is configured (set OPTIMIZER_IPFS_API or ipfs_api)")
	}
	if err != nil {
		fmt.Fprintf(c.stderr, "optimizer patches: %v\n", err)
		return exitUsage
	}
	if args[0] == "fetch" {
		m, err := dir.Fetch(ctx, n, args[1])
		switch {
		case err == nil:
			fmt.Fprintf(c.stdout, "fetched %s (%s) from %s into %s\napply with: optimizer apply --out %s %s\n", m.ID, m.CID, n, dir.Path, dir.Path, m.ID)
			return exitOK
		case errors.Is(err, patch.ErrNotFound), errors.Is(err, patch.ErrAmbiguous):
			fmt.Fprintf(c.stderr, "optimizer patches: %v\n", err)
			return exitUsage
		default:
			fmt.Fprintf(c.stderr, "optimizer patches: %v\n", err)
			return exitRejected
		}
	}
	metas, bad, err := patch.Announced(ctx, n)
	if err != nil {
		fmt.Fprintf(c.stderr, "optimizer patches: %v\n", err)
		return exitRejected
	}
	for _, err := range bad {
		fmt.Fprintf(c.stderr, "optimizer patches: warning: left out: %v\n", err)
	}
	tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "ID\tCID\tMETHOD\tTARGET\tCREATED\tPARENT\n")
	for _, m := range metas {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%.12s\n", m.ID, m.CID, m.Method, m.Target, m.Created.Format("2006-01-02 15:04"), m.Parent)
	}
	tw.Flush()
	return exitOK
}
