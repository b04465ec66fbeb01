package combine

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/agentic-optimizer/optimizer/internal/gitx"
	"github.com/agentic-optimizer/optimizer/internal/gitx/gittest"
	"github.com/agentic-optimizer/optimizer/internal/validate"
)

// numbered is a file of n lines "line 1" … "line n".
func numbered(n int) string {
	var b strings.Builder
	for i := 1; i <= n; i++ {
		b.WriteString("line " + itoa(i) + "\n")
	}
	return b.String()
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}

// worktrees commits files to a new repository and returns worktrees of
// its HEAD, one per name, removed when the test ends.
func worktrees(t *testing.T, files map[string]string, names ...string) []*gitx.Worktree {
	t.Helper()
	ctx := context.Background()
	r, err := gitx.Open(ctx, gittest.NewRepo(t, files))
	if err != nil {
		t.Fatal(err)
	}
	head, _ := r.Resolve(ctx, "HEAD")
	ws := &gitx.Worktrees{Repo: r, Base: filepath.Join(t.TempDir(), "wt")}
	t.Cleanup(func() { ws.RemoveAll(context.Background()) })
	var out []*gitx.Worktree
	for _, name := range names {
		wt, err := ws.Add(ctx, name, head)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, wt)
	}
	return out
}

// setup is a repository with a.txt and b.txt of 40 lines and a worktree.
func setup(t *testing.T) (*gitx.Worktree, func(map[string]map[int]string) []byte) {
	t.Helper()
	ctx := context.Background()
	wt := worktrees(t, map[string]string{"a.txt": numbered(40), "b.txt": numbered(40)}, "1")[0]
	// mk makes a patch that replaces the given lines of the given files.
	mk := func(edits map[string]map[int]string) []byte {
		t.Helper()
		for file, lines := range edits {
			path := filepath.Join(wt.Dir, file)
			data, _ := os.ReadFile(path)
			ls := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
			for n, text := range lines {
				ls[n-1] = text
			}
			os.WriteFile(path, []byte(strings.Join(ls, "\n")+"\n"), 0o644)
		}
		p, err := wt.Diff(ctx, false)
		if err != nil {
			t.Fatal(err)
		}
		wt.Reset(ctx)
		return p
	}
	return wt, mk
}

// judge accepts every combination except those whose patch holds all of
// the given words (changes that are fine alone and break together).
func judge(forbidden ...string) func(context.Context, []byte) (*validate.Report, error) {
	return func(_ context.Context, p []byte) (*validate.Report, error) {
		all := len(forbidden) > 0
		for _, w := range forbidden {
			all = all && strings.Contains(string(p), w)
		}
		if all {
			return &validate.Report{RejectedBy: "unit", Levels: []validate.Level{{Name: "unit", Status: validate.Fail, Detail: "TestX failed"}}}, nil
		}
		return &validate.Report{Accepted: true}, nil
	}
}

// TestCombineThreeWithAnOverlappingPair is issue 8's acceptance for
// conflicts: of three accepted patches, two overlap. The third combines
// with the winner of the pair; the loser, whose lines are near the
// winner's but not the same, is merged on top with a three-way apply and
// validated.
func TestCombineThreeWithAnOverlappingPair(t *testing.T) {
	wt, mk := setup(t)
	a := Change{ID: "A", Priority: 2, Patch: mk(map[string]map[int]string{"a.txt": {10: "A was here"}})}
	b := Change{ID: "B", Priority: 1, Patch: mk(map[string]map[int]string{"a.txt": {14: "B was here"}})}
	c := Change{ID: "C", Priority: 1, Patch: mk(map[string]map[int]string{"b.txt": {5: "C was here"}})}
	res, err := Patches(context.Background(), Env{Worktree: wt, Validate: judge(), Logf: t.Logf}, []Change{b, c, a})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(res.Members, ","); got != "A,C,B" {
		t.Errorf("members %s, want A,C,B", got)
	}
	if len(res.Conflicts) != 1 || res.Conflicts[0].Winner != "A" || res.Conflicts[0].Loser != "B" || res.Conflicts[0].Resolution != ResolutionRebased {
		t.Fatalf("conflicts %+v", res.Conflicts)
	}
	if !strings.Contains(res.Conflicts[0].Where, "a.txt:7-13 and a.txt:11-17") {
		t.Errorf("where %q", res.Conflicts[0].Where)
	}
	for _, want := range []string{"+A was here", "+B was here", "+C was here"} {
		if !strings.Contains(string(res.Patch), want) {
			t.Errorf("the combined patch lacks %q:\n%s", want, res.Patch)
		}
	}
	if res.Validations != 2 || res.AutoResolved() != 1 {
		t.Errorf("validations %d (want 2: the clean pair once, the merge once), auto-resolved %.2f", res.Validations, res.AutoResolved())
	}
	if status, _ := wt.Git(context.Background(), "status", "--porcelain"); status != "" {
		t.Errorf("the worktree is left changed:\n%s", status)
	}
}

// TestCombineEscalatesATrueConflict: both change the same line; the
// three-way merge cannot decide, so a human must.
func TestCombineEscalatesATrueConflict(t *testing.T) {
	wt, mk := setup(t)
	a := Change{ID: "A", Score: 30, Patch: mk(map[string]map[int]string{"a.txt": {10: "A's line 10"}})}
	b := Change{ID: "B", Score: 10, Patch: mk(map[string]map[int]string{"a.txt": {10: "B's line 10"}})}
	c := Change{ID: "C", Score: 20, Patch: mk(map[string]map[int]string{"b.txt": {30: "C"}})}
	res, err := Patches(context.Background(), Env{Worktree: wt, Validate: judge()}, []Change{b, a, c})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(res.Members, ","); got != "A,C" {
		t.Errorf("members %s, want A,C (the higher score wins)", got)
	}
	if len(res.Conflicts) != 1 || res.Conflicts[0].Resolution != ResolutionEscalated || res.Conflicts[0].Detail == "" {
		t.Fatalf("conflicts %+v", res.Conflicts)
	}
	if res.AutoResolved() != 0 {
		t.Errorf("auto-resolved %.2f", res.AutoResolved())
	}
	if status, _ := wt.Git(context.Background(), "status", "--porcelain"); status != "" {
		t.Errorf("the worktree is left changed (conflict markers?):\n%s", status)
	}
}

// TestCombineLeavesOutWhatBreaksTheCombination: two changes that overlap
// nothing but fail validation together; the one with the lower priority
// is left out, with the reason.
func TestCombineLeavesOutWhatBreaksTheCombination(t *testing.T) {
	wt, mk := setup(t)
	a := Change{ID: "A", Priority: 2, Patch: mk(map[string]map[int]string{"a.txt": {1: "uses X"}})}
	b := Change{ID: "B", Priority: 1, Patch: mk(map[string]map[int]string{"b.txt": {1: "renames X"}})}
	res, err := Patches(context.Background(), Env{Worktree: wt, Validate: judge("uses X", "renames X")}, []Change{a, b})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(res.Members, ","); got != "A" {
		t.Errorf("members %s, want A", got)
	}
	if len(res.LeftOut) != 1 || res.LeftOut[0].ID != "B" || !strings.Contains(res.LeftOut[0].Reason, "TestX failed") {
		t.Errorf("left out %+v", res.LeftOut)
	}
	if res.Validations != 3 {
		t.Errorf("validations %d, want 3 (together, then A, then A+B)", res.Validations)
	}
}

func TestSpans(t *testing.T) {
	p := "diff --git a/x.go b/x.go\nindex 1..2 100644\n--- a/x.go\n+++ b/x.go\n@@ -5,7 +5,8 @@ func f() {\n a\n b\n c\n-d\n+e\n+f\n g\n h\n i\n" +
		"diff --git a/new.go b/new.go\nnew file mode 100644\nindex 0000000..1\n--- /dev/null\n+++ b/new.go\n@@ -0,0 +1 @@\n+package x\n"
	s, err := Spans([]byte(p))
	if err != nil {
		t.Fatal(err)
	}
	if len(s) != 2 || s[0] != (Span{File: "x.go", From: 5, To: 11}) || s[1].File != "new.go" || s[1].To < 1<<20 {
		t.Errorf("spans %+v", s)
	}
	if _, _, ok := overlap([]Span{{"x.go", 5, 11}}, []Span{{"x.go", 12, 20}}); !ok {
		t.Error("adjacent spans do not overlap: applying one after the other would fail on context")
	}
	if _, _, ok := overlap([]Span{{"x.go", 5, 11}}, []Span{{"x.go", 13, 20}, {"y.go", 1, 9}}); ok {
		t.Error("spans with a line between them overlap")
	}
}

// TestMeasuredEvidenceDecidesAnOverlap: a change with a measured speed-up
// wins a true conflict over one of a higher priority that measured
// nothing; without measurements, priority decides.
func TestMeasuredEvidenceDecidesAnOverlap(t *testing.T) {
	wt, mk := setup(t)
	fast := Change{ID: "fast", Measured: 97, Priority: 1, Patch: mk(map[string]map[int]string{"a.txt": {10: "fast line 10"}})}
	first := Change{ID: "first", Priority: 2, Patch: mk(map[string]map[int]string{"a.txt": {10: "first's line 10"}})}
	res, err := Patches(context.Background(), Env{Worktree: wt, Validate: judge()}, []Change{first, fast})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Conflicts) != 1 || res.Conflicts[0].Winner != "fast" || res.Conflicts[0].Loser != "first" {
		t.Errorf("conflicts %+v, want fast (measured 97%%) over first (priority 2)", res.Conflicts)
	}
	fast.Measured = 0
	res, err = Patches(context.Background(), Env{Worktree: wt, Validate: judge()}, []Change{first, fast})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Conflicts) != 1 || res.Conflicts[0].Winner != "first" {
		t.Errorf("without measurements: conflicts %+v, want first (priority 2) to win", res.Conflicts)
	}
}
