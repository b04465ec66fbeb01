package cas

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// pseudoRandom returns n deterministic bytes: SHA-256 of the 8-byte little-endian counters
// 0, 1, 2, … concatenated and cut to n. It is easy to regenerate outside Go, e.g. in Python:
//
//	b''.join(hashlib.sha256(k.to_bytes(8, 'little')).digest() for k in range(n//32+1))[:n]
//
// Unlike a short repeating pattern, no two chunks are equal, so no block is deduplicated.
func pseudoRandom(n int) []byte {
	out := make([]byte, 0, n+sha256.Size)
	var ctr [8]byte
	for k := uint64(0); len(out) < n; k++ {
		binary.LittleEndian.PutUint64(ctr[:], k)
		sum := sha256.Sum256(ctr[:])
		out = append(out, sum[:]...)
	}
	return out[:n]
}

// cidVector is content with the CIDs that kubo itself prints for it, so the vectors do not
// come from this package's code. Every v0/v1 below was printed by kubo's own `ipfs` binary,
// "Kubo version: 0.43.1" (github.com/ipfs/kubo@v0.43.1, built with go1.26.8 from its module
// source; the only go.mod change was dropping the replace of go-libp2p by a fork that the
// module proxy does not serve, with quic-go pinned to v0.60.0 and webtransport-go to v0.11.1
// to match; networking code, not the importer), in a fresh `ipfs init -e` repo whose Import
// config is all defaults, by
//
//	ipfs add --only-hash --quiet --cid-version=0 FILE
//	ipfs add --only-hash --quiet --cid-version=1 FILE
//
// where FILE holds exactly the vector's bytes: "hello world" with no newline, an empty file,
// or pseudoRandom(n) written out for the n in the vector.
type cidVector struct {
	name string
	data func() []byte
	big  bool // tens of megabytes: skipped with -short
	v0   string
	v1   string
}

func cidVectors() []cidVector {
	sized := func(n int) func() []byte { return func() []byte { return pseudoRandom(n) } }
	return []cidVector{
		{
			name: "empty",
			data: func() []byte { return nil },
			v0:   "QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH",
			v1:   "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku",
		},
		{
			name: "hello world",
			data: func() []byte { return []byte("hello world") },
			v0:   "Qmf412jQZiuVUtdgnB36FXFX7xg5V6KEbSJ4dpQuhkLyfD",
			v1:   "bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e",
		},
		{
			// Exactly one chunk: in v1 the raw leaf is the root.
			name: "one full chunk",
			data: sized(262144),
			v0:   "QmRzjfPWkcYd6b5js8ZuncB9mau8GYjyNdwvKRkLzjFBrU",
			v1:   "bafkreiaqvmtqltef4yrmjn237esoqzwbgfwbjrrrbpsr3qctlxgvlm62me",
		},
		{
			name: "one chunk and one byte",
			data: sized(262145),
			v0:   "QmV9TrqyG4wUyvg5g9YFSoUp9n46CRk12TeFp8GcPFmsXd",
			v1:   "bafybeicml3tuikq2go6eoyfpwdbykmev4a5nfam3hmkvce4xs6ilkyvkxi",
		},
		{
			name: "four chunks",
			data: sized(3*262144 + 12345),
			v0:   "QmUHGLKrq4AVnuhPhZCeqREmFqHsHYVSzYP1oror13AGBR",
			v1:   "bafybeig2mec2lpop45tsu7ugzo6n4344w7z4l6k2iaxhj37ghp3wq7lrne",
		},
		{
			// 174 leaves: the most a single-level balanced DAG holds.
			name: "174 chunks",
			data: sized(174 * 262144),
			big:  true,
			v0:   "QmRW5K7d1YcoAp7XCFhG5hjSZmkKqRoyEZ2J3pXY9dzxXE",
			v1:   "bafybeidf3mza7quxvcyimhuactgvoawsutzsfi24cflrh3gqgrqwiggprq",
		},
		{
			// 176 leaves: the root gets a second level of two intermediate nodes.
			name: "176 chunks",
			data: sized(175*262144 + 4321),
			big:  true,
			v0:   "QmWiC6Lv9noUtWPd6DabcFKp7s9M3Ky5UyFMJrfYSvpwQu",
			v1:   "bafybeidkq5gkl3s7kzeguvry2ce5suczhvefkpslocn22qjnbrpfp3xj2e",
		},
	}
}

func TestCID(t *testing.T) {
	for _, tc := range cidVectors() {
		t.Run(tc.name, func(t *testing.T) {
			if tc.big && testing.Short() {
				t.Skip("large input; skipped with -short")
			}
			data := tc.data()
			for _, want := range []struct {
				version int
				cid     string
			}{{0, tc.v0}, {1, tc.v1}} {
				got, err := CID(bytes.NewReader(data), want.version)
				if err != nil {
					t.Fatalf("CID(%d bytes, v%d): %v", len(data), want.version, err)
				}
				if got != want.cid {
					t.Errorf("CID(%d bytes, v%d) = %s, kubo says %s", len(data), want.version, got, want.cid)
				}
			}
		})
	}
}

// TestCIDReadBoundaries checks that the CID depends on the bytes only, not on how the reader
// splits them.
func TestCIDReadBoundaries(t *testing.T) {
	data := pseudoRandom(3*262144 + 12345)
	tests := []struct {
		name string
		r    func() io.Reader
	}{
		{"half reads", func() io.Reader { return iotest.HalfReader(bytes.NewReader(data)) }},
		{"EOF with data", func() io.Reader { return iotest.DataErrReader(bytes.NewReader(data)) }},
		{"concatenated", func() io.Reader {
			return io.MultiReader(bytes.NewReader(data[:1000]), bytes.NewReader(data[1000:]))
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for version := range 2 {
				want, err := CID(bytes.NewReader(data), version)
				if err != nil {
					t.Fatal(err)
				}
				got, err := CID(tc.r(), version)
				if err != nil {
					t.Fatal(err)
				}
				if got != want {
					t.Errorf("v%d: CID = %s, want %s", version, got, want)
				}
			}
		})
	}
}

func TestCIDReadError(t *testing.T) {
	boom := errors.New("boom")
	r := io.MultiReader(strings.NewReader("partial"), iotest.ErrReader(boom))
	if _, err := CID(r, 1); !errors.Is(err, boom) {
		t.Fatalf("CID of a failing reader: err = %v, want it to wrap %v", err, boom)
	}
}

func TestBadVersion(t *testing.T) {
	for _, version := range []int{-1, 2, 3} {
		if _, err := CID(strings.NewReader("x"), version); !errors.Is(err, errVersion) {
			t.Errorf("CID(v%d): err = %v, want %v", version, err, errVersion)
		}
		dir := t.TempDir()
		if _, err := Put(dir, []byte("x"), version); !errors.Is(err, errVersion) {
			t.Errorf("Put(v%d): err = %v, want %v", version, err, errVersion)
		}
	}
}

func BenchmarkCID(b *testing.B) {
	data := pseudoRandom(1 << 20)
	for version := range 2 {
		b.Run(fmt.Sprintf("v%d", version), func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if _, err := CID(bytes.NewReader(data), version); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
