package cas

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ipfs/boxo/blockservice"
	"github.com/ipfs/boxo/blockstore"
	"github.com/ipfs/boxo/ipld/merkledag"
	uio "github.com/ipfs/boxo/ipld/unixfs/io"
	blocks "github.com/ipfs/go-block-format"
	"github.com/ipfs/go-cid"
	datastore "github.com/ipfs/go-datastore"
	dssync "github.com/ipfs/go-datastore/sync"
	car "github.com/ipld/go-car/v2"
	carstorage "github.com/ipld/go-car/v2/storage"
)

// readCAR returns the header version, roots and blocks of the CAR file at path, checking that
// each block hashes to its CID.
func readCAR(t *testing.T, path string) (version uint64, roots []cid.Cid, blks []blocks.Block) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	br, err := car.NewBlockReader(f) // verifies every block's hash against its CID
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	for {
		blk, err := br.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("read %s: %v", path, err)
		}
		blks = append(blks, blk)
	}
	return br.Version, br.Roots, blks
}

// writeCAR writes a CARv1 with the given roots and blocks to path.
func writeCAR(t *testing.T, path string, roots []cid.Cid, blks []blocks.Block) {
	t.Helper()
	var buf bytes.Buffer
	w, err := carstorage.NewWritable(&buf, roots, car.WriteAsCarV1(true))
	if err != nil {
		t.Fatal(err)
	}
	for _, blk := range blks {
		if err := w.Put(context.Background(), blk.Cid().KeyString(), blk.RawData()); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Finalize(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// assemble rebuilds the file under root from blks with boxo's UnixFS reader.
func assemble(t *testing.T, root cid.Cid, blks []blocks.Block) []byte {
	t.Helper()
	ctx := context.Background()
	bs := blockstore.NewBlockstore(dssync.MutexWrap(datastore.NewMapDatastore()))
	if err := bs.PutMany(ctx, blks); err != nil {
		t.Fatal(err)
	}
	dag := merkledag.NewDAGService(blockservice.New(bs, nil))
	nd, err := dag.Get(ctx, root)
	if err != nil {
		t.Fatalf("root block %s: %v", root, err)
	}
	r, err := uio.NewDagReader(ctx, nd, dag)
	if err != nil {
		t.Fatal(err)
	}
	data, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("read file %s from its blocks: %v", root, err)
	}
	return data
}

func TestPut(t *testing.T) {
	tests := []struct {
		name       string
		data       []byte
		version    int
		wantBlocks int
	}{
		{"empty v0", nil, 0, 1},
		{"empty v1", nil, 1, 1},
		{"hello world v0", []byte("hello world"), 0, 1},
		{"hello world v1", []byte("hello world"), 1, 1},
		{"four chunks v0", pseudoRandom(3*262144 + 12345), 0, 5},
		{"four chunks v1", pseudoRandom(3*262144 + 12345), 1, 5},
		// Equal chunks are one block, stored once.
		{"repeated chunk v1", bytes.Repeat([]byte("ab"), 3*262144/2), 1, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "not", "yet")
			c, err := Put(dir, tc.data, tc.version)
			if err != nil {
				t.Fatal(err)
			}
			want, err := CID(bytes.NewReader(tc.data), tc.version)
			if err != nil {
				t.Fatal(err)
			}
			if c != want {
				t.Fatalf("Put = %s, CID = %s", c, want)
			}

			path := filepath.Join(dir, c+".car")
			first, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			version, roots, blks := readCAR(t, path)
			if version != 1 {
				t.Errorf("CAR version %d, want 1", version)
			}
			if len(roots) != 1 || roots[0].String() != c {
				t.Fatalf("CAR roots %v, want [%s]", roots, c)
			}
			if len(blks) != tc.wantBlocks {
				t.Errorf("CAR has %d blocks, want %d", len(blks), tc.wantBlocks)
			}
			if !blks[0].Cid().Equals(roots[0]) {
				t.Errorf("first block %s, want the root %s", blks[0].Cid(), roots[0])
			}
			if got := assemble(t, roots[0], blks); !bytes.Equal(got, tc.data) {
				t.Errorf("CAR content is %d bytes, differs from the %d bytes put", len(got), len(tc.data))
			}

			// Again: same name, same bytes, and still no temporary file beside it.
			if _, err := Put(dir, tc.data, tc.version); err != nil {
				t.Fatal(err)
			}
			second, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(first, second) {
				t.Error("second Put of the same content wrote different bytes")
			}
			entries, err := os.ReadDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			if len(entries) != 1 || entries[0].Name() != c+".car" {
				var names []string
				for _, e := range entries {
					names = append(names, e.Name())
				}
				t.Errorf("dir holds %v, want only %s.car", names, c)
			}
		})
	}
}

// TestPutMatchesDagExport pins the CAR bytes to what kubo writes for the same DAG.
func TestPutMatchesDagExport(t *testing.T) {
	// sha256sum of `ipfs dag export CID`, after `ipfs add --cid-version=V FILE` of the
	// four-chunk vector, with kubo v0.43.1 (see cidVector).
	tests := []struct {
		version int
		sha256  string
	}{
		{0, "4e2e03df6b0960866daa624ba0fc59a864e2b60d381833b1a82d8f28a27442ed"},
		{1, "c0ca11a539ca6ed98b860bb508868c56100769b138d1e20239237f5d2e3cebbf"},
	}
	data := pseudoRandom(3*262144 + 12345)
	for _, tc := range tests {
		t.Run(fmt.Sprintf("v%d", tc.version), func(t *testing.T) {
			dir := t.TempDir()
			c, err := Put(dir, data, tc.version)
			if err != nil {
				t.Fatal(err)
			}
			file, err := os.ReadFile(filepath.Join(dir, c+".car"))
			if err != nil {
				t.Fatal(err)
			}
			if got := fmt.Sprintf("%x", sha256.Sum256(file)); got != tc.sha256 {
				t.Errorf("CAR of %s has sha256 %s, kubo's export has %s", c, got, tc.sha256)
			}
		})
	}
}

func TestVerify(t *testing.T) {
	data := pseudoRandom(3*262144 + 12345)
	changed := bytes.Clone(data)
	changed[len(changed)-1] ^= 1
	other := []byte("hello world")

	// Each case prepares dir and returns the CID to verify data against.
	tests := []struct {
		name     string
		version  int
		data     []byte
		setup    func(t *testing.T, dir string, c string)
		mismatch bool // want an error wrapping ErrMismatch
	}{
		{name: "v0 with CAR", version: 0, data: data},
		{name: "v1 with CAR", version: 1, data: data},
		{name: "v1 without CAR", version: 1, data: data, setup: removeCAR},
		{name: "v0 changed data", version: 0, data: changed, mismatch: true},
		{name: "v1 changed data", version: 1, data: changed, mismatch: true},
		{name: "changed data without CAR", version: 1, data: changed, setup: removeCAR, mismatch: true},
		{
			name: "tampered block", version: 1, data: data, mismatch: true,
			setup: func(t *testing.T, dir, c string) {
				path := filepath.Join(dir, c+".car")
				file, err := os.ReadFile(path)
				if err != nil {
					t.Fatal(err)
				}
				file[len(file)-1] ^= 1 // last byte of the last block's data
				if err := os.WriteFile(path, file, 0o644); err != nil {
					t.Fatal(err)
				}
			},
		},
		{
			name: "other root", version: 1, data: data, mismatch: true,
			setup: func(t *testing.T, dir, c string) {
				oc, err := Put(dir, other, 1)
				if err != nil {
					t.Fatal(err)
				}
				if err := os.Rename(filepath.Join(dir, oc+".car"), filepath.Join(dir, c+".car")); err != nil {
					t.Fatal(err)
				}
			},
		},
		{
			name: "missing block", version: 0, data: data, mismatch: true,
			setup: func(t *testing.T, dir, c string) {
				path := filepath.Join(dir, c+".car")
				_, roots, blks := readCAR(t, path)
				writeCAR(t, path, roots, blks[:len(blks)-1])
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			c, err := Put(dir, data, tc.version)
			if err != nil {
				t.Fatal(err)
			}
			if tc.setup != nil {
				tc.setup(t, dir, c)
			}
			err = Verify(dir, c, tc.data)
			if !tc.mismatch {
				if err != nil {
					t.Fatalf("Verify: %v", err)
				}
				return
			}
			if !errors.Is(err, ErrMismatch) {
				t.Fatalf("Verify: err = %v, want ErrMismatch", err)
			}
			if !strings.Contains(err.Error(), c) {
				t.Errorf("Verify: error %q does not name the expected CID %s", err, c)
			}
		})
	}
}

// TestVerifyNamesBothCIDs checks the message a user sees when content changed.
func TestVerifyNamesBothCIDs(t *testing.T) {
	for version := range 2 {
		want, err := CID(strings.NewReader("hello world"), version)
		if err != nil {
			t.Fatal(err)
		}
		got, err := CID(strings.NewReader("hello world!"), version)
		if err != nil {
			t.Fatal(err)
		}
		err = Verify(t.TempDir(), want, []byte("hello world!"))
		if !errors.Is(err, ErrMismatch) {
			t.Fatalf("v%d: err = %v, want ErrMismatch", version, err)
		}
		if msg := fmt.Sprintf("content has CID %s, expected %s", got, want); !strings.Contains(err.Error(), msg) {
			t.Errorf("v%d: error %q does not say %q", version, err, msg)
		}
	}
}

func TestVerifyOtherBase(t *testing.T) {
	// The same CIDv1 in base36 still finds and checks the CAR filed under its base32 form.
	data := []byte("hello world")
	dir := t.TempDir()
	c, err := Put(dir, data, 1)
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := cid.Decode(c)
	if err != nil {
		t.Fatal(err)
	}
	k, err := parsed.StringOfBase('k')
	if err != nil {
		t.Fatal(err)
	}
	if err := Verify(dir, k, data); err != nil {
		t.Fatalf("Verify(%s): %v", k, err)
	}
	if err := os.WriteFile(filepath.Join(dir, c+".car"), []byte("not a CAR"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Verify(dir, k, data); err == nil {
		t.Fatalf("Verify(%s) with a corrupt CAR under %s.car: no error", k, c)
	}
}

func TestVerifyBadCID(t *testing.T) {
	err := Verify(t.TempDir(), "not-a-cid", []byte("x"))
	if err == nil {
		t.Fatal("Verify of a malformed CID: no error")
	}
	if errors.Is(err, ErrMismatch) {
		t.Errorf("Verify of a malformed CID: %v, want an error that is not ErrMismatch", err)
	}
}

func removeCAR(t *testing.T, dir, c string) {
	t.Helper()
	if err := os.Remove(filepath.Join(dir, c+".car")); err != nil {
		t.Fatal(err)
	}
}
