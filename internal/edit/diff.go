package edit

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/agentic-optimizer/optimizer/internal/diff"
)

// Unified diffs from models are read leniently: the a/ and b/ prefixes may
// be missing, the line counts in "@@" headers are ignored (models get them
// wrong), and each hunk becomes an Edit whose Search is its context and '-'
// lines, found in the file by content. internal/diff reads diffs strictly,
// as git writes them, and refuses a hunk whose counts are wrong, so here it
// reads only the hunk headers (diff.ParseHunkHeader).

// diffFile is the file of the diff being read.
type diffFile struct {
	path   string
	create bool // the diff's old side is /dev/null
	hunks  int
	added  []string // for create: the lines of every hunk so far
	edit   int      // for create: index of its Edit in parser.edits, -1 before the first hunk
}

// isDiffHeader reports whether lines i and i+1 are a diff's "---" and "+++" lines.
func isDiffHeader(lines []string, i int) bool {
	return strings.HasPrefix(lines[i], "--- ") && i+1 < len(lines) && strings.HasPrefix(lines[i+1], "+++ ")
}

func isHunkHeader(line string) bool { return strings.HasPrefix(line, "@@") }

// diffHeader reads the diff of one file whose "---" line is i, and its
// hunks, and returns the line after them.
func (p *parser) diffHeader(i int) int {
	p.diff = nil
	path, create, why := diffPath(p.lines[i][4:], p.lines[i+1][4:])
	if why != "" {
		p.fail(path, why, ErrMalformed)
		return p.skipHunks(i + 2)
	}
	clean, why := cleanPath(path)
	if why != "" {
		p.fail(path, "the diff for "+path+": "+why+".", ErrForbidden)
		return p.skipHunks(i + 2)
	}
	p.diff = &diffFile{path: clean, create: create, edit: -1}
	if p.open != nil {
		p.open.diff = clean
	}
	j := p.hunks(i + 2)
	if p.diff.hunks == 0 {
		p.fail(clean, fmt.Sprintf("the diff for %s has no hunk: after its '---' and '+++' lines come '@@ -l,n +l,n @@' lines, each followed by the lines of the change.", clean), ErrMalformed)
	}
	return j
}

// orphanHunk reads a hunk that is not right after a diff header: one that
// follows an explanation between two hunks of the same file is for the file
// of the last header; without one, it is for no file.
func (p *parser) orphanHunk(i int) int {
	if p.diff == nil {
		p.fail("", fmt.Sprintf("line %d of the answer starts a diff hunk ('@@') without the '--- a/path' and '+++ b/path' lines that name its file.", i+1), ErrMalformed)
		return p.skipHunks(i)
	}
	if p.open != nil {
		p.open.diff = p.diff.path
	}
	return p.hunks(i)
}

// hunks reads the hunks starting at line i, if any, and returns the line
// after them.
func (p *parser) hunks(i int) int {
	for {
		j := i
		for j < len(p.lines) && p.lines[j] == "" {
			j++
		}
		if j == len(p.lines) || !isHunkHeader(p.lines[j]) {
			return i
		}
		i = p.hunk(j)
	}
}

// skipHunks passes over the hunks of a diff that was refused.
func (p *parser) skipHunks(i int) int {
	for i < len(p.lines) && (p.lines[i] == "" || isHunkHeader(p.lines[i]) || isHunkLine(p.lines[i])) && !isDiffHeader(p.lines, i) {
		i++
	}
	return i
}

func isHunkLine(line string) bool {
	return line != "" && strings.ContainsRune(" -+\\", rune(line[0]))
}

// hunk reads the hunk whose "@@" line is i and returns the line after it.
func (p *parser) hunk(i int) int {
	d := p.diff
	d.hunks++
	subject := fmt.Sprintf("hunk %d of the diff for %s", d.hunks, d.path)
	header, counted := diff.ParseHunkHeader(p.lines[i])
	oldStart, oldN, newStart, newN := header.OldStart, header.OldLines, header.NewStart, header.NewLines

	var search, replace, added []string
	seenOld, seenNew, trailingBlank := 0, 0, 0
	k := i + 1
lines:
	for ; k < len(p.lines); k++ {
		line := p.lines[k]
		if isHunkHeader(line) || isDiffHeader(p.lines, k) || strings.HasPrefix(line, "diff --git ") ||
			isFence(line) || p.open != nil && isClosingFence(line, p.open.marker) {
			break
		}
		kind, text := byte(' '), ""
		switch {
		case line == "":
			// A blank context line that lost its leading space, or the
			// end of the diff: the lines after it tell which.
		case line[0] == ' ' || line[0] == '-' || line[0] == '+':
			kind, text = line[0], line[1:]
		case line[0] == '\\': // "\ No newline at end of file"
			continue
		case counted && seenOld < oldN && seenNew < newN && k+1 < len(p.lines) && isHunkLine(p.lines[k+1]):
			// A context line that lost its leading space, inside a
			// hunk whose counts say that it goes on.
			text = line
		default:
			break lines
		}
		if line == "" {
			trailingBlank++
		} else {
			trailingBlank = 0
		}
		if kind != '+' {
			search = append(search, text)
			seenOld++
		}
		if kind != '-' {
			replace = append(replace, text)
			seenNew++
		}
		if kind == '+' {
			added = append(added, text)
		}
	}
	search = search[:len(search)-min(trailingBlank, len(search))]
	replace = replace[:len(replace)-min(trailingBlank, len(replace))]
	next := k - trailingBlank

	if d.create || oldStart == 0 && oldN == 0 && counted && len(search) == 0 {
		p.createHunk(subject, added)
		return next
	}
	if slices.Equal(search, replace) {
		return next // nothing changes
	}
	if len(search) == 0 {
		p.fail(d.path, subject+": it has no context or '-' lines, so where it goes in the file is unknown: include 3 unchanged lines around the change.", ErrMalformed)
		return next
	}
	line := 0
	if counted && newStart > 0 {
		line = newStart // in the file as the hunks before this one left it
	}
	p.add(Edit{
		Path:    d.path,
		Search:  joinLines(search),
		Replace: joinLines(replace),
		Format:  FormatDiff,
		Line:    line,
		Source:  subject,
	})
	return next
}

// createHunk adds the lines of a hunk of a diff that creates its file: all
// hunks together make one Edit with an empty Search.
func (p *parser) createHunk(subject string, added []string) {
	d := p.diff
	d.added = append(d.added, added...)
	if d.edit >= 0 && d.edit < len(p.edits) && p.edits[d.edit].Path == d.path {
		p.edits[d.edit].Replace = joinLines(d.added)
		return
	}
	d.edit = len(p.edits)
	p.add(Edit{Path: d.path, Replace: joinLines(d.added), Format: FormatDiff, Source: subject})
}

// diffPath returns the file of a diff from its "---" and "+++" paths,
// without git's a/ and b/ prefixes, and whether the diff creates it. The
// reason is set for a diff that deletes or renames a file.
func diffPath(oldRaw, newRaw string) (path string, create bool, reason string) {
	oldPath, newPath := headerPath(oldRaw), headerPath(newRaw)
	switch {
	case newPath == "/dev/null":
		p := strings.TrimPrefix(oldPath, "a/")
		return p, false, fmt.Sprintf("the diff deletes %s: edits may change files and create them, not delete them.", show(p))
	case oldPath == "/dev/null":
		return strings.TrimPrefix(newPath, "b/"), true, ""
	case oldPath == newPath:
		return newPath, false, ""
	}
	o, n := strings.TrimPrefix(oldPath, "a/"), strings.TrimPrefix(newPath, "b/")
	if o == n {
		return n, false, ""
	}
	return n, false, fmt.Sprintf("the diff's '---' and '+++' lines name two files, %s and %s: edits may not rename files; both lines name the file the diff changes.", show(o), show(n))
}

// headerPath is the path of a "---" or "+++" line: without the timestamp
// that diff -u appends, and unquoted when git quoted it.
func headerPath(s string) string {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, `"`) {
		if end := strings.LastIndex(s, `"`); end > 0 {
			if u, err := strconv.Unquote(s[:end+1]); err == nil {
				return u
			}
		}
	}
	if i := strings.IndexAny(s, " \t"); i >= 0 {
		s = s[:i]
	}
	return s
}
