package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	out := `goos: linux
goarch: amd64
pkg: example.com/p
some log line from the benchmark
BenchmarkA-2          	  500000	      2400 ns/op	  12.50 MB/s	      64 B/op	       2 allocs/op
BenchmarkB/size=10-2  	 1000000	      1000 ns/op
BenchmarkC            	 1000000	        10.5 ns/op	       0 B/op	       0 allocs/op
PASS
ok  	example.com/p	3.2s
`
	var s samples
	if err := s.add(1, []byte(out), "cand"); err != nil {
		t.Fatal(err)
	}
	got := map[key][]float64{}
	for k, v := range s.vals {
		if len(v[0]) != 0 {
			t.Errorf("%v: base side got samples %v", k, v[0])
		}
		got[k] = v[1]
	}
	want := map[key][]float64{
		{"BenchmarkA", "sec/op"}:         {2400e-9},
		{"BenchmarkA", "B/op"}:           {64},
		{"BenchmarkA", "allocs/op"}:      {2},
		{"BenchmarkB/size=10", "sec/op"}: {1000e-9},
		{"BenchmarkC", "sec/op"}:         {10.5e-9},
		{"BenchmarkC", "B/op"}:           {0},
		{"BenchmarkC", "allocs/op"}:      {0},
	}
	if len(got) != len(want) {
		t.Fatalf("got rows %v, want %v", got, want)
	}
	for k, w := range want {
		g := got[k]
		if len(g) != 1 || math.Abs(g[0]-w[0]) > 1e-12*math.Max(1, w[0]) {
			t.Errorf("%v = %v, want %v", k, g, w)
		}
	}
}

// With -test.count > 1 an execution prints several results per benchmark;
// they make one sample: the fastest time, the median allocations.
func TestParseCount(t *testing.T) {
	out := `BenchmarkA-2   100   3000 ns/op   64 B/op   2 allocs/op
BenchmarkA-2   100   2000 ns/op   96 B/op   3 allocs/op
BenchmarkA-2   100   9000 ns/op   64 B/op   2 allocs/op
BenchmarkB-2   100     50 ns/op
PASS
`
	var s samples
	if err := s.add(0, []byte(out), "base"); err != nil {
		t.Fatal(err)
	}
	want := map[key]float64{
		{"BenchmarkA", "sec/op"}:    2000e-9,
		{"BenchmarkA", "B/op"}:      64,
		{"BenchmarkA", "allocs/op"}: 2,
		{"BenchmarkB", "sec/op"}:    50e-9,
	}
	if len(s.vals) != len(want) {
		t.Fatalf("rows %d, want %d", len(s.vals), len(want))
	}
	for k, w := range want {
		g := s.vals[k][0]
		if len(g) != 1 || math.Abs(g[0]-w) > 1e-12*math.Max(1, w) {
			t.Errorf("%v = %v, want one sample %v", k, g, w)
		}
	}
}

func TestHolm(t *testing.T) {
	got := holm([]float64{0.01, 0.04, 0.03, 0.005})
	want := []float64{0.03, 0.06, 0.06, 0.02}
	for i := range want {
		if math.Abs(got[i]-want[i]) > 1e-12 {
			t.Fatalf("holm = %v, want %v", got, want)
		}
	}
	if got := holm([]float64{0.5, 0.9}); got[0] != 1 || got[1] != 1 {
		t.Errorf("holm caps at 1: got %v", got)
	}
	if got := holm(nil); len(got) != 0 {
		t.Errorf("holm(nil) = %v", got)
	}
}

func TestBenchPattern(t *testing.T) {
	for _, tc := range []struct {
		names []string
		want  string
		err   bool
	}{
		{[]string{"BenchmarkA", "BenchmarkB"}, "^(BenchmarkA|BenchmarkB)$", false},
		{[]string{"BenchmarkA/size=1", "BenchmarkA", "BenchmarkX.y"}, `^(BenchmarkA|BenchmarkX\.y)$`, false},
		{nil, "", true},
		{[]string{"TestA"}, "", true},
	} {
		got, err := benchPattern(tc.names)
		if (err != nil) != tc.err || got != tc.want {
			t.Errorf("benchPattern(%q) = %q, %v; want %q, error %v", tc.names, got, err, tc.want, tc.err)
		}
	}
}

func TestInterleavedExecutions(t *testing.T) {
	f := newFake(1, nulls(2, 0.01)...)
	opt := f.options()
	opt.MaxSamples = 6
	opt.BenchTime = "100x"
	res, err := Compare(context.Background(), f.run, baseBin, candBin, []string{"BenchmarkNull00", "BenchmarkNull01"}, opt)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(f.calls, " "), "A B A B A B A B A B A B"; got != want {
		t.Errorf("executions %q, want %q", got, want)
	}
	wantArgs := []string{"-test.run=^$", "-test.bench=^(BenchmarkNull00|BenchmarkNull01)$", "-test.benchmem", "-test.count=10", "-test.benchtime=100x"}
	for i, a := range f.args {
		if !slices.Equal(a, wantArgs) {
			t.Fatalf("call %d args %q, want %q", i, a, wantArgs)
		}
	}
	if res.Pairs != 6 || len(res.Rows) != 6 {
		t.Fatalf("pairs %d rows %d, want 6 and 6 (2 benchmarks × 3 units)", res.Pairs, len(res.Rows))
	}
	for _, r := range res.Rows {
		if r.N != [2]int{6, 6} {
			t.Errorf("%s: n = %v, want 6+6", r, r.N)
		}
	}
}

func TestReplicationBatchStartsWithCandidate(t *testing.T) {
	f := newFake(2, synthetic{name: "BenchmarkFast", ns: 1000, effect: -0.30, noise: 0.02, allocs: [2]int{1, 1}, bytesPerOp: [2]int{8, 8}})
	d, err := Decide(context.Background(), f.run, baseBin, candBin, []string{"BenchmarkFast"}, f.options(), Criteria{Objective: Speed, MinImprovement: 10, MaxRegression: 5})
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Batches) != 2 {
		t.Fatalf("batches %d, want 2", len(d.Batches))
	}
	n1 := 2 * d.Batches[0].Pairs
	first, second := strings.Join(f.calls[:n1], ""), strings.Join(f.calls[n1:], "")
	if first != strings.Repeat("AB", d.Batches[0].Pairs) || second != strings.Repeat("BA", d.Batches[1].Pairs) {
		t.Errorf("executions %s | %s, want ABAB… | BABA…", first, second)
	}
}

func TestDecide(t *testing.T) {
	speed := Criteria{Objective: Speed, MinImprovement: 10, MaxRegression: 5}
	quality := Criteria{Objective: Quality, MaxRegression: 5}
	allocs := Criteria{Objective: Allocs, MaxRegression: 5}
	bench := func(name string, effect, noise float64, allocs [2]int) synthetic {
		return synthetic{name: name, ns: 2000, effect: effect, noise: noise, allocs: allocs, bytesPerOp: [2]int{16 * allocs[0], 16 * allocs[1]}}
	}
	for _, tc := range []struct {
		name     string
		crit     Criteria
		bench    []synthetic
		accept   bool
		batches  int
		win      string // benchmark expected among the replicated wins
		regress  string // benchmark expected among the regressions
		deltaMin float64
		deltaMax float64
	}{
		{name: "true 0% is not faster", crit: speed, bench: []synthetic{bench("BenchmarkSame", 0, 0.05, [2]int{2, 2})}, batches: 1},
		{name: "30% speedup is detected and replicated", crit: speed, bench: []synthetic{bench("BenchmarkFast", -0.30, 0.02, [2]int{2, 2})},
			accept: true, batches: 2, win: "BenchmarkFast", deltaMin: -35, deltaMax: -25},
		{name: "speedup below min improvement is no win", crit: speed, bench: []synthetic{bench("BenchmarkBitFaster", -0.04, 0.01, [2]int{2, 2})}, batches: 1},
		{name: "a win with a slowdown elsewhere is rejected once replicated", crit: speed, bench: []synthetic{
			bench("BenchmarkFast", -0.30, 0.02, [2]int{2, 2}), bench("BenchmarkSlow", 0.20, 0.02, [2]int{2, 2})},
			batches: 2, regress: "BenchmarkSlow"},
		{name: "quality: slowdown beyond max regression is rejected once replicated", crit: quality, bench: []synthetic{bench("BenchmarkSlow", 0.20, 0.02, [2]int{2, 2})},
			batches: 2, regress: "BenchmarkSlow"},
		{name: "quality: significant slowdown within max regression passes", crit: quality, bench: []synthetic{bench("BenchmarkSlightly", 0.03, 0.002, [2]int{2, 2})},
			accept: true, batches: 1},
		{name: "allocs: fewer allocations replicated", crit: allocs, bench: []synthetic{bench("BenchmarkLean", 0, 0.05, [2]int{3, 2})},
			accept: true, batches: 2, win: "BenchmarkLean", deltaMin: -34, deltaMax: -33},
		{name: "allocs: same allocations is no win", crit: allocs, bench: []synthetic{bench("BenchmarkSame", -0.30, 0.02, [2]int{3, 3})}, batches: 1},
		{name: "allocs: fewer allocations but much slower is rejected once replicated", crit: allocs, bench: []synthetic{bench("BenchmarkLeanSlow", 0.30, 0.02, [2]int{3, 2})},
			batches: 2, regress: "BenchmarkLeanSlow"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(42, tc.bench...)
			d, err := Decide(context.Background(), f.run, baseBin, candBin, names(tc.bench), f.options(), tc.crit)
			if err != nil {
				t.Fatal(err)
			}
			if d.Accept != tc.accept || len(d.Batches) != tc.batches {
				t.Fatalf("accept %v after %d batches (%s), want %v after %d", d.Accept, len(d.Batches), d.Reason, tc.accept, tc.batches)
			}
			for _, b := range d.Batches {
				for _, r := range b.Rows {
					if r.N[0] < 6 || r.N[1] < 6 {
						t.Errorf("%s: fewer than 6 samples a side", r)
					}
				}
			}
			if tc.win != "" {
				last := d.Verdicts[len(d.Verdicts)-1]
				found := false
				for _, r := range common(d.Verdicts[0].Wins, last.Wins) {
					if r.Name == tc.win {
						found = true
						if r.DeltaPct < tc.deltaMin || r.DeltaPct > tc.deltaMax {
							t.Errorf("%s: delta outside [%g, %g]", r, tc.deltaMin, tc.deltaMax)
						}
					}
				}
				if !found {
					t.Errorf("%s is not a replicated win: %s", tc.win, d.Reason)
				}
			}
			if tc.regress != "" {
				v := d.Verdicts[0]
				if len(v.Regressions) == 0 || v.Regressions[0].Name != tc.regress {
					t.Errorf("regressions %v, want %s (%s)", v.Regressions, tc.regress, d.Reason)
				}
			}
		})
	}
}

// Across seeded runs, an unchanged candidate must never be accepted as
// faster: neither for one benchmark nor, thanks to Holm and replication,
// for twenty.
func TestNullIsNeverFaster(t *testing.T) {
	for _, n := range []int{1, 20} {
		rawHits, significant := 0, 0
		for seed := range uint64(10) {
			bench := nulls(n, 0.05)
			f := newFake(seed, bench...)
			d, err := Decide(context.Background(), f.run, baseBin, candBin, names(bench), f.options(), Criteria{Objective: Speed, MinImprovement: 5, MaxRegression: 5})
			if err != nil {
				t.Fatal(err)
			}
			if d.Accept {
				t.Errorf("%d null rows, seed %d: accepted as faster: %s", n, seed, d.Reason)
			}
			for _, r := range d.Batches[0].Rows {
				if r.Significant {
					significant++
					if r.Unit == "sec/op" && r.DeltaPct <= -5 {
						t.Errorf("%d null rows, seed %d: false faster row %s", n, seed, r)
					}
				}
				if r.Unit == "sec/op" && r.RawP < 0.05 {
					rawHits++
				}
			}
		}
		t.Logf("%d null rows × 10 seeds: %d sec/op rows with uncorrected p < 0.05, %d rows significant after Holm", n, rawHits, significant)
		if n == 20 && rawHits == 0 {
			t.Errorf("20 null rows × 10 seeds gave no uncorrected p < 0.05: the test no longer exercises Holm")
		}
	}
}

func TestSampling(t *testing.T) {
	noisy := nulls(5, 0.5) // medians wander by more than MinEffect: undecided
	for _, tc := range []struct {
		name  string
		bench []synthetic
		opt   func(*Options)
		pairs int
		stop  string
	}{
		// 10 s per execution: 6 pairs take 120 s; a 7th ends at 140 s ≤ 150 s;
		// an 8th would end at 160 s.
		{"budget stops sampling", noisy, func(o *Options) { o.Budget = 150 * time.Second }, 7, StopBudget},
		{"minimum samples despite the budget", noisy, func(o *Options) { o.Budget = time.Second }, 6, StopBudget},
		{"max samples", noisy, func(o *Options) { o.Budget = time.Hour; o.MaxSamples = 9 }, 9, StopMaxSamples},
		{"a clear result stops at the minimum", []synthetic{{name: "BenchmarkFast", ns: 100, effect: -0.5, noise: 0.01}}, nil, 6, StopDecided},
		{"MinSamples below 6 is raised to 6", []synthetic{{name: "BenchmarkFast", ns: 100, effect: -0.5, noise: 0.01}}, func(o *Options) { o.MinSamples = 3 }, 6, StopDecided},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(7, tc.bench...)
			f.step = 10 * time.Second
			opt := f.options()
			if tc.opt != nil {
				tc.opt(&opt)
			}
			res, err := Compare(context.Background(), f.run, baseBin, candBin, names(tc.bench), opt)
			if err != nil {
				t.Fatal(err)
			}
			if res.Pairs != tc.pairs || res.Stop != tc.stop || len(f.calls) != 2*tc.pairs {
				t.Errorf("pairs %d (%d executions), stop %q; want %d, %q", res.Pairs, len(f.calls), res.Stop, tc.pairs, tc.stop)
			}
		})
	}
}

func TestCompareErrors(t *testing.T) {
	t.Run("failing binary", func(t *testing.T) {
		f := newFake(1, nulls(1, 0.01)...)
		f.exit = 1
		_, err := Compare(context.Background(), f.run, baseBin, candBin, []string{"BenchmarkNull00"}, f.options())
		if err == nil || !strings.Contains(err.Error(), "exit 1") || !strings.Contains(err.Error(), "FAIL") {
			t.Errorf("err = %v, want exit 1 with the output", err)
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		f := newFake(1, nulls(1, 0.01)...)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := Compare(ctx, f.run, baseBin, candBin, []string{"BenchmarkNull00"}, f.options()); err == nil || len(f.calls) != 0 {
			t.Errorf("err = %v after %d executions, want context error before any", err, len(f.calls))
		}
	})
	t.Run("benchmark missing on one side", func(t *testing.T) {
		bench := append(nulls(1, 0.01), synthetic{name: "BenchmarkGone", ns: 10, missingCand: true})
		f := newFake(1, bench...)
		res, err := Compare(context.Background(), f.run, baseBin, candBin, names(bench), f.options())
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range res.Rows {
			if r.Name == "BenchmarkGone" {
				t.Errorf("one-sided row reported: %s", r)
			}
		}
		if len(res.Warnings) == 0 || !strings.Contains(res.Warnings[0], "BenchmarkGone") {
			t.Errorf("warnings %q, want one about BenchmarkGone", res.Warnings)
		}
	})
	t.Run("no results at all", func(t *testing.T) {
		f := newFake(1)
		if _, err := Compare(context.Background(), f.run, baseBin, candBin, []string{"BenchmarkNone"}, f.options()); err == nil {
			t.Error("no error for a comparison without results")
		}
	})
}

func TestRowJSON(t *testing.T) {
	r := Row{Name: "BenchmarkX", Unit: "sec/op", Base: 1.2e-6, Candidate: 0.9e-6, DeltaPct: -25, P: 0.002, N: [2]int{10, 10}, Significant: true, RawP: 0.001, Samples: [2][]float64{{1}, {2}}}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"name":"BenchmarkX","unit":"sec/op","base":0.0000012,"candidate":9e-7,"delta_pct":-25,"p":0.002,"n":[10,10],"significant":true,"replicated":false}`
	if string(b) != want {
		t.Errorf("json %s\nwant %s", b, want)
	}
	if d := deltaPct(0, 3); d != 100 {
		t.Errorf("deltaPct(0, 3) = %v, want 100 (finite, JSON-safe)", d)
	}
}

func TestCalibrateRaisesThresholds(t *testing.T) {
	bench := nulls(3, 0.05)
	f := newFake(3, bench...)
	noise, res, err := Calibrate(context.Background(), f.run, baseBin, names(bench), f.options())
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(strings.Join(f.calls, ""), "B") {
		t.Fatalf("calibration ran the candidate: %v", f.calls)
	}
	if len(noise) != len(res.Rows) || len(noise) != 9 {
		t.Fatalf("noise %v for %d rows, want 9 entries", noise, len(res.Rows))
	}
	for _, r := range res.Rows {
		if got := noise[r.Name+" "+r.Unit]; got != abs(r.DeltaPct) {
			t.Errorf("%s: noise %v", r, got)
		}
	}

	win := Row{Name: "BenchmarkX", Unit: "sec/op", DeltaPct: -12, P: 0.001, Significant: true}
	slow := Row{Name: "BenchmarkY", Unit: "sec/op", DeltaPct: 12, P: 0.001, Significant: true}
	rows := []Row{win, slow}
	c := Criteria{Objective: Speed, MinImprovement: 10, MaxRegression: 5}
	if v := Judge(rows, c); v.Accept || len(v.Wins) != 1 || len(v.Regressions) != 1 {
		t.Fatalf("uncalibrated: %+v, want one win and one regression", v)
	}
	c.Noise = Noise{"BenchmarkX sec/op": 15, "BenchmarkY sec/op": 15}
	if v := Judge(rows, c); v.Accept || len(v.Wins) != 0 || len(v.Regressions) != 0 {
		t.Errorf("calibrated at 15%% noise: %+v, want neither win nor regression", v)
	}
}

// A quality candidate is not rejected for a regression that a second
// batch does not show again: one batch of a noisy machine can look
// significantly worse by chance.
func TestDecideQualityReplicatesRegressions(t *testing.T) {
	slow := Row{Name: "BenchmarkX", Unit: "sec/op", Base: 1, Candidate: 1.3, DeltaPct: 30, P: 0.002, N: [2]int{6, 6}, Significant: true}
	same := Row{Name: "BenchmarkX", Unit: "sec/op", Base: 1, Candidate: 1.01, DeltaPct: 1, P: 0.8, N: [2]int{6, 6}}
	crit := Criteria{Objective: Quality, MaxRegression: 5}
	for _, tc := range []struct {
		name   string
		second Row
		accept bool
	}{
		{"not replicated", same, true},
		{"replicated", slow, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := decide(func(replication bool) (*Result, error) {
				if replication {
					return &Result{Rows: []Row{tc.second}, Pairs: 6}, nil
				}
				return &Result{Rows: []Row{slow}, Pairs: 6}, nil
			}, crit)
			if err != nil {
				t.Fatal(err)
			}
			if d.Accept != tc.accept || len(d.Batches) != 2 {
				t.Fatalf("accept %v after %d batches (%s), want %v after 2", d.Accept, len(d.Batches), d.Reason, tc.accept)
			}
			last := d.Verdicts[len(d.Verdicts)-1]
			if got := len(last.Regressions) > 0; got == tc.accept {
				t.Errorf("last verdict's regressions %v with accept %v", last.Regressions, d.Accept)
			}
		})
	}
}

// TestDecideSpeedReplicatesRegressions: under speed, a regression beside a
// replicated win rejects only when the second batch shows it too, and a
// regression in the second batch alone does not undo a replicated win.
func TestDecideSpeedReplicatesRegressions(t *testing.T) {
	win := Row{Name: "BenchmarkA", Unit: "sec/op", Base: 1, Candidate: 0.5, DeltaPct: -50, P: 0.002, N: [2]int{6, 6}, Significant: true}
	slow := Row{Name: "BenchmarkB", Unit: "sec/op", Base: 1, Candidate: 1.3, DeltaPct: 30, P: 0.002, N: [2]int{6, 6}, Significant: true}
	same := Row{Name: "BenchmarkB", Unit: "sec/op", Base: 1, Candidate: 1.01, DeltaPct: 1, P: 0.8, N: [2]int{6, 6}}
	crit := Criteria{Objective: Speed, MinImprovement: 10, MaxRegression: 5}
	for _, tc := range []struct {
		name          string
		first, second []Row
		accept        bool
		reason        string
	}{
		{"first-batch regression not replicated", []Row{win, slow}, []Row{win, same}, true, "not replicated: BenchmarkB"},
		{"regression replicated", []Row{win, slow}, []Row{win, slow}, false, "in two batches: BenchmarkB"},
		{"second-batch regression alone", []Row{win, same}, []Row{win, slow}, true, "replicated: BenchmarkA"},
		{"no win at all is not replicated", []Row{same}, nil, false, "no significant improvement"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := decide(func(replication bool) (*Result, error) {
				if replication {
					return &Result{Rows: tc.second, Pairs: 6}, nil
				}
				return &Result{Rows: tc.first, Pairs: 6}, nil
			}, crit)
			if err != nil {
				t.Fatal(err)
			}
			if d.Accept != tc.accept || !strings.Contains(d.Reason, tc.reason) {
				t.Fatalf("accept %v (%s), want %v with %q", d.Accept, d.Reason, tc.accept, tc.reason)
			}
			if tc.second == nil && len(d.Batches) != 1 {
				t.Errorf("%d batches for a candidate with no win, want 1", len(d.Batches))
			}
		})
	}
}

func TestChange(t *testing.T) {
	rows := []Row{
		{Name: "A", Unit: "sec/op", Base: 100, Candidate: 25, Significant: true},
		{Name: "B", Unit: "sec/op", Base: 100, Candidate: 10, Significant: false},
		{Name: "A", Unit: "allocs/op", Base: 10, Candidate: 1, Significant: true},
	}
	if got := Change(rows, "sec/op"); got < -50.0001 || got > -49.9999 { // sqrt(0.25·1) − 1
		t.Errorf("Change = %.4f, want −50", got)
	}
	if got := Change(rows, "B/op"); got != 0 {
		t.Errorf("Change of a unit no row has = %v", got)
	}
	// Every allocation removed: −100 %, however many rows there are; a
	// row that rose from 0 has no ratio and does not count.
	zero := []Row{
		{Name: "A", Unit: "allocs/op", Base: 4, Candidate: 0, Significant: true},
		{Name: "B", Unit: "allocs/op", Base: 4, Candidate: 2, Significant: true},
		{Name: "C", Unit: "allocs/op", Base: 0, Candidate: 3, Significant: true},
	}
	if got := Change(zero, "allocs/op"); got != -100 {
		t.Errorf("Change with a row brought to 0 = %v, want −100", got)
	}
	if got := Change(zero[1:], "allocs/op"); got != -50 {
		t.Errorf("Change of a halved row beside one from 0 = %v, want −50", got)
	}
	zero[0].Significant = false
	if got := Change(zero[:1], "allocs/op"); got != 0 {
		t.Errorf("Change of a row brought to 0 by noise = %v, want 0", got)
	}
}

func TestRowDelta(t *testing.T) {
	for _, tc := range []struct {
		base, cand float64
		want       string
	}{
		{100, 75, "-25.0%"},
		{4, 0, "-100.0%"},
		{0, 3, "+3 from 0"},
		{0, 0, "+0.0%"},
	} {
		r := Row{Name: "BenchmarkX", Unit: "allocs/op", Base: tc.base, Candidate: tc.cand, DeltaPct: deltaPct(tc.base, tc.cand)}
		if got := r.Delta(); got != tc.want {
			t.Errorf("Delta(%v → %v) = %q, want %q", tc.base, tc.cand, got, tc.want)
		}
		if !strings.Contains(r.String(), tc.want) {
			t.Errorf("String() = %q, want it to hold %q", r.String(), tc.want)
		}
	}
}

// TestDecideMarksReplication: after a decision, a row is Replicated only
// when both batches show it significant in the same direction, whatever
// its unit; a row significant in one batch only is labelled unreplicated
// in its String and in JSON, and so is every significant row of a
// decision that took one batch.
func TestDecideMarksReplication(t *testing.T) {
	row := func(name, unit string, delta, p float64) Row {
		return Row{Name: name, Unit: unit, Base: 100, Candidate: 100 + delta, DeltaPct: delta, P: p, N: [2]int{6, 6}, Significant: p < 0.05}
	}
	first := []Row{
		row("BenchmarkA", "sec/op", -50, 0.002),   // the objective's win, twice
		row("BenchmarkA", "allocs/op", -20, 0.01), // outside the objective, twice
		row("BenchmarkB", "B/op", -10, 0.3),       // significant in the second batch only
		row("BenchmarkB", "allocs/op", -10, 0.01), // significant twice, opposite ways
	}
	second := []Row{
		row("BenchmarkA", "sec/op", -48, 0.002),
		row("BenchmarkA", "allocs/op", -20, 0.01),
		row("BenchmarkB", "B/op", -10, 0.04),
		row("BenchmarkB", "allocs/op", 10, 0.01),
	}
	d, err := decide(func(replication bool) (*Result, error) {
		if replication {
			return &Result{Rows: slices.Clone(second), Pairs: 6}, nil
		}
		return &Result{Rows: slices.Clone(first), Pairs: 6}, nil
	}, Criteria{Objective: Speed, MinImprovement: 10, MaxRegression: 50})
	if err != nil {
		t.Fatal(err)
	}
	if !d.Accept {
		t.Fatalf("rejected (%s), want the replicated win accepted", d.Reason)
	}
	want := map[string]bool{"BenchmarkA sec/op": true, "BenchmarkA allocs/op": true, "BenchmarkB B/op": false, "BenchmarkB allocs/op": false}
	for _, r := range d.Rows() {
		name := r.Name + " " + r.Unit
		if r.Replicated != want[name] || r.Unreplicated() == want[name] {
			t.Errorf("%s: replicated %v, unreplicated %v; want replicated %v", name, r.Replicated, r.Unreplicated(), want[name])
		}
		if got := strings.Contains(r.String(), "unreplicated"); got == want[name] {
			t.Errorf("String() = %q: says unreplicated %v, want %v", r.String(), got, !want[name])
		}
		b, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Contains(string(b), `"significant":true,"replicated":`+fmt.Sprint(want[name])); !got {
			t.Errorf("%s: JSON %s, want significant and replicated %v", name, b, want[name])
		}
	}
	if !strings.Contains(d.Reason, "BenchmarkA sec/op -48.0% (p=0.002 n=6+6)") {
		t.Errorf("reason %q, want the replicated win without a caveat", d.Reason)
	}

	one, err := decide(func(bool) (*Result, error) { return &Result{Rows: slices.Clone(first), Pairs: 6}, nil }, Criteria{Objective: Quality, MaxRegression: 5})
	if err != nil {
		t.Fatal(err)
	}
	if len(one.Batches) != 1 {
		t.Fatalf("%d batches, want 1 for a quality candidate with nothing worse", len(one.Batches))
	}
	for _, r := range one.Rows() {
		if r.Replicated || r.Significant != r.Unreplicated() {
			t.Errorf("%s %s after one batch: replicated %v, unreplicated %v", r.Name, r.Unit, r.Replicated, r.Unreplicated())
		}
	}
}
