package patch

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/agentic-optimizer/optimizer/internal/cas"
	"github.com/agentic-optimizer/optimizer/internal/diff"
)

const (
	fwdA = "diff --git a/f.go b/f.go\nindex 1..2 100644\n--- a/f.go\n+++ b/f.go\n@@ -1 +1 @@\n-a\n+b\n"
	revA = "diff --git a/f.go b/f.go\nindex 2..1 100644\n--- a/f.go\n+++ b/f.go\n@@ -1 +1 @@\n-b\n+a\n"
	fwdB = "diff --git a/g.go b/g.go\nnew file mode 100644\nindex 0..3\n--- /dev/null\n+++ b/g.go\n@@ -0,0 +1 @@\n+package g\n"
	revB = "diff --git a/g.go b/g.go\ndeleted file mode 100644\nindex 3..0\n--- a/g.go\n+++ /dev/null\n@@ -1 +0,0 @@\n-package g\n"
)

func TestSaveListFindLoad(t *testing.T) {
	for _, version := range []int{0, 1} {
		t.Run("cidv"+string(rune('0'+version)), func(t *testing.T) {
			d := Dir{Path: filepath.Join(t.TempDir(), ".optimizer"), CIDVersion: version}
			validation := json.RawMessage(`{"accepted": true}`)
			a, err := d.Save([]byte(fwdA), []byte(revA), Meta{Task: "t1", Method: "modernize", Parent: "abc123", Validation: validation})
			if err != nil {
				t.Fatal(err)
			}
			if a.ID != ID([]byte(fwdA)) || len(a.ID) != 12 {
				t.Errorf("ID = %q, want %q", a.ID, ID([]byte(fwdA)))
			}
			wantCID, err := cas.CID(strings.NewReader(fwdA), version)
			if err != nil {
				t.Fatal(err)
			}
			if a.CID != wantCID {
				t.Errorf("CID = %s, want %s", a.CID, wantCID)
			}
			if a.ReverseCID == "" || a.ReverseCID == a.CID {
				t.Errorf("ReverseCID = %q", a.ReverseCID)
			}
			if !reflect.DeepEqual(a.Files, []string{"f.go"}) || a.Created.IsZero() || a.Parent != "abc123" {
				t.Errorf("Save returned %+v", a)
			}
			for _, p := range []string{d.PatchPath(a.ID), d.ReversePath(a.ID), d.MetaPath(a.ID),
				filepath.Join(d.StorePath(), a.CID+".car"), filepath.Join(d.StorePath(), a.ReverseCID+".car")} {
				if _, err := os.Stat(p); err != nil {
					t.Errorf("Save did not write %s: %v", p, err)
				}
			}

			b, err := d.Save([]byte(fwdB), []byte(revB), Meta{Method: "llm", Created: a.Created.Add(time.Second)})
			if err != nil {
				t.Fatal(err)
			}
			list, err := d.List()
			if err != nil {
				t.Fatal(err)
			}
			if len(list) != 2 || list[0].ID != a.ID || list[1].ID != b.ID {
				t.Fatalf("List = %+v, want a then b", list)
			}
			if !reflect.DeepEqual(list[0], normalize(t, a)) {
				t.Errorf("List()[0] = %+v, want %+v", list[0], a)
			}

			fwd, rev, err := d.Load(list[0])
			if err != nil {
				t.Fatal(err)
			}
			if string(fwd) != fwdA || string(rev) != revA {
				t.Errorf("Load returned %q, %q", fwd, rev)
			}
		})
	}
}

// normalize gives m the form it has after a JSON round trip.
func normalize(t *testing.T, m Meta) Meta {
	t.Helper()
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	var out Meta
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestSaveIdempotent(t *testing.T) {
	d := Dir{Path: t.TempDir(), CIDVersion: 1}
	first, err := d.Save([]byte(fwdA), []byte(revA), Meta{Task: "old"})
	if err != nil {
		t.Fatal(err)
	}
	second, err := d.Save([]byte(fwdA), []byte(revA), Meta{Task: "new"})
	if err != nil {
		t.Fatal(err)
	}
	if second.ID != first.ID || second.CID != first.CID || !second.Created.Equal(first.Created) {
		t.Errorf("second Save = %+v, first = %+v", second, first)
	}
	list, err := d.List()
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].Task != "new" {
		t.Errorf("List = %+v, want one patch with the new task", list)
	}
	events, err := d.History()
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 1 || events[0].Action != ActionCreated {
		t.Errorf("History = %+v, want one created event", events)
	}
}

func TestSaveRefuses(t *testing.T) {
	tests := []struct {
		name, forward, reverse string
	}{
		{"forward not a diff", "hello", revA},
		{"reverse not a diff", fwdA, ""},
		{"reverse of another change", fwdA, revB},
	}
	t.Run("validation not JSON", func(t *testing.T) {
		d := Dir{Path: t.TempDir(), CIDVersion: 1}
		if _, err := d.Save([]byte(fwdA), []byte(revA), Meta{Validation: json.RawMessage("{oops")}); !errors.Is(err, diff.ErrMalformed) {
			t.Errorf("Save = %v, want an error wrapping ErrMalformed", err)
		}
		if entries, _ := os.ReadDir(d.Path); len(entries) != 0 {
			t.Errorf("Save left %v behind", entries)
		}
	})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Dir{Path: t.TempDir(), CIDVersion: 1}
			if _, err := d.Save([]byte(tt.forward), []byte(tt.reverse), Meta{}); !errors.Is(err, diff.ErrMalformed) {
				t.Errorf("Save = %v, want an error wrapping ErrMalformed", err)
			}
			if entries, _ := os.ReadDir(d.Path); len(entries) != 0 {
				t.Errorf("Save left %v behind", entries)
			}
		})
	}
}

func TestFind(t *testing.T) {
	d := Dir{Path: t.TempDir(), CIDVersion: 1}
	a, err := d.Save([]byte(fwdA), []byte(revA), Meta{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := d.Save([]byte(fwdB), []byte(revB), Meta{})
	if err != nil {
		t.Fatal(err)
	}
	// A third patch whose ID shares its first 6 digits with a's, made by
	// hand: Find only reads the metadata.
	c := Meta{ID: a.ID[:6] + "000000", CID: "bafkreic", Created: time.Now()}
	if c.ID == a.ID {
		c.ID = a.ID[:6] + "111111"
	}
	data, _ := json.Marshal(c)
	if err := os.WriteFile(d.MetaPath(c.ID), data, 0o644); err != nil {
		t.Fatal(err)
	}
	v0, err := cas.CID(strings.NewReader(fwdB), 0)
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := cid.Decode(a.CID)
	if err != nil {
		t.Fatal(err)
	}
	base36, err := parsed.StringOfBase('k')
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name, ref, want string
		err             error
	}{
		{"id", a.ID, a.ID, nil},
		{"id with spaces", " " + b.ID + "\n", b.ID, nil},
		{"prefix", b.ID[:6], b.ID, nil},
		{"upper-case prefix", strings.ToUpper(b.ID[:6]), b.ID, nil},
		{"cid", a.CID, a.ID, nil},
		{"cid in another base", base36, a.ID, nil},
		{"ambiguous prefix", a.ID[:6], "", ErrAmbiguous},
		{"prefix too short", a.ID[:3], "", ErrNotFound},
		{"unknown id", "ffffffffffff", "", ErrNotFound},
		{"unknown cid", v0, "", ErrNotFound},
		{"reverse cid", a.ReverseCID, "", ErrNotFound},
		{"empty", "", "", ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := d.Find(tt.ref)
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("Find(%q) = %+v, %v; want an error wrapping %v", tt.ref, m, err, tt.err)
				}
				if !strings.Contains(err.Error(), "optimizer patches list") {
					t.Errorf("Find error %q does not point to `optimizer patches list`", err)
				}
				if tt.err == ErrAmbiguous && (!strings.Contains(err.Error(), a.ID) || !strings.Contains(err.Error(), c.ID)) {
					t.Errorf("Find error %q does not list the candidates %s and %s", err, a.ID, c.ID)
				}
				return
			}
			if err != nil || m.ID != tt.want {
				t.Errorf("Find(%q) = %s, %v; want %s", tt.ref, m.ID, err, tt.want)
			}
		})
	}
}

func TestListCorrupt(t *testing.T) {
	d := Dir{Path: t.TempDir(), CIDVersion: 1}
	a, err := d.Save([]byte(fwdA), []byte(revA), Meta{})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(d.MetaPath(a.ID), []byte("{not json"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = d.List()
	if err == nil || !strings.Contains(err.Error(), d.MetaPath(a.ID)) {
		t.Errorf("List = %v, want an error naming %s", err, d.MetaPath(a.ID))
	}
	if _, err := d.Find(a.ID); err == nil {
		t.Error("Find of a patch with corrupt metadata succeeded")
	}
}

func TestLoadRefusesTampered(t *testing.T) {
	tests := []struct {
		name   string
		tamper func(d Dir, m *Meta) error
		want   error
	}{
		{"forward patch edited", func(d Dir, m *Meta) error {
			return os.WriteFile(d.PatchPath(m.ID), []byte(strings.Replace(fwdA, "+b", "+evil", 1)), 0o644)
		}, cas.ErrMismatch},
		{"reverse patch edited", func(d Dir, m *Meta) error {
			return os.WriteFile(d.ReversePath(m.ID), []byte(strings.Replace(revA, "+a", "+evil", 1)), 0o644)
		}, cas.ErrMismatch},
		{"forward patch and its CID replaced", func(d Dir, m *Meta) error {
			evil := strings.Replace(fwdA, "+b", "+evil", 1)
			c, err := cas.CID(strings.NewReader(evil), 1)
			m.CID = c
			if err != nil {
				return err
			}
			return os.WriteFile(d.PatchPath(m.ID), []byte(evil), 0o644)
		}, cas.ErrMismatch},
		{"no CID", func(d Dir, m *Meta) error { m.CID = ""; return nil }, cas.ErrMismatch},
		{"forward patch removed", func(d Dir, m *Meta) error { return os.Remove(d.PatchPath(m.ID)) }, fs.ErrNotExist},
		{"ID outside the directory", func(d Dir, m *Meta) error { m.ID = "../../etc/pw"; return nil }, ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Dir{Path: t.TempDir(), CIDVersion: 1}
			m, err := d.Save([]byte(fwdA), []byte(revA), Meta{})
			if err != nil {
				t.Fatal(err)
			}
			if err := tt.tamper(d, &m); err != nil {
				t.Fatal(err)
			}
			fwd, rev, err := d.Load(m)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Load = %q, %q, %v; want an error wrapping %v", fwd, rev, err, tt.want)
			}
			if fwd != nil || rev != nil {
				t.Error("Load returned content with its error")
			}
		})
	}
}
