package bench

// BenchmarkQuality measures the statistical quality of Decide on this
// machine: how often an unchanged candidate is accepted as faster, and how
// often a real 20 % speedup of one benchmark is found. It is a harness,
// not a CI test — it takes many minutes and its figures depend on the load:
//
//	go test -run '^$' -bench Quality -benchtime 1x -timeout 120m ./internal/bench -quality.trials=20
//
// (the package comes before the -quality flags: go test passes everything
// after the first flag it does not know to the test binary).
// -quality.sampling lists the sampling settings to compare in the same
// trials, so that they share the machine's load: "default" is the zero
// Options, "20ms:1" is BenchTime 20ms and Count 1.

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

var (
	qualityTrials   = flag.Int("quality.trials", 20, "BenchmarkQuality: trials per scenario")
	qualityLoad     = flag.Int("quality.load", 0, "BenchmarkQuality: busy goroutines spinning beside the measurements, to load the machine like a busy CI runner")
	qualitySampling = flag.String("quality.sampling", "default", `BenchmarkQuality: comma-separated sampling settings, "default" or benchtime:count such as "20ms:1"`)
)

const (
	qualityRows    = 20   // benchmarks in the synthetic package
	qualityTarget  = 7    // the benchmark the speedup scenario makes faster
	qualitySpeedup = 0.20 // its true reduction of work
)

// qualityWork is the loop count of each synthetic benchmark: 2000–5800
// xorshift steps, about 2–6 µs per iteration.
func qualityWork() []int {
	k := make([]int, qualityRows)
	for i := range k {
		k[i] = 2000 + 200*i
	}
	return k
}

// qualityCriteria are the criteria every batch is judged by. Calibrated
// ones take the noise of one Calibrate per trial, as the product measures
// it once per base binary and reuses it for every candidate.
var qualityCriteria = []struct {
	name       string
	min        float64
	calibrated bool
}{
	{"min10", 10, false},
	{"min10+cal", 10, true},
	{"min5", 5, false},
	{"min5+cal", 5, true},
}

// qualitySettings parses -quality.sampling.
func qualitySettings(list string) ([]string, []Options, error) {
	var names []string
	var opts []Options
	for _, s := range strings.Split(list, ",") {
		s = strings.TrimSpace(s)
		if s == "default" {
			names, opts = append(names, s), append(opts, Options{})
			continue
		}
		bt, count, ok := strings.Cut(s, ":")
		n, err := strconv.Atoi(count)
		if !ok || err != nil || n < 1 || bt == "" {
			return nil, nil, fmt.Errorf("-quality.sampling: %q is neither \"default\" nor benchtime:count", s)
		}
		names, opts = append(names, s), append(opts, Options{BenchTime: bt, Count: n})
	}
	return names, opts, nil
}

// qualityCell tallies the decisions of one sampling setting, scenario and
// criteria.
type qualityCell struct {
	sampling, scenario, criteria string
	decisions                    int
	accepts                      int // Decision.Accept
	right                        int // accepted, with the replicated win on the target row
	firstWins                    int // the first batch claimed a win (before replication)
	runs                         []int
	secs                         []float64
}

// qualityCalibration tallies the Calibrate calls of one sampling setting.
type qualityCalibration struct {
	runs     []int
	secs     []float64
	maxNoise []float64 // the largest sec/op row noise of each call
	target   []float64 // the target row's change in the speedup's first batch
}

func BenchmarkQuality(b *testing.B) {
	ctx := b.Context()
	load0 := loadAverage()
	start := time.Now()
	tmp := b.TempDir()
	run := qualityRunner("GOFLAGS=-mod=mod", "GOPROXY=off", "GOWORK=off", "GOTOOLCHAIN=local")
	samplingNames, samplingOpts, err := qualitySettings(*qualitySampling)
	if err != nil {
		b.Fatal(err)
	}

	if *qualityLoad > 0 {
		stop := spin(*qualityLoad)
		defer stop()
	}

	work := qualityWork()
	faster := slices.Clone(work)
	faster[qualityTarget] = int(float64(work[qualityTarget]) * (1 - qualitySpeedup))
	build := func(name string, work []int) Binary {
		dir := filepath.Join(tmp, name)
		if err := writeQualityModule(dir, work); err != nil {
			b.Fatal(err)
		}
		path, err := Build(ctx, run, dir, filepath.Join(tmp, name+".test"))
		if err != nil {
			b.Fatal(err)
		}
		return Binary{Path: path, Dir: dir}
	}
	// Three separate builds, as in real use: the candidate of the A/A
	// scenario is the same code compiled again, in another directory.
	base := build("base", work)
	scenarios := []struct {
		name   string
		cand   Binary
		target string // the row that truly got faster, if any
	}{
		{"A/A", build("same", work), ""},
		{"speedup", build("faster", faster), fmt.Sprintf("BenchmarkW%02d", qualityTarget)},
	}
	var names []string
	for i := range qualityRows {
		names = append(names, fmt.Sprintf("BenchmarkW%02d", i))
	}

	cells := map[[3]int]*qualityCell{}
	cals := make([]qualityCalibration, len(samplingOpts))
	var notes []string // decisions that went wrong (all of them with -v)
	for trial := range *qualityTrials {
		for o, opt := range samplingOpts {
			cal := &cals[o]
			noise, res, err := Calibrate(ctx, run, base, names, opt)
			if err != nil {
				b.Fatal(err)
			}
			cal.runs = append(cal.runs, 2*res.Pairs)
			cal.secs = append(cal.secs, res.Elapsed.Seconds())
			cal.maxNoise = append(cal.maxNoise, maxNoise(noise))
			for s, sc := range scenarios {
				// The batches are shared by the criteria: each judges them
				// exactly as Decide would, so a batch that some criteria
				// replicate and others do not is run only once.
				var done [2]*Result
				batch := func(replication bool) (*Result, error) {
					i := 0
					if replication {
						i = 1
					}
					if done[i] == nil {
						o := opt
						o.CandidateFirst = replication
						r, err := Compare(ctx, run, base, sc.cand, names, o)
						if err != nil {
							return nil, err
						}
						done[i] = r
					}
					return done[i], nil
				}
				for c, cr := range qualityCriteria {
					crit := Criteria{Objective: Speed, MinImprovement: cr.min, MaxRegression: 5}
					if cr.calibrated {
						crit.Noise = noise
					}
					d, err := decide(batch, crit)
					if err != nil {
						b.Fatal(err)
					}
					cell := cells[[3]int{o, s, c}]
					if cell == nil {
						cell = &qualityCell{sampling: samplingNames[o], scenario: sc.name, criteria: cr.name}
						cells[[3]int{o, s, c}] = cell
					}
					cell.record(d, sc.target)
					if wrong := d.Accept != (sc.target != ""); wrong || testing.Verbose() {
						notes = append(notes, fmt.Sprintf("trial %d %s %s %s: accept=%v, %d runs (%s): %s", trial, samplingNames[o], sc.name, cr.name, d.Accept, executions(d), stops(d), d.Reason))
					}
				}
				if sc.target != "" {
					for _, r := range done[0].Rows {
						if r.Name == sc.target && r.Unit == "sec/op" {
							cal.target = append(cal.target, r.DeltaPct)
						}
					}
				}
			}
		}
		fmt.Fprintf(os.Stderr, "quality: trial %d/%d done after %v, load %s\n", trial+1, *qualityTrials, time.Since(start).Round(time.Second), loadAverage())
	}

	var t strings.Builder
	fmt.Fprintf(&t, "%d trials, %d benchmarks, target %s −%g %%, %d spinning goroutines; %v in all; load average %s → %s\n",
		*qualityTrials, qualityRows, scenarios[1].target, 100*qualitySpeedup, *qualityLoad, time.Since(start).Round(time.Second), load0, loadAverage())
	fmt.Fprintf(&t, "%-9s %-8s %-10s %6s %8s %9s %9s %14s %18s\n", "sampling", "scenario", "criteria", "trials", "accepted", "right row", "1st batch", "runs med/max", "s/decision mean/max")
	for o := range samplingOpts {
		for s := range scenarios {
			for c := range qualityCriteria {
				cell := cells[[3]int{o, s, c}]
				if cell == nil {
					continue
				}
				fmt.Fprintf(&t, "%-9s %-8s %-10s %6d %7.0f%% %8.0f%% %8.0f%% %8d / %-4d %10.1f / %.1f\n",
					cell.sampling, cell.scenario, cell.criteria, cell.decisions, pct(cell.accepts, cell.decisions), pct(cell.right, cell.decisions), pct(cell.firstWins, cell.decisions),
					medianInt(cell.runs), slices.Max(cell.runs), mean(cell.secs), slices.Max(cell.secs))
				metric := strings.NewReplacer(":", "x", "/", "", "+", "-").Replace(strings.ToLower(cell.sampling + "-" + cell.scenario + "-" + cell.criteria))
				if cell.scenario == "A/A" {
					b.ReportMetric(pct(cell.accepts, cell.decisions), metric+"-false-accept-%")
				} else {
					b.ReportMetric(pct(cell.right, cell.decisions), metric+"-detect-%")
				}
				b.ReportMetric(float64(medianInt(cell.runs)), metric+"-runs/decision")
				b.ReportMetric(mean(cell.secs), metric+"-s/decision")
			}
		}
	}
	for o, cal := range cals {
		if len(cal.runs) == 0 {
			continue
		}
		fmt.Fprintf(&t, "%s: calibration runs med/max %d / %d, %.1f s mean; largest sec/op row noise per calibration med %.1f %%, max %.1f %%\n",
			samplingNames[o], medianInt(cal.runs), slices.Max(cal.runs), mean(cal.secs), median(cal.maxNoise), slices.Max(cal.maxNoise))
		if len(cal.target) > 0 {
			fmt.Fprintf(&t, "%s: the target row's change in the speedup's first batch: median %+.1f %%, range %+.1f … %+.1f %%\n",
				samplingNames[o], median(cal.target), slices.Min(cal.target), slices.Max(cal.target))
		}
	}
	// The testing package keeps only ten lines of a benchmark's log, so
	// the table and the notes go to standard output.
	fmt.Printf("statistical quality of Decide:\n%s", t.String())
	for _, n := range notes {
		fmt.Println(n)
	}
	b.Logf("%d trials in %v; table above", *qualityTrials, time.Since(start).Round(time.Second))
}

// record tallies one decision. A win is right when the replicated win —
// the rows that won in both batches — includes the target row.
func (c *qualityCell) record(d *Decision, target string) {
	c.decisions++
	c.runs = append(c.runs, executions(d))
	secs := 0.0
	for _, r := range d.Batches {
		secs += r.Elapsed.Seconds()
	}
	c.secs = append(c.secs, secs)
	if d.Verdicts[0].Accept {
		c.firstWins++
	}
	if !d.Accept {
		return
	}
	c.accepts++
	if len(d.Verdicts) == 2 && target != "" {
		for _, r := range common(d.Verdicts[0].Wins, d.Verdicts[1].Wins) {
			if r.Name == target {
				c.right++
				return
			}
		}
	}
}

// executions is the number of test-binary executions a decision took.
func executions(d *Decision) int {
	n := 0
	for _, r := range d.Batches {
		n += 2 * r.Pairs
	}
	return n
}

// stops says how many pairs each batch of a decision took and why it
// stopped sampling.
func stops(d *Decision) string {
	var s []string
	for _, r := range d.Batches {
		s = append(s, fmt.Sprintf("%d pairs, %s", r.Pairs, r.Stop))
	}
	return strings.Join(s, "; ")
}

// writeQualityModule writes a module without dependencies whose package
// has one benchmark per work size: work[i] steps of xorshift over a small
// array, the result sunk so the loop is not optimized away. All of them
// call the same non-inlined function, so base and candidate run identical
// machine code and differ only in the step count.
func writeQualityModule(dir string, work []int) error {
	var src, tst strings.Builder
	src.WriteString(`package quality

//go:noinline
func work(s *[64]uint64, k int) uint64 {
	var h uint64
	for i := 0; i < k; i++ {
		x := s[i&63]
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		s[i&63] = x
		h += x
	}
	return h
}

`)
	tst.WriteString(`package quality

import "testing"

var sink uint64

func run(b *testing.B, f func(*[64]uint64) uint64) {
	var s [64]uint64
	for i := range s {
		s[i] = uint64(i)*0x9E3779B97F4A7C15 + 1
	}
	var h uint64
	for b.Loop() {
		h += f(&s)
	}
	sink = h
}

`)
	for i, k := range work {
		fmt.Fprintf(&src, "func W%02d(s *[64]uint64) uint64 { return work(s, %d) }\n", i, k)
		fmt.Fprintf(&tst, "func BenchmarkW%02d(b *testing.B) { run(b, W%02d) }\n", i, i)
	}
	files := map[string]string{
		"go.mod":       "module example.com/quality\n\ngo 1.24\n",
		"work.go":      src.String(),
		"work_test.go": tst.String(),
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// qualityRunner runs commands directly, with env added to the
// environment: a harness needs no sandbox.
func qualityRunner(env ...string) Runner {
	return func(ctx context.Context, dir string, timeout time.Duration, name string, args ...string) ([]byte, []byte, int, error) {
		ctx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		cmd := exec.CommandContext(ctx, name, args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), env...)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return out, []byte(stderr.String()), exit.ExitCode(), nil
		}
		return out, []byte(stderr.String()), 0, err
	}
}

// spin starts n goroutines that keep a CPU busy each, and returns the
// function that stops them.
func spin(n int) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	sums := make([]uint64, n) // where each result goes, so no loop is dead code
	for i := range n {
		wg.Go(func() {
			x := uint64(i + 1)
			for {
				select {
				case <-done:
					sums[i] = x
					return
				default:
				}
				for range 1 << 16 {
					x ^= x << 13
					x ^= x >> 7
					x ^= x << 17
				}
			}
		})
	}
	return func() {
		close(done)
		wg.Wait()
	}
}

// loadAverage is /proc/loadavg's first three fields, or "?" elsewhere.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

func maxNoise(n Noise) float64 {
	m := 0.0
	for k, v := range n {
		if strings.HasSuffix(k, " sec/op") {
			m = max(m, v)
		}
	}
	return m
}

func pct(k, n int) float64 {
	if n == 0 {
		return 0
	}
	return 100 * float64(k) / float64(n)
}

func mean(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := 0.0
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}

func median(xs []float64) float64 {
	s := slices.Sorted(slices.Values(xs))
	if len(s) == 0 {
		return 0
	}
	return (s[(len(s)-1)/2] + s[len(s)/2]) / 2
}

func medianInt(xs []int) int {
	s := slices.Sorted(slices.Values(xs))
	if len(s) == 0 {
		return 0
	}
	return s[(len(s)-1)/2]
}
