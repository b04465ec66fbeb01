package validate

import (
	"strings"
	"testing"

	"golang.org/x/tools/cover"

	"github.com/agentic-optimizer/optimizer/internal/diff"
)

func TestLineMover(t *testing.T) {
	// Old lines 1-10 → new: line 3 replaced by two lines, line 7 removed,
	// one line inserted after old line 9.
	hunks := []diff.Hunk{
		{OldStart: 2, OldLines: 3, NewStart: 2, NewLines: 4, Removed: []diff.Line{{N: 3}}, Added: []diff.Line{{N: 3}, {N: 4}}},
		{OldStart: 6, OldLines: 3, NewStart: 7, NewLines: 2, Removed: []diff.Line{{N: 7}}},
		{OldStart: 9, OldLines: 0, NewStart: 10, NewLines: 1, Added: []diff.Line{{N: 10}}},
	}
	move := lineMover(hunks)
	want := map[int]int{1: 1, 2: 2, 3: 0, 4: 5, 5: 6, 6: 7, 7: 0, 8: 8, 9: 9, 10: 11}
	for old, n := range want {
		got, ok := move(old)
		if ok != (n != 0) || ok && got != n {
			t.Errorf("line %d → %d, %v; want %d", old, got, ok, n)
		}
	}
}

func TestFirstStatement(t *testing.T) {
	src := strings.Split(`package p

func Abs(x int) int {
	if x == 0 {
		return 0
	}
	// positive
	return x
}
`, "\n")
	same := func(l int) (int, bool) { return l, true }
	body := cover.ProfileBlock{StartLine: 4, StartCol: 13, EndLine: 6, EndCol: 3, NumStmt: 1, Count: 1}
	if line, col, ok := firstStatement(src, body, same); !ok || line != 5 || col != 3 {
		t.Errorf("if body: %d:%d %v, want 5:3", line, col, ok)
	}
	// The if line changed, its body did not: the body is still judged.
	ifLineChanged := func(l int) (int, bool) { return l + 1, l != 4 }
	if line, _, ok := firstStatement(src, body, ifLineChanged); !ok || line != 6 {
		t.Errorf("if body after the if line changed: line %d %v, want 6", line, ok)
	}
	// A block whose statement line changed is the patch's to decide.
	tail := cover.ProfileBlock{StartLine: 6, StartCol: 3, EndLine: 8, EndCol: 10, NumStmt: 1, Count: 1}
	if line, col, ok := firstStatement(src, tail, same); !ok || line != 8 || col != 2 {
		t.Errorf("tail: %d:%d %v, want 8:2 (comments and braces are no statements)", line, col, ok)
	}
	if _, _, ok := firstStatement(src, tail, func(l int) (int, bool) { return l, l != 8 }); ok {
		t.Error("a block whose statement line was removed is still judged")
	}

	blocks := []cover.ProfileBlock{
		{StartLine: 3, StartCol: 21, EndLine: 4, EndCol: 12, NumStmt: 1, Count: 1},
		{StartLine: 4, StartCol: 13, EndLine: 6, EndCol: 3, NumStmt: 1, Count: 0},
		{StartLine: 8, StartCol: 2, EndLine: 8, EndCol: 10, NumStmt: 1, Count: 1},
	}
	for _, tc := range []struct {
		line, col int
		want      bool
	}{{4, 2, true}, {5, 3, false}, {8, 2, true}, {4, 12, false}, {9, 1, false}} {
		if got := covered(blocks, tc.line, tc.col); got != tc.want {
			t.Errorf("covered(%d:%d) = %v, want %v", tc.line, tc.col, got, tc.want)
		}
	}
}

func TestPercent(t *testing.T) {
	profiles := []*cover.Profile{
		{FileName: "example.com/m/a/a.go", Blocks: []cover.ProfileBlock{{NumStmt: 3, Count: 1}, {NumStmt: 1, Count: 0}}},
		{FileName: "example.com/m/b/b.go", Blocks: []cover.ProfileBlock{{NumStmt: 1, Count: 0}, {NumStmt: 1, Count: 2}}},
	}
	if pct, n := percent(profiles); pct < 66.6 || pct > 66.7 || n != 2 {
		t.Errorf("percent = %.2f in %d packages, want 66.67 in 2", pct, n)
	}
}
