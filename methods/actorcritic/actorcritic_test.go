package actorcritic

import (
	"strings"
	"testing"

	"github.com/agentic-optimizer/optimizer/internal/bench"
	"github.com/agentic-optimizer/optimizer/internal/validate"
	"github.com/agentic-optimizer/optimizer/methods"
)

func intp(n int) *int { return &n }

// TestRewardValidationDecides: no review lifts a rejected candidate to an
// accepted one's reward, and among accepted ones the faster earns more.
func TestRewardValidationDecides(t *testing.T) {
	rejectedBest := Reward(Signals{LevelsPassed: 6, LevelsRun: 7}, intp(10))
	acceptedWorst := Reward(Signals{Accepted: true, DiffLines: 10_000}, intp(0))
	if rejectedBest >= acceptedWorst {
		t.Errorf("a rejected candidate with a perfect review (%.3f) outranks an accepted one with the worst (%.3f)", rejectedBest, acceptedWorst)
	}
	slow := Reward(Signals{Accepted: true, DeltaPct: -10, DiffLines: 4}, nil)
	fast := Reward(Signals{Accepted: true, DeltaPct: -40, DiffLines: 12}, nil)
	if fast <= slow {
		t.Errorf("40 %% faster (%.3f) does not beat 10 %% faster (%.3f)", fast, slow)
	}
	if got := Reward(Signals{Accepted: true, DeltaPct: -40, DiffLines: 10}, intp(8)); got != 1.4-0.02+0.04 {
		t.Errorf("reward %.4f, want 1.42", got)
	}
	if got := Reward(Signals{LevelsPassed: 3, LevelsRun: 6}, nil); got != 0.25 {
		t.Errorf("half the levels passed: %.4f, want 0.25", got)
	}
}

func TestReviewScore(t *testing.T) {
	for text, want := range map[string]string{
		"SCORE: 7/10\nfine":        "7",
		"Score 9 / 10":             "9",
		"**Score:** 3/10 — broken": "3",
		"I like it.":               "",
	} {
		got := ""
		if m := scoreLine.FindStringSubmatch(text); m != nil {
			got = m[1]
		}
		if got != want {
			t.Errorf("%q: score %q, want %q", text, got, want)
		}
	}
}

func TestSignals(t *testing.T) {
	c := &methods.Candidate{Patch: []byte("--- a/x\n+++ b/x\n@@ -1 +1,2 @@\n-a\n+b\n+c\n"), Validation: &validate.Report{
		Accepted: true,
		Levels: []validate.Level{
			{Name: "types", Status: validate.Pass}, {Name: "integration", Status: validate.Skip}, {Name: "performance", Status: validate.Pass},
		},
		Benchmarks: []bench.Row{
			{Name: "A", Unit: "sec/op", Base: 100, Candidate: 25, Significant: true},
			{Name: "B", Unit: "sec/op", Base: 100, Candidate: 99, Significant: false},
			{Name: "A", Unit: "allocs/op", Base: 10, Candidate: 1, Significant: true},
		},
	}}
	s := signals(c, "sec/op")
	if !s.Accepted || s.LevelsPassed != 2 || s.LevelsRun != 2 || s.DiffLines != 3 || s.DeltaPct != -50 {
		t.Errorf("signals %+v, want accepted, 2 of 2 levels, 3 lines, −50 %%", s)
	}
}

// TestValidationSummarySaysUnreplicated: the critic reads which
// significant rows a second batch confirmed and which it did not.
func TestValidationSummarySaysUnreplicated(t *testing.T) {
	c := &methods.Candidate{Validation: &validate.Report{Accepted: true, Benchmarks: []bench.Row{
		{Name: "A", Unit: "sec/op", Base: 100, Candidate: 25, DeltaPct: -75, P: 0.002, Significant: true, Replicated: true},
		{Name: "A", Unit: "B/op", Base: 64, Candidate: 48, DeltaPct: -25, P: 0.0499, Significant: true},
	}}}
	got := validationSummary(c)
	for _, want := range []string{"- A sec/op: -75.0% (p=0.002, significant)\n", "- A B/op: -25.0% (p=0.0499, significant in one batch only, unreplicated)\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("summary lacks %q:\n%s", want, got)
		}
	}
}
