package config

// Suggest returns the word of known closest to word when it is close enough
// to be a likely typo — at most two edits, and fewer for short words — or
// "" when none is: what a "did you mean" names.
func Suggest(word string, known []string) string {
	best, bestDist := "", -1
	for _, k := range known {
		if d := levenshtein(word, k); bestDist < 0 || d < bestDist {
			best, bestDist = k, d
		}
	}
	if bestDist < 0 || bestDist > 2 || bestDist*3 > len(best) {
		return ""
	}
	return best
}

func levenshtein(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
