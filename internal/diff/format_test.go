package diff

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/agentic-optimizer/optimizer/internal/gitx"
	"github.com/agentic-optimizer/optimizer/internal/gitx/gittest"
)

// TestFormatIsGits: what git diff writes for text changes, modes, new,
// deleted and empty files and quoted paths, Format writes again byte for
// byte.
func TestFormatIsGits(t *testing.T) {
	dir := gittest.NewRepo(t, map[string]string{
		"mod.txt":    "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n13\n14\n15\n",
		"del.txt":    "gone\nsoon\n",
		"mode.sh":    "#!/bin/sh\n",
		"one.txt":    "a\n",
		"link@":      "mod.txt",
		"sp ace.txt": "x\n",
	})
	gittest.WriteFiles(t, dir, map[string]string{
		"mod.txt":       "1\n2\nthree\n4\n5\n6\n7\n8\n9\n10\n11\n12\n12.5\n13\n14\n15\n",
		"del.txt":       "",
		"one.txt":       "b\n",
		"new.txt":       "fresh\n-- dashes\n++ pluses\n",
		"link@":         "other.txt",
		"sp ace.txt":    "y\n",
		"dir/q\tt.txt":  "quoted\n",
		"no-newline.go": "package x",
	})
	os.WriteFile(filepath.Join(dir, "empty.txt"), nil, 0o644)
	if err := os.Chmod(filepath.Join(dir, "mode.sh"), 0o755); err != nil {
		t.Fatal(err)
	}
	gittest.Git(t, dir, "add", "--all")
	out := gittest.Git(t, dir, "-c", "core.quotePath=true", "diff", "--cached", "--no-renames", "HEAD")
	files, err := Parse([]byte(out))
	if err != nil {
		t.Fatalf("Parse: %v\n%s", err, out)
	}
	if got := string(Format(files)); got != out {
		t.Errorf("Format:\n%s\nwant what git wrote:\n%s", got, out)
	}
}

// TestStat counts lines by the hunks' counts: a removed line "--- x" and
// an added line "+++ y" are lines of the file, not file headers.
func TestStat(t *testing.T) {
	const p = "diff --git a/x.go b/x.go\n" +
		"index 1111111..2222222 100644\n" +
		"--- a/x.go\n" +
		"+++ b/x.go\n" +
		"@@ -1,4 +1,4 @@\n" +
		" ctx\n" +
		"--- x\n" +
		"-old\n" +
		"+++ y\n" +
		"+new\n" +
		"+more\n" +
		"-- \n" +
		"diff --git a/y.go b/y.go\n" +
		"new file mode 100644\n" +
		"index 0000000..3333333\n" +
		"--- /dev/null\n" +
		"+++ b/y.go\n" +
		"@@ -0,0 +1,2 @@\n" +
		"+++\n" +
		"+--\n"
	files, err := Parse([]byte(p))
	if err != nil {
		t.Fatal(err)
	}
	want := Stats{Files: 2, Added: 5, Removed: 3}
	if got := Stat(files); got != want {
		t.Errorf("Stat = %+v, want %+v", got, want)
	}
	if got := Stat(files).Lines(); got != 8 {
		t.Errorf("Lines = %d, want 8", got)
	}
	if got := files[0].Hunks[0].Removed; !reflect.DeepEqual(got, []Line{{2, "-- x"}, {3, "old"}, {4, "- "}}) {
		t.Errorf("removed %+v", got)
	}
}

// TestSelect: a part of a patch holds only the chosen hunks, with the
// new-side starts shifted, and applies on its own.
func TestSelect(t *testing.T) {
	var lines []string
	for i := 1; i <= 40; i++ {
		lines = append(lines, "line "+strings.Repeat("x", i%3)+string(rune('a'+i%26)))
	}
	orig := strings.Join(lines, "\n") + "\n"
	dir := gittest.NewRepo(t, map[string]string{"a.txt": orig, "b.txt": "b\n"})
	changed := slices.Clone(lines)
	changed[2] = "two\nextra"      // hunk 0: one line more
	changed[20] = "twenty"         // hunk 1
	changed[35] = "thirty-five\n+" // hunk 2: one line more
	forward, _ := gittest.Patch(t, dir, func() {
		gittest.WriteFiles(t, dir, map[string]string{"a.txt": strings.Join(changed, "\n") + "\n", "b.txt": "B\n"})
	})
	files, err := Parse(forward)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 2 || len(files[0].Hunks) != 3 {
		t.Fatalf("the patch has %d files, the first %d hunks; want 2 and 3:\n%s", len(files), len(files[0].Hunks), forward)
	}
	part, err := Select(forward, []HunkRef{{0, 2}, {1, -1}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := Parse(part)
	if err != nil {
		t.Fatalf("%v\n%s", err, part)
	}
	if len(got) != 2 || len(got[0].Hunks) != 1 || got[1].Path() != "b.txt" {
		t.Fatalf("part:\n%s", part)
	}
	if h, src := got[0].Hunks[0], files[0].Hunks[2]; h.OldStart != src.OldStart || h.NewStart != src.NewStart-1 || !reflect.DeepEqual(h.Body, src.Body) {
		t.Errorf("selected hunk %+v, want %+v shifted up one line on the new side", h, src)
	}
	if err := gitx.ApplyCheck(context.Background(), dir, part, gitx.ApplyOptions{}); err != nil {
		t.Errorf("the part does not apply: %v\n%s", err, part)
	}
	if _, err := Select([]byte("not a diff"), nil); err == nil {
		t.Error("Select of a non-diff did not fail")
	}
}

func TestQuote(t *testing.T) {
	for in, want := range map[string]string{
		"a/x.go":       "a/x.go",
		"a/my file.go": "a/my file.go",
		"a/é.go":       `"a/\303\251.go"`,
		"a/q\"t.go":    `"a/q\"t.go"`,
		"a/tab\t.go":   `"a/tab\t.go"`,
		"a/cr\r.go":    `"a/cr\r.go"`,
		"a/del\x7f":    `"a/del\177"`,
	} {
		if got := Quote(in); got != want {
			t.Errorf("Quote(%q) = %s, want %s", in, got, want)
		}
	}
}
