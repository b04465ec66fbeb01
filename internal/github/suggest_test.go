package github

import (
	"strings"
	"testing"

	"github.com/agentic-optimizer/optimizer/internal/diff"
)

// The pull request adds double (lines 8-13 of its sum.go) after sum's
// unchanged end (lines 5-7, context): lines 5-13 are commentable.
//
//	 1 package main
//	 2
//	 3 func sum(a, b int) int {
//	 4 	var s int
//	 5 	s = a + b
//	 6 	return s
//	 7 }
//	 8
//	 9 func double(x int) int {
//	10 	y := x
//	11 	y = y * 2
//	12 	return y
//	13 }
var prFiles = []PRFile{
	{Path: "sum.go", Status: "modified", Patch: "@@ -5,3 +5,9 @@ func sum(a, b int) int {\n \ts = a + b\n \treturn s\n }\n+\n+func double(x int) int {\n+\ty := x\n+\ty = y * 2\n+\treturn y\n+}"},
	// Two hunks that touch: lines 1-2 and 3-4.
	{Path: "adj.go", Status: "modified", Patch: "@@ -1,2 +1,2 @@\n-a\n+A\n b\n@@ -3,2 +3,2 @@\n c\n-d\n+D"},
	{Path: "logo.png", Status: "added"},
}

func parseOne(t *testing.T, path, hunks string) []diff.File {
	t.Helper()
	files, err := diff.Parse([]byte("diff --git a/" + path + " b/" + path + "\n--- a/" + path + "\n+++ b/" + path + "\n" + hunks))
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func TestSuggest(t *testing.T) {
	tests := []struct {
		name        string
		path, hunks string
		start, line int    // the suggestion's range; 0 when none is wanted
		text        string // its text
		outside     string // a part of the reason, when it is outside
	}{
		{name: "single line", path: "sum.go", hunks: "@@ -10,3 +10,3 @@\n \ty := x\n-\ty = y * 2\n+\ty *= 2\n \treturn y\n",
			start: 11, line: 11, text: "\ty *= 2"},
		{name: "multi-line", path: "sum.go", hunks: "@@ -9,5 +9,3 @@\n func double(x int) int {\n-\ty := x\n-\ty = y * 2\n-\treturn y\n+\treturn x * 2\n }\n",
			start: 10, line: 12, text: "\treturn x * 2"},
		{name: "multi-line keeps the lines between", path: "sum.go", hunks: "@@ -10,3 +10,3 @@\n-\ty := x\n+\ty := x + 0\n \ty = y * 2\n-\treturn y\n+\treturn y + 0\n",
			start: 10, line: 12, text: "\ty := x + 0\n\ty = y * 2\n\treturn y + 0"},
		{name: "deletion only", path: "sum.go", hunks: "@@ -9,4 +9,2 @@\n func double(x int) int {\n-\ty := x\n-\ty = y * 2\n \treturn y\n",
			start: 10, line: 11, text: ""},
		{name: "insertion anchored on the line before", path: "sum.go", hunks: "@@ -11,2 +11,3 @@\n \ty = y * 2\n+\t// doubled\n \treturn y\n",
			start: 11, line: 11, text: "\ty = y * 2\n\t// doubled"},
		{name: "backticks get a longer fence", path: "sum.go", hunks: "@@ -10 +10 @@\n-\ty := x\n+\ty := \"```\"\n",
			start: 10, line: 10, text: "\ty := \"```\""},
		{name: "partly outside the diff", path: "sum.go", hunks: "@@ -3,4 +3,4 @@\n func sum(a, b int) int {\n-\tvar s int\n-\ts = a + b\n+\ts := 0\n+\ts += a + b\n \treturn s\n",
			outside: "line 4 not in the pull request's diff"},
		{name: "insertion at the top, outside", path: "sum.go", hunks: "@@ -0,0 +1 @@\n+// Package main.\n",
			outside: "line 1 not in"},
		{name: "text differs from the head", path: "sum.go", hunks: "@@ -11 +11 @@\n-\ty = y * 3\n+\ty *= 3\n",
			outside: "differs from the pull request's head"},
		{name: "file not in the diff", path: "main.go", hunks: "@@ -1 +1 @@\n-package main\n+package main // x\n",
			outside: "file not in the pull request's diff"},
		{name: "spans two hunks of the diff", path: "adj.go", hunks: "@@ -2,2 +2,2 @@\n-b\n-c\n+B\n+C\n",
			outside: "span two hunks"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sugs, out := Suggest(prFiles, parseOne(t, tt.path, tt.hunks))
			if tt.outside != "" {
				if len(sugs) != 0 || len(out) != 1 || !strings.Contains(out[0].Reason, tt.outside) || out[0].Path != tt.path || out[0].Hunk != 0 {
					t.Errorf("Suggest = %+v, outside %+v; want only outside, %q", sugs, out, tt.outside)
				}
				return
			}
			if len(out) != 0 || len(sugs) != 1 {
				t.Fatalf("Suggest = %+v, outside %+v; want one suggestion", sugs, out)
			}
			s := sugs[0]
			if s.Path != tt.path || s.StartLine != tt.start || s.Line != tt.line || s.Text != tt.text {
				t.Errorf("suggestion = %s %d-%d %q, want %s %d-%d %q", s.Path, s.StartLine, s.Line, s.Text, tt.path, tt.start, tt.line, tt.text)
			}
			fence := "```"
			if strings.Contains(tt.text, "```") {
				fence = "````"
			}
			want := fence + "suggestion\n" + tt.text + "\n" + fence
			if tt.text == "" {
				want = fence + "suggestion\n" + fence
			}
			if s.Body != want {
				t.Errorf("body = %q, want %q", s.Body, want)
			}
		})
	}
}

func TestSuggestWholeFiles(t *testing.T) {
	p := "diff --git a/new.go b/new.go\nnew file mode 100644\n--- /dev/null\n+++ b/new.go\n@@ -0,0 +1 @@\n+package main\n" +
		"diff --git a/adj.go b/adj.go\ndeleted file mode 100644\n--- a/adj.go\n+++ /dev/null\n@@ -1,4 +0,0 @@\n-A\n-b\n-c\n-D\n" +
		"diff --git a/logo.png b/logo.png\nindex 1111111..2222222 100644\nBinary files a/logo.png and b/logo.png differ\n" +
		"diff --git a/sum.go b/sum.go\n--- a/sum.go\n+++ b/sum.go\n@@ -11 +11 @@\n-\ty = y * 2\n+\ty *= 2\n@@ -13 +13 @@\n-}\n+} // double\n"
	files, err := diff.Parse([]byte(p))
	if err != nil {
		t.Fatal(err)
	}
	sugs, out := Suggest(prFiles, files)
	var reasons []string
	for _, o := range out {
		reasons = append(reasons, o.Path+": "+o.Reason)
	}
	want := []string{"new.go: new file", "adj.go: deleted file", "logo.png: binary file"}
	if strings.Join(reasons, "|") != strings.Join(want, "|") {
		t.Errorf("outside = %q, want %q", reasons, want)
	}
	if len(sugs) != 2 || sugs[0].File != 3 || sugs[0].Hunk != 0 || sugs[1].Hunk != 1 || sugs[1].Line != 13 {
		t.Errorf("suggestions = %+v, want two on sum.go (file 3, hunks 0 and 1)", sugs)
	}
}

func TestCommentableLines(t *testing.T) {
	lines := commentableLines(prFiles[0].Patch)
	if len(lines) != 9 {
		t.Errorf("%d commentable lines, want 9 (5-13)", len(lines))
	}
	for n := 5; n <= 13; n++ {
		if _, ok := lines[n]; !ok {
			t.Errorf("line %d not commentable", n)
		}
	}
	if l := lines[11]; l.text != "\ty = y * 2" || l.hunk != 0 {
		t.Errorf("line 11 = %+v", l)
	}
}
