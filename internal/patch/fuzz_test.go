package patch

import (
	"errors"
	"testing"
)

// FuzzParse checks that Parse never panics, that every error it returns
// wraps ErrMalformed, and that what it accepts is consistent.
func FuzzParse(f *testing.F) {
	f.Add([]byte("diff --git a/f b/f\nindex 1..2 100644\n--- a/f\n+++ b/f\n@@ -1,2 +1,2 @@\n-a\n+b\n c\n"))
	f.Add([]byte("--- a/f\n+++ b/f\n@@ -1 +1 @@\n-a\n\\ No newline at end of file\n+b\n"))
	f.Add([]byte("diff --git a/f b/g\nsimilarity index 100%\nrename from f\nrename to g\n"))
	f.Add([]byte("diff --git a/f b/f\nold mode 100644\nnew mode 100755\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		files, err := Parse(data)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("Parse error does not wrap ErrMalformed: %v", err)
			}
			return
		}
		if len(files) == 0 {
			t.Fatal("Parse accepted a diff without files")
		}
		for _, f := range files {
			if !validPath(f.Path()) {
				t.Errorf("Parse accepted path %q", f.Path())
			}
			for _, h := range f.Hunks {
				if len(h.Removed) > h.OldLines || len(h.Added) > h.NewLines {
					t.Errorf("hunk %+v has more lines than its counts", h)
				}
				for _, l := range h.Removed {
					if l.N < h.OldStart || l.N >= h.OldStart+h.OldLines {
						t.Errorf("removed line %d outside -%d,%d", l.N, h.OldStart, h.OldLines)
					}
				}
				for _, l := range h.Added {
					if l.N < h.NewStart || l.N >= h.NewStart+h.NewLines {
						t.Errorf("added line %d outside +%d,%d", l.N, h.NewStart, h.NewLines)
					}
				}
			}
		}
		ChangedLines(files)
	})
}
