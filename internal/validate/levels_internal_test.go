package validate

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/agentic-optimizer/optimizer/internal/gitx"
	"github.com/agentic-optimizer/optimizer/internal/gitx/gittest"
	"github.com/agentic-optimizer/optimizer/internal/sandbox"
)

// only judges c by one level alone: its admission, the patch applied, and
// its run, as Validate would, with no results of other levels.
func (c *candidate) only(ctx context.Context, l *level) (*outcome, error) {
	if l.admit != nil {
		out, err := c.runLevel(ctx, l, l.admit, nil)
		if err != nil || out != nil && out.status == Fail {
			return out, err
		}
	}
	if err := c.apply(ctx); err != nil {
		return nil, err
	}
	return c.runLevel(ctx, l, l.run, nil)
}

// TestLevelList checks the package's list: in an order its requirements
// permit, names unique, each level documented, and Levels naming them in
// that order.
func TestLevelList(t *testing.T) {
	if err := checkOrder(levels); err != nil {
		t.Fatal(err)
	}
	want := []string{"policy", "syntax", "style", "types", "unit", "integration", "performance", "coverage"}
	if got := Levels(); !slices.Equal(got, want) {
		t.Errorf("Levels() = %q, want %q", got, want)
	}
	for _, l := range levels {
		if l.doc == "" || l.run == nil {
			t.Errorf("level %q has no doc or no run function", l.name)
		}
	}
}

// TestCheckOrder refuses lists that cannot run as they stand, with an
// error naming the levels.
func TestCheckOrder(t *testing.T) {
	without := func(name string) []*level {
		return slices.DeleteFunc(slices.Clone(levels), func(l *level) bool { return l.name == name })
	}
	move := func(name string, to int) []*level {
		i := slices.IndexFunc(levels, func(l *level) bool { return l.name == name })
		list := slices.Delete(slices.Clone(levels), i, i+1)
		return slices.Insert(list, to, levels[i])
	}
	for _, tc := range []struct {
		name string
		list []*level
		want string // "" for a list that runs
	}{
		{"the package's list", levels, ""},
		{"independent levels swapped: performance before integration before unit", []*level{policyLevel, syntaxLevel, styleLevel, typesLevel, performanceLevel, integrationLevel, unitLevel, coverageLevel}, ""},
		{"syntax and style before policy", []*level{syntaxLevel, styleLevel, policyLevel, typesLevel, unitLevel, integrationLevel, performanceLevel, coverageLevel}, ""},
		{"coverage before unit", move("coverage", 4), `level "coverage" requires "unit", which comes after it`},
		{"unit first", move("unit", 0), `level "unit" requires "types", which comes after it`},
		{"style before syntax", move("style", 1), `level "style" requires "syntax", which comes after it`},
		{"types without policy", without("policy"), `level "types" requires "policy", which is not in the list`},
		{"a level twice", append(slices.Clone(levels), syntaxLevel), `level "syntax" is in the list twice`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := checkOrder(tc.list)
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("checkOrder = %v, want nil", err)
			case tc.want != "" && (!errors.Is(err, ErrLevelOrder) || !strings.Contains(fmt.Sprint(err), tc.want)):
				t.Errorf("checkOrder = %v, want an ErrLevelOrder saying %q", err, tc.want)
			}
		})
	}
}

// TestValidateRefusesMisorderedLevels: Validate runs no level of a list
// whose requirements are out of order, and touches no worktree.
func TestValidateRefusesMisorderedLevels(t *testing.T) {
	v := &Validator{Objective: "quality", levels: []*level{policyLevel, syntaxLevel, unitLevel, typesLevel}}
	rep, err := v.Validate(context.Background(), &gitx.Worktree{Dir: t.TempDir()}, []byte("not even a patch"))
	if !errors.Is(err, ErrLevelOrder) || rep != nil {
		t.Fatalf("Validate = %v, %v; want no report and an ErrLevelOrder", rep, err)
	}
	if want := `level "unit" requires "types", which comes after it`; !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not say %q", err, want)
	}
}

// TestOutcomeDetail renders the outcome's parts in the report's detail:
// summary, problems, notes.
func TestOutcomeDetail(t *testing.T) {
	for _, tc := range []struct {
		out  outcome
		want string
	}{
		{outcome{summary: "3 Go files parse"}, "3 Go files parse"},
		{outcome{problems: []string{"a.go is not gofmt-clean", "b.go is not gofmt-clean"}}, "a.go is not gofmt-clean; b.go is not gofmt-clean"},
		{outcome{summary: "2 tests passed in 1 packages", notes: []string{"1 tests fail on the base too", ""}}, "2 tests passed in 1 packages; 1 tests fail on the base too"},
		{outcome{summary: "coverage 75.0% → 75.0%", problems: []string{"lost"}, notes: []string{"n"}}, "coverage 75.0% → 75.0%; lost; n"},
		{outcome{}, ""},
	} {
		if got := tc.out.detail(); got != tc.want {
			t.Errorf("detail of %+v = %q, want %q", tc.out, got, tc.want)
		}
	}
}

// TestJudgeInterrupted: when the run's context ends while a level runs,
// Validate's judgment returns the error and, with it, the report of how
// far the candidate got — the levels before as they finished, the level
// that was running interrupted, the rest skipped — neither accepted nor
// rejected.
func TestJudgeInterrupted(t *testing.T) {
	repo := gittest.NewRepo(t, map[string]string{"a.txt": "a\n"})
	head := strings.TrimSpace(gittest.Git(t, repo, "rev-parse", "HEAD"))
	raw := "--- a/a.txt\n+++ b/a.txt\n@@ -1 +1 @@\n-a\n+b\n"
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	first := &level{name: "first", doc: "passes", run: func(context.Context, *pass) (*outcome, error) { return passed("fine"), nil }}
	hang := &level{name: "hang", doc: "runs until the run ends", requires: []*level{first}, run: func(ctx context.Context, _ *pass) (*outcome, error) {
		cancel() // the run's timeout, as it were
		<-ctx.Done()
		return nil, ctx.Err()
	}}
	last := &level{name: "last", doc: "never runs", run: func(context.Context, *pass) (*outcome, error) { return passed("fine"), nil }}
	c := &candidate{v: &Validator{Objective: "quality", Runner: &sandbox.Runner{}}, wt: &gitx.Worktree{Dir: repo, Commit: head}, raw: []byte(raw)}
	rep, err := c.judge(ctx, []*level{first, hang, last})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want one wrapping context.Canceled", err)
	}
	if rep == nil || !rep.Interrupted || rep.Accepted || rep.RejectedBy != "" || rep.InterruptedAt() != "hang" {
		t.Fatalf("report %+v, want an interrupted one, neither accepted nor rejected", rep)
	}
	var got []string
	for _, l := range rep.Levels {
		got = append(got, l.Name+":"+string(l.Status))
	}
	if want := []string{"first:pass", "hang:interrupted", "last:skip"}; !slices.Equal(got, want) {
		t.Errorf("levels %v, want %v", got, want)
	}
}

// TestRaceBreaks: the race detector breaks the base's tests when tests
// that pass without it do not run at all under it (the binary died);
// a test it fails (a data race on the base) breaks nothing.
func TestRaceBreaks(t *testing.T) {
	base := &testRun{results: []TestResult{
		{Package: "m", Test: "TestA", Status: "pass"},
		{Package: "m", Test: "TestB", Status: "pass"},
	}}
	died := &testRun{results: []TestResult{{Package: "m", Test: "TestA", Status: "fail"}}}
	if why := raceBreaks(base, died); !strings.Contains(why, "1 that pass without it did not run, m.TestB among them") {
		t.Errorf("raceBreaks for a binary that died = %q", why)
	}
	raced := &testRun{results: []TestResult{{Package: "m", Test: "TestA", Status: "fail"}, {Package: "m", Test: "TestB", Status: "pass"}}}
	if why := raceBreaks(base, raced); why != "" {
		t.Errorf("raceBreaks for a data race the base has = %q, want none", why)
	}
}
