// Package patch is the patch store: the output directory that keeps each
// accepted patch beside its reverse, its metadata and its CIDs, applies it
// to a work tree or rolls it back by ID or CID, records a history of what
// was done, and publishes patches to an IPFS node. Reading and writing the
// diffs themselves is internal/diff's.
package patch

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/agentic-optimizer/optimizer/internal/atomicfile"
	"github.com/agentic-optimizer/optimizer/internal/cas"
	"github.com/agentic-optimizer/optimizer/internal/diff"
)

// ErrNotFound is wrapped when a reference matches no stored patch.
var ErrNotFound = errors.New("no such patch")

// ErrAmbiguous is wrapped when an ID prefix matches more than one patch.
var ErrAmbiguous = errors.New("ambiguous patch reference")

// idLen is the number of hex digits of SHA-256 that make a patch ID.
const idLen = 12

// minPrefix is the shortest ID prefix Find accepts.
const minPrefix = 4

// Meta is the JSON metadata of one stored patch.
type Meta struct {
	ID         string          `json:"id"`
	CID        string          `json:"cid"` // CID of the forward patch bytes
	ReverseCID string          `json:"reverse_cid"`
	Task       string          `json:"task,omitempty"`
	Target     string          `json:"target,omitempty"`
	Method     string          `json:"method,omitempty"`
	Analyzer   string          `json:"analyzer,omitempty"`
	Model      string          `json:"model,omitempty"`
	Parent     string          `json:"parent"` // commit the patch was made against
	Files      []string        `json:"files"`
	Created    time.Time       `json:"created"`
	Validation json.RawMessage `json:"validation,omitempty"`
}

// Dir is an output directory that holds patches:
//
//	patches/<id>.patch          the forward patch (git apply-able)
//	patches/<id>.reverse.patch  its reverse
//	patches/<id>.json           its Meta
//	store/<cid>.car             the blocks of both patches
//	history.json                the events, oldest first
//
// Every file is written atomically, so an interrupted run leaves each one
// either as it was or complete.
type Dir struct {
	Path       string // the output directory
	CIDVersion int    // 0 or 1
}

// ID returns the ID of a forward patch: the first 12 hex digits of its
// SHA-256, so the same patch always gets the same ID.
func ID(forward []byte) string {
	sum := sha256.Sum256(forward)
	return hex.EncodeToString(sum[:])[:idLen]
}

// PatchPath is the path of the forward patch with the given ID.
func (d Dir) PatchPath(id string) string {
	return filepath.Join(d.Path, "patches", id+".patch")
}

// ReversePath is the path of the reverse patch with the given ID.
func (d Dir) ReversePath(id string) string {
	return filepath.Join(d.Path, "patches", id+".reverse.patch")
}

// MetaPath is the path of the metadata of the patch with the given ID.
func (d Dir) MetaPath(id string) string {
	return filepath.Join(d.Path, "patches", id+".json")
}

// StorePath is the directory of the content-addressed store.
func (d Dir) StorePath() string {
	return filepath.Join(d.Path, "store")
}

// Save stores a patch and its reverse: both in the content-addressed store,
// then the two patch files, then the metadata (last, so that metadata never
// names a missing file), and records a "created" event. It fills in m's ID,
// CIDs, Files (when empty) and Created (when zero) and returns it. Saving
// the same patch again rewrites its metadata and keeps its first Created.
func (d Dir) Save(forward, reverse []byte, m Meta) (Meta, error) {
	fwdFiles, err := diff.Parse(forward)
	if err != nil {
		return Meta{}, fmt.Errorf("patch: save: forward patch: %w", err)
	}
	revFiles, err := diff.Parse(reverse)
	if err != nil {
		return Meta{}, fmt.Errorf("patch: save: reverse patch: %w", err)
	}
	if fp, rp := diff.Touched(fwdFiles), diff.Touched(revFiles); !slices.Equal(fp, rp) {
		return Meta{}, fmt.Errorf("patch: save: the reverse patch touches %s but the forward patch touches %s (pass the reverse of the same change): %w",
			strings.Join(rp, ", "), strings.Join(fp, ", "), diff.ErrMalformed)
	}
	if len(m.Validation) > 0 && !json.Valid(m.Validation) {
		return Meta{}, fmt.Errorf("patch: save: the validation report is not valid JSON (pass the ValidationReport as json.Marshal writes it): %w", diff.ErrMalformed)
	}
	m.ID = ID(forward)
	if m.CID, err = cas.Put(d.StorePath(), forward, d.CIDVersion); err != nil {
		return Meta{}, fmt.Errorf("patch: save %s: forward patch: %w", m.ID, err)
	}
	if m.ReverseCID, err = cas.Put(d.StorePath(), reverse, d.CIDVersion); err != nil {
		return Meta{}, fmt.Errorf("patch: save %s: reverse patch: %w", m.ID, err)
	}
	if len(m.Files) == 0 {
		m.Files = diff.Touched(fwdFiles)
	}
	if m.Created.IsZero() {
		m.Created = time.Now().UTC()
		if prev, err := d.readMeta(m.ID); err == nil {
			m.Created = prev.Created
		}
	}
	meta, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return Meta{}, fmt.Errorf("patch: save %s: metadata: %w", m.ID, err)
	}
	for _, w := range []struct {
		path string
		data []byte
	}{
		{d.PatchPath(m.ID), forward},
		{d.ReversePath(m.ID), reverse},
		{d.MetaPath(m.ID), append(meta, '\n')},
	} {
		if err := atomicfile.WriteFile(w.path, w.data, 0o644); err != nil {
			return Meta{}, fmt.Errorf("patch: save %s: %w (check that %s is writable)", m.ID, err, d.Path)
		}
	}
	ev := Event{Time: time.Now().UTC(), Action: ActionCreated, ID: m.ID, CID: m.CID, Commit: m.Parent}
	if err := d.record(ev, true); err != nil {
		return Meta{}, fmt.Errorf("patch: save %s: %w", m.ID, err)
	}
	return m, nil
}

// List returns the metadata of every stored patch, sorted by Created and
// then ID. A metadata file that cannot be read is an error naming it.
func (d Dir) List() ([]Meta, error) {
	entries, err := os.ReadDir(filepath.Join(d.Path, "patches"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("patch: list %s: %w", d.Path, err)
	}
	var metas []Meta
	for _, e := range entries {
		id, ok := strings.CutSuffix(e.Name(), ".json")
		if !ok || strings.HasPrefix(e.Name(), ".") || e.IsDir() {
			continue
		}
		m, err := d.readMeta(id)
		if err != nil {
			return nil, fmt.Errorf("patch: list: %w", err)
		}
		metas = append(metas, m)
	}
	slices.SortFunc(metas, func(a, b Meta) int {
		if c := a.Created.Compare(b.Created); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return metas, nil
}

// readMeta reads the metadata of the patch with the given ID.
func (d Dir) readMeta(id string) (Meta, error) {
	path := d.MetaPath(id)
	data, err := os.ReadFile(path)
	if err != nil {
		return Meta{}, err
	}
	var m Meta
	if err := json.Unmarshal(data, &m); err != nil {
		return Meta{}, fmt.Errorf("%s: %v (the metadata file is corrupt: restore it, or remove the patch's files): %w", path, err, diff.ErrMalformed)
	}
	if m.ID != id {
		return Meta{}, fmt.Errorf("%s: the metadata names patch %q, not %q (restore the file, or remove the patch's files): %w", path, m.ID, id, diff.ErrMalformed)
	}
	return m, nil
}

// Find resolves a reference to a stored patch: its exact ID, a unique
// prefix of at least 4 characters of its ID, or the CID of its forward
// patch (in any base, or the other CID version of the same hash).
func (d Dir) Find(ref string) (Meta, error) {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return Meta{}, fmt.Errorf("patch: find: empty reference (pass an ID or CID; run `optimizer patches list` to see them): %w", ErrNotFound)
	}
	if validID(ref) {
		m, err := d.readMeta(ref)
		if err == nil {
			return m, nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return Meta{}, fmt.Errorf("patch: find %s: %w", ref, err)
		}
	}
	metas, err := d.List()
	if err != nil {
		return Meta{}, err
	}
	refCID, cidErr := cid.Decode(ref)
	var matches []Meta
	for _, m := range metas {
		if m.CID == ref || (cidErr == nil && sameCID(refCID, m.CID)) {
			return m, nil
		}
		if len(ref) >= minPrefix && strings.HasPrefix(m.ID, strings.ToLower(ref)) {
			matches = append(matches, m)
		}
	}
	switch {
	case len(matches) == 1:
		return matches[0], nil
	case len(matches) > 1:
		var list []string
		for _, m := range matches {
			list = append(list, fmt.Sprintf("%s (%s %s)", m.ID, m.Method, m.Target))
		}
		return Meta{}, fmt.Errorf("patch: find %q: it is the start of %d patch IDs: %s (give more of the ID, or run `optimizer patches list`): %w",
			ref, len(matches), strings.Join(list, ", "), ErrAmbiguous)
	case cidErr == nil:
		return Meta{}, fmt.Errorf("patch: find %s: no stored patch in %s has this CID (run `optimizer patches list` to see the stored CIDs): %w", ref, d.Path, ErrNotFound)
	case len(ref) < minPrefix:
		return Meta{}, fmt.Errorf("patch: find %q: no patch has this ID, and an ID prefix needs at least %d characters (run `optimizer patches list`): %w", ref, minPrefix, ErrNotFound)
	default:
		return Meta{}, fmt.Errorf("patch: find %q: no stored patch in %s has this ID or CID (run `optimizer patches list`): %w", ref, d.Path, ErrNotFound)
	}
}

// sameCID reports whether the stored CID s names the same block as c: the
// same hash and codec, whatever the base or version it is written in.
func sameCID(c cid.Cid, s string) bool {
	stored, err := cid.Decode(s)
	return err == nil && stored.Type() == c.Type() && bytes.Equal(stored.Hash(), c.Hash())
}

func validID(s string) bool {
	if len(s) != idLen {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil && strings.ToLower(s) == s
}

// Load reads the forward and the reverse patch of m and checks each against
// its CID (and the forward patch against the ID), so a patch whose bytes
// changed after it was saved is refused with an error wrapping
// cas.ErrMismatch.
func (d Dir) Load(m Meta) (forward, reverse []byte, err error) {
	if !validID(m.ID) {
		return nil, nil, fmt.Errorf("patch: load: %q is not a patch ID (run `optimizer patches list`): %w", m.ID, ErrNotFound)
	}
	if m.CID == "" || m.ReverseCID == "" {
		return nil, nil, fmt.Errorf("patch: load %s: the metadata has no CID, so the patch cannot be verified (save the patch again): %w", m.ID, cas.ErrMismatch)
	}
	forward, err = os.ReadFile(d.PatchPath(m.ID))
	if err != nil {
		return nil, nil, fmt.Errorf("patch: load %s: %w", m.ID, err)
	}
	reverse, err = os.ReadFile(d.ReversePath(m.ID))
	if err != nil {
		return nil, nil, fmt.Errorf("patch: load %s: %w", m.ID, err)
	}
	const refuse = "the file changed after it was saved; it will not be used (restore it, or run the optimizer again)"
	if err := cas.Verify(d.StorePath(), m.CID, forward); err != nil {
		return nil, nil, fmt.Errorf("patch: load %s: %s: %w (%s)", m.ID, d.PatchPath(m.ID), err, refuse)
	}
	if err := cas.Verify(d.StorePath(), m.ReverseCID, reverse); err != nil {
		return nil, nil, fmt.Errorf("patch: load %s: %s: %w (%s)", m.ID, d.ReversePath(m.ID), err, refuse)
	}
	if got := ID(forward); got != m.ID {
		return nil, nil, fmt.Errorf("patch: load %s: %s has ID %s: %w (%s)", m.ID, d.PatchPath(m.ID), got, cas.ErrMismatch, refuse)
	}
	return forward, reverse, nil
}
