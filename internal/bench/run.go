package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Runner runs name with args in dir, waiting at most timeout. A non-zero
// exit is reported in exit, not err; err is for a command that could not
// run at all. Callers pass their sandbox; tests pass a fake.
type Runner func(ctx context.Context, dir string, timeout time.Duration, name string, args ...string) (stdout, stderr []byte, exit int, err error)

// Binary is a compiled test binary and the directory it runs in (its
// package directory, so that testdata/ resolves as under `go test`).
type Binary struct {
	Path string
	Dir  string
}

// ErrNoTests is returned by Build when the package has no test files, so
// `go test -c` produces no binary.
var ErrNoTests = errors.New("no test files")

// BuildTimeout bounds one `go test -c`.
const BuildTimeout = 5 * time.Minute

// Build compiles the tests of the package in pkgDir into out with
// `go test -c` and the given build flags (-pgo=file), once, so every later
// execution measures the same code. It returns the absolute path of the
// binary.
func Build(ctx context.Context, run Runner, pkgDir, out string, flags ...string) (string, error) {
	abs, err := filepath.Abs(out)
	if err != nil {
		return "", fmt.Errorf("bench: build %s: %w", pkgDir, err)
	}
	_, stderr, exit, err := run(ctx, pkgDir, BuildTimeout, "go", append([]string{"test", "-c", "-o", abs}, flags...)...)
	if err != nil {
		return "", fmt.Errorf("bench: build %s: %w", pkgDir, err)
	}
	if exit != 0 {
		return "", fmt.Errorf("bench: build %s: go test -c exited %d: %s", pkgDir, exit, tail(stderr))
	}
	if _, err := os.Stat(abs); err != nil {
		return "", fmt.Errorf("bench: build %s: %w", pkgDir, ErrNoTests)
	}
	return abs, nil
}

// Options control one interleaved comparison. The zero value is usable.
type Options struct {
	// BenchTime is passed as -test.benchtime ("2ms", "1000x"); default
	// "2ms": short enough that a run often fits in one scheduler time
	// slice and escapes the neighbours' noise.
	BenchTime string
	// Count is passed as -test.count: runs of each benchmark per
	// execution, whose fastest time is that execution's sample (see
	// reduce); default 10.
	Count int
	// MinSamples per side; default (and floor) 6.
	MinSamples int
	// MaxSamples per side; default 20.
	MaxSamples int
	// Budget bounds the wall time of the comparison: no further pair is
	// started that would, at the average pace so far, end beyond it.
	// MinSamples are taken regardless; default 2 minutes.
	Budget time.Duration
	// RunTimeout bounds one execution of a test binary; default 2 minutes.
	RunTimeout time.Duration
	// Alpha is the family-wise significance level; default 0.05.
	Alpha float64
	// MinEffect (percent): a row that is not significant but changed by at
	// least this much is undecided and earns more samples; default 5.
	MinEffect float64
	// CandidateFirst starts the interleaving with the candidate (B A B A …).
	// Decide sets it for the replication batch.
	CandidateFirst bool
	// Now is the clock used for the budget; nil means time.Now.
	Now func() time.Time
}

func (o Options) withDefaults() Options {
	if o.BenchTime == "" {
		o.BenchTime = "2ms"
	}
	if o.Count < 1 {
		o.Count = 10
	}
	if o.MinSamples < 6 {
		o.MinSamples = 6
	}
	if o.MaxSamples == 0 {
		o.MaxSamples = 20
	}
	if o.MaxSamples < o.MinSamples {
		o.MaxSamples = o.MinSamples
	}
	if o.Budget == 0 {
		o.Budget = 2 * time.Minute
	}
	if o.RunTimeout == 0 {
		o.RunTimeout = 2 * time.Minute
	}
	if o.Alpha == 0 {
		o.Alpha = 0.05
	}
	if o.MinEffect == 0 {
		o.MinEffect = 5
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// Why sampling stopped.
const (
	StopDecided    = "decided"     // every row significant or too small to matter
	StopMaxSamples = "max_samples" // Options.MaxSamples reached
	StopBudget     = "budget"      // another pair would exceed Options.Budget
)

// Result is one interleaved comparison.
type Result struct {
	Rows     []Row         `json:"rows"`
	Pairs    int           `json:"pairs"` // executions per side
	Stop     string        `json:"stop"`
	Elapsed  time.Duration `json:"elapsed_ns"`
	Warnings []string      `json:"warnings,omitempty"`
}

// Compare executes base and cand alternately, one execution of the named
// benchmarks at a time (each benchmark run Options.Count times), until at
// least MinSamples per side are in and the comparison is decided,
// MaxSamples is reached or the budget is spent. Names are top-level benchmark functions; sub-benchmarks of a named
// function become rows of their own.
func Compare(ctx context.Context, run Runner, base, cand Binary, benchmarks []string, opt Options) (*Result, error) {
	opt = opt.withDefaults()
	pattern, err := benchPattern(benchmarks)
	if err != nil {
		return nil, err
	}
	args := []string{
		"-test.run=^$",
		"-test.bench=" + pattern,
		"-test.benchmem",
		"-test.count=" + strconv.Itoa(opt.Count),
		"-test.benchtime=" + opt.BenchTime,
	}
	sides := [2]Binary{base, cand}
	order := [2]int{0, 1}
	if opt.CandidateFirst {
		order = [2]int{1, 0}
	}
	var s samples
	res := &Result{}
	start := opt.Now()
	for {
		for _, side := range order {
			if err := ctx.Err(); err != nil {
				return nil, fmt.Errorf("bench: compare: %w", err)
			}
			b := sides[side]
			stdout, stderr, exit, err := run(ctx, b.Dir, opt.RunTimeout, b.Path, args...)
			if err != nil {
				return nil, fmt.Errorf("bench: run %s: %w", b.Path, err)
			}
			if exit != 0 {
				return nil, fmt.Errorf("bench: run %s: exit %d: %s", b.Path, exit, tail(append(stdout, stderr...)))
			}
			if err := s.add(side, stdout, b.Path); err != nil {
				return nil, err
			}
		}
		res.Pairs++
		elapsed := opt.Now().Sub(start)
		res.Elapsed = elapsed
		if res.Pairs < opt.MinSamples {
			continue
		}
		rows, warnings := s.analyze(opt.Alpha)
		res.Rows, res.Warnings = rows, warnings
		if len(rows) == 0 {
			return nil, fmt.Errorf("bench: compare %s: no benchmark results on both sides (warnings: %s)", pattern, strings.Join(warnings, "; "))
		}
		switch {
		case !undecided(rows, opt.MinEffect):
			res.Stop = StopDecided
		case res.Pairs >= opt.MaxSamples:
			res.Stop = StopMaxSamples
		case elapsed+elapsed/time.Duration(res.Pairs) > opt.Budget:
			res.Stop = StopBudget
		}
		if res.Stop != "" {
			return res, nil
		}
	}
}

// undecided reports whether any row shows a change of at least minEffect
// percent that is not (yet) significant: more samples could settle it. A
// smaller change would not matter either way, whatever more samples said.
func undecided(rows []Row, minEffect float64) bool {
	for _, r := range rows {
		if !r.Significant && abs(r.DeltaPct) >= minEffect {
			return true
		}
	}
	return false
}

// benchPattern anchors the names into one -test.bench regexp. The testing
// package splits the pattern at slashes, level by level, so only the
// top-level part of a name is used.
func benchPattern(names []string) (string, error) {
	if len(names) == 0 {
		return "", errors.New("bench: compare: no benchmarks named")
	}
	seen := map[string]bool{}
	var quoted []string
	for _, n := range names {
		top, _, _ := strings.Cut(n, "/")
		if !strings.HasPrefix(top, "Benchmark") {
			return "", fmt.Errorf("bench: compare: %q is not a benchmark name", n)
		}
		if !seen[top] {
			seen[top] = true
			quoted = append(quoted, regexp.QuoteMeta(top))
		}
	}
	return "^(" + strings.Join(quoted, "|") + ")$", nil
}

// tail is the end of a command's output, for error messages.
func tail(b []byte) string {
	b = bytes.TrimSpace(b)
	const max = 2000
	if len(b) > max {
		b = append([]byte("…"), b[len(b)-max:]...)
	}
	return string(b)
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}
