package githubtest

import (
	"strings"

	"github.com/agentic-optimizer/optimizer/internal/diff"
)

// splitLines splits content into lines that keep their "\n"; the last one
// lacks it when the file does not end in a newline.
func splitLines(content string) []string {
	if content == "" {
		return nil
	}
	lines := strings.SplitAfter(content, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}

// edit is one line of a line diff: ' ' kept, '-' removed, '+' added.
type edit struct {
	op   byte
	line string
}

// lineDiff is a longest-common-subsequence diff of two files' lines. It is
// quadratic, which is plenty for test files; beyond a few million cells it
// gives up and replaces the whole middle.
func lineDiff(a, b []string) []edit {
	pre := 0
	for pre < len(a) && pre < len(b) && a[pre] == b[pre] {
		pre++
	}
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre && a[len(a)-1-suf] == b[len(b)-1-suf] {
		suf++
	}
	var out []edit
	for _, l := range a[:pre] {
		out = append(out, edit{' ', l})
	}
	ma, mb := a[pre:len(a)-suf], b[pre:len(b)-suf]
	if len(ma)*len(mb) > 4_000_000 {
		for _, l := range ma {
			out = append(out, edit{'-', l})
		}
		for _, l := range mb {
			out = append(out, edit{'+', l})
		}
	} else {
		// lcs[i][j] is the LCS length of ma[i:] and mb[j:].
		lcs := make([][]int, len(ma)+1)
		for i := range lcs {
			lcs[i] = make([]int, len(mb)+1)
		}
		for i := len(ma) - 1; i >= 0; i-- {
			for j := len(mb) - 1; j >= 0; j-- {
				if ma[i] == mb[j] {
					lcs[i][j] = lcs[i+1][j+1] + 1
				} else {
					lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
				}
			}
		}
		i, j := 0, 0
		for i < len(ma) || j < len(mb) {
			switch {
			case i < len(ma) && j < len(mb) && ma[i] == mb[j]:
				out = append(out, edit{' ', ma[i]})
				i, j = i+1, j+1
			case j < len(mb) && (i == len(ma) || lcs[i][j+1] > lcs[i+1][j]):
				out = append(out, edit{'+', mb[j]})
				j++
			default:
				out = append(out, edit{'-', ma[i]})
				i++
			}
		}
	}
	for _, l := range a[len(a)-suf:] {
		out = append(out, edit{' ', l})
	}
	return out
}

// unifiedHunks renders the hunks of a diff as git does, with three lines of
// context and no file headers: the `patch` field of a pull request's file.
// It returns the text and the numbers of lines added and removed.
func unifiedHunks(oldContent, newContent string) (text string, added, removed int) {
	const context = 3
	edits := lineDiff(splitLines(oldContent), splitLines(newContent))
	var changes []int
	for i, e := range edits {
		if e.op != ' ' {
			changes = append(changes, i)
		}
	}
	if len(changes) == 0 {
		return "", 0, 0
	}
	// Group changes whose context would touch or overlap.
	type span struct{ lo, hi int } // edit indices, inclusive
	var spans []span
	for _, c := range changes {
		lo, hi := max(c-context, 0), min(c+context, len(edits)-1)
		if n := len(spans); n > 0 && lo <= spans[n-1].hi+1 {
			spans[n-1].hi = hi
			continue
		}
		spans = append(spans, span{lo, hi})
	}
	var hunks []diff.Hunk
	oldLine, newLine, at := 0, 0, 0 // lines consumed before edit index at
	for _, sp := range spans {
		for ; at < sp.lo; at++ {
			oldLine, newLine = oldLine+1, newLine+1 // edits before a span are context
		}
		var h diff.Hunk
		for _, e := range edits[sp.lo : sp.hi+1] {
			h.Body = append(h.Body, diff.BodyLine{Op: e.op, Text: strings.TrimSuffix(e.line, "\n"), NoNewline: !strings.HasSuffix(e.line, "\n")})
			if e.op != '+' {
				h.OldLines++
			}
			if e.op != '-' {
				h.NewLines++
			}
		}
		h.OldStart, h.NewStart = hunkStart(oldLine, h.OldLines), hunkStart(newLine, h.NewLines)
		for _, e := range edits[sp.lo : sp.hi+1] {
			switch e.op {
			case '+':
				added++
				newLine++
			case '-':
				removed++
				oldLine++
			default:
				oldLine, newLine = oldLine+1, newLine+1
			}
		}
		hunks = append(hunks, h)
		at = sp.hi + 1
	}
	return strings.TrimSuffix(string(diff.FormatHunks(hunks)), "\n"), added, removed
}

// hunkStart is the start of one side of a hunk after line before: as git
// writes it, an empty side starts at the line before.
func hunkStart(before, count int) int {
	if count == 0 {
		return before
	}
	return before + 1
}
