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
