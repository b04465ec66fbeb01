// Package stats summarizes numbers and counts.
package stats

// Clamp limits v to [lo, hi].
func Clamp(v, lo, hi int) int {
	if v < lo {
		v = lo
	}
	if v > hi {
		v = hi
	}
	return v
}

// Largest returns the largest of xs, or 0 for none.
func Largest(xs []int) int {
	best := 0
	for i := 0; i < len(xs); i++ {
		x := xs[i]
		if i == 0 {
			best = x
			continue
		}
		if x > best {
			best = x
		}
	}
	return best
}

// Merge returns a copy of a with the entries of b added.
func Merge(a, b map[string]int) map[string]int {
	out := make(map[string]int, len(a)+len(b))
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}
