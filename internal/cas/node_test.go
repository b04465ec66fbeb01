package cas_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/agentic-optimizer/optimizer/internal/cas"
	"github.com/agentic-optimizer/optimizer/internal/kubotest"
)

const chunk = 262144

// agreementSizes are the file sizes whose CIDs must agree with the daemon's: the edges of one
// chunk, of a few chunks, several MiB, and of a root with 174 links (more chunks need a second
// level in the balanced DAG).
var agreementSizes = []int{
	0, 1, 2, 3, 127, 1000, 4096, 65536, 200000,
	chunk - 1, chunk, chunk + 1, 300000,
	2*chunk - 1, 2 * chunk, 2*chunk + 1,
	1 << 20, 3<<20 + 7, 5 << 20, 8<<20 + 1,
	174 * chunk, 174*chunk + 1,
}

// content returns size deterministic pseudo-random bytes (seeded by size), or zeros for every
// third size so that repeated blocks are covered too.
func content(i, size int) []byte {
	b := make([]byte, size)
	if i%3 == 2 {
		return b
	}
	rand.NewChaCha8([32]byte{byte(size), byte(size >> 8), byte(size >> 16), byte(size >> 24)}).Read(b)
	return b
}

func dial(t *testing.T, api string) *cas.Node {
	t.Helper()
	n, err := cas.Dial(api)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestCIDAgreesWithDaemon adds files of every size in agreementSizes to a real kubo daemon, for
// CIDv0 and CIDv1, and asserts that the daemon's CID is the local one — both through Node.Add
// (options set explicitly) and through plain `ipfs add` (the daemon's own defaults).
func TestCIDAgreesWithDaemon(t *testing.T) {
	d := kubotest.Start(t)
	n := dial(t, d.API)
	ctx := context.Background()
	agreed := 0
	for i, size := range agreementSizes {
		data := content(i, size)
		for _, version := range []int{0, 1} {
			t.Run(fmt.Sprintf("v%d/%d", version, size), func(t *testing.T) {
				local, err := cas.CID(bytes.NewReader(data), version)
				if err != nil {
					t.Fatal(err)
				}
				got, err := n.Add(ctx, data, version, "")
				if err != nil {
					t.Fatalf("add: %v", err)
				}
				if got != local {
					t.Fatalf("daemon CID %s, local %s", got, local)
				}
				if size <= 8<<20+1 {
					plain := strings.TrimSpace(d.IPFS(t, data, "add", "-Q", "--pin=false", fmt.Sprintf("--cid-version=%d", version)))
					if plain != local {
						t.Fatalf("`ipfs add --cid-version=%d` gives %s, local %s", version, plain, local)
					}
				}
				agreed++
			})
		}
	}
	if agreed != 2*len(agreementSizes) {
		t.Fatalf("%d of %d CIDs agreed", agreed, 2*len(agreementSizes))
	}
	t.Logf("%d files (%d sizes × CIDv0 and CIDv1): local CID == daemon CID", agreed, len(agreementSizes))
}

// TestAddPinsAndCatVerifies checks that Add pins under the given name and that Cat returns the
// bytes of a CID, verified.
func TestAddPinsAndCatVerifies(t *testing.T) {
	d := kubotest.Start(t)
	n := dial(t, d.URL())
	ctx := context.Background()
	data := []byte("diff --git a/x b/x\n" + t.Name() + "\n")
	c, err := n.Add(ctx, data, 1, "optimizer test "+t.Name())
	if err != nil {
		t.Fatal(err)
	}
	if out := d.IPFS(t, nil, "pin", "ls", "--names", "--type=recursive", c); !strings.Contains(out, c) || !strings.Contains(out, "optimizer test") {
		t.Fatalf("pin ls %s: %q, want it pinned under its name", c, out)
	}
	if pinned, err := n.Pinned(ctx, c); err != nil || !pinned {
		t.Fatalf("Pinned(%s) = %v, %v; want true", c, pinned, err)
	}
	got, err := n.Cat(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, data) {
		t.Fatalf("cat %s = %q, want %q", c, got, data)
	}

	// Content the node holds under another layout does not pass as c: a CIDv1 of dag-pb leaves
	// names the same bytes, but not as kubo's defaults import them.
	other := strings.TrimSpace(d.IPFS(t, data, "add", "-Q", "--cid-version=1", "--raw-leaves=false"))
	if _, err := n.Cat(ctx, other); !errors.Is(err, cas.ErrMismatch) {
		t.Fatalf("cat of a non-default layout: %v, want ErrMismatch", err)
	}
	if pinned, err := n.Pinned(ctx, "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy"); err != nil || pinned {
		t.Fatalf("Pinned(unknown) = %v, %v; want false, nil", pinned, err)
	}
}

// TestStoredCARImports imports CAR files written by Put with `ipfs dag import` and through
// ImportCAR: the daemon reports the same root, and has the content under it.
func TestStoredCARImports(t *testing.T) {
	d := kubotest.Start(t)
	n := dial(t, d.API)
	dir := t.TempDir()
	for i, size := range []int{0, 11, chunk + 1, 3<<20 + 7} {
		for _, version := range []int{0, 1} {
			data := content(i, size)
			c, err := cas.Put(dir, data, version)
			if err != nil {
				t.Fatal(err)
			}
			car, err := os.ReadFile(filepath.Join(dir, c+".car"))
			if err != nil {
				t.Fatal(err)
			}
			out := d.IPFS(t, car, "dag", "import", "--pin-roots", "-")
			if !strings.Contains(out, "Pinned root\t"+c+"\tsuccess") {
				t.Fatalf("ipfs dag import %s.car: %q, want root %s pinned", c, out, c)
			}
			roots, err := n.ImportCAR(context.Background(), bytes.NewReader(car))
			if err != nil || len(roots) != 1 || roots[0] != c {
				t.Fatalf("ImportCAR(%s.car) = %v, %v; want [%s]", c, roots, err, c)
			}
			if got, err := n.Cat(context.Background(), c); err != nil || !bytes.Equal(got, data) {
				t.Fatalf("cat %s after import: %v (equal %v)", c, err, bytes.Equal(got, data))
			}
			// Byte for byte what `ipfs dag export` writes.
			if export := d.IPFS(t, nil, "dag", "export", c); export != string(car) {
				t.Fatalf("%s.car differs from `ipfs dag export %s`", c, c)
			}
		}
	}
}

func TestAnnounce(t *testing.T) {
	d := kubotest.Start(t)
	n := dial(t, d.API)
	ctx := context.Background()
	dir := "/optimizer-test/" + strings.ReplaceAll(t.Name(), "/", "-")
	if got, err := n.Announced(ctx, dir); err != nil || len(got) != 0 {
		t.Fatalf("Announced(missing dir) = %v, %v; want none", got, err)
	}
	a, err := n.Add(ctx, []byte("first"), 1, "")
	if err != nil {
		t.Fatal(err)
	}
	b, err := n.Add(ctx, []byte("second"), 1, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, step := range []struct{ name, cid string }{{"b.json", b}, {"a.json", a}, {"a.json", a}, {"b.json", a}} {
		if err := n.Announce(ctx, dir, step.name, step.cid); err != nil {
			t.Fatalf("announce %s: %v", step.name, err)
		}
	}
	got, err := n.Announced(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	want := []cas.Entry{{Name: "a.json", CID: a}, {Name: "b.json", CID: a}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("Announced = %v, want %v", got, want)
	}
	root, err := n.Root(ctx, dir)
	if err != nil || root == "" {
		t.Fatalf("Root = %q, %v", root, err)
	}
	if out := d.IPFS(t, nil, "ls", root); !strings.Contains(out, a) || !strings.Contains(out, "b.json") {
		t.Fatalf("ipfs ls %s = %q, want both entries", root, out)
	}
}

// TestNodeDown: a node that is down, or goes away after a few requests, is ErrUnreachable.
func TestNodeDown(t *testing.T) {
	d := kubotest.Start(t)
	ctx := context.Background()
	closed, stop, err := kubotest.Closed()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	down := dial(t, closed)
	if _, err := down.Add(ctx, []byte("x"), 1, ""); !errors.Is(err, cas.ErrUnreachable) {
		t.Fatalf("add to a closed port: %v, want ErrUnreachable", err)
	}
	if _, err := down.Cat(ctx, "bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e"); !errors.Is(err, cas.ErrUnreachable) {
		t.Fatalf("cat from a closed port: %v, want ErrUnreachable", err)
	}

	// The proxy forwards two requests (the version check and the first add), then dies.
	proxy, stop, err := kubotest.Dying(d, 2)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	dying := dial(t, proxy)
	if _, err := dying.Add(ctx, []byte("before"), 1, ""); err != nil {
		t.Fatalf("first add through the proxy: %v", err)
	}
	if _, err := dying.Add(ctx, []byte("after"), 1, ""); !errors.Is(err, cas.ErrUnreachable) {
		t.Fatalf("add after the daemon went away: %v, want ErrUnreachable", err)
	}
}

func TestDialRejectsBadAddress(t *testing.T) {
	if _, err := cas.Dial("/ip4/notanip/tcp/5001"); err == nil {
		t.Fatal("Dial accepted a bad multiaddr")
	}
}

// TestAddReportsMismatch: a node that answers with another CID than the local one is
// ErrNodeMismatch, naming both.
func TestAddReportsMismatch(t *testing.T) {
	const wrong = "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/api/v0/version":
			fmt.Fprint(w, `{"Version":"0.43.1"}`)
		case "/api/v0/add":
			if r.URL.Query().Get("max-file-links") != "174" || r.URL.Query().Get("raw-leaves") != "true" || r.URL.Query().Get("chunker") != "size-262144" {
				http.Error(w, `{"Message":"options not sent: `+r.URL.RawQuery+`","Code":0,"Type":"error"}`, http.StatusInternalServerError)
				return
			}
			io.Copy(io.Discard, r.Body)
			fmt.Fprintf(w, `{"Name":"","Hash":%q}`, wrong)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	n := dial(t, srv.URL)
	got, err := n.Add(context.Background(), []byte("hello world"), 1, "")
	if !errors.Is(err, cas.ErrNodeMismatch) || got != wrong {
		t.Fatalf("Add = %q, %v; want %s and ErrNodeMismatch", got, err, wrong)
	}
	if !strings.Contains(err.Error(), "bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e") {
		t.Fatalf("the error does not name the local CID: %v", err)
	}
}
