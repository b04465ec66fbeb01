package edit

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// replaceIn replaces the lines of content that search matches with
// replace. It matches whole lines exactly first; failing that, it ignores
// indentation, trailing and repeated spaces and blank lines, and then
// re-indents replace the way the file is indented. line, when not 0, picks
// the match that starts there among several. The reason of a failure is
// for the model; what names the searched lines in it.
func replaceIn(content, search, replace string, line int, what string) (string, string, error) {
	lines := splitLines(content)
	want := splitLines(search)

	var m match
	exact := exactMatches(lines, want)
	switch {
	case len(exact) == 1:
		m = exact[0]
	case len(exact) > 1:
		if i := startingAt(exact, line); i >= 0 {
			m = exact[i]
			break
		}
		return "", ambiguous(what, exact, ""), ErrAmbiguous
	default:
		loose := tolerantMatches(lines, want)
		switch {
		case len(loose) == 1:
			m = loose[0]
		case len(loose) > 1:
			if i := startingAt(loose, line); i >= 0 {
				m = loose[i]
				break
			}
			return "", ambiguous(what, loose, " (ignoring whitespace)"), ErrAmbiguous
		default:
			return "", notFound(lines, want, splitLines(replace), what), ErrNoMatch
		}
	}

	repl := splitLines(replace)
	if m.pairs != nil {
		lead, trail := blankEdges(want)
		replLead, replTrail := blankEdges(repl)
		repl = repl[min(lead, replLead) : len(repl)-min(trail, replTrail)]
		repl = reindent(m.pairs, lines, repl)
	}
	if n := len(repl); n > 0 && !strings.HasSuffix(repl[n-1], "\n") &&
		(m.end < len(lines) || strings.HasSuffix(lines[m.end-1], "\n")) {
		repl[n-1] += "\n"
	}
	var b strings.Builder
	for _, part := range [][]string{lines[:m.start], repl, lines[m.end:]} {
		for _, l := range part {
			b.WriteString(l)
		}
	}
	return b.String(), "", nil
}

// maxMatches caps the places counted for a message about an ambiguous edit.
const maxMatches = 50

// match is a run of the file's lines, [start, end), that the searched lines
// match. pairs is set for a whitespace-tolerant match: for each non-blank
// searched line, the file line it matched.
type match struct {
	start, end int
	pairs      [][2]string
}

// splitLines splits s into lines that keep their "\n"; the last line may
// have none.
func splitLines(s string) []string {
	if s == "" {
		return nil
	}
	lines := strings.SplitAfter(s, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}

func chomp(l string) string { return strings.TrimSuffix(l, "\n") }

func exactMatches(lines, want []string) []match {
	var out []match
	if len(want) == 0 {
		return nil
	}
	for i := 0; i+len(want) <= len(lines); i++ {
		ok := true
		for k, w := range want {
			if chomp(lines[i+k]) != chomp(w) {
				ok = false
				break
			}
		}
		if ok {
			out = append(out, match{start: i, end: i + len(want)})
			if len(out) == maxMatches {
				break
			}
		}
	}
	return out
}

// normalize is a line as the tolerant match sees it: its words, separated
// by single spaces.
func normalize(l string) string { return strings.Join(strings.Fields(l), " ") }

func tolerantMatches(lines, want []string) []match {
	var wantNorm, wantText []string
	for _, w := range want {
		if n := normalize(w); n != "" {
			wantNorm = append(wantNorm, n)
			wantText = append(wantText, w)
		}
	}
	if len(wantNorm) == 0 {
		return nil
	}
	var at []int // the file's non-blank lines
	var norm []string
	for i, l := range lines {
		if n := normalize(l); n != "" {
			at = append(at, i)
			norm = append(norm, n)
		}
	}
	var out []match
	for i := 0; i+len(wantNorm) <= len(norm); i++ {
		if !slices.Equal(norm[i:i+len(wantNorm)], wantNorm) {
			continue
		}
		pairs := make([][2]string, len(wantNorm))
		for k := range wantNorm {
			pairs[k] = [2]string{wantText[k], lines[at[i+k]]}
		}
		out = append(out, match{start: at[i], end: at[i+len(wantNorm)-1] + 1, pairs: pairs})
		if len(out) == maxMatches {
			break
		}
	}
	return out
}

// startingAt returns the index of the only match that starts at the
// 1-based line, or -1.
func startingAt(ms []match, line int) int {
	if line <= 0 {
		return -1
	}
	for i, m := range ms {
		if m.start+1 == line {
			return i
		}
	}
	return -1
}

func ambiguous(what string, ms []match, how string) string {
	starts := make([]string, 0, len(ms))
	for i, m := range ms {
		if i == 5 {
			starts = append(starts, "…")
			break
		}
		starts = append(starts, strconv.Itoa(m.start+1))
	}
	count := strconv.Itoa(len(ms))
	if len(ms) == maxMatches {
		count = "at least " + count
	}
	return fmt.Sprintf("the %s match %s places in the file%s, starting at lines %s: include more of the unchanged lines around the change, so that they match exactly one.",
		what, count, how, strings.Join(starts, ", "))
}

// blankEdges counts the blank lines at the start and at the end of lines.
func blankEdges(lines []string) (lead, trail int) {
	for lead < len(lines) && strings.TrimSpace(lines[lead]) == "" {
		lead++
	}
	for trail < len(lines)-lead && strings.TrimSpace(lines[len(lines)-1-trail]) == "" {
		trail++
	}
	return lead, trail
}

func indentOf(l string) string { return l[:len(l)-len(strings.TrimLeft(l, " \t"))] }

// reindent moves repl from the answer's indentation to the file's, when the
// matched lines show that they differ: the answer's indentation unit (a tab,
// or its number of spaces) becomes the file's, and the answer's depth is
// shifted by as many levels as the first matched line was off.
func reindent(pairs [][2]string, file, repl []string) []string {
	same := true
	for _, p := range pairs {
		if indentOf(p[0]) != indentOf(p[1]) {
			same = false
			break
		}
	}
	if same {
		return repl
	}
	var answer, matched []string
	for _, p := range pairs {
		answer = append(answer, p[0])
		matched = append(matched, p[1])
	}
	answerUnit := spaceUnit(append(answer, repl...))
	fileUnit, fileTabs := spaceUnit(matched), usesTabs(file)
	shift := depth(indentOf(pairs[0][1]), fileUnit) - depth(indentOf(pairs[0][0]), answerUnit)

	out := make([]string, len(repl))
	for i, l := range repl {
		text := strings.TrimLeft(l, " \t")
		if strings.TrimSpace(text) == "" {
			out[i] = strings.TrimLeft(l, " \t\r") // a blank line: no indentation
			continue
		}
		ind := indentOf(l)
		d := max(depth(ind, answerUnit)+shift, 0)
		rest := strings.Count(ind, " ") % answerUnit
		if fileTabs {
			out[i] = strings.Repeat("\t", d) + strings.Repeat(" ", rest) + text
		} else {
			out[i] = strings.Repeat(" ", d*fileUnit+rest) + text
		}
	}
	return out
}

// depth is the indentation level of ind: one per tab and one per unit spaces.
func depth(ind string, unit int) int {
	return strings.Count(ind, "\t") + strings.Count(ind, " ")/unit
}

// spaceUnit is the number of spaces of one indentation level in lines: the
// greatest common divisor of their space indentations, or 4 when none has any.
func spaceUnit(lines []string) int {
	g := 0
	for _, l := range lines {
		if strings.TrimSpace(l) == "" {
			continue
		}
		if n := strings.Count(indentOf(l), " "); n > 0 {
			g = gcd(g, n)
		}
	}
	if g == 0 {
		return 4
	}
	return g
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// usesTabs reports whether the file indents with tabs rather than spaces.
func usesTabs(lines []string) bool {
	tabs, spaces := 0, 0
	for _, l := range lines {
		switch {
		case strings.HasPrefix(l, "\t"):
			tabs++
		case strings.HasPrefix(l, " ") && strings.TrimSpace(l) != "":
			spaces++
		}
	}
	return tabs >= spaces
}
