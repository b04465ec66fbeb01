package bench

import (
	"bytes"
	"fmt"
	"slices"
	"strings"

	"golang.org/x/perf/benchfmt"
)

// Units compared, in row order. benchfmt tidies ns/op into sec/op.
var units = []string{"sec/op", "B/op", "allocs/op"}

// key identifies one row: a benchmark (without its -GOMAXPROCS suffix) and
// a unit.
type key struct{ name, unit string }

// samples accumulates measurements per row and side (0 base, 1 candidate).
type samples struct {
	order []key // first-seen order of names, units in Units order
	vals  map[key]*[2][]float64
}

// add parses one execution's output (the Go benchmark format) and appends
// one value per benchmark and unit to side. An execution with
// -test.count > 1 prints several results per benchmark; they become one
// sample (see reduce).
func (s *samples) add(side int, out []byte, file string) error {
	if s.vals == nil {
		s.vals = map[key]*[2][]float64{}
	}
	var order []key
	runs := map[key][]float64{}
	r := benchfmt.NewReader(bytes.NewReader(out), file)
	for r.Scan() {
		switch rec := r.Result().(type) {
		case *benchfmt.SyntaxError:
			// The test binary prints PASS, ok, log lines: not results.
			continue
		case *benchfmt.Result:
			name := benchName(rec.Name)
			for _, unit := range units {
				v, ok := rec.Value(unit)
				if !ok {
					continue
				}
				k := key{name, unit}
				if _, seen := runs[k]; !seen {
					order = append(order, k)
				}
				runs[k] = append(runs[k], v)
			}
		}
	}
	if err := r.Err(); err != nil {
		return fmt.Errorf("bench: parse %s: %w", file, err)
	}
	for _, k := range order {
		p := s.vals[k]
		if p == nil {
			p = new([2][]float64)
			s.vals[k] = p
			s.order = append(s.order, k)
		}
		p[side] = append(p[side], reduce(k.unit, runs[k]))
	}
	return nil
}

// reduce turns the results of one benchmark in one execution into one
// sample. For time it is the fastest run: on a shared machine noise only
// ever adds time (preemption, a busy sibling core, cache thrashing), and a
// run short enough to fit in one scheduler time slice often escapes it
// entirely, so the minimum of several short runs is the least disturbed
// measurement of the code (Chen & Revels, "Robust benchmarking in noisy
// environments", 2016). Allocation counts do not suffer that one-sided
// noise; for them it is the median, which ignores a one-off first run.
func reduce(unit string, runs []float64) float64 {
	if unit == "sec/op" {
		return slices.Min(runs)
	}
	s := slices.Sorted(slices.Values(runs))
	n := len(s)
	return (s[(n-1)/2] + s[n/2]) / 2
}

// benchName is the full name without the trailing -GOMAXPROCS part, so rows
// read "BenchmarkX/size=10" as in docs/design.md#reports. (benchfmt drops the "Benchmark"
// prefix; it is put back.)
func benchName(n benchfmt.Name) string {
	base, parts := n.Parts()
	var b strings.Builder
	b.WriteString("Benchmark")
	b.Write(base)
	for _, p := range parts {
		if len(p) > 0 && p[0] == '-' {
			continue
		}
		b.Write(p)
	}
	return b.String()
}
