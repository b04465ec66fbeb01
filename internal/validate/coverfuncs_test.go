package validate

import (
	"strings"
	"testing"

	"golang.org/x/tools/cover"
)

func TestDeclaredFuncs(t *testing.T) {
	src := `package p

type Set[T comparable] map[T]bool

func (s Set[T]) Add(x T) { s[x] = true }

func (s *Counter) Inc() {
	s.n++
}

func Abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

func external() int
`
	funcs, err := declaredFuncs("p/p.go", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	want := []declaredFunc{
		{key: funcKey{"p", "Set.Add"}, from: 5, to: 5},
		{key: funcKey{"p", "Counter.Inc"}, from: 7, to: 9},
		{key: funcKey{"p", "Abs"}, from: 11, to: 16},
	}
	if len(funcs) != len(want) {
		t.Fatalf("funcs = %+v, want %+v (a function without a body has no lines)", funcs, want)
	}
	for i := range want {
		if funcs[i] != want[i] {
			t.Errorf("func %d = %+v, want %+v", i, funcs[i], want[i])
		}
	}
}

func TestLineCovered(t *testing.T) {
	lines := strings.Split(`func Abs(x int) int {
	if x > 1000 {
		return x
	} else {
		// large
	}
	return -x
}`, "\n")
	blocks := []cover.ProfileBlock{
		{StartLine: 1, StartCol: 21, EndLine: 2, EndCol: 14, NumStmt: 1, Count: 3}, // the if's condition
		{StartLine: 2, StartCol: 14, EndLine: 4, EndCol: 3, NumStmt: 1, Count: 0},  // its body, never run
		{StartLine: 4, StartCol: 9, EndLine: 6, EndCol: 3, NumStmt: 0, Count: 0},   // an empty else
		{StartLine: 7, StartCol: 2, EndLine: 7, EndCol: 11, NumStmt: 1, Count: 3},
	}
	for _, tc := range []struct {
		line      int
		statement bool
		covered   bool
	}{
		{2, true, true},  // the condition ran; the body starts on the same line
		{3, true, false}, // the new branch never ran
		{4, true, false}, // "} else {": the if's body ends here
		{5, false, true}, // a comment, spanned by no block with statements
		{6, false, true}, // a brace
		{7, true, true},
	} {
		if got := statementLine(lines, tc.line); got != tc.statement {
			t.Errorf("statementLine(%d) = %v, want %v", tc.line, got, tc.statement)
		}
		if got := lineCovered(blocks, tc.line); got != tc.covered {
			t.Errorf("lineCovered(%d) = %v, want %v", tc.line, got, tc.covered)
		}
	}
}
