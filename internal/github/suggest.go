package github

import (
	"fmt"
	"strings"

	"github.com/agentic-optimizer/optimizer/internal/diff"
)

// PRFile is a file of a pull request's diff as GitHub lists it.
type PRFile struct {
	Path   string
	Status string // added, removed, modified, renamed, …
	// Patch is the file's hunks ("@@ -a,b +c,d @@" and lines), "" when
	// GitHub gives none (binary, or too large).
	Patch string
}

// Suggestion is a review comment that suggests replacing lines StartLine
// to Line (inclusive; equal for one line) of the pull request's version of
// Path — the RIGHT side of its diff — with Text.
type Suggestion struct {
	Path      string `json:"path"`
	StartLine int    `json:"start_line"`
	Line      int    `json:"line"`
	Text      string `json:"text"` // the new lines, "\n"-separated; "" deletes the range
	Body      string `json:"body"` // the comment: Text in a suggestion block
	// File and Hunk locate the hunk of the accepted patch it comes from
	// (indices into diff.Parse's result and the file's Hunks).
	File int `json:"file"`
	Hunk int `json:"hunk"`
}

// Outside is a hunk of the accepted patch that cannot be a suggestion; it
// goes to a follow-up pull request instead.
type Outside struct {
	Path   string `json:"path"`
	File   int    `json:"file"`
	Hunk   int    `json:"hunk"` // -1 for the whole file
	Reason string `json:"reason"`
}

// rightLine is a line of the pull request's version of a file that its
// diff shows, and so may carry a comment.
type rightLine struct {
	hunk int
	text string
}

// commentableLines reads a pull request file's patch: the RIGHT-side lines
// its hunks show (added and context), by line number. A patch that cannot
// be read shows none.
func commentableLines(p string) map[int]rightLine {
	lines := make(map[int]rightLine)
	hunks, err := diff.ParseHunks([]byte(p))
	if err != nil {
		return lines
	}
	for hi, h := range hunks {
		n := h.NewStart
		for _, l := range h.Body {
			if l.Op == '-' {
				continue
			}
			lines[n] = rightLine{hunk: hi, text: strings.TrimSuffix(l.Text, "\r")}
			n++
		}
	}
	return lines
}

// hunkLine is one line of an accepted hunk: kind ' ' (context), '-' or
// '+'. old is the line's number in the old file; for an added line, the
// number of the old line it goes before.
type hunkLine struct {
	kind byte
	old  int
	text string
}

// hunkOps numbers the lines of a hunk on the old side.
func hunkOps(h diff.Hunk) []hunkLine {
	o := h.OldStart
	if h.OldLines == 0 {
		o++ // "-5,0": the lines go after old line 5
	}
	ops := make([]hunkLine, 0, len(h.Body))
	for _, l := range h.Body {
		ops = append(ops, hunkLine{l.Op, o, l.Text})
		if l.Op != '+' {
			o++
		}
	}
	return ops
}

// Suggest maps the hunks of an accepted patch, made against the pull
// request's head, onto the pull request's diff: a hunk becomes one
// suggestion when every old line it changes (and, for a pure insertion,
// the line it is anchored to) is a line the diff shows on its RIGHT side,
// all within one hunk of the diff, with the same text. The range runs from
// the hunk's first changed line to its last, so a multi-line suggestion
// keeps the unchanged lines between. Every other hunk is returned as
// Outside, with the reason.
func Suggest(prFiles []PRFile, accepted []diff.File) ([]Suggestion, []Outside) {
	prDiff := make(map[string]map[int]rightLine)
	for _, f := range prFiles {
		if f.Patch != "" {
			prDiff[f.Path] = commentableLines(f.Patch)
		}
	}
	var sugs []Suggestion
	var out []Outside
	for fi, f := range accepted {
		whole := func(reason string) { out = append(out, Outside{Path: f.Path(), File: fi, Hunk: -1, Reason: reason}) }
		switch {
		case f.Binary:
			whole("binary file")
			continue
		case f.OldPath == "":
			whole("new file")
			continue
		case f.NewPath == "":
			whole("deleted file")
			continue
		case f.OldPath != f.NewPath:
			whole("renamed file")
			continue
		case len(f.Hunks) == 0:
			whole("mode change")
			continue
		}
		lines, inDiff := prDiff[f.OldPath]
		for hi, h := range f.Hunks {
			if !inDiff {
				out = append(out, Outside{Path: f.Path(), File: fi, Hunk: hi, Reason: "file not in the pull request's diff"})
				continue
			}
			s, reason := suggestHunk(h, lines)
			if reason != "" {
				out = append(out, Outside{Path: f.Path(), File: fi, Hunk: hi, Reason: reason})
				continue
			}
			s.Path, s.File, s.Hunk = f.Path(), fi, hi
			sugs = append(sugs, s)
		}
	}
	return sugs, out
}

// suggestHunk is the suggestion for one hunk, or why there is none.
func suggestHunk(h diff.Hunk, lines map[int]rightLine) (Suggestion, string) {
	ops := hunkOps(h)
	first, last := -1, -1
	for i, o := range ops {
		if o.kind != ' ' {
			if first < 0 {
				first = i
			}
			last = i
		}
	}
	if first < 0 {
		return Suggestion{}, "no change"
	}
	span := ops[first : last+1]
	hasOld := false
	for _, o := range span {
		hasOld = hasOld || o.kind != '+'
	}
	if !hasOld {
		// A pure insertion replaces the line before it (or, at the top of
		// the file, the one after) with that line plus the new ones.
		before := ops[first].old - 1
		if before >= 1 {
			span = append([]hunkLine{{' ', before, ""}}, span...)
		} else {
			span = append(span, hunkLine{' ', ops[first].old, ""})
		}
	}
	hunk := -1
	var text, orig []string
	for _, o := range span {
		if o.kind == '+' {
			text = append(text, o.text)
			continue
		}
		l, ok := lines[o.old]
		switch {
		case !ok:
			return Suggestion{}, fmt.Sprintf("line %d not in the pull request's diff", o.old)
		case hunk >= 0 && l.hunk != hunk:
			return Suggestion{}, fmt.Sprintf("lines %d-%d span two hunks of the pull request's diff", span[0].old, span[len(span)-1].old)
		case o.kind == '-' && l.text != o.text:
			return Suggestion{}, fmt.Sprintf("line %d differs from the pull request's head", o.old)
		}
		hunk = l.hunk
		orig = append(orig, l.text)
		if o.kind == ' ' {
			text = append(text, l.text)
		}
	}
	s := Suggestion{StartLine: -1, Text: strings.Join(text, "\n")}
	for _, o := range span {
		if o.kind != '+' {
			if s.StartLine < 0 {
				s.StartLine = o.old
			}
			s.Line = o.old
		}
	}
	if len(text) == len(orig) && s.Text == strings.Join(orig, "\n") {
		return Suggestion{}, "not expressible as a suggestion (line endings or whitespace at the end of the file)"
	}
	s.Body = suggestionBlock(s.Text, len(text) == 0)
	return s, ""
}

// suggestionBlock fences text as a suggestion, with more backticks than
// any run inside it, so that code from the patch cannot close the block.
func suggestionBlock(text string, empty bool) string {
	longest, run := 0, 0
	for _, r := range text {
		if r == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	fence := strings.Repeat("`", max(3, longest+1))
	if empty {
		return fence + "suggestion\n" + fence
	}
	return fence + "suggestion\n" + text + "\n" + fence
}
