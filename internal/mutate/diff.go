package mutate

import (
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"sort"
	"strconv"
	"strings"
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
	oldLines := splitLines(string(src[lo:hi]))
	newLines := splitLines(changed)
	ctx := (first - before) + (after - last - 1)
	oldCount, newCount := ctx+len(oldLines), ctx+len(newLines)

	var b strings.Builder
	a, bb := quotePath("a/"+path), quotePath("b/"+path)
	fmt.Fprintf(&b, "diff --git %s %s\n", a, bb)
	fmt.Fprintf(&b, "index %s..%s %s\n", blob, blobHash(src[:start], []byte(text), src[end:]), mode)
	fmt.Fprintf(&b, "--- %s\n+++ %s\n", a, bb)
	fmt.Fprintf(&b, "@@ -%s +%s @@\n", hunkRange(before+1, oldCount), hunkRange(before+1, newCount))
	emit := func(prefix byte, l string) {
		b.WriteByte(prefix)
		b.WriteString(l)
		if !strings.HasSuffix(l, "\n") {
			b.WriteString("\n\\ No newline at end of file\n")
		}
	}
	for i := before; i < first; i++ {
		emit(' ', string(src[lines[i]:lineEnd(i)]))
	}
	for _, l := range oldLines {
		emit('-', l)
	}
	for _, l := range newLines {
		emit('+', l)
	}
	for i := last + 1; i < after; i++ {
		emit(' ', string(src[lines[i]:lineEnd(i)]))
	}
	return []byte(b.String())
}

// hunkRange is "start,count" as git writes it: the count is left out when
// it is 1, and an empty range starts at the line before.
func hunkRange(start, count int) string {
	switch count {
	case 0:
		return strconv.Itoa(start-1) + ",0"
	case 1:
		return strconv.Itoa(start)
	}
	return strconv.Itoa(start) + "," + strconv.Itoa(count)
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

// quotePath quotes a path as git does when it has a byte that git would
// not print as it is (core.quotePath): a control character, a double
// quote, a backslash or a non-ASCII byte.
func quotePath(p string) string {
	needs := false
	for i := 0; i < len(p); i++ {
		if c := p[i]; c < 0x20 || c == '"' || c == '\\' || c >= 0x7f {
			needs = true
			break
		}
	}
	if !needs {
		return p
	}
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(p); i++ {
		switch c := p[i]; c {
		case '"', '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case '\t':
			b.WriteString(`\t`)
		case '\n':
			b.WriteString(`\n`)
		default:
			if c < 0x20 || c >= 0x7f {
				fmt.Fprintf(&b, `\%03o`, c)
			} else {
				b.WriteByte(c)
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}
