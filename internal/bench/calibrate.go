package bench

import "context"

// Noise is the machine's own A/A noise per row, in percent: how far apart
// the medians of the base compared with itself came out. Keyed by
// Row.Name + " " + Row.Unit.
type Noise map[string]float64

func noiseKey(r Row) string { return r.Name + " " + r.Unit }

// Calibrate compares base with itself, interleaved exactly like Compare,
// and returns the per-row A/A noise. Passed in Criteria.Noise, it raises
// the bar for that row: a change no larger than what the same binary shows
// against itself is neither a win nor a regression. The Result is returned
// too; any significant row in it is a warning sign about the machine.
func Calibrate(ctx context.Context, run Runner, base Binary, benchmarks []string, opt Options) (Noise, *Result, error) {
	res, err := Compare(ctx, run, base, base, benchmarks, opt)
	if err != nil {
		return nil, nil, err
	}
	n := Noise{}
	for _, r := range res.Rows {
		n[noiseKey(r)] = abs(r.DeltaPct)
	}
	return n, res, nil
}

// floor is the larger of a threshold and the row's A/A noise.
func (n Noise) floor(r Row, threshold float64) float64 {
	return max(threshold, n[noiseKey(r)])
}
