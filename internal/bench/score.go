package bench

import "math"

// Change is the geometric mean of the candidate's change over the rows of
// unit, in percent, counting a row only when its change is significant:
// −40 means 40 % less, +10 10 % more. It is 0 when no row has the unit.
// Rows whose difference is noise count as no change, so a candidate that
// speeds up one benchmark of four by half scores −16 %, not −50 %. A row
// brought significantly to 0 (every allocation removed) makes the product
// 0: the score is −100 %, better than any candidate that leaves some. A
// row from a base of 0 has no ratio and is left out.
func Change(rows []Row, unit string) float64 {
	sum, n := 0.0, 0
	for _, r := range rows {
		if r.Unit != unit || r.Base <= 0 {
			continue
		}
		n++
		if !r.Significant {
			continue
		}
		if r.Candidate <= 0 {
			return -100
		}
		sum += math.Log(r.Candidate / r.Base)
	}
	if n == 0 {
		return 0
	}
	return (math.Exp(sum/float64(n)) - 1) * 100
}

// UnitOf is the unit an objective is judged in: "sec/op" for speed,
// "allocs/op" for allocs, "" for quality.
func UnitOf(objective string) string {
	return map[string]string{"speed": "sec/op", "allocs": "allocs/op"}[objective]
}
