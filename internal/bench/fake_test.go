package bench

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"time"
)

// synthetic describes one benchmark of the fake: its true base time and
// allocations, and the candidate's true relative change.
type synthetic struct {
	name        string
	ns          float64 // true base ns/op
	effect      float64 // candidate time = ns·(1+effect)
	allocs      [2]int  // allocs/op, base and candidate
	bytesPerOp  [2]int  // B/op, base and candidate
	noise       float64 // relative spread of the lognormal timing noise
	missingCand bool    // the candidate prints no result for it
}

// fake is a Runner that pretends to be two test binaries, "base" and
// "cand", printing the Go benchmark format from a seeded RNG. It records
// which binary each call ran and advances a fake clock by step per call.
type fake struct {
	rng   *rand.Rand
	bench []synthetic
	exit  int // exit code of every execution
	step  time.Duration
	now   time.Time
	calls []string   // "A" for base, "B" for candidate
	args  [][]string // the arguments of each call
}

func newFake(seed uint64, bench ...synthetic) *fake {
	return &fake{rng: rand.New(rand.NewPCG(seed, 1)), bench: bench, step: time.Second, now: time.Unix(0, 0)}
}

var (
	baseBin = Binary{Path: "base", Dir: "/base/pkg"}
	candBin = Binary{Path: "cand", Dir: "/cand/pkg"}
)

func (f *fake) clock() time.Time { return f.now }

func (f *fake) options() Options {
	return Options{Now: f.clock}
}

func (f *fake) run(ctx context.Context, dir string, timeout time.Duration, name string, args ...string) ([]byte, []byte, int, error) {
	f.now = f.now.Add(f.step)
	side := 0
	switch name {
	case "base":
		f.calls = append(f.calls, "A")
	case "cand":
		f.calls = append(f.calls, "B")
		side = 1
	default:
		return nil, nil, 0, fmt.Errorf("fake: unknown binary %q", name)
	}
	f.args = append(f.args, args)
	var b strings.Builder
	b.WriteString("goos: linux\ngoarch: amd64\npkg: example.com/fake\ncpu: Fake CPU @ 2.00GHz\n")
	for _, s := range f.bench {
		if side == 1 && s.missingCand {
			continue
		}
		ns := s.ns
		if side == 1 {
			ns *= 1 + s.effect
		}
		ns *= math.Exp(s.noise * f.rng.NormFloat64())
		fmt.Fprintf(&b, "%s-2   \t%8d\t%12.2f ns/op\t%6d B/op\t%4d allocs/op\n", s.name, 100000, ns, s.bytesPerOp[side], s.allocs[side])
	}
	if f.exit != 0 {
		b.WriteString("--- FAIL: BenchmarkBroken\nFAIL\n")
	} else {
		b.WriteString("PASS\n")
	}
	return []byte(b.String()), nil, f.exit, nil
}

// nulls is n benchmarks with no true change.
func nulls(n int, noise float64) []synthetic {
	var out []synthetic
	for i := range n {
		out = append(out, synthetic{name: fmt.Sprintf("BenchmarkNull%02d", i), ns: 1000 + 100*float64(i), noise: noise, allocs: [2]int{2, 2}, bytesPerOp: [2]int{64, 64}})
	}
	return out
}

func names(bench []synthetic) []string {
	var out []string
	for _, b := range bench {
		out = append(out, b.name)
	}
	return out
}
