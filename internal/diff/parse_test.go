package diff

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/agentic-optimizer/optimizer/internal/gitx/gittest"
)

func lines(from int, texts ...string) []Line {
	var ls []Line
	for i, t := range texts {
		ls = append(ls, Line{N: from + i, Text: t})
	}
	return ls
}

// headerAndLines is files without their index lines' blob names, which
// depend on the content, and without the hunks' bodies, which the tests
// that use it check through the lines added and removed.
func headerAndLines(files []File) []File {
	var out []File
	for _, f := range files {
		f.OldOID, f.NewOID = "", ""
		f.Hunks = slices.Clone(f.Hunks)
		for i := range f.Hunks {
			f.Hunks[i].Body = nil
		}
		out = append(out, f)
	}
	return out
}

// TestParseGitDiff parses what git writes for every kind of change.
func TestParseGitDiff(t *testing.T) {
	dir := gittest.NewRepo(t, map[string]string{
		"mod.txt":     "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n13\n14\n15\n",
		"del.txt":     "gone\nsoon\n",
		"ren_old.txt": "a file\nthat moves\nunchanged\n",
		"mode.sh":     "#!/bin/sh\n",
		"link@":       "mod.txt",
		"bin.dat":     "\x00\x01\x02binary",
		"sp ace.txt":  "x\n",
	})
	gittest.WriteFiles(t, dir, map[string]string{
		"mod.txt":       "1\n2\nthree\n4\n5\n6\n7\n8\n9\n10\n11\n12\n12.5\n13\n14\n15\n",
		"del.txt":       "",
		"new.txt":       "fresh\nlines\n",
		"empty.txt":     "\n",
		"link@":         "other.txt",
		"bin.dat":       "\x00\x01\x03binary!",
		"sp ace.txt":    "y\n",
		"dir/q\tt.txt":  "quoted\n",
		"no-newline.go": "package x",
	})
	os.WriteFile(filepath.Join(dir, "empty.txt"), nil, 0o644)
	if err := os.Chmod(filepath.Join(dir, "mode.sh"), 0o755); err != nil {
		t.Fatal(err)
	}
	gittest.Git(t, dir, "mv", "ren_old.txt", "ren_new.txt")
	gittest.Git(t, dir, "add", "--all")

	want := map[string]File{
		"bin.dat": {OldPath: "bin.dat", NewPath: "bin.dat", OldMode: "100644", NewMode: "100644", Binary: true},
		"del.txt": {OldPath: "del.txt", OldMode: "100644", Hunks: []Hunk{
			{OldStart: 1, OldLines: 2, NewStart: 0, NewLines: 0, Removed: lines(1, "gone", "soon")},
		}},
		"dir/q\tt.txt": {NewPath: "dir/q\tt.txt", NewMode: "100644", Hunks: []Hunk{
			{OldStart: 0, OldLines: 0, NewStart: 1, NewLines: 1, Added: lines(1, "quoted")},
		}},
		"empty.txt": {NewPath: "empty.txt", NewMode: "100644"},
		"link": {OldPath: "link", NewPath: "link", OldMode: "120000", NewMode: "120000", Hunks: []Hunk{
			{OldStart: 1, OldLines: 1, NewStart: 1, NewLines: 1, Removed: lines(1, "mod.txt"), Added: lines(1, "other.txt")},
		}},
		"mod.txt": {OldPath: "mod.txt", NewPath: "mod.txt", OldMode: "100644", NewMode: "100644", Hunks: []Hunk{
			{OldStart: 1, OldLines: 6, NewStart: 1, NewLines: 6, Removed: lines(3, "3"), Added: lines(3, "three")},
			{OldStart: 10, OldLines: 6, NewStart: 10, NewLines: 7, Added: lines(13, "12.5")},
		}},
		"mode.sh": {OldPath: "mode.sh", NewPath: "mode.sh", OldMode: "100644", NewMode: "100755"},
		"new.txt": {NewPath: "new.txt", NewMode: "100644", Hunks: []Hunk{
			{OldStart: 0, OldLines: 0, NewStart: 1, NewLines: 2, Added: lines(1, "fresh", "lines")},
		}},
		"no-newline.go": {NewPath: "no-newline.go", NewMode: "100644", Hunks: []Hunk{
			{OldStart: 0, OldLines: 0, NewStart: 1, NewLines: 1, Added: lines(1, "package x")},
		}},
		"ren_new.txt": {OldPath: "ren_old.txt", NewPath: "ren_new.txt"},
		"sp ace.txt": {OldPath: "sp ace.txt", NewPath: "sp ace.txt", OldMode: "100644", NewMode: "100644", Hunks: []Hunk{
			{OldStart: 1, OldLines: 1, NewStart: 1, NewLines: 1, Removed: lines(1, "x"), Added: lines(1, "y")},
		}},
	}
	// Without --binary git says "Binary files … differ"; with it, it
	// writes the data.
	for _, flag := range []string{"", "--binary"} {
		t.Run("diff"+flag, func(t *testing.T) {
			args := []string{"-c", "core.quotePath=true", "diff", "--cached", "-M", "HEAD"}
			if flag != "" {
				args = append(args, flag)
			}
			out := gittest.Git(t, dir, args...)
			files, err := Parse([]byte(out))
			if err != nil {
				t.Fatalf("Parse: %v\n%s", err, out)
			}
			got := make(map[string]File)
			for _, f := range headerAndLines(files) {
				got[f.Path()] = f
			}
			if len(got) != len(want) {
				t.Errorf("Parse returned %d files, want %d", len(got), len(want))
			}
			for path, w := range want {
				g, ok := got[path]
				if !ok {
					t.Errorf("no file %q in %v", path, files)
					continue
				}
				if !reflect.DeepEqual(g, w) {
					t.Errorf("file %q:\n got %+v\nwant %+v", path, g, w)
				}
			}
		})
	}
}

// TestParsePlainDiff parses `diff -ru` output of two trees named a and b.
func TestParsePlainDiff(t *testing.T) {
	if _, err := exec.LookPath("diff"); err != nil {
		t.Skip("diff is not installed")
	}
	dir := t.TempDir()
	gittest.WriteFiles(t, dir, map[string]string{
		"a/x.txt":     "one\ntwo\nthree\n",
		"b/x.txt":     "one\nTWO\nthree\nfour\n",
		"a/sub/y.txt": "keep\ndrop\n",
		"b/sub/y.txt": "keep\n",
	})
	cmd := exec.Command("diff", "-ru", "a", "b")
	cmd.Dir = dir
	out, _ := cmd.Output() // exit status 1: the trees differ
	files, err := Parse(out)
	if err != nil {
		t.Fatalf("Parse: %v\n%s", err, out)
	}
	want := []File{
		{OldPath: "sub/y.txt", NewPath: "sub/y.txt", Hunks: []Hunk{
			{OldStart: 1, OldLines: 2, NewStart: 1, NewLines: 1, Removed: lines(2, "drop")},
		}},
		{OldPath: "x.txt", NewPath: "x.txt", Hunks: []Hunk{
			{OldStart: 1, OldLines: 3, NewStart: 1, NewLines: 4, Removed: lines(2, "two"), Added: []Line{{2, "TWO"}, {4, "four"}}},
		}},
	}
	if got := headerAndLines(files); !reflect.DeepEqual(got, want) {
		t.Errorf("Parse:\n got %+v\nwant %+v\n%s", got, want, out)
	}
}

// TestParseLineNumbers checks the numbering of added and removed lines
// across hunks, and ChangedLines.
func TestParseLineNumbers(t *testing.T) {
	const d = `diff --git a/f.go b/f.go
index 1111111..2222222 100644
--- a/f.go
+++ b/f.go
@@ -2,4 +2,5 @@ func f() {
 a
-b
-c
+B
+C
+D
 e
@@ -20,3 +21,2 @@
 x
-y
 z
diff --git a/gone.go b/gone.go
deleted file mode 100644
index 3333333..0000000
--- a/gone.go
+++ /dev/null
@@ -1 +0,0 @@
-package gone
`
	files, err := Parse([]byte(d))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 2 {
		t.Fatalf("Parse returned %d files, want 2", len(files))
	}
	h := files[0].Hunks
	if len(h) != 2 {
		t.Fatalf("f.go has %d hunks, want 2", len(h))
	}
	if want := lines(3, "b", "c"); !reflect.DeepEqual(h[0].Removed, want) {
		t.Errorf("hunk 1 removed %v, want %v", h[0].Removed, want)
	}
	if want := lines(3, "B", "C", "D"); !reflect.DeepEqual(h[0].Added, want) {
		t.Errorf("hunk 1 added %v, want %v", h[0].Added, want)
	}
	if want := lines(21, "y"); !reflect.DeepEqual(h[1].Removed, want) || h[1].Added != nil {
		t.Errorf("hunk 2 removed %v added %v, want %v and nothing", h[1].Removed, h[1].Added, want)
	}
	if f := files[1]; f.NewPath != "" || f.OldPath != "gone.go" || f.Path() != "gone.go" || f.OldMode != "100644" {
		t.Errorf("deleted file parsed as %+v", f)
	}
	wantBody := []BodyLine{{' ', "a", false}, {'-', "b", false}, {'-', "c", false}, {'+', "B", false}, {'+', "C", false}, {'+', "D", false}, {' ', "e", false}}
	if !reflect.DeepEqual(h[0].Body, wantBody) {
		t.Errorf("hunk 1 body %+v, want %+v", h[0].Body, wantBody)
	}
	got := ChangedLines(files)
	want := map[string]map[int]bool{"f.go": {3: true, 4: true, 5: true}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ChangedLines = %v, want %v", got, want)
	}
}

// TestParseTolerates covers input git apply accepts around a diff.
func TestParseTolerates(t *testing.T) {
	const body = "diff --git a/f b/f\nindex 1..2 100644\n--- a/f\n+++ b/f\n@@ -1,2 +1,2 @@\n-a\n+b\n c\n"
	tests := []struct {
		name, input string
	}{
		{"format-patch mail", "From 123 Mon Sep 17 00:00:00 2001\nSubject: [PATCH] x\n\n---\n f | 2 +-\n\n" + body + "-- \n2.39.5\n\n"},
		{"CRLF patch", strings.ReplaceAll(body, "\n", "\r\n")},
		{"blank line between files", body + "\n" + strings.ReplaceAll(body, " f", " g")},
		{"no newline marker", "--- a/f\n+++ b/f\n@@ -1 +1 @@\n-a\n\\ No newline at end of file\n+b\n\\ No newline at end of file\n"},
		{"blank last context line", "--- a/f\n+++ b/f\n@@ -1,2 +1,2 @@\n-a\n+b\n \n"},
		{"empty context line", "--- a/f\n+++ b/f\n@@ -1,3 +1,3 @@\n x\n\n-a\n+b\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files, err := Parse([]byte(tt.input))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if len(files) == 0 || files[0].Path() != "f" || len(files[0].Hunks) != 1 {
				t.Fatalf("Parse = %+v", files)
			}
			if h := files[0].Hunks[0]; len(h.Added) != 1 || !strings.HasPrefix(h.Added[0].Text, "b") {
				t.Errorf("hunk = %+v", h)
			}
		})
	}
}

func TestParseMalformed(t *testing.T) {
	const hdr = "diff --git a/f b/f\nindex 1..2 100644\n--- a/f\n+++ b/f\n"
	const body2 = hdr + "@@ -1,2 +1,2 @@\n-a\n+b\n c\n"
	tests := []struct {
		name, input, want string // want: a piece of the message
	}{
		{"empty", "", "empty"},
		{"blank", " \n\n\t\n", "empty"},
		{"garbage", "hello\nworld\n", "no file diff"},
		{"binary garbage", "\x00\xff\x01--- \x00", "no file diff"},
		{"too many lines", hdr + "@@ -1,1 +1,1 @@\n-a\n+b\n+c\n", "line 8: unexpected line \"+c\": the hunk before it has more lines than its header counts"},
		{"too few lines", hdr + "@@ -1,3 +1,3 @@\n-a\n+b\n", "line 6: fragment header miscounts lines"},
		{"bad hunk header", hdr + "@@ -1,x +1 @@\n-a\n+b\n", "line 5: invalid fragment header"},
		{"hunk header without end", hdr + "@@ -1 +1\n-a\n+b\n", "line 5: invalid fragment header"},
		{"negative count", hdr + "@@ -1,-1 +1 @@\n+b\n", "miscounts lines"},
		{"line zero", hdr + "@@ -0,1 +1 @@\n-a\n+b\n", "impossible line range"},
		{"bad hunk line", hdr + "@@ -1 +1 @@\n-a\n+b\nxyz\n", "line 8: unexpected line \"xyz\": it is not part of a diff"},
		{"no hunks", hdr, "no hunks"},
		{"git header only", "diff --git a/f b/f\nindex 1..2 100644\n", "no hunks"},
		{"plain no hunks", "--- a/f\n+++ b/f\n", "no file diff"},
		{"no prefix", "--- f\n+++ f\n@@ -1 +1 @@\n-a\n+b\n", "does not start with a/ or b/"},
		{"parent dir", "--- a/../etc/passwd\n+++ b/../etc/passwd\n@@ -1 +1 @@\n-a\n+b\n", "not a clean path"},
		{"into .git", "diff --git a/.git/hooks/pre-commit b/.git/hooks/pre-commit\nnew file mode 100755\n--- /dev/null\n+++ b/.git/hooks/pre-commit\n@@ -0,0 +1 @@\n+evil\n", "not a clean path"},
		{"absolute", "--- a//etc/passwd\n+++ b//etc/passwd\n@@ -1 +1 @@\n-a\n+b\n", "not a clean path"},
		{"bad mode", "diff --git a/f b/f\nold mode 100644\nnew mode 10x755\n", "line 3: git file header: invalid mode"},
		{"bad index line", "diff --git a/f b/f\nindex zzz\n--- a/f\n+++ b/f\n@@ -1 +1 @@\n-a\n+b\n", "line 2: git file header: invalid index line"},
		{"binary without data", "diff --git a/f b/f\nindex 1..2 100644\nGIT binary patch\n", "missing data for binary patch"},
		{"unknown header", "diff --git a/f b/f\nwhat is this\n--- a/f\n+++ b/f\n@@ -1 +1 @@\n-a\n+b\n", "unexpected line"},
		{"rename without to", "diff --git a/f b/g\nsimilarity index 100%\nrename from f\n", "missing filename information"},
		{"hunk without file header", "diff --git a/f b/f\n@@ -1 +1 @@\n-a\n+b\n", "unexpected line"},
		{"trailing text", "--- a/f\n+++ b/f\n@@ -1 +1 @@\n-a\n+b\nsome trailing words\n", "not part of a diff"},
		{"missing +++", "diff --git a/f b/f\n--- a/f\n@@ -1 +1 @@\n-a\n+b\n", "file header"},
		{"next header without hunk", "--- a/f\n+++ b/f\n@@ -1 +1 @@\n-a\n+b\n--- a/g\n+++ b/g\n", "line 6: unexpected line \"--- a/g\": the hunk before it has more lines"},
		{"text after binary notice", "diff --git a/f b/f\nindex 1..2 100644\nBinary files a/f and b/f differ\nnot binary\n", "unexpected line"},
		{"text between git files", body2 + "stray words\n" + body2, "line 9: unexpected line \"stray words\": it is not part of a diff"},
		{"rename out of the tree", "diff --git a/f b/g\nsimilarity index 100%\nrename from f\nrename to ../g\n", "not a clean path"},
		{"rename to an absolute path", "diff --git a/f b//g\nsimilarity index 100%\nrename from f\nrename to //etc/passwd\n", "not a clean path"},
		{"copy into .git", "diff --git a/f b/.git/config\nsimilarity index 100%\ncopy from f\ncopy to .git/config\n", "not a clean path"},
		{"double slash after prefix", "diff --git a/x b/x\n--- a//etc/passwd\n+++ b//etc/passwd\n@@ -1 +1 @@\n-a\n+b\n", "not a clean path"},
		{"mode change without prefix", "diff --git x y\nold mode 100644\nnew mode 100755\n", "missing filename information"},
		{"mode change with other prefixes", "diff --git x/f y/f\nold mode 100644\nnew mode 100755\n", "does not start with a/ or b/"},
		{"short mode", "diff --git a/f b/f\nold mode 644\nnew mode 755\n", "bad file mode"},
		{"index without blob names", "diff --git a/f b/f\nindex ..\n--- a/f\n+++ b/f\n@@ -1 +1 @@\n-a\n+b\n", "bad index line"},
		{"path with a line break", "diff --git \"a/x\\ny\" \"b/x\\ny\"\n--- \"a/x\\ny\"\n+++ \"b/x\\ny\"\n@@ -1 +1 @@\n-a\n+b\n", "not a clean path"},
		{"huge count", hdr + "@@ -1,99999999999 +1 @@\n-a\n+b\n", "miscounts lines"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files, err := Parse([]byte(tt.input))
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("Parse = %+v, %v; want an error wrapping ErrMalformed", files, err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Parse error %q does not mention %q", err, tt.want)
			}
			if unsafe := tt.want == "not a clean path"; errors.Is(err, ErrUnsafePath) != unsafe {
				t.Errorf("Parse error %q: errors.Is(err, ErrUnsafePath) = %v, want %v", err, !unsafe, unsafe)
			}
		})
	}
}
