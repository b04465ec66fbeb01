package mutate

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/agentic-optimizer/optimizer/internal/gitx/gittest"
)

// TestUnifiedDiff checks the diff of single edits, byte for byte, and that
// git applies it to give the edited file.
func TestUnifiedDiff(t *testing.T) {
	ten := "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n"
	tests := []struct {
		name       string
		src        string
		start, end int
		text       string
		hunk       string // the diff from its @@ line
	}{
		{"context both sides", ten, 8, 9, "five", `@@ -2,7 +2,7 @@
 2
 3
 4
-5
+five
 6
 7
 8
`},
		{"first line", ten, 0, 1, "one", `@@ -1,4 +1,4 @@
-1
+one
 2
 3
 4
`},
		{"last line without newline", "a\nb\nc", 4, 5, "d", `@@ -1,3 +1,3 @@
 a
 b
-c
\ No newline at end of file
+d
\ No newline at end of file
`},
		{"removed line", "a\nb\nc\n", 2, 4, "", `@@ -1,3 +1,2 @@
 a
-b
 c
`},
		{"removed line before one without newline", "a\nb\nc", 2, 4, "", `@@ -1,3 +1,2 @@
 a
-b
 c
\ No newline at end of file
`},
		{"removed last line without newline", "a\nb", 2, 3, "", `@@ -1,2 +1 @@
 a
-b
\ No newline at end of file
`},
		{"lines joined into one", "if x {\n\treturn\n}\nnext\n", 5, 16, "{}", `@@ -1,4 +1,2 @@
-if x {
-	return
-}
+if x {}
 next
`},
		{"line break removed", "a\nb\nc\n", 3, 4, "", `@@ -1,3 +1,2 @@
 a
-b
-c
+bc
`},
		{"one-line file", "x", 0, 1, "y", `@@ -1 +1 @@
-x
\ No newline at end of file
+y
\ No newline at end of file
`},
		{"line break added", "a b\n", 1, 2, "\n", `@@ -1 +1,2 @@
-a b
+a
+b
`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := []byte(tt.src)
			edited := tt.src[:tt.start] + tt.text + tt.src[tt.end:]
			got := string(unifiedDiff("dir/f.go", "100644", blobHash(src), src, lineStarts(src), tt.start, tt.end, tt.text))
			want := "diff --git a/dir/f.go b/dir/f.go\n" +
				"index " + blobHash(src) + ".." + blobHash([]byte(edited)) + " 100644\n" +
				"--- a/dir/f.go\n+++ b/dir/f.go\n" + tt.hunk
			if got != want {
				t.Fatalf("diff:\n%s\nwant:\n%s", got, want)
			}
			dir := gittest.NewRepo(t, map[string]string{"dir/f.go": tt.src})
			if h := strings.TrimSpace(gittest.Git(t, dir, "rev-parse", "HEAD:dir/f.go")); h != blobHash(src) {
				t.Errorf("blob hash %s, git says %s", blobHash(src), h)
			}
			gitApply(t, dir, got)
			if b, _ := os.ReadFile(filepath.Join(dir, "dir/f.go")); string(b) != edited {
				t.Errorf("git apply made %q, want %q", b, edited)
			}
		})
	}
}

// gitApply applies patch to the work tree of the repository in dir.
func gitApply(t testing.TB, dir, patch string) {
	t.Helper()
	p := filepath.Join(t.TempDir(), "m.patch")
	if err := os.WriteFile(p, []byte(patch), 0o644); err != nil {
		t.Fatal(err)
	}
	gittest.Git(t, dir, "apply", "--whitespace=nowarn", p)
}
