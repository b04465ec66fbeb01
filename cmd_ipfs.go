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

	"github.com/agentic-optimizer/optimizer/internal/cas"
	"github.com/agentic-optimizer/optimizer/internal/config"
	"github.com/agentic-optimizer/optimizer/internal/patch"
	"github.com/agentic-optimizer/optimizer/internal/pipeline"
	"github.com/agentic-optimizer/optimizer/internal/report"
)

// node returns the IPFS node that ipfs_api configures (flags aside, as for run), or nil when
// none is configured.
func node(c *cli, repoDir string) (*cas.Node, error) {
	cfg, err := config.Load(repoDir, nil, c.getenv, "", methodOptions()...)
	if err != nil {
		return nil, err
	}
	if cfg.IPFSAPI == "" {
		return nil, nil
	}
	return cas.Dial(cfg.IPFSAPI)
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
	fs := newFlagSet("verify", "optimizer verify [--repo DIR] [--out DIR] [ID|CID]",
		"Verify recomputes the CID of a stored patch and its reverse (or of any content in the store, such as\n"+
			"a run's audit record) and checks them and their CAR files. Given the audit CID of the run in --out, it\n"+
			"also compares report.json with the audit record, field by field. Without an argument it verifies the\n"+
			"whole run in --out: every stored patch, and report.json against its audit record. With an IPFS node\n"+
			"(ipfs_api) it also fetches each CID from the node and compares the bytes, and says whether the node\n"+
			"pins it; a patch or audit record that is only on the node is fetched and checked.\n"+
			"Exit status: 0 verified, 1 a mismatch, 2 unknown.", c)
	dirs := fs.outDir("the patches and report.json")
	if st := fs.parse(args); st >= 0 {
		return st
	}
	repoDir, out := dirs()
	if fs.NArg() > 1 {
		fmt.Fprintf(c.stderr, "optimizer verify: want one patch ID or CID, or none to verify the whole run in --out, got %d\n", fs.NArg())
		return exitUsage
	}
	n, err := node(c, repoDir)
	if err != nil {
		fmt.Fprintf(c.stderr, "optimizer verify: %v\n", err)
		return exitUsage
	}
	v := &verifier{c: c, node: n, out: out}
	if fs.NArg() == 0 {
		if st := needDir(c, "verify", out); st >= 0 {
			return st
		}
		return v.run(ctx)
	}
	return v.ref(ctx, fs.Arg(0))
}

// ref verifies the patch or content ref names.
func (v *verifier) ref(ctx context.Context, ref string) int {
	c, n := v.c, v.node
	dir := patch.Dir{Path: v.out}
	m, err := dir.Find(ref)
	switch {
	case err == nil:
		v.patch(ctx, dir, m)
		return v.status
	case !errors.Is(err, patch.ErrNotFound):
		fmt.Fprintf(c.stderr, "optimizer verify: %v\n", err)
		return exitUsage
	}

	if _, cerr := cid.Decode(ref); cerr == nil {
		data, err := cas.Get(dir.StorePath(), ref)
		switch {
		case err == nil:
			fmt.Fprintf(c.stdout, "ok  %s: store/%s.car holds %d bytes with this CID\n", ref, ref, len(data))
			v.onNode(ctx, ref, data)
			v.auditOf(ref, data)
			return v.status
		case !errors.Is(err, iofs.ErrNotExist):
			fmt.Fprintf(c.stderr, "optimizer verify: %v\n", err)
			return exitRejected
		}
	}
	if n == nil {
		fmt.Fprintf(c.stderr, "optimizer verify: %s is neither a patch nor a CID stored in %s (run `optimizer patches list`; set OPTIMIZER_IPFS_API to look on a node)\n", ref, v.out)
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
	v.auditOf(ref, data)
	return v.status
}

// patch verifies the stored patch m: its files and CAR files, and the node's copies.
func (v *verifier) patch(ctx context.Context, dir patch.Dir, m patch.Meta) {
	forward, reverse, err := dir.Load(m)
	if err != nil {
		fmt.Fprintf(v.c.stdout, "BAD %s: %v\n", m.ID, err)
		v.status = exitRejected
		return
	}
	fmt.Fprintf(v.c.stdout, "ok  %s forward %s: the patch file and store/%s.car match the CID\n", m.ID, m.CID, m.CID)
	fmt.Fprintf(v.c.stdout, "ok  %s reverse %s: the patch file and store/%s.car match the CID\n", m.ID, m.ReverseCID, m.ReverseCID)
	v.onNode(ctx, m.CID, forward)
	v.onNode(ctx, m.ReverseCID, reverse)
}

// run verifies the whole run in the output directory: every stored patch, and report.json
// against its audit record.
func (v *verifier) run(ctx context.Context) int {
	dir := patch.Dir{Path: v.out}
	metas, err := dir.List()
	if err != nil {
		fmt.Fprintf(v.c.stderr, "optimizer verify: %v\n", err)
		return exitRejected
	}
	for _, m := range metas {
		v.patch(ctx, dir, m)
	}
	audit, err := pipeline.AuditCID(v.out)
	switch {
	case err != nil:
		fmt.Fprintf(v.c.stdout, "BAD %v\n", err)
		return exitRejected
	case audit == "" && len(metas) == 0:
		fmt.Fprintf(v.c.stderr, "optimizer verify: %s has neither stored patches nor a report.json naming an audit record (pass --out DIR of a run)\n", v.out)
		return exitUsage
	case audit == "":
		fmt.Fprintf(v.c.stdout, "--  %s names no audit record (no report.json, or a dry run's)\n", filepath.Join(v.out, "report.json"))
		return v.status
	}
	record, err := cas.Get(dir.StorePath(), audit)
	switch {
	case err == nil:
		fmt.Fprintf(v.c.stdout, "ok  %s: store/%s.car holds the audit record with this CID\n", audit, audit)
		v.onNode(ctx, audit, record)
	case !errors.Is(err, iofs.ErrNotExist):
		fmt.Fprintf(v.c.stdout, "BAD %s: %v\n", audit, err)
		return exitRejected
	case v.node == nil:
		fmt.Fprintf(v.c.stderr, "optimizer verify: report.json names audit record %s, which is not in %s (set OPTIMIZER_IPFS_API to fetch it from a node)\n", audit, dir.StorePath())
		return exitUsage
	default:
		if record, err = v.node.Cat(ctx, audit); err != nil {
			fmt.Fprintf(v.c.stdout, "BAD %s: %v\n", audit, err)
			return exitRejected
		}
		fmt.Fprintf(v.c.stdout, "ok  %s: fetched the audit record from %s, it has this CID\n", audit, v.node)
		v.pinned(ctx, audit)
	}
	v.auditOf(audit, record)
	return v.status
}

// auditOf compares report.json with record when the report names c as its audit record.
func (v *verifier) auditOf(c string, record []byte) {
	audit, err := pipeline.AuditCID(v.out)
	if err != nil {
		fmt.Fprintf(v.c.stdout, "BAD %v\n", err)
		v.status = exitRejected
		return
	}
	if audit != c {
		return
	}
	path := filepath.Join(v.out, "report.json")
	data, err := os.ReadFile(path)
	if err == nil {
		var diffs []report.Difference
		if diffs, err = report.CompareAudit(record, data); err == nil && len(diffs) == 0 {
			fmt.Fprintf(v.c.stdout, "ok  %s matches its audit record %s\n", path, c)
			return
		} else if err == nil {
			fmt.Fprintf(v.c.stdout, "BAD %s does not match its audit record %s: %d fields differ\n", path, c, len(diffs))
			for _, d := range diffs {
				fmt.Fprintf(v.c.stdout, "    %s\n", d)
			}
		}
	}
	if err != nil {
		fmt.Fprintf(v.c.stdout, "BAD %s: %v\n", path, err)
	}
	v.status = exitRejected
}

// verifier compares local content with the node's and keeps the exit status.
type verifier struct {
	c      *cli
	node   *cas.Node
	out    string // the output directory
	status int
}

// onNode fetches c from the node, if there is one, and compares it with local.
func (v *verifier) onNode(ctx context.Context, c string, local []byte) {
	if v.node == nil {
		return
	}
	data, err := v.node.Cat(ctx, c)
	switch {
	case errors.Is(err, cas.ErrMismatch):
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
func announcedCmd(ctx context.Context, c *cli, repoDir string, dir patch.Dir, args []string) int {
	n := requireNode(c, repoDir)
	if n == nil {
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

// requireNode returns the configured IPFS node, or prints why there is none and returns nil.
func requireNode(c *cli, repoDir string) *cas.Node {
	n, err := node(c, repoDir)
	if err == nil && n == nil {
		err = errors.New("no IPFS node is configured (set OPTIMIZER_IPFS_API or ipfs_api)")
	}
	if err != nil {
		fmt.Fprintf(c.stderr, "optimizer patches: %v\n", err)
	}
	return n
}

// announceCmd is `patches announce`: it puts the run in dir back on the node, as the run did.
func announceCmd(ctx context.Context, c *cli, repoDir string, dir patch.Dir) int {
	n := requireNode(c, repoDir)
	if n == nil {
		return exitUsage
	}
	a, err := pipeline.Reannounce(ctx, n, dir.Path)
	if a.Patches > 0 {
		fmt.Fprintf(c.stdout, "announced %d patches on %s as %s/<id>.json, forward, reverse and metadata pinned (%d were announced there already)\n", a.Patches, n, patch.AnnounceDir, a.Already)
	}
	if a.Audit != "" {
		already := "new"
		if a.AuditAlready {
			already = "announced there already"
		}
		fmt.Fprintf(c.stdout, "announced audit record %s on %s under %s, pinned (%s)\n", a.Audit, n, pipeline.RunsDir, already)
	}
	if err != nil {
		if a.Patches == 0 && a.Audit == "" {
			fmt.Fprintf(c.stderr, "optimizer patches: announce: nothing announced: %v\n", err)
		} else {
			fmt.Fprintf(c.stderr, "optimizer patches: announce: stopped: %v\n", err)
		}
		return exitRejected
	}
	if a.Root == "" {
		fmt.Fprintf(c.stdout, "nothing to announce: %s has no stored patches and no report.json naming an audit record\n", dir.Path)
		return exitOK
	}
	fmt.Fprintf(c.stdout, "everything announced on %s is under %s\n", n, a.Root)
	return exitOK
}
