package cas

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/ipfs/boxo/blockservice"
	"github.com/ipfs/boxo/blockstore"
	"github.com/ipfs/boxo/ipld/merkledag"
	unixfsio "github.com/ipfs/boxo/ipld/unixfs/io"
	"github.com/ipfs/go-cid"
	datastore "github.com/ipfs/go-datastore"
	dssync "github.com/ipfs/go-datastore/sync"
	ipld "github.com/ipfs/go-ipld-format"
	car "github.com/ipld/go-car/v2"
	carstorage "github.com/ipld/go-car/v2/storage"

	"github.com/agentic-optimizer/optimizer/internal/atomicfile"
)

// Put imports data as CID does, writes every block of its DAG to dir/<cid>.car as a CARv1 file
// whose single root is the CID (so `ipfs dag import` accepts it), and returns the CID. The file
// is replaced atomically and dir is created if needed; putting the same content again rewrites
// the same bytes.
func Put(dir string, data []byte, version int) (string, error) {
	ctx := context.Background()
	dag := newDAG(datastore.NewMapDatastore())
	root, err := importFile(dag, bytes.NewReader(data), version)
	if err != nil {
		return "", fmt.Errorf("store: put: %w", err)
	}
	file, err := encodeCAR(ctx, dag, root)
	if err != nil {
		return "", fmt.Errorf("store: put %s: %w", root, err)
	}
	if err := atomicfile.WriteFile(carPath(dir, root), file, 0o644); err != nil {
		return "", fmt.Errorf("store: put %s: %w", root, err)
	}
	return root.String(), nil
}

// Verify checks that data has CID c, recomputed with the version that c encodes (0 for "Qm…",
// 1 otherwise) and kubo's defaults for it. If dir/<c>.car exists, it also checks that the CAR's
// only root is c, that every block in it hashes to its CID and that no block of the DAG is
// missing. Any such mismatch is reported with an error wrapping ErrMismatch.
func Verify(dir string, c string, data []byte) error {
	want, err := cid.Decode(c)
	if err != nil {
		return fmt.Errorf("store: verify %q: %w", c, err)
	}
	got, err := importFile(newDAG(datastore.NewNullDatastore()), bytes.NewReader(data), int(want.Version()))
	if err != nil {
		return fmt.Errorf("store: verify %s: %w", c, err)
	}
	if !got.Equals(want) {
		return fmt.Errorf("store: verify %s: content has CID %s, expected %s: %w", c, got, c, ErrMismatch)
	}
	if err := verifyCAR(context.Background(), carPath(dir, want), want); err != nil {
		return fmt.Errorf("store: verify %s: %w", c, err)
	}
	return nil
}

// carPath names the CAR file of root in dir; the CID's canonical string form keeps equal CIDs
// written in different bases on one file.
func carPath(dir string, root cid.Cid) string {
	return filepath.Join(dir, root.String()+".car")
}

// encodeCAR returns a CARv1 holding the DAG under root, each block once, in depth-first
// pre-order (the order `ipfs dag export` writes).
func encodeCAR(ctx context.Context, dag ipld.DAGService, root cid.Cid) ([]byte, error) {
	var order []cid.Cid
	seen := cid.NewSet()
	visit := func(c cid.Cid) bool {
		if !seen.Visit(c) {
			return false
		}
		order = append(order, c)
		return true
	}
	if err := merkledag.Walk(ctx, merkledag.GetLinksDirect(dag), root, visit); err != nil {
		return nil, fmt.Errorf("walk DAG: %w", err)
	}

	var buf bytes.Buffer
	w, err := carstorage.NewWritable(&buf, []cid.Cid{root}, car.WriteAsCarV1(true))
	if err != nil {
		return nil, fmt.Errorf("write CAR: %w", err)
	}
	for _, c := range order {
		nd, err := dag.Get(ctx, c)
		if err != nil {
			return nil, fmt.Errorf("write CAR: block %s: %w", c, err)
		}
		if err := w.Put(ctx, c.KeyString(), nd.RawData()); err != nil {
			return nil, fmt.Errorf("write CAR: block %s: %w", c, err)
		}
	}
	if err := w.Finalize(); err != nil {
		return nil, fmt.Errorf("write CAR: %w", err)
	}
	return buf.Bytes(), nil
}

// Get returns the content stored as dir/<c>.car, after checking the CAR as Verify does and
// the content against c. A missing CAR is an error wrapping fs.ErrNotExist.
func Get(dir string, c string) ([]byte, error) {
	ctx := context.Background()
	want, err := cid.Decode(c)
	if err != nil {
		return nil, fmt.Errorf("store: get %q: %w", c, err)
	}
	dag, err := loadCAR(ctx, carPath(dir, want), want)
	if err != nil {
		return nil, fmt.Errorf("store: get %s: %w", c, err)
	}
	nd, err := dag.Get(ctx, want)
	if err != nil {
		return nil, fmt.Errorf("store: get %s: %w", c, err)
	}
	r, err := unixfsio.NewDagReader(ctx, nd, dag)
	if err != nil {
		return nil, fmt.Errorf("store: get %s: not a UnixFS file: %w", c, err)
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("store: get %s: %w", c, err)
	}
	if err := Verify(dir, c, data); err != nil {
		return nil, err
	}
	return data, nil
}

// verifyCAR checks the CAR file at path, if there is one, against root: its only root must be
// root, every block must hash to its CID, and every block reachable from root must be present.
func verifyCAR(ctx context.Context, path string, root cid.Cid) error {
	_, err := loadCAR(ctx, path, root)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}

// loadCAR checks the CAR file at path as verifyCAR describes and returns its blocks as a DAG.
func loadCAR(ctx context.Context, path string, root cid.Cid) (ipld.DAGService, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("car: %w", err)
	}
	defer f.Close()

	// Hashes are checked below rather than by go-car, so that a bad block is reported as
	// ErrMismatch with both CIDs.
	br, err := car.NewBlockReader(bufio.NewReader(f), car.WithTrustedCAR(true))
	if err != nil {
		return nil, fmt.Errorf("car %s: read header: %w", path, err)
	}
	if len(br.Roots) != 1 || !br.Roots[0].Equals(root) {
		return nil, fmt.Errorf("car %s: roots are %v, expected [%s]: %w", path, br.Roots, root, ErrMismatch)
	}

	bs := blockstore.NewBlockstore(dssync.MutexWrap(datastore.NewMapDatastore()))
	for {
		blk, err := br.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("car %s: read block: %w", path, err)
		}
		listed := blk.Cid()
		sum, err := listed.Prefix().Sum(blk.RawData())
		if err != nil {
			return nil, fmt.Errorf("car %s: block %s: %w", path, listed, err)
		}
		if !sum.Equals(listed) {
			return nil, fmt.Errorf("car %s: block content has CID %s, expected %s: %w", path, sum, listed, ErrMismatch)
		}
		if err := bs.Put(ctx, blk); err != nil {
			return nil, fmt.Errorf("car %s: block %s: %w", path, listed, err)
		}
	}

	dag := merkledag.NewDAGService(blockservice.New(bs, nil))
	err = merkledag.Walk(ctx, merkledag.GetLinksDirect(dag), root, cid.NewSet().Visit)
	if ipld.IsNotFound(err) {
		return nil, fmt.Errorf("car %s: DAG of %s is incomplete: %w: %w", path, root, err, ErrMismatch)
	}
	if err != nil {
		return nil, fmt.Errorf("car %s: walk DAG: %w", path, err)
	}
	return dag, nil
}
