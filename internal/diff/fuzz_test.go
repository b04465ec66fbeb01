package diff

import (
	"errors"
	"reflect"
	"testing"
)

// FuzzParse checks that Parse never panics, that every error it returns
// wraps ErrMalformed, that what it accepts is consistent, and that what
// Format writes of it parses to the same files.
func FuzzParse(f *testing.F) {
	f.Add([]byte("diff --git a/f b/f\nindex 1..2 100644\n--- a/f\n+++ b/f\n@@ -1,2 +1,2 @@\n-a\n+b\n c\n"))
	f.Add([]byte("--- a/f\n+++ b/f\n@@ -1 +1 @@\n-a\n\\ No newline at end of file\n+b\n"))
	f.Add([]byte("diff --git a/f b/g\nsimilarity index 100%\nrename from f\nrename to g\n"))
	f.Add([]byte("diff --git a/f b/f\nold mode 100644\nnew mode 100755\n"))
	f.Add([]byte("diff --git a/f b/f\n--- a/f\n+++ b/f\n@@ -1,2 +1,2 @@\n--- x\n+++ y\n \n"))
	f.Add([]byte("diff --git \"a/q\\tt\" \"b/q\\tt\"\nnew file mode 100644\nindex 0000000..1111111\n--- /dev/null\n+++ \"b/q\\tt\"\n@@ -0,0 +1 @@\n+x\n"))
	f.Add([]byte("diff --git a/f b/f\nindex 1..2 100644\nBinary files a/f and b/f differ\n"))
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
			for _, p := range []string{f.OldPath, f.NewPath} {
				if p != "" && !validPath(p) {
					t.Errorf("Parse accepted path %q", p)
				}
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
		formatted := Format(files)
		again, err := Parse(formatted)
		if err != nil {
			t.Fatalf("Parse(Format(files)): %v\ninput:\n%q\nformatted:\n%q", err, data, formatted)
		}
		if !reflect.DeepEqual(again, files) {
			t.Fatalf("Parse(Format(files)) differs:\n got %+v\nwant %+v\nformatted:\n%q", again, files, formatted)
		}
	})
}
