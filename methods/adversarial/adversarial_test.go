package adversarial

import (
	"strings"
	"testing"

	"github.com/agentic-optimizer/optimizer/internal/bench"
	"github.com/agentic-optimizer/optimizer/internal/validate"
	"github.com/agentic-optimizer/optimizer/methods"
)

func TestVariantsSpreadApproachesModelsTemperatures(t *testing.T) {
	vs := variants(4, []string{"openai:gpt-4.1", "anthropic:claude-sonnet-4-5"})
	want := []Variant{
		{"algorithm", "openai:gpt-4.1", 0.2},
		{"allocation", "anthropic:claude-sonnet-4-5", 0.5},
		{"loop", "openai:gpt-4.1", 0.7},
		{"library", "anthropic:claude-sonnet-4-5", 1.0},
	}
	for i := range want {
		if vs[i] != want[i] {
			t.Errorf("variant %d = %+v, want %+v", i, vs[i], want[i])
		}
	}
	if v := variants(1, nil); len(v) != 1 || v[0].Temperature != 0.2 || v[0].Model != "" {
		t.Errorf("one variant: %+v", v)
	}
	if v := variants(7, []string{"m"}); v[5].Approach != "algorithm" {
		t.Errorf("approaches do not wrap around: %+v", v)
	}
}

// samples makes a row whose base hovers around base and candidate around cand.
func row(name string, base, cand float64, significant bool) bench.Row {
	var s [2][]float64
	for i := range 8 {
		jitter := 1 + float64(i%4-2)*0.005
		s[0] = append(s[0], base*jitter)
		s[1] = append(s[1], cand*jitter)
	}
	return bench.Row{Name: name, Unit: "sec/op", Base: base, Candidate: cand, DeltaPct: (cand - base) / base * 100, Significant: significant, P: 0.002, Samples: s}
}

func accepted(id string, lines int, rows ...bench.Row) *entrant {
	patch := strings.Repeat("+x\n", lines)
	return &entrant{
		variant: Variant{Approach: id},
		c:       &methods.Candidate{ID: id, Patch: []byte(patch), Validation: &validate.Report{Accepted: true, Benchmarks: rows}},
		lines:   lines,
	}
}

func TestTournamentPicksTheBestSignificantImprovement(t *testing.T) {
	fast := accepted("fast", 20, row("BenchmarkJoin", 100, 40, true))
	some := accepted("some", 5, row("BenchmarkJoin", 100, 80, true))
	broken := &entrant{variant: Variant{Approach: "broken"}, c: &methods.Candidate{ID: "broken", Validation: &validate.Report{
		RejectedBy: "unit", Levels: []validate.Level{{Name: "unit", Status: validate.Fail, Detail: "TestJoin failed"}},
	}}}
	silent := &entrant{variant: Variant{Approach: "silent"}, err: errString("model down")}
	d := tournament("speed", "Join", []*entrant{some, broken, fast, silent})
	if d.Winner != "fast" || some.c.SupersededBy != "fast" || fast.c.SupersededBy != "" {
		t.Fatalf("winner %s, some superseded by %q", d.Winner, some.c.SupersededBy)
	}
	got := map[string]Entry{}
	for _, e := range d.Leaderboard {
		got[e.Approach] = e
	}
	if e := got["fast"]; e.Rank != 1 || e.Verdict != "winner" || e.ScorePct == nil || *e.ScorePct > -59 {
		t.Errorf("fast: %+v", e)
	}
	if e := got["some"]; e.Rank != 2 || e.Verdict != "lost" || !strings.Contains(e.Why, "less improvement than the winner: -20.0 % against -60.0 %") {
		t.Errorf("some: %+v", e)
	}
	if e := got["broken"]; e.Rank != 0 || e.Verdict != "rejected by unit" || e.Why != "TestJoin failed" {
		t.Errorf("broken: %+v", e)
	}
	if e := got["silent"]; e.Verdict != "no answer" || e.Why != "model down" {
		t.Errorf("silent: %+v", e)
	}
	if d.Leaderboard[0].Approach != "fast" || d.Leaderboard[1].Approach != "some" {
		t.Errorf("leaderboard order: %+v", d.Leaderboard)
	}
}

// TestTournamentTieGoesToTheSmallerDiff: two speed-ups that benchmath
// cannot tell apart; the one with the smaller diff wins although its
// score is a little worse.
func TestTournamentTieGoesToTheSmallerDiff(t *testing.T) {
	big := accepted("big", 40, row("BenchmarkJoin", 100, 50, true))
	small := accepted("small", 4, row("BenchmarkJoin", 100, 50.2, true))
	d := tournament("speed", "Join", []*entrant{big, small})
	if d.Winner != "small" || big.c.SupersededBy != "small" {
		t.Fatalf("winner %s: %+v", d.Winner, d.Leaderboard)
	}
	if why := d.Leaderboard[1].Why; !strings.Contains(why, "no significant difference") || !strings.Contains(why, "larger diff (40 lines against 4)") {
		t.Errorf("why the big one lost: %q", why)
	}
}

// TestTournamentNonSignificantRowsCountAsNoChange: a row that is not
// significant contributes nothing to the score.
func TestTournamentNonSignificantRowsCountAsNoChange(t *testing.T) {
	v := &validate.Report{Benchmarks: []bench.Row{row("A", 100, 50, true), row("B", 100, 10, false)}}
	if s := score(v, "sec/op"); s < -29.3 || s > -29.2 { // sqrt(0.5·1) − 1
		t.Errorf("score %.2f, want −29.3", s)
	}
	if s := score(v, ""); s != 0 {
		t.Errorf("quality score %.2f", s)
	}
}

// TestTournamentZeroAllocationsWin: under allocs, the candidate that
// removes every allocation beats the one that removes half of them (a row
// brought to 0 once scored as no change, and the worse patch was stored).
func TestTournamentZeroAllocationsWin(t *testing.T) {
	allocs := func(base, cand float64) bench.Row {
		r := row("BenchmarkJoin", base, cand, true)
		r.Unit = "allocs/op"
		for i := range r.Samples[0] { // allocation counts do not jitter
			r.Samples[0][i], r.Samples[1][i] = base, cand
		}
		return r
	}
	none := accepted("none", 12, allocs(4, 0))
	half := accepted("half", 3, allocs(4, 2))
	d := tournament("allocs", "Join", []*entrant{half, none})
	if d.Winner != "none" || half.c.SupersededBy != "none" {
		t.Fatalf("winner %s: %+v", d.Winner, d.Leaderboard)
	}
	if e := d.Leaderboard[0]; e.ScorePct == nil || *e.ScorePct != -100 {
		t.Errorf("the zero-allocation candidate scores %v, want −100 %%", e.ScorePct)
	}
}

func TestTournamentUnderQualityPrefersTheSmallerDiff(t *testing.T) {
	a, b := accepted("a", 9), accepted("b", 3)
	d := tournament("quality", "Join", []*entrant{a, b})
	if d.Winner != "b" || d.Unit != "" {
		t.Errorf("winner %s unit %q", d.Winner, d.Unit)
	}
}

type errString string

func (e errString) Error() string { return string(e) }

// TestLeaderboardDeltasSayReplicated: the leaderboard's deltas carry
// whether a second batch confirmed a significant row, so that a delta one
// batch alone called significant is not read as established.
func TestLeaderboardDeltasSayReplicated(t *testing.T) {
	confirmed := row("BenchmarkA", 100, 50, true)
	confirmed.Replicated = true
	once := row("BenchmarkB", 100, 89.6, true)
	entry := newEntry(accepted("c1", 4, confirmed, once), "sec/op")
	if len(entry.Deltas) != 2 || !entry.Deltas[0].Replicated || entry.Deltas[1].Replicated || !entry.Deltas[1].Significant {
		t.Errorf("deltas %+v, want BenchmarkA replicated and BenchmarkB significant but not", entry.Deltas)
	}
}
