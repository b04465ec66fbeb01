package mutate

import (
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"

	"github.com/agentic-optimizer/optimizer/internal/diff"
)

// contextLines is the number of unchanged lines around a hunk, as in git.
const contextLines = 3

// diff is the git-style unified diff, one hunk, that replaces
// src[start:end] of the file (at path in the repository) with text.
func (f *srcFile) diff(path string, start, end int, text string) []byte {
	if f.blob == "" {
		f.blob = blobHash(f.src)
	}
	return unifiedDiff(path, f.mode, f.blob, f.src, f.lines, start, end, text)
}

// unifiedDiff is diff for a file given by its mode, its git blob name, its
// content and its line starts (lineStarts(src)). The edit must lie within
// src: start <= end <= len(src), start < len(src).
func unifiedDiff(path, mode, blob string, src []byte, lines []int, start, end int, text string) []byte {
	lineOf := func(off int) int {
		return sort.Search(len(lines), func(i int) bool { return lines[i] > off }) - 1
	}
	lineEnd := func(i int) int {
		if i+1 < len(lines) {
			return lines[i+1]
		}
		return len(src)
	}
	first := lineOf(start)
	last := first
	if end > start {
		last = lineOf(end - 1)
	}
	lo, hi := lines[first], lineEnd(last)
	changed := string(src[lo:start]) + text + string(src[end:hi])
	// A replacement that ends mid-line joins the next line.
	for changed != "" && !strings.HasSuffix(changed, "\n") && hi < len(src) {
		last++
		next := lineEnd(last)
		changed += string(src[hi:next])
		hi = next
	}
	before := max(0, first-contextLines)
	after := min(len(lines), last+1+contextLines) // exclusive
	var h diff.Hunk
	line := func(op byte, l string) {
		h.Body = append(h.Body, diff.BodyLine{Op: op, Text: strings.TrimSuffix(l, "\n"), NoNewline: !strings.HasSuffix(l, "\n")})
	}
	for i := before; i < first; i++ {
		line(' ', string(src[lines[i]:lineEnd(i)]))
	}
	oldLines := splitLines(string(src[lo:hi]))
	for _, l := range oldLines {
		line('-', l)
	}
	newLines := splitLines(changed)
	for _, l := range newLines {
		line('+', l)
	}
	for i := last + 1; i < after; i++ {
		line(' ', string(src[lines[i]:lineEnd(i)]))
	}
	ctx := (first - before) + (after - last - 1)
	h.OldStart, h.OldLines = hunkStart(before, ctx+len(oldLines)), ctx+len(oldLines)
	h.NewStart, h.NewLines = hunkStart(before, ctx+len(newLines)), ctx+len(newLines)
	return diff.Format([]diff.File{{
		OldPath: path, NewPath: path, OldMode: mode, NewMode: mode,
		OldOID: blob, NewOID: blobHash(src[:start], []byte(text), src[end:]),
		Hunks: []diff.Hunk{h},
	}})
}

// hunkStart is the start of one side of a hunk whose first line is line
// before+1: as git writes it, an empty side starts at the line before.
func hunkStart(before, count int) int {
	if count == 0 {
		return before
	}
	return before + 1
}

// splitLines splits s after each newline.
func splitLines(s string) []string {
	ls := strings.SplitAfter(s, "\n")
	if ls[len(ls)-1] == "" {
		ls = ls[:len(ls)-1]
	}
	return ls
}

// blobHash is git's object name for a blob with this content, given in
// parts.
func blobHash(parts ...[]byte) string {
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	h := sha1.New()
	fmt.Fprintf(h, "blob %d\x00", n)
	for _, p := range parts {
		h.Write(p)
	}
	return hex.EncodeToString(h.Sum(nil))
}
