// Package cas is content-addressed storage: it keeps content addressed by the CID that kubo's
// `ipfs add` would give it, computed locally, stores each item as a CAR file that `ipfs dag
// import` accepts, and talks to a kubo node (add, pin, cat, announce in MFS).
package cas

import (
	"errors"
	"fmt"
	"io"

	"github.com/ipfs/boxo/blockservice"
	"github.com/ipfs/boxo/blockstore"
	chunker "github.com/ipfs/boxo/chunker"
	"github.com/ipfs/boxo/ipld/merkledag"
	"github.com/ipfs/boxo/ipld/unixfs/importer/balanced"
	"github.com/ipfs/boxo/ipld/unixfs/importer/helpers"
	"github.com/ipfs/go-cid"
	datastore "github.com/ipfs/go-datastore"
	dssync "github.com/ipfs/go-datastore/sync"
	ipld "github.com/ipfs/go-ipld-format"
	mh "github.com/multiformats/go-multihash"
)

// ErrMismatch reports content, or a stored CAR, that does not hash to the CID it is filed under.
var ErrMismatch = errors.New("content does not match its CID")

// errVersion reports a CID version other than the two that exist.
var errVersion = errors.New("unsupported CID version (want 0 or 1)")

// Kubo's `ipfs add` defaults (kubo v0.43: Import.UnixFSChunker "size-262144",
// Import.UnixFSFileMaxLinks 174, balanced layout, sha2-256). They are spelled out here rather
// than taken from boxo's package-level defaults, which boxo's import profiles may change.
const (
	chunkSize = 262144
	maxLinks  = 174
)

// CID returns the CID that `ipfs add --only-hash --cid-version=<version>` prints for the bytes
// of r, with kubo's defaults for that version: chunker size-262144, balanced layout with 174
// links per node, sha2-256. Version 1 gives a CIDv1 with raw leaves (base32, "bafk…" for content
// that fits in one chunk, "bafy…" otherwise); version 0 gives a CIDv0 with dag-pb leaves ("Qm…").
func CID(r io.Reader, version int) (string, error) {
	// Like `ipfs add --only-hash`, import into a store that keeps nothing.
	dag := newDAG(datastore.NewNullDatastore())
	root, err := importFile(dag, r, version)
	if err != nil {
		return "", fmt.Errorf("store: cid: %w", err)
	}
	return root.String(), nil
}

// Version is the version of the CID c, 1 when it cannot be read.
func Version(c string) int {
	if parsed, err := cid.Decode(c); err == nil {
		return int(parsed.Version())
	}
	return 1
}

// newDAG returns a DAG service over ds that never goes to the network.
func newDAG(ds datastore.Batching) ipld.DAGService {
	bs := blockstore.NewBlockstore(dssync.MutexWrap(ds))
	return merkledag.NewDAGService(blockservice.New(bs, nil))
}

// importFile chunks r and builds its UnixFS file DAG in dag the way kubo's adder does, returning
// the root CID.
func importFile(dag ipld.DAGService, r io.Reader, version int) (cid.Cid, error) {
	if version != 0 && version != 1 {
		return cid.Undef, fmt.Errorf("version %d: %w", version, errVersion)
	}
	prefix, err := merkledag.PrefixForCidVersion(version)
	if err != nil {
		return cid.Undef, fmt.Errorf("version %d: %w", version, err)
	}
	prefix.MhType = mh.SHA2_256
	prefix.MhLength = -1
	params := helpers.DagBuilderParams{
		Dagserv:    dag,
		RawLeaves:  version == 1, // kubo turns raw leaves on for CIDv1 unless told otherwise
		Maxlinks:   maxLinks,
		CidBuilder: prefix,
	}
	db, err := params.New(chunker.NewSizeSplitter(r, chunkSize))
	if err != nil {
		return cid.Undef, fmt.Errorf("import: %w", err)
	}
	root, err := balanced.Layout(db)
	if err != nil {
		return cid.Undef, fmt.Errorf("import: %w", err)
	}
	return root.Cid(), nil
}
