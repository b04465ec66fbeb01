package patch

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/agentic-optimizer/optimizer/internal/cas"
	"github.com/agentic-optimizer/optimizer/internal/kubotest"
)

// TestPublishAndFetch publishes a patch to a real daemon and fetches it into an empty output
// directory by CID, by ID and by ID prefix; what arrives is what was saved.
func TestPublishAndFetch(t *testing.T) {
	d := kubotest.Start(t)
	n, err := cas.Dial(d.API)
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
		if want, _ := cas.CID(bytes.NewReader(metaFile), version); metaCID != want {
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
	n, err := cas.Dial(d.API)
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
	if _, err := dst.Fetch(ctx, n, other); !errors.Is(err, cas.ErrMismatch) {
		t.Fatalf("fetch of mislabelled metadata: %v, want cas.ErrMismatch", err)
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
	if !listed || len(bad) == 0 || !errors.Is(bad[0], cas.ErrMismatch) {
		t.Fatalf("Announced: listed %s %v, bad %v", m.ID, listed, bad)
	}
}

// TestFetchRefusesAlteredAnnouncements: a node whose announcement of a patch does not check out
// (not JSON, naming another reverse or forward patch) makes Fetch by ID and by CID fail with
// cas.ErrMismatch, saving nothing; only a patch the node does not know is ErrNotFound.
func TestFetchRefusesAlteredAnnouncements(t *testing.T) {
	d := kubotest.Start(t)
	n, err := cas.Dial(d.API)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	src := Dir{Path: t.TempDir(), CIDVersion: 1}
	fwd := "diff --git a/altered.go b/altered.go\nindex 1..2 100644\n--- a/altered.go\n+++ b/altered.go\n@@ -1 +1 @@\n-x\n+y\n"
	rev := "diff --git a/altered.go b/altered.go\nindex 2..1 100644\n--- a/altered.go\n+++ b/altered.go\n@@ -1 +1 @@\n-y\n+x\n"
	notRev := "diff --git a/altered.go b/altered.go\nindex 2..1 100644\n--- a/altered.go\n+++ b/altered.go\n@@ -1 +1 @@\n-y\n+z\n"
	m, err := src.Save([]byte(fwd), []byte(rev), Meta{Parent: "abc"})
	if err != nil {
		t.Fatal(err)
	}
	otherFwd, err := n.Add(ctx, []byte(fwdB), 1, "")
	if err != nil {
		t.Fatal(err)
	}
	otherRev, err := n.Add(ctx, []byte(notRev), 1, "")
	if err != nil {
		t.Fatal(err)
	}
	altered := func(edit func(m *Meta)) []byte {
		a := m
		edit(&a)
		b, _ := json.Marshal(a)
		return b
	}
	for _, tt := range []struct {
		name string
		meta []byte
	}{
		{"not JSON", []byte("not json")},
		{"another patch's ID", altered(func(a *Meta) { a.ID = "0123456789ab" })},
		{"a reverse that does not undo it", altered(func(a *Meta) { a.ReverseCID = otherRev })},
		{"another forward patch", altered(func(a *Meta) { a.CID = otherFwd })},
	} {
		if _, err := src.Publish(ctx, n, m); err != nil {
			t.Fatal(err)
		}
		metaCID, err := n.Add(ctx, tt.meta, 1, "")
		if err != nil {
			t.Fatal(err)
		}
		if err := n.Announce(ctx, AnnounceDir, m.ID+".json", metaCID); err != nil {
			t.Fatal(err)
		}
		for _, ref := range []string{m.ID, m.CID} {
			dst := Dir{Path: t.TempDir()}
			_, err := dst.Fetch(ctx, n, ref)
			if !errors.Is(err, cas.ErrMismatch) || errors.Is(err, ErrNotFound) {
				t.Errorf("%s: fetch %s: %v, want cas.ErrMismatch", tt.name, ref, err)
			}
			if metas, _ := dst.List(); len(metas) != 0 {
				t.Errorf("%s: a refused fetch saved %v", tt.name, metas)
			}
		}
	}
	unknown, _ := cas.CID(strings.NewReader("never added "+t.Name()), 1)
	for _, ref := range []string{"fedcba987654", unknown} {
		if _, err := (Dir{Path: t.TempDir()}).Fetch(ctx, n, ref); !errors.Is(err, ErrNotFound) {
			t.Errorf("fetch of unknown %s: %v, want ErrNotFound", ref, err)
		}
	}
	// Announced again as the run does, it fetches.
	if _, err := src.Publish(ctx, n, m); err != nil {
		t.Fatal(err)
	}
	if got, err := (Dir{Path: t.TempDir()}).Fetch(ctx, n, m.CID); err != nil || got.ID != m.ID {
		t.Fatalf("fetch after publishing again: %+v, %v", got, err)
	}
}
