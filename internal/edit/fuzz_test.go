package edit

import (
	"errors"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/tools/txtar"
)

// FuzzParse checks that Parse never panics, that every edit it returns has
// a clean relative path and text, and that every error is an *Error with a
// reason for the model. The answers of testdata/answers are its seeds too.
func FuzzParse(f *testing.F) {
	f.Add("stats.go\n<<<<<<< SEARCH\na\n=======\nb\n>>>>>>> REPLACE\n")
	f.Add("```go x.go\n<<<<<<< SEARCH\n=======\n>>>>>>> REPLACE\n```\n")
	f.Add("--- a/x.go\n+++ b/x.go\n@@ -1,2 +1,2 @@\n a\n-b\n+c\n")
	f.Add("--- /dev/null\n+++ b/n.go\n@@ -0,0 +1 @@\n+package n\n@@ -0,0 +2 @@\n+x\n")
	f.Add("x.go:\n```go\npackage x\n```\n")
	f.Add("   ```go\n   x.go\n   <<<<<<< SEARCH\n")
	f.Add("@@ -1 +1 @@\n-a\n+b\n")
	f.Add("--- \"a/q\\\"x.go\"\n+++ \"b/q\\\"x.go\"\n@@\n-a\n+b\n")
	f.Add("../x.go\n<<<<<<< SEARCH\n=======\n>>>>>>> REPLACE\n")
	f.Add("x.go\r\n<<<<<<< SEARCH\r\n\xff\r\n=======\r\n>>>>>>> REPLACE\r\n")
	names, _ := filepath.Glob("testdata/answers/*.txt")
	for _, name := range names {
		ar, err := txtar.ParseFile(name)
		if err != nil {
			f.Fatal(err)
		}
		for _, file := range ar.Files {
			if file.Name == "answer" {
				f.Add(string(file.Data))
			}
		}
	}
	f.Fuzz(func(t *testing.T, answer string) {
		edits, err := Parse(answer)
		if err != nil {
			checkError(t, err)
			if len(edits) != 0 {
				t.Errorf("Parse returned %d edits with its error", len(edits))
			}
			return
		}
		if len(edits) == 0 {
			t.Fatal("Parse returned no edit and no error")
		}
		for _, e := range edits {
			if p, why := cleanPath(e.Path); why != "" || p != e.Path {
				t.Errorf("edit %q has path %q: %s", e.Source, e.Path, why)
			}
			if !isText(e.Search) || !isText(e.Replace) {
				t.Errorf("edit %q has text that is not UTF-8", e.Source)
			}
			if e.Format != FormatBlock && e.Format != FormatDiff && e.Format != FormatWhole {
				t.Errorf("edit %q has format %q", e.Source, e.Format)
			}
			if strings.Contains(e.Search+e.Replace, "\r\n") {
				t.Errorf("edit %q kept a CRLF", e.Source)
			}
		}
	})
}

// checkError checks that err is an *Error, or several joined, each with
// a reason and a sentinel, and that Feedback renders them.
func checkError(t *testing.T, err error) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %T is not an *Error: %v", err, err)
	}
	reasons := Reasons(err)
	if len(reasons) == 0 {
		t.Fatalf("error without a reason: %v", err)
	}
	for _, r := range reasons {
		if strings.TrimSpace(r) == "" || !utf8.ValidString(r) {
			t.Errorf("bad reason %q", r)
		}
	}
	known := false
	for _, s := range []error{ErrNoEdit, ErrMalformed, ErrForbidden, ErrNoMatch, ErrAmbiguous, ErrNoChange} {
		known = known || errors.Is(err, s)
	}
	if !known {
		t.Errorf("error %v wraps no sentinel", err)
	}
	if Feedback(err) == "" {
		t.Error("Feedback is empty")
	}
}

// FuzzApply applies random edits to a small tree beside a directory it must
// never reach (through '..', an absolute path, or a symbolic link to it):
// Apply must either change only allowed files in the tree or return an
// *Error and change nothing.
func FuzzApply(f *testing.F) {
	f.Add("a.go", "\treturn 1\n", "\treturn 2\n", uint8(0), 0, uint8(0))
	f.Add("a.go", "    return 1\n", "    return 2\n    // two\n", uint8(0), 0, uint8(1))
	f.Add("sub/b.go", "x\n", "y\n", uint8(1), 3, uint8(0))
	f.Add("new/dir/c.go", "", "package c\n", uint8(0), 0, uint8(0))
	f.Add("link/secret.txt", "secret\n", "pwned\n", uint8(0), 0, uint8(0))
	f.Add("flink", "", "pwned\n", uint8(2), 0, uint8(0))
	f.Add("../outside/secret.txt", "secret\n", "pwned\n", uint8(0), 0, uint8(0))
	f.Add("crlf.txt", "two\n", "deux\n", uint8(0), 0, uint8(2))
	f.Add("bin.dat", "", "x", uint8(2), 0, uint8(0))
	f.Add("a.go/x", "", "x", uint8(0), 0, uint8(0))
	f.Add(".git/config", "", "x", uint8(0), 0, uint8(0))
	// One tree for all the inputs of a worker, made again after an input
	// changed it: making it for every input would be most of the work.
	root := f.TempDir()
	dir := filepath.Join(root, "work")
	makeTree := func(t testing.TB) {
		if err := os.RemoveAll(root); err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(root, "outside", "secret.txt"), "secret\n", 0o644)
		writeFile(t, filepath.Join(dir, "a.go"), "package a\n\nfunc A() int {\n\treturn 1\n}\n", 0o644)
		writeFile(t, filepath.Join(dir, "sub", "b.go"), "package sub\n\nx\nx\ny\n", 0o644)
		writeFile(t, filepath.Join(dir, "run.sh"), "#!/bin/sh\necho 1\n", 0o755)
		writeFile(t, filepath.Join(dir, "crlf.txt"), "one\r\ntwo\r\n", 0o644)
		writeFile(t, filepath.Join(dir, "bin.dat"), "\x00\xff\xfe", 0o644)
		writeFile(t, filepath.Join(dir, ".git", "config"), "[core]\n", 0o644)
		if err := os.Symlink("../outside", filepath.Join(dir, "link")); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink("../outside/secret.txt", filepath.Join(dir, "flink")); err != nil {
			t.Fatal(err)
		}
	}
	makeTree(f)
	pristine := snapshot(f, root)
	f.Fuzz(func(t *testing.T, path, search, replace string, format uint8, line int, allow uint8) {
		before := snapshot(t, root)
		if !maps.Equal(before, pristine) {
			makeTree(t)
			before = snapshot(t, root)
		}

		allowed := [][]string{{"."}, {"a.go", "sub/"}, {"crlf.txt", "new/", "link/", "flink"}}[int(allow)%3]
		e := Edit{
			Path:    path,
			Search:  search,
			Replace: replace,
			Format:  []Format{FormatBlock, FormatDiff, FormatWhole}[int(format)%3],
			Line:    line,
		}
		changed, err := Apply(dir, []Edit{e}, allowed)
		after := snapshot(t, root)
		if err != nil {
			checkError(t, err)
			compareTrees(t, before, after)
			return
		}
		if len(changed) == 0 {
			t.Fatal("Apply changed nothing and returned no error")
		}
		for _, p := range changed {
			if clean, why := cleanPath(p); why != "" || clean != p || !allowedPath(p, allowed) {
				t.Errorf("Apply changed %q", p)
			}
		}
		for p, was := range before {
			if after[p] != was && !strings.HasPrefix(p, "work/") {
				t.Errorf("%s outside the work tree changed", p)
			}
		}
		for p, now := range after {
			if before[p] == now {
				continue
			}
			rel := strings.TrimPrefix(p, "work/")
			if !strings.HasPrefix(p, "work/") {
				t.Errorf("%s appeared outside the work tree", p)
			} else if now != "dir" && !contains(changed, rel) {
				t.Errorf("%s changed, but Apply did not say so", p)
			}
		}
	})
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
