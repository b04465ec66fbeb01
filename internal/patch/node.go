package patch

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/ipfs/go-cid"

	"github.com/agentic-optimizer/optimizer/internal/cas"
	"github.com/agentic-optimizer/optimizer/internal/diff"
)

// AnnounceDir is the directory of the node's MFS where patches are announced: <id>.json is the
// metadata of patch <id>, and names the CIDs of its forward and reverse patches.
const AnnounceDir = "/optimizer/patches"

// Publish adds m's forward patch, reverse patch and metadata file to the node and pins them,
// each checked against the CID computed locally, then announces the metadata as
// AnnounceDir/<id>.json. It returns the metadata's CID. An error wrapping cas.ErrNodeMismatch
// means the node disagrees about a CID; one wrapping cas.ErrUnreachable, that it could not be
// reached.
func (d Dir) Publish(ctx context.Context, n *cas.Node, m Meta) (metaCID string, err error) {
	forward, reverse, err := d.Load(m)
	if err != nil {
		return "", err
	}
	meta, err := os.ReadFile(d.MetaPath(m.ID))
	if err != nil {
		return "", fmt.Errorf("patch: publish %s: %w", m.ID, err)
	}
	version := cas.Version(m.CID)
	for _, item := range []struct {
		kind, want string
		data       []byte
	}{
		{"forward", m.CID, forward},
		{"reverse", m.ReverseCID, reverse},
		{"metadata", "", meta},
	} {
		got, err := n.Add(ctx, item.data, version, "optimizer "+m.ID+" "+item.kind)
		if err != nil {
			return "", fmt.Errorf("patch: publish %s: %s: %w", m.ID, item.kind, err)
		}
		if item.want != "" && got != item.want {
			return "", fmt.Errorf("patch: publish %s: %s: the node stored CID %s, the metadata says %s: %w", m.ID, item.kind, got, item.want, cas.ErrNodeMismatch)
		}
		metaCID = got
	}
	if err := n.Announce(ctx, AnnounceDir, m.ID+".json", metaCID); err != nil {
		return metaCID, fmt.Errorf("patch: publish %s: %w", m.ID, err)
	}
	return metaCID, nil
}

// Announced returns the metadata of every patch announced on the node, each fetched and checked
// against its CID, in the order of their IDs. An announcement that does not check out (its
// metadata is not JSON, or names another patch) is left out and described in bad, so that one
// bad writer does not hide the others' patches; err is for a node that cannot be listed.
func Announced(ctx context.Context, n *cas.Node) (metas []Meta, bad []error, err error) {
	entries, err := n.Announced(ctx, AnnounceDir)
	if err != nil {
		return nil, nil, fmt.Errorf("patch: announced: %w", err)
	}
	for _, e := range entries {
		id, ok := strings.CutSuffix(e.Name, ".json")
		if !ok || !validID(id) {
			continue
		}
		m, err := fetchMeta(ctx, n, id, e.CID)
		if errors.Is(err, diff.ErrMalformed) || errors.Is(err, cas.ErrMismatch) {
			bad = append(bad, err)
			continue
		}
		if err != nil {
			return nil, nil, err
		}
		metas = append(metas, m)
	}
	return metas, bad, nil
}

// fetchMeta fetches the metadata announced for id under CID c. Metadata that is not JSON or
// names another patch is an error wrapping cas.ErrMismatch: the announcement does not match.
func fetchMeta(ctx context.Context, n *cas.Node, id, c string) (Meta, error) {
	data, err := n.Cat(ctx, c)
	if err != nil {
		return Meta{}, fmt.Errorf("patch: fetch metadata of %s: %w", id, err)
	}
	var m Meta
	if err := json.Unmarshal(data, &m); err != nil {
		return Meta{}, fmt.Errorf("patch: fetch metadata of %s: %s/%s.json (%s) is not patch metadata (%v); the node's announcement does not match the patch: %w", id, AnnounceDir, id, c, err, cas.ErrMismatch)
	}
	if m.ID != id {
		return Meta{}, fmt.Errorf("patch: fetch metadata of %s: %s/%s.json names patch %q; the node's announcement does not match the patch: %w", id, AnnounceDir, id, m.ID, cas.ErrMismatch)
	}
	return m, nil
}

// announcedMeta returns the metadata the node announces for id; found is false when it
// announces none.
func announcedMeta(ctx context.Context, n *cas.Node, id string) (m Meta, found bool, err error) {
	entries, err := n.Announced(ctx, AnnounceDir)
	if err != nil {
		return Meta{}, false, fmt.Errorf("patch: fetch %s: %w", id, err)
	}
	for _, e := range entries {
		if e.Name == id+".json" {
			m, err := fetchMeta(ctx, n, id, e.CID)
			return m, true, err
		}
	}
	return Meta{}, false, nil
}

// Fetch finds the patch ref names — an ID, a unique ID prefix, or the CID of its forward patch —
// among the patches announced on the node, fetches its forward and reverse patches by CID,
// checks them against their CIDs, its ID and each other, and saves them in d, so that Apply and
// Rollback find them. Nothing is saved unless everything checks out. A patch the node does not
// announce is an error wrapping ErrNotFound; an announcement that does not check out, one
// wrapping cas.ErrMismatch.
func (d Dir) Fetch(ctx context.Context, n *cas.Node, ref string) (Meta, error) {
	m, err := resolve(ctx, n, strings.TrimSpace(ref))
	if err != nil {
		return Meta{}, err
	}
	forward, err := n.Cat(ctx, m.CID)
	if err != nil {
		return Meta{}, fmt.Errorf("patch: fetch %s: forward patch: %w", m.ID, err)
	}
	reverse, err := n.Cat(ctx, m.ReverseCID)
	if err != nil {
		return Meta{}, fmt.Errorf("patch: fetch %s: reverse patch: %w", m.ID, err)
	}
	if got := ID(forward); got != m.ID {
		return Meta{}, fmt.Errorf("patch: fetch %s: the forward patch %s has ID %s: %w", m.ID, m.CID, got, cas.ErrMismatch)
	}
	if !diff.Reverses(forward, reverse) {
		return Meta{}, fmt.Errorf("patch: fetch %s: the announced metadata names reverse patch %s, which does not undo the forward patch %s: %w", m.ID, m.ReverseCID, m.CID, cas.ErrMismatch)
	}
	// Save with the version of the announced CIDs, so the local files carry the same ones.
	saved, err := Dir{Path: d.Path, CIDVersion: cas.Version(m.CID)}.Save(forward, reverse, m)
	if err != nil {
		return Meta{}, fmt.Errorf("patch: fetch %s: %w", m.ID, err)
	}
	return saved, nil
}

// resolve returns the announced metadata of the patch ref names.
func resolve(ctx context.Context, n *cas.Node, ref string) (Meta, error) {
	if validID(ref) {
		if m, found, err := announcedMeta(ctx, n, ref); found || err != nil {
			return m, err
		}
	}
	metas, _, err := Announced(ctx, n)
	if err != nil {
		return Meta{}, err
	}
	refCID, cidErr := cid.Decode(ref)
	var matches []Meta
	for _, a := range metas {
		if cidErr == nil && sameCID(refCID, a.CID) || len(ref) >= minPrefix && strings.HasPrefix(a.ID, strings.ToLower(ref)) {
			matches = append(matches, a)
		}
	}
	switch {
	case len(matches) == 1:
		return matches[0], nil
	case len(matches) > 1:
		return Meta{}, fmt.Errorf("patch: fetch %q: %d patches announced on %s match (give more of the ID): %w", ref, len(matches), n, ErrAmbiguous)
	case cidErr == nil:
		return byContent(ctx, n, ref, refCID)
	}
	return Meta{}, fmt.Errorf("patch: fetch %q: no patch announced on %s has this ID or CID (run `optimizer patches announced`): %w", ref, n, ErrNotFound)
}

// byContent resolves the CID of a forward patch that no sound announcement names through its
// content: the patch's ID names its metadata, which must name this CID.
func byContent(ctx context.Context, n *cas.Node, ref string, refCID cid.Cid) (Meta, error) {
	forward, err := n.CatLocal(ctx, ref)
	if errors.Is(err, fs.ErrNotExist) {
		return Meta{}, fmt.Errorf("patch: fetch %s: no patch announced on %s has this CID, and the node does not hold it (run `optimizer patches announced`): %w", ref, n, ErrNotFound)
	}
	if err != nil {
		return Meta{}, fmt.Errorf("patch: fetch %s: %w", ref, err)
	}
	id := ID(forward)
	m, found, err := announcedMeta(ctx, n, id)
	switch {
	case err != nil:
		return Meta{}, err
	case !found:
		return Meta{}, fmt.Errorf("patch: fetch %s: %s holds it (patch %s) but announces no metadata for it (run `optimizer patches announce` beside the run's output directory): %w", ref, n, id, ErrNotFound)
	case !sameCID(refCID, m.CID):
		return Meta{}, fmt.Errorf("patch: fetch %s: it is the forward patch of %s, but %s/%s.json names forward patch %s; the node's announcement does not match the patch: %w", ref, id, AnnounceDir, id, m.CID, cas.ErrMismatch)
	}
	return m, nil
}
