package diff

import (
	"reflect"
	"testing"
)

func TestParseHunkHeader(t *testing.T) {
	for _, tt := range []struct {
		line string
		want Hunk
		ok   bool
	}{
		{"@@ -1,2 +3,4 @@", Hunk{OldStart: 1, OldLines: 2, NewStart: 3, NewLines: 4}, true},
		{"@@ -5 +5 @@ func f() {", Hunk{OldStart: 5, OldLines: 1, NewStart: 5, NewLines: 1}, true},
		{"@@@ -0,0 +1,3 @@", Hunk{OldStart: 0, OldLines: 0, NewStart: 1, NewLines: 3}, true},
		{"@@ ... @@", Hunk{}, false},
		{"@ -1 +1 @@", Hunk{}, false},
		{"@@ -1,x +1 @@", Hunk{}, false},
		{"@@ -1 +1", Hunk{}, false},
		{"@@ -99999999999999999999 +1 @@", Hunk{}, false},
		{" @@ -1 +1 @@", Hunk{}, false},
	} {
		got, ok := ParseHunkHeader(tt.line)
		if ok != tt.ok || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParseHunkHeader(%q) = %+v, %v; want %+v, %v", tt.line, got, ok, tt.want, tt.ok)
		}
	}
}

// TestParseHunks reads hunks without file headers, as GitHub gives them,
// and FormatHunks writes them back.
func TestParseHunks(t *testing.T) {
	const text = "@@ -1,3 +1,3 @@ func f() {\n a\n-b\n+B\n c\n@@ -10 +10,2 @@\n x\n+y\n\\ No newline at end of file\n"
	hunks, err := ParseHunks([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	if len(hunks) != 2 || hunks[1].NewStart != 10 || !reflect.DeepEqual(hunks[1].Added, []Line{{11, "y"}}) || !hunks[1].Body[1].NoNewline {
		t.Fatalf("ParseHunks = %+v", hunks)
	}
	again, err := ParseHunks(FormatHunks(hunks))
	if err != nil || !reflect.DeepEqual(again, hunks) {
		t.Errorf("ParseHunks(FormatHunks(hunks)) = %+v, %v; want %+v", again, err, hunks)
	}
	if _, err := ParseHunks([]byte("@@ -1,3 +1,3 @@\n a\n")); err == nil {
		t.Error("ParseHunks accepted a hunk shorter than its counts")
	}
}
