package github

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/agentic-optimizer/optimizer/internal/patch"
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
	// (indices into patch.Parse's result and the file's Hunks).
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
// its hunks show (added and context), by line number.
func commentableLines(p string) map[int]rightLine {
	lines := make(map[int]rightLine)
	hunk, n := -1, 0
	for _, l := range strings.Split(p, "\n") {
		if strings.HasPrefix(l, "@@ ") {
			fields := strings.Fields(l)
			if len(fields) < 3 || !strings.HasPrefix(fields[2], "+") {
				hunk = -1
				continue
			}
			start, _, _ := strings.Cut(strings.TrimPrefix(fields[2], "+"), ",")
			v, err := strconv.Atoi(start)
			if err != nil {
				hunk = -1
				continue
			}
			hunk, n = hunk+1, v
			continue
		}
		if hunk < 0 || l == "" {
			continue
		}
		switch l[0] {
		case '+', ' ':
			lines[n] = rightLine{hunk: hunk, text: strings.TrimSuffix(l[1:], "\r")}
			n++
		}
	}
	return lines
}

// hunkLine is one line of an accepted hunk, rebuilt from its added and removed
// lines: kind ' ' (context), '-' or '+'. old is the line's number in the
// old file; for an added line, the number of the old line it goes before.
type hunkLine struct {
	kind byte
	old  int
	text string
}

// hunkOps rebuilds the order of a hunk's lines from their numbers.
func hunkOps(h patch.Hunk) ([]hunkLine, error) {
	o, n := h.OldStart, h.NewStart
	if h.OldLines == 0 {
		o++ // "-5,0": the lines go after old line 5
	}
	if h.NewLines == 0 {
		n++
	}
	var ops []hunkLine
	ri, ai := 0, 0
	for ri < len(h.Removed) || ai < len(h.Added) {
		switch {
		case ri < len(h.Removed) && h.Removed[ri].N == o:
			ops = append(ops, hunkLine{'-', o, h.Removed[ri].Text})
			o, ri = o+1, ri+1
		case ai < len(h.Added) && h.Added[ai].N == n:
			ops = append(ops, hunkLine{'+', o, h.Added[ai].Text})
			n, ai = n+1, ai+1
		case (ri < len(h.Removed) && h.Removed[ri].N < o) || (ai < len(h.Added) && h.Added[ai].N < n):
			return nil, fmt.Errorf("hunk @@ -%d,%d +%d,%d @@: line numbers out of order", h.OldStart, h.OldLines, h.NewStart, h.NewLines)
		default:
			ops = append(ops, hunkLine{' ', o, ""})
			o, n = o+1, n+1
		}
	}
	return ops, nil
}

// Suggest maps the hunks of an accepted patch, made against the pull
// request's head, onto the pull request's diff: a hunk becomes one
// suggestion when every old line it changes (and, for a pure insertion,
// the line it is anchored to) is a line the diff shows on its RIGHT side,
// all within one hunk of the diff, with the same text. The range runs from
// the hunk's first changed line to its last, so a multi-line suggestion
// keeps the unchanged lines between. Every other hunk is returned as
// Outside, with the reason.
func Suggest(prFiles []PRFile, accepted []patch.File) ([]Suggestion, []Outside) {
	diff := make(map[string]map[int]rightLine)
	for _, f := range prFiles {
		if f.Patch != "" {
			diff[f.Path] = commentableLines(f.Patch)
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
		lines, inDiff := diff[f.OldPath]
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
func suggestHunk(h patch.Hunk, lines map[int]rightLine) (Suggestion, string) {
	ops, err := hunkOps(h)
	if err != nil {
		return Suggestion{}, err.Error()
	}
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
