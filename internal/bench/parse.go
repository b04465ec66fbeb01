package bench

import (
	"bytes"
	"fmt"
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
// one value per benchmark and unit to side.
func (s *samples) add(side int, out []byte, file string) error {
	if s.vals == nil {
		s.vals = map[key]*[2][]float64{}
	}
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
				p := s.vals[k]
				if p == nil {
					p = new([2][]float64)
					s.vals[k] = p
					s.order = append(s.order, k)
				}
				p[side] = append(p[side], v)
			}
		}
	}
	if err := r.Err(); err != nil {
		return fmt.Errorf("bench: parse %s: %w", file, err)
	}
	return nil
}

// benchName is the full name without the trailing -GOMAXPROCS part, so rows
// read "BenchmarkX/size=10" as in SPEC §4. (benchfmt drops the "Benchmark"
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
