// Package markdown renders text into GitHub-flavoured markdown safely:
// untrusted text (from a model, the code under test, a reviewer) as plain
// text or a code span that nothing in it can break out of, and text of any
// kind in a fenced block it cannot end.
package markdown

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Escape makes s safe to put in markdown as plain text, inside a table
// cell or a list item: one line, no control or bidirectional formatting
// characters, and every ASCII punctuation character backslash-escaped, so
// that nothing in s can open a link, an image, an HTML tag, emphasis or
// code, or end a table cell.
func Escape(s string) string {
	var b strings.Builder
	space := false
	for _, r := range s {
		switch {
		case unicode.IsSpace(r):
			space = b.Len() > 0
			continue
		case unicode.IsControl(r) || isBidi(r) || r == utf8.RuneError:
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		if r < utf8.RuneSelf && strings.ContainsRune(asciiPunct, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

const asciiPunct = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"

func isBidi(r rune) bool {
	return r == 0x061c || r == 0x200e || r == 0x200f || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069)
}

// Code renders s as a code span when it can be one safely — an
// identifier, a path, a CID, a position: no backtick, pipe, white space,
// control or bidirectional character — and as escaped text otherwise.
func Code(s string) string {
	if s == "" {
		return ""
	}
	for _, r := range s {
		if r == '`' || r == '|' || unicode.IsSpace(r) || unicode.IsControl(r) || isBidi(r) || r == utf8.RuneError {
			return Escape(s)
		}
	}
	return "`" + s + "`"
}

// Fence puts text in a fenced code block with the info string (a
// language, or ""), the fence longer than any run of backticks in text so
// that nothing in it can end the block.
func Fence(text, info string) string {
	longest, run := 0, 0
	for _, r := range text {
		if r == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	f := strings.Repeat("`", max(3, longest+1))
	return f + info + "\n" + strings.TrimRight(text, "\n") + "\n" + f + "\n"
}

// Cell keeps trusted text (the program's own help, say) in one table cell
// and literal where it would not be: pipes, asterisks and angle brackets
// escaped, the rest — code spans included — left as written.
func Cell(s string) string {
	return cellEscaper.Replace(s)
}

var cellEscaper = strings.NewReplacer("|", `\|`, "*", `\*`, "<", `\<`)

// Quote is s as a block quote, every line of it.
func Quote(s string) string {
	var b strings.Builder
	for _, line := range strings.Split(s, "\n") {
		b.WriteString("> " + strings.TrimRight(line, "\r") + "\n")
	}
	return b.String()
}

// Generated replaces, in doc, the lines between the markers of the
// generated part called name with body:
//
//	<!-- generated: name (go generate ./internal/config writes this part) -->
//	body
//	<!-- end generated: name -->
//
// It returns an error when the markers are missing or out of order, so a
// part whose markers were edited away is never silently dropped.
func Generated(doc []byte, name, body string) ([]byte, error) {
	begin := "<!-- generated: " + name + " (go generate ./internal/config writes this part) -->\n"
	end := "<!-- end generated: " + name + " -->\n"
	s := string(doc)
	i := strings.Index(s, begin)
	j := strings.Index(s, end)
	if i < 0 || j < i {
		return nil, fmt.Errorf("no generated part %q: the document needs the lines %q and %q, in that order", name, strings.TrimSpace(begin), strings.TrimSpace(end))
	}
	return []byte(s[:i+len(begin)] + strings.TrimRight(body, "\n") + "\n" + s[j:]), nil
}
