package edit

import (
	"fmt"
	"slices"
	"strings"
)

// quoteLines caps how much of the file a "not found" reason quotes.
const quoteLines = 12

// similarityBudget caps the line comparisons spent on finding the most
// similar region of a file; past it, only equal lines count.
const similarityBudget = 200_000

// notFound explains that want matches nothing in lines, quoting the region
// of the file most like it, so that the model can copy the lines it meant.
func notFound(lines, want, repl []string, what string) string {
	if len(exactMatches(lines, repl)) == 1 && strings.TrimSpace(strings.Join(repl, "")) != "" {
		return fmt.Sprintf("the %s match nothing in the file, but the replacement lines are there already: was this edit made twice?", what)
	}
	start, end, ok := closest(lines, want)
	if !ok {
		return fmt.Sprintf("the %s match nothing in the file, not even ignoring whitespace, and no part of the file resembles them: copy the lines to change exactly from the file.", what)
	}
	quote := lines[start:min(end, start+quoteLines)]
	var b strings.Builder
	for _, l := range quote {
		b.WriteString(chomp(l))
		b.WriteString("\n")
	}
	if end-start > len(quote) {
		b.WriteString("…\n")
	}
	where := fmt.Sprintf("lines %d-%d", start+1, end)
	if end == start+1 {
		where = fmt.Sprintf("line %d", end)
	}
	return fmt.Sprintf("the %s match nothing in the file, not even ignoring whitespace. The most similar part of the file is %s:\n```\n%s```\nCopy the lines to change exactly from the file.",
		what, where, b.String())
}

// closest returns the run of len(want) lines of the file that is most
// similar to want, line by line, and whether it is similar enough (on
// average, its lines at least 40% alike) to be worth showing.
func closest(lines, want []string) (start, end int, ok bool) {
	if len(lines) == 0 || len(want) == 0 {
		return 0, 0, false
	}
	n := min(len(want), len(lines))
	windows := (len(lines) - n + 1) * n
	if windows > 50*similarityBudget {
		return 0, 0, false // a search too costly for a hint
	}
	a := make([]line, len(want))
	for i, w := range want {
		a[i] = newLine(w)
	}
	b := make([]line, len(lines))
	for i, l := range lines {
		b[i] = newLine(l)
	}
	fuzzy := windows <= similarityBudget
	best, bestAt := -1.0, 0
	for s := 0; s+n <= len(lines); s++ {
		score := 0.0
		for k := range n {
			score += a[k].similarity(b[s+k], fuzzy)
		}
		if score > best {
			best, bestAt = score, s
		}
	}
	return bestAt, bestAt + n, best >= 0.4*float64(len(want))
}

// line is a line prepared for comparison: its words, and the sorted pairs
// of adjacent characters in them.
type line struct {
	norm    string
	bigrams []uint64
}

func newLine(s string) line {
	l := line{norm: normalize(s)}
	r := []rune(l.norm)
	for i := 0; i+1 < len(r); i++ {
		l.bigrams = append(l.bigrams, uint64(r[i])<<32|uint64(r[i+1]))
	}
	slices.Sort(l.bigrams)
	return l
}

// similarity is 1 for lines equal but for whitespace, else, when fuzzy, the
// Sørensen–Dice coefficient of their character pairs, else 0.
func (a line) similarity(b line, fuzzy bool) float64 {
	if a.norm == b.norm {
		return 1
	}
	if !fuzzy || len(a.bigrams) == 0 || len(b.bigrams) == 0 {
		return 0
	}
	common := 0
	for i, j := 0, 0; i < len(a.bigrams) && j < len(b.bigrams); {
		switch {
		case a.bigrams[i] == b.bigrams[j]:
			common++
			i++
			j++
		case a.bigrams[i] < b.bigrams[j]:
			i++
		default:
			j++
		}
	}
	return 2 * float64(common) / float64(len(a.bigrams)+len(b.bigrams))
}
