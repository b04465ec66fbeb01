// Package wordfreq counts the words of a text.
package wordfreq

import "strings"

// Top returns the n most frequent words of text, lower-cased, most frequent
// first; words of equal frequency come in alphabetical order. It returns
// every word when n exceeds their number, and none when n <= 0.
func Top(text string, n int) []string {
	counts := map[string]int{}
	for _, w := range strings.Fields(strings.ToLower(text)) {
		counts[w]++
	}
	words := make([]string, 0, len(counts))
	for w := range counts {
		words = append(words, w)
	}
	// Selection sort: fine for a handful of words, quadratic beyond.
	for i := range words {
		best := i
		for j := i + 1; j < len(words); j++ {
			cj, cb := counts[words[j]], counts[words[best]]
			if cj > cb || cj == cb && words[j] < words[best] {
				best = j
			}
		}
		words[i], words[best] = words[best], words[i]
	}
	if n <= 0 {
		return nil
	}
	if n < len(words) {
		words = words[:n]
	}
	return words
}
