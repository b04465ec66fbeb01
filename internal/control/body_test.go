package control

import (
	"strings"
	"testing"

	"github.com/agentic-optimizer/optimizer/internal/validate"
)

// TestBenchmarkSectionSaysUnreplicated: the pull request's table calls a
// row significant without a caveat only when both batches showed it.
func TestBenchmarkSectionSaysUnreplicated(t *testing.T) {
	var b strings.Builder
	benchmarkSection(&b, &change{validation: &validate.Report{Benchmarks: []validate.Benchmark{
		{Name: "BenchmarkA", Unit: "sec/op", Base: 2, Candidate: 1, DeltaPct: -50, P: 0.002, Significant: true, Replicated: true},
		{Name: "BenchmarkB", Unit: "B/op", Base: 64, Candidate: 48, DeltaPct: -25, P: 0.0499, Significant: true},
		{Name: "BenchmarkC", Unit: "sec/op", Base: 1, Candidate: 1, P: 0.9},
	}}})
	for _, want := range []string{`| BenchmarkA | sec\/op | 2 | 1 | -50.0% | 0.002 | yes |`, `| BenchmarkB | B\/op | 64 | 48 | -25.0% | 0.0499 | yes, unreplicated |`, `| BenchmarkC | sec\/op | 1 | 1 | +0.0% | 0.9 | no |`} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("benchmark section lacks %q:\n%s", want, b.String())
		}
	}
}
