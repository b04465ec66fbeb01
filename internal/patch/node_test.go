package patch

import (
	"bytes"
	"context"
	"errors"
	"os"
	"testing"

	"github.com/agentic-optimizer/optimizer/internal/kubotest"
	"github.com/agentic-optimizer/optimizer/internal/store"
)

// TestPublishAndFetch publishes a patch to a real daemon and fetches it into an empty output
// directory by CID, by ID and by ID prefix; what arrives is what was saved.
func TestPublishAndFetch(t *testing.T) {
	d := kubotest.Start(t)
	n, err := store.Dial(d.API)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, version := range []int{0, 1} {
		src := Dir{Path: t.TempDir(), CIDVersion: version}
		m, err := src.Save([]byte(fwdA), []byte(revA), Meta{Task: "t", Method: "m", Parent: "abc"})
		if err != nil {
			t.Fatal(err)
		}
		metaCID, err := src.Publish(ctx, n, m)
		if err != nil {
			t.Fatal(err)
		}
		metaFile, _ := os.ReadFile(src.MetaPath(m.ID))
		if want, _ := store.CID(bytes.NewReader(metaFile), version); metaCID != want {
			t.Fatalf("metadata CID %s, local %s", metaCID, want)
		}
		announced, _, err := Announced(ctx, n)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, a := range announced {
			found = found || a.ID == m.ID && a.CID == m.CID
		}
		if !found {
			t.Fatalf("v%d: %s is not among the announced patches %v", version, m.ID, announced)
		}
		for _, ref := range []string{m.CID, m.ID, m.ID[:8]} {
			dst := Dir{Path: t.TempDir()}
			got, err := dst.Fetch(ctx, n, ref)
			if err != nil {
				t.Fatalf("v%d: fetch %s: %v", version, ref, err)
			}
			if got.ID != m.ID || got.CID != m.CID || got.ReverseCID != m.ReverseCID || !got.Created.Equal(m.Created) {
				t.Fatalf("v%d: fetch %s = %+v, want %+v", version, ref, got, m)
			}
			fwd, rev, err := dst.Load(got)
			if err != nil || string(fwd) != fwdA || string(rev) != revA {
				t.Fatalf("v%d: fetched patch does not load back: %v", version, err)
			}
		}
	}
	if _, err := (Dir{Path: t.TempDir()}).Fetch(ctx, n, "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("fetch of an unannounced CID: %v, want ErrNotFound", err)
	}
}

// TestFetchRefusesMislabelledMetadata: metadata announced under another patch's ID is refused,
// and nothing is saved.
func TestFetchRefusesMislabelledMetadata(t *testing.T) {
	d := kubotest.Start(t)
	n, err := store.Dial(d.API)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	src := Dir{Path: t.TempDir(), CIDVersion: 1}
	m, err := src.Save([]byte(fwdB), []byte(revB), Meta{Parent: "abc"})
	if err != nil {
		t.Fatal(err)
	}
	metaCID, err := src.Publish(ctx, n, m)
	if err != nil {
		t.Fatal(err)
	}
	const other = "0123456789ab"
	if err := n.Announce(ctx, AnnounceDir, other+".json", metaCID); err != nil {
		t.Fatal(err)
	}
	dst := Dir{Path: t.TempDir()}
	if _, err := dst.Fetch(ctx, n, other); !errors.Is(err, ErrMalformed) {
		t.Fatalf("fetch of mislabelled metadata: %v, want ErrMalformed", err)
	}
	if metas, _ := dst.List(); len(metas) != 0 {
		t.Fatalf("a refused fetch saved %v", metas)
	}
	// The listing leaves the bad announcement out, and says so, but still lists the good one.
	metas, bad, err := Announced(ctx, n)
	if err != nil {
		t.Fatal(err)
	}
	listed := false
	for _, a := range metas {
		listed = listed || a.ID == m.ID
		if a.ID == other {
			t.Fatalf("the mislabelled announcement is listed: %+v", a)
		}
	}
	if !listed || len(bad) == 0 || !errors.Is(bad[0], ErrMalformed) {
		t.Fatalf("Announced: listed %s %v, bad %v", m.ID, listed, bad)
	}
}
