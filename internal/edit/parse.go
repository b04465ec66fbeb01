package edit

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Parse reads the edits out of a model's answer: SEARCH/REPLACE blocks and
// unified diffs anywhere in it, or, when it has neither, code blocks that
// hold the whole content of a file they name. Prose and markdown around the
// edits are ignored; CRLF line endings are read as LF.
//
// An answer with a malformed edit is rejected as a whole: the error is an
// *Error (or several, joined) wrapping ErrMalformed or ErrForbidden, and one
// without any edit is an *Error wrapping ErrNoEdit. Every Edit returned has
// a clean relative Path.
func Parse(answer string) ([]Edit, error) {
	answer = strings.ReplaceAll(answer, "\r\n", "\n")
	if strings.TrimSpace(answer) == "" {
		return nil, &Error{Reason: "the answer is empty. " + noEditHint, Err: ErrNoEdit}
	}
	if !utf8.ValidString(answer) {
		return nil, &Error{Reason: "the answer is not valid UTF-8 text.", Err: ErrMalformed}
	}
	p := &parser{lines: strings.Split(answer, "\n")}
	p.run()
	if len(p.edits) == 0 && len(p.errs) == 0 {
		p.wholeFiles()
	}
	if len(p.errs) > 0 {
		return nil, join(p.errs)
	}
	if len(p.edits) == 0 {
		return nil, &Error{Reason: "the answer holds no edit. " + noEditHint, Err: ErrNoEdit}
	}
	return p.edits, nil
}

const noEditHint = "Answer with SEARCH/REPLACE blocks, a unified diff, or a file's complete content in a code block after a line with its path."

// parser holds the state of one pass over an answer's lines.
type parser struct {
	lines  []string
	edits  []Edit
	errs   []*Error
	blocks int    // SEARCH/REPLACE blocks seen so far
	path   string // the file the last block named, for blocks that do not repeat it
	diff   *diffFile
	fences []*fence
	open   *fence // the code fence the current line is in, if any
}

// fence is a markdown code block of the answer.
type fence struct {
	start, end int    // lines of the opening and closing fence; end is -1 while open
	marker     string // "```" or "~~~", possibly longer
	info       string // the info string: "go", "go stats.go", "diff"
	diff       string // the file of a diff that is inside it
}

func (p *parser) fail(path, reason string, err error) {
	p.errs = append(p.errs, &Error{Path: path, Reason: reason, Err: err})
}

// add adds an edit whose path is clean. (The answer is UTF-8 already.)
func (p *parser) add(e Edit) {
	if !isText(e.Search) || !isText(e.Replace) {
		p.fail(e.Path, e.Source+": its text has a NUL byte; edits may only contain text.", ErrMalformed)
		return
	}
	p.edits = append(p.edits, e)
}

func (p *parser) run() {
	for i := 0; i < len(p.lines); {
		line := p.lines[i]
		switch {
		case isSearch(line):
			i = p.block(i)
		case isReplace(line):
			p.fail("", fmt.Sprintf("line %d of the answer, %q, ends a SEARCH/REPLACE block that never began: a block starts with a line '<<<<<<< SEARCH'", i+1, strings.TrimSpace(line)), ErrMalformed)
			i++
		case isDiffHeader(p.lines, i):
			i = p.diffHeader(i)
		case isHunkHeader(line):
			i = p.orphanHunk(i)
		case p.open != nil && isClosingFence(line, p.open.marker):
			p.open.end = i
			p.open = nil
			i++
		case p.open == nil && isFence(line):
			p.openFence(i)
			i++
		default:
			i++
		}
	}
	if p.open != nil && p.open.diff != "" {
		p.fail(p.open.diff, fmt.Sprintf("the answer ends inside the code block that holds the diff for %s: it was cut off. Send the complete diff again.", p.open.diff), ErrMalformed)
	}
}

// openFence records the fence that opens at line i and removes its
// indentation from the lines inside it, as markdown does, so that a block
// or diff in an indented list item reads like any other.
func (p *parser) openFence(i int) {
	line := p.lines[i]
	trimmed := strings.TrimLeft(line, " \t")
	indent := line[:len(line)-len(trimmed)]
	n := 0
	for n < len(trimmed) && trimmed[n] == trimmed[0] {
		n++
	}
	f := &fence{start: i, end: -1, marker: trimmed[:n], info: strings.TrimSpace(trimmed[n:])}
	p.fences = append(p.fences, f)
	p.open = f
	if indent == "" {
		return
	}
	for k := i + 1; k < len(p.lines); k++ {
		p.lines[k] = strings.TrimPrefix(p.lines[k], indent)
		if isClosingFence(p.lines[k], f.marker) {
			break
		}
	}
}

// isFence reports whether line opens a code fence: three or more backticks
// or tildes, then an info string (without backticks, for a backtick fence).
func isFence(line string) bool {
	t := strings.TrimLeft(line, " \t")
	if !strings.HasPrefix(t, "```") && !strings.HasPrefix(t, "~~~") {
		return false
	}
	return t[0] != '`' || !strings.Contains(strings.TrimLeft(t, "`"), "`")
}

// isClosingFence reports whether line closes a fence opened with marker.
func isClosingFence(line, marker string) bool {
	t := strings.TrimSpace(line)
	return len(t) >= len(marker) && strings.Trim(t, marker[:1]) == ""
}

// marker reports whether line is a run of 5 to 9 c, then word (or nothing).
func marker(line string, c byte, word string) bool {
	t := strings.TrimSpace(line)
	n := 0
	for n < len(t) && t[n] == c {
		n++
	}
	return n >= 5 && n <= 9 && strings.EqualFold(strings.TrimSpace(t[n:]), word)
}

func isSearch(line string) bool  { return marker(line, '<', "SEARCH") }
func isDivider(line string) bool { return marker(line, '=', "") }
func isReplace(line string) bool { return marker(line, '>', "REPLACE") }

// block reads the SEARCH/REPLACE block whose first line is i and returns
// the line after it.
func (p *parser) block(i int) int {
	p.blocks++
	path := p.blockPath(i)
	subject := fmt.Sprintf("block %d", p.blocks)
	if path != "" {
		subject += " for " + path
		p.path = path
	}
	j := i + 1
	for j < len(p.lines) && !isDivider(p.lines[j]) && !isSearch(p.lines[j]) && !isReplace(p.lines[j]) {
		j++
	}
	if j == len(p.lines) || !isDivider(p.lines[j]) {
		reason := subject + ": the '=======' line between the SEARCH and the REPLACE section is missing"
		if j == len(p.lines) {
			reason += ": the answer ends inside the block, it was cut off. Send the complete block again."
			return p.blockError(path, reason, j)
		}
		if isReplace(p.lines[j]) {
			j++
		}
		return p.blockError(path, reason+".", j)
	}
	k := j + 1
	for k < len(p.lines) && !isReplace(p.lines[k]) && !isSearch(p.lines[k]) && !isDivider(p.lines[k]) {
		k++
	}
	switch {
	case k == len(p.lines):
		return p.blockError(path, subject+": the '>>>>>>> REPLACE' line that ends the block is missing: the answer ends inside the block, it was cut off. Send the complete block again.", k)
	case isSearch(p.lines[k]):
		return p.blockError(path, subject+": the '>>>>>>> REPLACE' line that ends the block is missing before the next '<<<<<<< SEARCH'.", k)
	case isDivider(p.lines[k]):
		for k < len(p.lines) && !isReplace(p.lines[k]) && !isSearch(p.lines[k]) {
			k++
		}
		if k < len(p.lines) && isReplace(p.lines[k]) {
			k++
		}
		return p.blockError(path, subject+": it has a second '=======' line; a block has exactly one, between SEARCH and REPLACE.", k)
	}
	if path == "" {
		return p.blockError("", subject+": no file path before '<<<<<<< SEARCH': write the file's path alone on the line before the block.", k+1)
	}
	clean, why := cleanPath(path)
	if why != "" {
		p.fail(path, subject+": "+why+".", ErrForbidden)
		return k + 1
	}
	p.add(Edit{
		Path:    clean,
		Search:  joinLines(p.lines[i+1 : j]),
		Replace: joinLines(p.lines[j+1 : k]),
		Format:  FormatBlock,
		Source:  subject,
	})
	return k + 1
}

func (p *parser) blockError(path, reason string, next int) int {
	p.fail(path, reason, ErrMalformed)
	return next
}

// blockPath finds the file a block at line i is for: on the line before it
// (past blank lines and the opening fence), or in that fence's info string;
// else the file of the block before.
func (p *parser) blockPath(i int) string {
	j := i - 1
	for j >= 0 && strings.TrimSpace(p.lines[j]) == "" {
		j--
	}
	if j >= 0 && isFence(p.lines[j]) {
		if p.open == nil || p.open.start != j {
			return p.path // the close of an earlier fence
		}
		if path := infoPath(p.open.info); path != "" {
			return path
		}
		j--
		for j >= 0 && strings.TrimSpace(p.lines[j]) == "" {
			j--
		}
	}
	if j >= 0 && !isReplace(p.lines[j]) {
		if path := linePath(p.lines[j]); path != "" {
			return path
		}
	}
	return p.path
}

// joinLines joins lines into text in which every line ends in "\n".
func joinLines(lines []string) string {
	if len(lines) == 0 {
		return ""
	}
	return strings.Join(lines, "\n") + "\n"
}
