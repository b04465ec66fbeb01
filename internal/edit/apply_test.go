package edit

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// tree writes files under a new directory and returns it.
func tree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for p, content := range files {
		writeFile(t, filepath.Join(dir, filepath.FromSlash(p)), content, 0o644)
	}
	return dir
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func TestApplyReplace(t *testing.T) {
	const goFile = "package a\n\nfunc F(xs []int) int {\n\tn := 0\n\tfor _, x := range xs {\n\t\tif x > 0 {\n\t\t\tn++\n\t\t}\n\t}\n\treturn n\n}\n"
	tests := []struct {
		name            string
		file            string
		search, replace string
		line            int
		want            string
		err             error
	}{{
		name:    "exact",
		file:    goFile,
		search:  "\t\tif x > 0 {\n\t\t\tn++\n\t\t}\n",
		replace: "\t\tif x >= 0 {\n\t\t\tn++\n\t\t}\n",
		want:    strings.Replace(goFile, "x > 0", "x >= 0", 1),
	}, {
		name:    "two spaces for tabs, one level off",
		file:    goFile,
		search:  "  if x > 0 {\n    n++\n  }\n",
		replace: "  if x > 0 {\n    n += 2\n  } else {\n    n--\n  }\n",
		want:    strings.Replace(goFile, "\t\t\tn++\n\t\t}\n", "\t\t\tn += 2\n\t\t} else {\n\t\t\tn--\n\t\t}\n", 1),
	}, {
		name:    "tabs, too deep",
		file:    goFile,
		search:  "\t\t\t\tn++\n",
		replace: "\t\t\t\tn++\n\t\t\t\tif n > 9 {\n\t\t\t\t\tbreak\n\t\t\t\t}\n",
		want:    strings.Replace(goFile, "\t\t\tn++\n", "\t\t\tn++\n\t\t\tif n > 9 {\n\t\t\t\tbreak\n\t\t\t}\n", 1),
	}, {
		name:    "spaces in a file indented with spaces",
		file:    "def f():\n    if x:\n        return 1\n",
		search:  "if x:\n    return 1\n",
		replace: "if x:\n    return 2\n",
		want:    "def f():\n    if x:\n        return 2\n",
	}, {
		name:    "a search without a final newline",
		file:    goFile,
		search:  "\treturn n",
		replace: "\treturn n + 1",
		want:    strings.Replace(goFile, "\treturn n\n", "\treturn n + 1\n", 1),
	}, {
		name:    "the last line of a file without a newline",
		file:    "a\nb",
		search:  "b\n",
		replace: "c\n",
		want:    "a\nc\n",
	}, {
		name:    "deleting lines",
		file:    "a\nb\nc\n",
		search:  "b\n",
		replace: "",
		want:    "a\nc\n",
	}, {
		name:    "the line number picks one of two exact matches",
		file:    "x\ny\nx\ny\n",
		search:  "x\n",
		replace: "z\n",
		line:    3,
		want:    "x\ny\nz\ny\n",
	}, {
		name:    "the line number picks one of two tolerant matches",
		file:    "\tx\ny\n\tx\ny\n",
		search:  "x\n",
		replace: "z\n",
		line:    3,
		want:    "\tx\ny\n\tz\ny\n",
	}, {
		name:    "a wrong line number does not pick",
		file:    "x\ny\nx\ny\n",
		search:  "x\n",
		replace: "z\n",
		line:    2,
		err:     ErrAmbiguous,
	}, {
		name:    "ambiguous ignoring whitespace",
		file:    "\tx\n  x\n",
		search:  "x\n",
		replace: "z\n",
		err:     ErrAmbiguous,
	}, {
		name:    "only blank lines to search",
		file:    "a\n\nb\n",
		search:  "\n",
		replace: "c\n",
		err:     ErrNoMatch,
	}, {
		name:    "a part of a line is not a line",
		file:    goFile,
		search:  "x > 0",
		replace: "x >= 0",
		err:     ErrNoMatch,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := tree(t, map[string]string{"f.go": tt.file})
			e := Edit{Path: "f.go", Search: tt.search, Replace: tt.replace, Line: tt.line, Format: FormatDiff}
			changed, err := Apply(dir, []Edit{e}, []string{"f.go"})
			got := readFile(t, filepath.Join(dir, "f.go"))
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Errorf("err = %v, want %v", err, tt.err)
				}
				if got != tt.file {
					t.Errorf("the file changed:\n%s", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(changed, []string{"f.go"}) {
				t.Errorf("changed = %q", changed)
			}
			if got != tt.want {
				t.Errorf("file =\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

func TestApplyRefuses(t *testing.T) {
	dir := tree(t, map[string]string{
		"a.go":        "package a\n",
		"sub/b.go":    "package sub\n",
		"image.png":   "\x89PNG\r\n\x1a\n\x00\x00",
		"latin1.txt":  "caf\xe9\n",
		"big.txt":     strings.Repeat("x", MaxFileSize+1),
		".git/HEAD":   "ref: refs/heads/main\n",
		"dir/keep.go": "package dir\n",
	})
	if err := os.Symlink("a.go", filepath.Join(dir, "alias.go")); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		edit  Edit
		err   error
		words string
	}{
		{"binary", Edit{Path: "image.png", Format: FormatWhole, Replace: "x"}, ErrForbidden, "not a UTF-8 text file"},
		{"not UTF-8", Edit{Path: "latin1.txt", Search: "caf\n", Replace: "cafe\n"}, ErrForbidden, "not a UTF-8 text file"},
		{"too big", Edit{Path: "big.txt", Format: FormatWhole, Replace: "x"}, ErrForbidden, "larger than"},
		{"symlinked file", Edit{Path: "alias.go", Format: FormatWhole, Replace: "package evil\n"}, ErrForbidden, "alias.go is a symbolic link"},
		{"a directory", Edit{Path: "dir", Format: FormatWhole, Replace: "x\n"}, ErrForbidden, "dir is not a regular file"},
		{"through a file", Edit{Path: "a.go/x.go", Replace: "x\n"}, ErrForbidden, "a.go is not a directory"},
		{".git", Edit{Path: ".git/HEAD", Format: FormatWhole, Replace: "x\n"}, ErrForbidden, "inside .git"},
		{"not allowed", Edit{Path: "sub/b.go", Format: FormatWhole, Replace: "x\n"}, ErrForbidden, "not one of the files this task may change (a.go, dir/, dir, a.go/, alias.go, image.png, latin1.txt, big.txt and 1 more)"},
		{"binary replacement", Edit{Path: "a.go", Search: "package a\n", Replace: "package \x00\n"}, ErrMalformed, "not valid UTF-8 text"},
		{"missing file", Edit{Path: "dir/new.go", Search: "x\n", Replace: "y\n"}, ErrNoMatch, "dir/new.go does not exist; to create it, leave the SEARCH section empty"},
	}
	allowed := []string{"a.go", "dir/", "dir", "a.go/", "alias.go", "image.png", "latin1.txt", "big.txt", ".git/HEAD"}
	before := snapshot(t, dir)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Apply(dir, []Edit{tt.edit}, allowed)
			var e *Error
			if !errors.As(err, &e) || !errors.Is(err, tt.err) {
				t.Fatalf("err = %v, want an *Error wrapping %v", err, tt.err)
			}
			if !strings.Contains(e.Reason, tt.words) {
				t.Errorf("reason %q does not say %q", e.Reason, tt.words)
			}
			if e.Edit != 1 || e.Path != tt.edit.Path {
				t.Errorf("error is for edit %d, %q; want 1, %q", e.Edit, e.Path, tt.edit.Path)
			}
			compareTrees(t, before, snapshot(t, dir))
		})
	}
}

func TestApplyKeepsModeAndLineEndings(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "run.sh"), "#!/bin/sh\r\necho 1\r\n", 0o755)
	changed, err := Apply(dir, []Edit{{Path: "run.sh", Format: FormatWhole, Replace: "#!/bin/sh\necho 2\n"}}, []string{"run.sh"})
	if err != nil || !slices.Equal(changed, []string{"run.sh"}) {
		t.Fatalf("Apply = %q, %v", changed, err)
	}
	if got := readFile(t, filepath.Join(dir, "run.sh")); got != "#!/bin/sh\r\necho 2\r\n" {
		t.Errorf("run.sh = %q, want CRLF kept", got)
	}
	info, err := os.Stat(filepath.Join(dir, "run.sh"))
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o755 {
		t.Errorf("mode = %v, want 0755", info.Mode().Perm())
	}
}

func TestApplySequence(t *testing.T) {
	// Later edits see the earlier ones: a file is made, then changed; two
	// blocks change the same function one after the other.
	dir := tree(t, map[string]string{"a.go": "package a\n\nfunc A() int {\n\treturn 1\n}\n"})
	edits := []Edit{
		{Path: "new/b.go", Replace: "package b\n\nconst B = 1\n"},
		{Path: "new/b.go", Search: "const B = 1\n", Replace: "const B = 2\n"},
		{Path: "a.go", Search: "\treturn 1\n", Replace: "\treturn 2\n"},
		{Path: "a.go", Search: "\treturn 2\n", Replace: "\treturn 3\n"},
	}
	changed, err := Apply(dir, edits, []string{"a.go", "new/"})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(changed, []string{"a.go", "new/b.go"}) {
		t.Errorf("changed = %q", changed)
	}
	if got := readFile(t, filepath.Join(dir, "new", "b.go")); got != "package b\n\nconst B = 2\n" {
		t.Errorf("new/b.go = %q", got)
	}
	if got := readFile(t, filepath.Join(dir, "a.go")); !strings.Contains(got, "return 3") {
		t.Errorf("a.go = %q", got)
	}
}

func TestApplyReportsEveryEdit(t *testing.T) {
	dir := tree(t, map[string]string{"a.go": "x\nx\n"})
	edits := []Edit{
		{Path: "a.go", Search: "x\n", Replace: "y\n", Source: "block 1 for a.go"},
		{Path: "b.go", Search: "x\n", Replace: "y\n", Source: "block 2 for b.go"},
		{Path: "a.go", Search: "nothing\n", Replace: "y\n"},
	}
	_, err := Apply(dir, edits, []string{"a.go"})
	reasons := Reasons(err)
	want := []string{
		"block 1 for a.go: the SEARCH lines match 2 places",
		"block 2 for b.go: b.go is not one of the files",
		"edit 3 for a.go: the SEARCH lines match nothing",
	}
	if len(reasons) != len(want) {
		t.Fatalf("reasons = %q", reasons)
	}
	for i := range want {
		if !strings.HasPrefix(reasons[i], want[i]) {
			t.Errorf("reason %d = %q, want %q…", i+1, reasons[i], want[i])
		}
	}
	var e *Error
	if !errors.As(err, &e) || e.Edit != 1 {
		t.Errorf("errors.As finds %+v, want the error of edit 1", e)
	}
}

func TestApplyFileAndDirectory(t *testing.T) {
	dir := t.TempDir()
	edits := []Edit{{Path: "x", Replace: "a file\n"}, {Path: "x/y.go", Replace: "package y\n"}}
	_, err := Apply(dir, edits, []string{"."})
	if !errors.Is(err, ErrForbidden) || !strings.Contains(err.Error(), "a file cannot also be a directory") {
		t.Fatalf("err = %v", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("dir has %d entries", len(entries))
	}
}

func TestCommitRollsBack(t *testing.T) {
	dir := tree(t, map[string]string{"a.go": "old a\n", "c.go": "old c\n"})
	before := snapshot(t, dir)
	var files []*file
	for _, p := range []string{"a.go", "new/deep/b.go", "c.go"} {
		f, why := load(dir, p)
		if why != "" {
			t.Fatal(why)
		}
		f.content = "new " + p + "\n"
		files = append(files, f)
	}
	failing := errors.New("disk full")
	err := commit(files, func(f *file) error {
		if strings.HasSuffix(f.path, "c.go") {
			return failing
		}
		return f.write()
	})
	if !errors.Is(err, failing) {
		t.Fatalf("commit = %v", err)
	}
	compareTrees(t, before, snapshot(t, dir))
}

func TestFeedback(t *testing.T) {
	if got := Feedback(nil); got != "" {
		t.Errorf("Feedback(nil) = %q", got)
	}
	if got := Feedback(errors.New("disk full")); got != "" {
		t.Errorf("Feedback of a machine error = %q, want none", got)
	}
	parse := &Error{Reason: "block 1 for a.go: cut off", Err: ErrMalformed}
	got := Feedback(fmt.Errorf("attempt 2: %w", parse))
	if !strings.Contains(got, "- block 1 for a.go: cut off\n") || !strings.Contains(got, Instructions) {
		t.Errorf("Feedback of a parse error =\n%s", got)
	}
	apply := join([]*Error{
		{Reason: "block 1 for a.go: matches nothing.\n```\nx\n```", Err: ErrNoMatch},
		{Reason: "block 2 for b.go: not allowed", Err: ErrForbidden},
	})
	got = Feedback(apply)
	want := "Your answer was not applied; no file was changed.\n\n" +
		"- block 1 for a.go: matches nothing.\n  ```\n  x\n  ```\n" +
		"- block 2 for b.go: not allowed\n\n" +
		"Send all of your edits again, corrected.\n"
	if got != want {
		t.Errorf("Feedback =\n%s\nwant\n%s", got, want)
	}
}
