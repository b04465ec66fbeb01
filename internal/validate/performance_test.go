package validate_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/agentic-optimizer/optimizer/internal/config"
	"github.com/agentic-optimizer/optimizer/internal/gitx/gittest"
	"github.com/agentic-optimizer/optimizer/internal/pipeline"
	"github.com/agentic-optimizer/optimizer/internal/validate"
)

// perfModule has one function the benchmark runs (Sum, quadratic on
// purpose), one it never runs (Unused), and a benchmark whose input size
// lives in a test-file variable that a candidate's own test file could
// try to shrink.
var perfModule = map[string]string{
	"go.mod": "module example.com/perf\n\ngo 1.22\n",
	"perf.go": `package perf

// Sum adds xs, the slow way.
func Sum(xs []int) int {
	total := 0
	for i := range xs {
		part := 0
		for j := 0; j <= i; j++ {
			part = xs[j]
		}
		total += part
	}
	return total
}

// Squares returns the squares of xs.
func Squares(xs []int) []int {
	var out []int
	for _, x := range xs {
		out = append(out, x*x)
	}
	return out
}

// Unused is run by no benchmark.
func Unused(n int) int { return n + 1 }
`,
	"perf_test.go": `package perf

import "testing"

var size = 400

func TestSum(t *testing.T) {
	if got := Sum([]int{1, 2, 3}); got != 6 {
		t.Fatalf("Sum = %d", got)
	}
	if got := Squares([]int{2, 3}); len(got) != 2 || got[1] != 9 {
		t.Fatalf("Squares = %v", got)
	}
	if Unused(1) != 2 {
		t.Fatal("Unused")
	}
}

func BenchmarkSum(b *testing.B) {
	xs := make([]int, size)
	for i := range xs {
		xs[i] = i
	}
	for i := 0; i < b.N; i++ {
		Sum(xs)
	}
}

func BenchmarkSquares(b *testing.B) {
	xs := make([]int, 256)
	for i := 0; i < b.N; i++ {
		Squares(xs)
	}
}
`,
}

const fastSum = `package perf

// Sum adds xs.
func Sum(xs []int) int {
	total := 0
	for _, x := range xs {
		total += x
	}
	return total
}

// Squares returns the squares of xs.
func Squares(xs []int) []int {
	var out []int
	for _, x := range xs {
		out = append(out, x*x)
	}
	return out
}

// Unused is run by no benchmark.
func Unused(n int) int { return n + 1 }
`

// TestPerformanceLevel validates candidates against a real module through
// the production path (pipeline.Open, the sandbox, worktrees). Effects are
// large on purpose — 100× and more — so that verdicts are certain on a
// noisy machine; the statistics themselves are measured by the harness in
// internal/bench.
func TestPerformanceLevel(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and benchmarks a module")
	}
	repo := gittest.NewRepo(t, perfModule)
	orig := perfModule["perf.go"]
	tests := []struct {
		name      string
		objective string
		files     map[string]string
		accepted  bool
		detail    string
	}{
		{
			name: "a real speed-up is accepted", objective: "speed",
			files:    map[string]string{"perf.go": fastSum},
			accepted: true, detail: "BenchmarkSum sec/op",
		},
		{
			name: "a change no benchmark executes proves nothing", objective: "speed",
			files:  map[string]string{"perf.go": strings.Replace(orig, "return n + 1", "return 1 + n", 1)},
			detail: "none of the 2 benchmarks of the affected packages executes the changed lines",
		},
		{
			name: "under quality it is fine", objective: "quality",
			files:    map[string]string{"perf.go": strings.Replace(orig, "return n + 1", "return 1 + n", 1)},
			accepted: true, detail: "none of the 2 benchmarks",
		},
		{
			name: "a test file of the candidate's own does not judge it", objective: "speed",
			files: map[string]string{
				"perf.go":        strings.Replace(orig, "total := 0", "var total int", 1),
				"shrink_test.go": "package perf\n\nfunc init() { size = 1 }\n",
			},
			detail: "no significant improvement",
		},
		{
			name: "a slow-down fails quality", objective: "quality",
			files:  map[string]string{"perf.go": strings.Replace(orig, "total += part", "total += part + Sum(xs[:i/8])", 1)},
			detail: "BenchmarkSum sec/op",
		},
		{
			name: "fewer allocations are accepted", objective: "allocs",
			files:    map[string]string{"perf.go": strings.Replace(orig, "var out []int", "out := make([]int, 0, len(xs))", 1)},
			accepted: true, detail: "BenchmarkSquares",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rep := validateFiles(t, repo, tc.objective, tc.files)
			perf := rep.Level("performance")
			t.Logf("performance: %+v", perf)
			if perf == nil {
				t.Fatalf("no performance level in %+v", rep.Levels)
			}
			if rep.Accepted != tc.accepted {
				t.Fatalf("accepted = %v, want %v; rejected by %q; levels %+v", rep.Accepted, tc.accepted, rep.RejectedBy, rep.Levels)
			}
			if !tc.accepted && rep.RejectedBy != "performance" {
				t.Fatalf("rejected by %q, want performance; levels %+v", rep.RejectedBy, rep.Levels)
			}
			if !strings.Contains(perf.Detail, tc.detail) {
				t.Errorf("performance detail = %q, want it to mention %q", perf.Detail, tc.detail)
			}
		})
	}
}

// validateFiles makes a patch that writes files over the repository's
// HEAD and validates it with the production validator.
func validateFiles(t *testing.T, repo, objective string, files map[string]string) *validate.Report {
	t.Helper()
	gittest.WriteFiles(t, repo, files)
	gittest.Git(t, repo, "add", "-A")
	raw := gittest.Git(t, repo, "diff", "--cached")
	gittest.Git(t, repo, "reset", "-q", "--hard")
	gittest.Git(t, repo, "clean", "-qfd")
	return validateRaw(t, repo, objective, raw)
}

// validateRaw validates a patch against the repository's HEAD with the
// production validator, in a workspace of its own.
func validateRaw(t *testing.T, repo, objective, raw string) *validate.Report {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cfg, err := config.Load(repo, config.Flags{"objective": objective, "worktree_base": filepath.Join(t.TempDir(), "wt")}, os.Getenv, "")
	if err != nil {
		t.Fatal(err)
	}
	ws, err := pipeline.Open(ctx, cfg, repo)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close(ctx)
	wt, err := ws.Worktrees.Add(ctx, "perf", ws.Head)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := ws.Validator(cfg, nil).Validate(ctx, wt, []byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// loopModule has code that runs at init (an init function, a table a
// function literal computes, a plain package-level var), a helper the
// benchmarks call only in their setup (Input), and Sum, which their
// measured loops run — one benchmark loops on b.N, the other on b.Loop.
var loopModule = map[string]string{
	"go.mod": "module example.com/loop\n\ngo 1.24\n",
	"loop.go": `package loop

import "strings"

// names is built once, at init.
var names []string

func init() {
	for i := range 64 {
		names = append(names, strings.Repeat("x", i%8))
	}
}

// table holds the squares of 0..15, computed once, at init.
var table = func() [16]int {
	var t [16]int
	for i := range t {
		t[i] = i * i
	}
	return t
}()

// width is the period of Input's values.
var width = 16

// Input builds a benchmark's input: n values below width.
func Input(n int) []int {
	xs := make([]int, n)
	for i := range xs {
		xs[i] = i % width
	}
	return xs
}

// Sum adds the squares of xs, the slow way.
func Sum(xs []int) int {
	total := 0
	for i := range xs {
		part := 0
		for j := 0; j <= i; j++ {
			part = table[xs[j]]
		}
		total += part
	}
	return total
}

// Names is how many names init built.
func Names() int { return len(names) }
`,
	"loop_test.go": `package loop

import "testing"

func TestSum(t *testing.T) {
	if got := Sum(Input(4)); got != 14 {
		t.Fatalf("Sum = %d", got)
	}
	if Names() != 64 {
		t.Fatal("names")
	}
}

func BenchmarkSum(b *testing.B) {
	xs := Input(400)
	for i := 0; i < b.N; i++ {
		Sum(xs)
	}
}

func BenchmarkSumLoop(b *testing.B) {
	xs := Input(400)
	for b.Loop() {
		Sum(xs)
	}
}
`,
}

// TestPerformanceMeasuresOnlyTheLoop: the benchmarks that judge a patch
// are those whose measured loop runs the changed code. Code that runs
// only at init or in a benchmark's setup costs the same on either side,
// so a benchmark that runs it there would time noise — which, on a busy
// machine, is "significant" one row in twenty, for or against the patch.
// Such a patch gets no benchmark: under speed it is rejected for having
// none, with no speed claimed or held against it; under quality it
// passes. A change to the loop still selects both benchmarks, the b.N one
// and the b.Loop one.
func TestPerformanceMeasuresOnlyTheLoop(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and benchmarks a module")
	}
	repo := gittest.NewRepo(t, loopModule)
	orig := loopModule["loop.go"]
	edit := func(old, new string) map[string]string {
		if !strings.Contains(orig, old) {
			t.Fatalf("loop.go has no %q", old)
		}
		return map[string]string{"loop.go": strings.Replace(orig, old, new, 1)}
	}
	initOnly := edit(`		names = append(names, strings.Repeat("x", i%8))`, `		var sb strings.Builder
		for range i % 8 {
			sb.WriteByte('x')
		}
		names = append(names, sb.String())`)
	const unmeasured = "none of the 2 benchmarks of the affected packages executes the changed lines in its measured loop"
	tests := []struct {
		name      string
		objective string
		files     map[string]string
		accepted  bool
		detail    []string
	}{
		{
			name: "a change to init selects no benchmark", objective: "speed", files: initOnly,
			detail: []string{unmeasured, "the changed code runs at init, once per process", "the speed objective needs a benchmark whose measured loop executes the changed code"},
		},
		{
			name: "under quality it passes", objective: "quality", files: initOnly, accepted: true,
			detail: []string{unmeasured, "runs at init"},
		},
		{
			name: "a table a function literal computes at init", objective: "speed",
			files:  edit("	for i := range t {\n", "	for i := 0; i < len(t); i++ {\n"),
			detail: []string{unmeasured, "the changed code runs at init"},
		},
		{
			name: "a package-level var", objective: "speed",
			files:  edit("var width = 16", "var width = 8 + 8"),
			detail: []string{unmeasured, "(loop.go:24: a package-level var initializer)"},
		},
		{
			name: "a helper the benchmarks call in their setup", objective: "speed",
			files:  edit("	for i := range xs {\n		xs[i] = i % width", "	for i := 0; i < n; i++ {\n		xs[i] = i % width"),
			detail: []string{unmeasured, "BenchmarkSum, BenchmarkSumLoop run it only in their setup, outside the loop that is timed"},
		},
		{
			name: "a change to the loop is measured by both benchmarks", objective: "speed",
			files: edit(`	for i := range xs {
		part := 0
		for j := 0; j <= i; j++ {
			part = table[xs[j]]
		}
		total += part
	}`, `	for _, x := range xs {
		total += table[x]
	}`),
			accepted: true,
			detail:   []string{"2 of 2 benchmarks execute the changed lines in their measured loop", "BenchmarkSum sec/op", "BenchmarkSumLoop sec/op"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rep := validateFiles(t, repo, tc.objective, tc.files)
			perf := rep.Level("performance")
			t.Logf("performance: %+v", perf)
			if perf == nil {
				t.Fatalf("no performance level in %+v", rep.Levels)
			}
			if rep.Accepted != tc.accepted {
				t.Fatalf("accepted = %v, want %v; rejected by %q; levels %+v", rep.Accepted, tc.accepted, rep.RejectedBy, rep.Levels)
			}
			if !tc.accepted && rep.RejectedBy != "performance" {
				t.Fatalf("rejected by %q, want performance; levels %+v", rep.RejectedBy, rep.Levels)
			}
			for _, want := range tc.detail {
				if !strings.Contains(perf.Detail, want) {
					t.Errorf("performance detail = %q, want it to mention %q", perf.Detail, want)
				}
			}
			if strings.Contains(tc.detail[0], unmeasured) && (len(rep.Benchmarks) > 0 || strings.Contains(perf.Detail, "sec/op")) {
				t.Errorf("a patch no measured loop runs was measured: detail %q, benchmarks %+v", perf.Detail, rep.Benchmarks)
			}
		})
	}
}
