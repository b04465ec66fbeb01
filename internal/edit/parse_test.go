package edit

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

func TestLinePath(t *testing.T) {
	tests := []struct {
		line, want string
	}{
		{"stats.go", "stats.go"},
		{"internal/stats/stats.go", "internal/stats/stats.go"},
		{"**`stats.go`**", "stats.go"},
		{"### stats.go:", "stats.go"},
		{"`stats.go`:", "stats.go"},
		{"- stats.go", "stats.go"},
		{"1. **`stats.go`**", "stats.go"},
		{"2) stats.go:", "stats.go"},
		{"File: internal/x.go", "internal/x.go"},
		{"Filename: `x_test.go`", "x_test.go"},
		{"./cmd/main.go", "./cmd/main.go"},
		{"Here is the updated `stats.go`:", "stats.go"},
		{"Then change stats_test.go as well:", "stats_test.go"},
		{"Replace foo.Bar in stats.go:", "stats.go"}, // foo.Bar has no file extension
		{"Here is the updated stats.go", ""},         // a sentence must end in ':'
		{"Move code from a.go to b.go:", ""},         // two files: which one?
		{"Here's the fix:", ""},
		{"Sure!", ""},
		{"", ""},
		{"func main() {", ""},
		{"go", ""},
	}
	for _, tt := range tests {
		if got := linePath(tt.line); got != tt.want {
			t.Errorf("linePath(%q) = %q, want %q", tt.line, got, tt.want)
		}
	}
}

func TestInfoPath(t *testing.T) {
	tests := []struct {
		info, want string
	}{
		{"go stats.go", "stats.go"},
		{"stats.go", "stats.go"},
		{"go:internal/stats.go", "internal/stats.go"},
		{`go title="stats.go"`, "stats.go"},
		{"go", ""},
		{"diff", ""},
		{"", ""},
	}
	for _, tt := range tests {
		if got := infoPath(tt.info); got != tt.want {
			t.Errorf("infoPath(%q) = %q, want %q", tt.info, got, tt.want)
		}
	}
}

func TestCleanPath(t *testing.T) {
	tests := []struct {
		path, want, why string // why: a word of the reason, when refused
	}{
		{"a.go", "a.go", ""},
		{"./internal/a.go", "internal/a.go", ""},
		{".github/workflows/ci.yml", "", ".github"},
		{".githubx/a.go", ".githubx/a.go", ""},
		{"sub/.git/config", "", ".git"},
		{"../a.go", "", "leaves"},
		{"a/../../b.go", "", "leaves"},
		{"/etc/passwd", "", "absolute"},
		{`C:\x.go`, "", "'\\'"},
		{"C:/x.go", "", "absolute"},
		{"a//b.go", "", "plain"},
		{"a/./b.go", "", "plain"},
		{"dir/", "", "plain"},
		{".", "", "plain"},
		{"", "", "empty"},
		{"a\x00.go", "", "not a valid"},
		{"a\n.go", "", "not a valid"},
		{"\xff.go", "", "not a valid"},
		{strings.Repeat("a", 201) + ".go", "", "longer"},
		{strings.Repeat("a/", 600) + "a.go", "", "longer"},
	}
	for _, tt := range tests {
		got, why := cleanPath(tt.path)
		if got != tt.want || tt.why == "" && why != "" || tt.why != "" && !strings.Contains(why, tt.why) {
			t.Errorf("cleanPath(%q) = %q, %q; want %q, a reason with %q", tt.path, got, why, tt.want, tt.why)
		}
	}
}

func TestAllowedPath(t *testing.T) {
	allowed := []string{"stats.go", "./internal/fast/", "cmd/x/"}
	for p, want := range map[string]bool{
		"stats.go":               true,
		"internal/fast/a.go":     true,
		"internal/fast/sub/b.go": true,
		"cmd/x/main.go":          true,
		"stats_test.go":          false,
		"internal/fastx/a.go":    false,
		"cmd/xy/main.go":         false,
		"internal/fast":          false,
	} {
		if got := allowedPath(p, allowed); got != want {
			t.Errorf("allowedPath(%q) = %v, want %v", p, got, want)
		}
	}
	if !allowedPath("any/where.go", []string{"."}) {
		t.Error(`"." does not allow everything`)
	}
	if allowedPath("a.go", nil) {
		t.Error("no allowed list allows a.go")
	}
}

func TestParseDiff(t *testing.T) {
	tests := []struct {
		name   string
		answer string
		want   []Edit
	}{{
		name:   "git prefixes, line hint from the new side",
		answer: "--- a/x.go\n+++ b/x.go\n@@ -10,3 +12,3 @@ func f() {\n a\n-b\n+c\n d\n",
		want:   []Edit{{Path: "x.go", Search: "a\nb\nd\n", Replace: "a\nc\nd\n", Format: FormatDiff, Line: 12, Source: "hunk 1 of the diff for x.go"}},
	}, {
		name:   "no prefixes, no numbers, timestamps",
		answer: "--- x.go\t2024-01-01 00:00:00\n+++ x.go\t2024-01-02 00:00:00\n@@ ... @@\n-b\n+c\n",
		want:   []Edit{{Path: "x.go", Search: "b\n", Replace: "c\n", Format: FormatDiff, Source: "hunk 1 of the diff for x.go"}},
	}, {
		name:   "prefix on one side only",
		answer: "--- a/x.go\n+++ x.go\n@@ -1 +1 @@\n-b\n+c\n",
		want:   []Edit{{Path: "x.go", Search: "b\n", Replace: "c\n", Format: FormatDiff, Line: 1, Source: "hunk 1 of the diff for x.go"}},
	}, {
		name:   "quoted path",
		answer: "--- \"a/my file.go\"\n+++ \"b/my file.go\"\n@@ -1 +1 @@\n-b\n+c\n",
		want:   []Edit{{Path: "my file.go", Search: "b\n", Replace: "c\n", Format: FormatDiff, Line: 1, Source: "hunk 1 of the diff for my file.go"}},
	}, {
		name:   "new file in two hunks",
		answer: "--- /dev/null\n+++ b/n.go\n@@ -0,0 +1,2 @@\n+package n\n+\n@@ -0,0 +3 @@\n+func F() {}\n",
		want:   []Edit{{Path: "n.go", Replace: "package n\n\nfunc F() {}\n", Format: FormatDiff, Source: "hunk 1 of the diff for n.go"}},
	}, {
		name:   "two files, a hunk that changes nothing is dropped",
		answer: "--- a/x.go\n+++ b/x.go\n@@ -1 +1 @@\n a\n--- a/y.go\n+++ b/y.go\n@@ -1 +1 @@\n-y\n\\ No newline at end of file\n+z\n",
		want:   []Edit{{Path: "y.go", Search: "y\n", Replace: "z\n", Format: FormatDiff, Line: 1, Source: "hunk 1 of the diff for y.go"}},
	}, {
		name:   "trailing blank lines end the hunk",
		answer: "--- a/x.go\n+++ b/x.go\n@@ -1,2 +1,2 @@\n-a\n+b\n c\n\n\nThat is all.\n",
		want:   []Edit{{Path: "x.go", Search: "a\nc\n", Replace: "b\nc\n", Format: FormatDiff, Line: 1, Source: "hunk 1 of the diff for x.go"}},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(tt.answer)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Parse =\n%+v\nwant\n%+v", got, tt.want)
			}
		})
	}
}

func TestParseBlocks(t *testing.T) {
	answer := "a.go\n<<<<<<< SEARCH\nx\n=======\ny\n>>>>>>> REPLACE\n<<<<<<< SEARCH\n=======\n>>>>>>> REPLACE\n" +
		"b.go\n<<<<<<< SEARCH\n\tz\n=======\n>>>>>>> REPLACE\n"
	got, err := Parse(answer)
	if err != nil {
		t.Fatal(err)
	}
	want := []Edit{
		{Path: "a.go", Search: "x\n", Replace: "y\n", Format: FormatBlock, Source: "block 1 for a.go"},
		{Path: "a.go", Format: FormatBlock, Source: "block 2 for a.go"},
		{Path: "b.go", Search: "\tz\n", Format: FormatBlock, Source: "block 3 for b.go"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Parse =\n%+v\nwant\n%+v", got, want)
	}
}

func TestParseReasonsCapped(t *testing.T) {
	var b strings.Builder
	for i := range 15 {
		fmt.Fprintf(&b, "f%d.go\n<<<<<<< SEARCH\nx\n>>>>>>> REPLACE\n", i)
	}
	_, err := Parse(b.String())
	if !errors.Is(err, ErrMalformed) {
		t.Fatalf("err = %v, want ErrMalformed", err)
	}
	reasons := Reasons(err)
	if len(reasons) != maxReasons+1 || !strings.Contains(reasons[maxReasons], "and 5 more") {
		t.Errorf("reasons = %q, want %d and a line for the 5 others", reasons, maxReasons)
	}
}

func TestParseNotText(t *testing.T) {
	for _, answer := range []string{
		"a.go\n<<<<<<< SEARCH\n\xff\n=======\n>>>>>>> REPLACE\n",
		"a.go\n<<<<<<< SEARCH\nx\n=======\n\x00\n>>>>>>> REPLACE\n",
	} {
		if _, err := Parse(answer); !errors.Is(err, ErrMalformed) {
			t.Errorf("Parse(%q) = %v, want ErrMalformed", answer, err)
		}
	}
}
