// Package clip shortens text for titles, messages and reports: onto one
// line, to a number of runes or bytes, around the middle or from the end,
// never inside a UTF-8 character, and saying where it cut.
package clip

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Ellipsis marks where Runes and Middle cut.
const Ellipsis = "…"

// OneLine is s on one line: each run of white space (line breaks
// included) one space, control characters dropped, no space at either end.
func OneLine(s string) string {
	var b strings.Builder
	space := false
	for _, r := range s {
		switch {
		case unicode.IsSpace(r):
			space = b.Len() > 0
			continue
		case unicode.IsControl(r):
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

// FirstLine is s up to its first line break.
func FirstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

// Runes is s when it has at most n runes, else its first n-1 runes and
// Ellipsis: n runes in all.
func Runes(s string, n int) string {
	if n <= 0 {
		return ""
	}
	i := 0
	for runes := 0; i < len(s); runes++ {
		if runes == n-1 {
			if utf8.RuneCountInString(s[i:]) <= 1 {
				return s
			}
			return s[:i] + Ellipsis
		}
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	return s
}

// Bytes is s when it has at most n bytes, else its longest start that
// ends on a rune boundary and leaves room for marker after it: at most n
// bytes in all (the marker alone when n leaves no room for more).
func Bytes(s string, n int, marker string) string {
	if len(s) <= n {
		return s
	}
	return s[:runeStart(s, n-len(marker))] + marker
}

// Tail is s when it has at most n bytes, else marker and the longest end
// of s that starts on a rune boundary: at most n bytes in all (the marker
// alone when n leaves no room for more).
func Tail(s string, n int, marker string) string {
	if len(s) <= n {
		return s
	}
	keep := max(0, n-len(marker))
	i := len(s) - keep
	for i < len(s) && !utf8.RuneStart(s[i]) {
		i++
	}
	return marker + s[i:]
}

// Middle is s when it has at most n runes, else its start and its end
// around Ellipsis, (n-1)/2 runes of each: the ends of a long expression
// say more than either alone.
func Middle(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	half := max(0, (n-1)/2)
	return string(r[:half]) + Ellipsis + string(r[len(r)-half:])
}

// runeStart is the largest index at most n (and at least 0) that starts
// a rune of s, or len(s).
func runeStart(s string, n int) int {
	if n <= 0 {
		return 0
	}
	if n >= len(s) {
		return len(s)
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return n
}
