package patch

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/agentic-optimizer/optimizer/internal/cas"
	"github.com/agentic-optimizer/optimizer/internal/gitx"
	"github.com/agentic-optimizer/optimizer/internal/gitx/gittest"
)

const twelve = "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n"

// TestApplyRollback applies a patch that modifies, creates, deletes,
// re-targets a symlink and changes a mode, then rolls it back: the work
// tree and `git status` must be exactly as before.
func TestApplyRollback(t *testing.T) {
	dir := gittest.NewRepo(t, map[string]string{
		"sub/keep.go": "package sub\n\nfunc F() int { return 1 }\n",
		"old.txt":     "to be deleted\n",
		"run.sh":      "#!/bin/sh\necho hi\n",
		"link@":       "old.txt",
		"data.bin":    "\x00\x01\x02",
	})
	forward, reverse := gittest.Patch(t, dir, func() {
		gittest.WriteFiles(t, dir, map[string]string{
			"sub/keep.go":   "package sub\n\nfunc F() int { return 2 }\n",
			"old.txt":       "",
			"newdir/new.go": "package newdir\n",
			"link@":         "sub/keep.go",
			"data.bin":      "\x00\x01\x03\x04",
		})
		if err := os.Chmod(filepath.Join(dir, "run.sh"), 0o755); err != nil {
			t.Fatal(err)
		}
	})
	d := Dir{Path: filepath.Join(t.TempDir(), "out"), CIDVersion: 1}
	m, err := d.Save(forward, reverse, Meta{Parent: strings.TrimSpace(gittest.Git(t, dir, "rev-parse", "HEAD"))})
	if err != nil {
		t.Fatal(err)
	}
	before := snapshotTree(t, dir)
	ctx := context.Background()

	// From a subdirectory: the patch is relative to the repository root.
	if _, err := d.Apply(ctx, filepath.Join(dir, "sub"), m.ID); err != nil {
		t.Fatal(err)
	}
	after := snapshotTree(t, dir)
	for path, want := range map[string]string{
		"sub/keep.go":   "-rw package sub\n\nfunc F() int { return 2 }\n",
		"newdir/new.go": "-rw package newdir\n",
		"link":          "symlink sub/keep.go",
		"run.sh":        "-rwx #!/bin/sh\necho hi\n",
		"data.bin":      "-rw \x00\x01\x03\x04",
	} {
		if after[path] != want {
			t.Errorf("after Apply, %s = %q, want %q", path, after[path], want)
		}
	}
	if _, ok := after["old.txt"]; ok {
		t.Error("after Apply, old.txt still exists")
	}
	if want := " M data.bin\n M link\n D old.txt\n M run.sh\n M sub/keep.go\n?? newdir/new.go\n"; after["<status>"] != want {
		t.Errorf("after Apply, git status =\n%s\nwant\n%s", after["<status>"], want)
	}

	if _, err := d.Rollback(ctx, dir, m.CID); err != nil {
		t.Fatal(err)
	}
	if got := snapshotTree(t, dir); !reflect.DeepEqual(got, before) {
		t.Errorf("after Rollback the tree differs:\n got %q\nwant %q", got, before)
	}
}

func TestApplyRefusesTampered(t *testing.T) {
	for _, ref := range []string{"id", "cid"} {
		t.Run(ref, func(t *testing.T) {
			dir := gittest.NewRepo(t, map[string]string{"f.txt": twelve})
			forward, reverse := gittest.Patch(t, dir, func() {
				gittest.WriteFiles(t, dir, map[string]string{"f.txt": strings.Replace(twelve, "6\n", "six\n", 1)})
			})
			d := Dir{Path: t.TempDir(), CIDVersion: 0}
			m, err := d.Save(forward, reverse, Meta{})
			if err != nil {
				t.Fatal(err)
			}
			evil := strings.Replace(string(forward), "+six", "+evil", 1)
			if err := os.WriteFile(d.PatchPath(m.ID), []byte(evil), 0o644); err != nil {
				t.Fatal(err)
			}
			before := snapshotTree(t, dir)
			r := m.ID
			if ref == "cid" {
				r = m.CID
			}
			if _, err := d.Apply(context.Background(), dir, r); !errors.Is(err, cas.ErrMismatch) {
				t.Fatalf("Apply of a tampered patch = %v, want an error wrapping cas.ErrMismatch", err)
			}
			if got := snapshotTree(t, dir); !reflect.DeepEqual(got, before) {
				t.Errorf("Apply of a tampered patch changed the tree:\n got %q\nwant %q", got, before)
			}
			events, err := d.History()
			if err != nil {
				t.Fatal(err)
			}
			if len(events) != 1 {
				t.Errorf("History = %+v, want only the created event", events)
			}
		})
	}
}

// TestApplyBaseMoved applies a patch after a commit edited a line of its
// context: the plain apply fails, the 3-way merge succeeds, and the
// rollback returns to the moved base.
func TestApplyBaseMoved(t *testing.T) {
	dir := gittest.NewRepo(t, map[string]string{"f.txt": twelve})
	forward, reverse := gittest.Patch(t, dir, func() {
		gittest.WriteFiles(t, dir, map[string]string{"f.txt": strings.Replace(twelve, "6\n", "six\n", 1)})
	})
	d := Dir{Path: t.TempDir(), CIDVersion: 1}
	m, err := d.Save(forward, reverse, Meta{})
	if err != nil {
		t.Fatal(err)
	}
	moved := strings.Replace(twelve, "3\n", "three\n", 1)
	gittest.WriteFiles(t, dir, map[string]string{"f.txt": moved})
	gittest.Git(t, dir, "commit", "--quiet", "-am", "move the base")
	if err := gitx.ApplyCheck(context.Background(), dir, forward, gitx.ApplyOptions{}); err == nil {
		t.Fatal("the patch still applies without a 3-way merge; the test does not test anything")
	}
	before := snapshotTree(t, dir)

	if _, err := d.Apply(context.Background(), dir, m.ID); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, "f.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if want := strings.Replace(moved, "6\n", "six\n", 1); string(data) != want {
		t.Errorf("after a 3-way Apply f.txt =\n%s\nwant\n%s", data, want)
	}
	if _, err := d.Rollback(context.Background(), dir, m.ID); err != nil {
		t.Fatal(err)
	}
	if got := snapshotTree(t, dir); !reflect.DeepEqual(got, before) {
		t.Errorf("after Rollback the tree differs:\n got %q\nwant %q", got, before)
	}
}

// TestApplyDoesNotApply checks that a patch that cannot apply, even with a
// 3-way merge, leaves the work tree and the index as they were.
func TestApplyDoesNotApply(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T, dir string)
	}{
		{"same line changed and committed", func(t *testing.T, dir string) {
			gittest.WriteFiles(t, dir, map[string]string{"f.txt": strings.Replace(twelve, "6\n", "SIX\n", 1)})
			gittest.Git(t, dir, "commit", "--quiet", "-am", "conflict")
		}},
		{"same line changed and staged", func(t *testing.T, dir string) {
			gittest.WriteFiles(t, dir, map[string]string{"f.txt": strings.Replace(twelve, "6\n", "SIX\n", 1)})
			gittest.Git(t, dir, "add", "f.txt")
		}},
		{"same line changed in the work tree", func(t *testing.T, dir string) {
			gittest.WriteFiles(t, dir, map[string]string{"f.txt": strings.Replace(twelve, "6\n", "SIX\n", 1)})
		}},
		{"created file already exists", func(t *testing.T, dir string) {
			gittest.WriteFiles(t, dir, map[string]string{"new/g.txt": "something else\n"})
		}},
		{"file deleted", func(t *testing.T, dir string) {
			gittest.Git(t, dir, "rm", "--quiet", "f.txt")
			gittest.Git(t, dir, "commit", "--quiet", "-m", "delete")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := gittest.NewRepo(t, map[string]string{"f.txt": twelve})
			forward, reverse := gittest.Patch(t, dir, func() {
				gittest.WriteFiles(t, dir, map[string]string{
					"f.txt":     strings.Replace(twelve, "6\n", "six\n", 1),
					"new/g.txt": "new\n",
				})
			})
			d := Dir{Path: t.TempDir(), CIDVersion: 1}
			m, err := d.Save(forward, reverse, Meta{})
			if err != nil {
				t.Fatal(err)
			}
			tt.setup(t, dir)
			before := snapshotTree(t, dir)
			index := gittest.Git(t, dir, "ls-files", "--stage")
			_, err = d.Apply(context.Background(), dir, m.ID)
			if !errors.Is(err, gitx.ErrPatchDoesNotApply) {
				t.Fatalf("Apply = %v, want an error wrapping gitx.ErrPatchDoesNotApply", err)
			}
			t.Log(err)
			if got := snapshotTree(t, dir); !reflect.DeepEqual(got, before) {
				t.Errorf("a failed Apply changed the tree:\n got %q\nwant %q", got, before)
			}
			if got := gittest.Git(t, dir, "ls-files", "--stage"); got != index {
				t.Errorf("a failed Apply changed the index:\n got %s\nwant %s", got, index)
			}
		})
	}
}

// TestHistory checks the events of a save, an apply and a rollback, and
// that no temporary file is left in the output directory.
func TestHistory(t *testing.T) {
	dir := gittest.NewRepo(t, map[string]string{"f.txt": twelve})
	forward, reverse := gittest.Patch(t, dir, func() {
		gittest.WriteFiles(t, dir, map[string]string{"f.txt": strings.Replace(twelve, "6\n", "six\n", 1)})
	})
	head := strings.TrimSpace(gittest.Git(t, dir, "rev-parse", "HEAD"))
	d := Dir{Path: t.TempDir(), CIDVersion: 1}
	m, err := d.Save(forward, reverse, Meta{Parent: head})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := d.Apply(ctx, dir, m.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Rollback(ctx, dir, m.ID[:5]); err != nil {
		t.Fatal(err)
	}
	events, err := d.History()
	if err != nil {
		t.Fatal(err)
	}
	want := []Event{
		{Action: ActionCreated, ID: m.ID, CID: m.CID, Commit: head},
		{Action: ActionApplied, ID: m.ID, CID: m.CID, Commit: head},
		{Action: ActionRolledBack, ID: m.ID, CID: m.ReverseCID, Commit: head},
	}
	if len(events) != len(want) {
		t.Fatalf("History = %+v, want %d events", events, len(want))
	}
	for i, e := range events {
		if e.Time.IsZero() || (i > 0 && e.Time.Before(events[i-1].Time)) {
			t.Errorf("event %d has time %v", i, e.Time)
		}
		e.Time = want[i].Time
		if e != want[i] {
			t.Errorf("event %d = %+v, want %+v", i, e, want[i])
		}
	}
	err = filepath.WalkDir(d.Path, func(path string, e os.DirEntry, err error) error {
		if err == nil && strings.Contains(e.Name(), ".tmp") {
			t.Errorf("temporary file left behind: %s", path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestRecordConcurrent records events from many goroutines at once: the
// lock must keep every one of them.
func TestRecordConcurrent(t *testing.T) {
	d := Dir{Path: t.TempDir()}
	const n = 20
	errs := make(chan error, n)
	for i := range n {
		go func() {
			errs <- d.record(Event{Action: ActionApplied, ID: strings.Repeat(string(rune('a'+i)), 12)}, false)
		}()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	events, err := d.History()
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != n {
		t.Errorf("History has %d events, want %d", len(events), n)
	}
}

// TestApplyRollbackTellTheTruth checks that rolling back a patch that is
// not applied, applying one that is, and rolling back twice change
// nothing, say so, and record nothing; the real apply and rollback still
// work in between.
func TestApplyRollbackTellTheTruth(t *testing.T) {
	dir := gittest.NewRepo(t, map[string]string{"f.txt": twelve, "g.txt": "g\n"})
	forward, reverse := gittest.Patch(t, dir, func() {
		gittest.WriteFiles(t, dir, map[string]string{"f.txt": strings.Replace(twelve, "6\n", "six\n", 1), "new.txt": "new\n"})
	})
	d := Dir{Path: t.TempDir(), CIDVersion: 1}
	m, err := d.Save(forward, reverse, Meta{Parent: strings.TrimSpace(gittest.Git(t, dir, "rev-parse", "HEAD"))})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	events := func() int {
		t.Helper()
		h, err := d.History()
		if err != nil {
			t.Fatal(err)
		}
		return len(h)
	}
	unchanged := func(what string, want map[string]string, n int) {
		t.Helper()
		if got := snapshotTree(t, dir); !reflect.DeepEqual(got, want) {
			t.Errorf("%s changed the tree:\n got %q\nwant %q", what, got, want)
		}
		if events() != n {
			t.Errorf("%s recorded an event", what)
		}
	}

	clean, n := snapshotTree(t, dir), events()
	if _, err := d.Rollback(ctx, dir, m.ID); !errors.Is(err, ErrNotApplied) {
		t.Errorf("Rollback of a patch never applied: err = %v, want ErrNotApplied", err)
	}
	unchanged("a rollback of a patch never applied", clean, n)

	if _, err := d.Apply(ctx, dir, m.ID); err != nil {
		t.Fatal(err)
	}
	applied, n := snapshotTree(t, dir), events()
	if _, err := d.Apply(ctx, dir, m.ID); !errors.Is(err, ErrAlreadyApplied) || !strings.Contains(err.Error(), "already applied") {
		t.Errorf("Apply twice: err = %v, want ErrAlreadyApplied", err)
	}
	unchanged("a second apply", applied, n)

	if _, err := d.Rollback(ctx, dir, m.ID); err != nil {
		t.Fatal(err)
	}
	n = events()
	if _, err := d.Rollback(ctx, dir, m.ID); !errors.Is(err, ErrNotApplied) || !strings.Contains(err.Error(), "not applied") {
		t.Errorf("Rollback twice: err = %v, want ErrNotApplied", err)
	}
	unchanged("a second rollback", clean, n)
}
