// Package patch reads unified diffs and keeps accepted patches in the output
// directory: each patch beside its reverse, its metadata and its CIDs, applied
// to a work tree or rolled back by ID or CID, with a history of what was done.
package patch

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/sourcegraph/go-diff/diff"

	"github.com/agentic-optimizer/optimizer/internal/clip"
)

// ErrMalformed is wrapped by every error that says the input is not a
// unified diff the optimizer can use.
var ErrMalformed = errors.New("malformed patch")

// ErrUnsafePath is wrapped, together with ErrMalformed, when a well-formed
// diff names a path that leaves the repository (.., absolute) or enters
// .git: the validator reports that as a policy violation, not as bad input.
var ErrUnsafePath = errors.New("unsafe path")

// File is the change a diff makes to one file.
type File struct {
	// OldPath is the path before the change, without the a/ prefix; ""
	// when the file is created.
	OldPath string
	// NewPath is the path after the change, without the b/ prefix; ""
	// when the file is deleted.
	NewPath string
	// OldMode and NewMode are git's file modes ("100644", "100755",
	// "120000" for a symlink) when the diff gives them.
	OldMode, NewMode string
	// Binary is set for "GIT binary patch" and "Binary files … differ".
	Binary bool
	Hunks  []Hunk
}

// Path is the path the file has after the change, or had before it was
// deleted.
func (f File) Path() string {
	if f.NewPath != "" {
		return f.NewPath
	}
	return f.OldPath
}

// Hunk is one @@ section of a file's diff.
type Hunk struct {
	OldStart, OldLines, NewStart, NewLines int
	// Added are the lines the hunk adds, numbered as in the new file.
	Added []Line
	// Removed are the lines the hunk removes, numbered as in the old file.
	Removed []Line
}

// Line is one line of a file: its 1-based number and its text without
// the line ending.
type Line struct {
	N    int
	Text string
}

// ChangedLines returns, for each path in the new tree, the numbers of the
// lines the patch adds there. Files that only lose lines have no entry.
func ChangedLines(files []File) map[string]map[int]bool {
	changed := make(map[string]map[int]bool)
	for _, f := range files {
		if f.NewPath == "" {
			continue
		}
		for _, h := range f.Hunks {
			for _, l := range h.Added {
				if changed[f.NewPath] == nil {
					changed[f.NewPath] = make(map[int]bool)
				}
				changed[f.NewPath][l.N] = true
			}
		}
	}
	return changed
}

// Parse reads a unified diff: git's format (several files, modes, renames,
// copies, binary changes) or plain `diff -u` output whose paths carry the
// a/ and b/ prefixes. Text before the first file (a commit message) and a
// `git format-patch` signature at the end are ignored. Anything else that
// is not part of a diff is an error wrapping ErrMalformed that says where.
func Parse(data []byte) (files []File, err error) {
	defer func() {
		// go-diff is not hardened against every input; a panic there
		// means the input is not a diff we can trust.
		if r := recover(); r != nil {
			files, err = nil, fmt.Errorf("patch: parse: the diff parser gave up (%v): %w", r, ErrMalformed)
		}
	}()
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, fmt.Errorf("patch: parse: the input is empty (pass a unified diff as `git diff` writes it): %w", ErrMalformed)
	}
	lines := bytes.SplitAfter(data, []byte("\n"))
	if len(lines[len(lines)-1]) == 0 {
		lines = lines[:len(lines)-1]
	}
	offsets := make([]int, len(lines)+1)
	for i, l := range lines {
		offsets[i+1] = offsets[i] + len(l)
	}
	first := firstFileLine(lines)
	if first < 0 {
		return nil, fmt.Errorf("patch: parse: no file diff found (expected a line starting with \"diff --git \" or a \"--- \" line followed by \"+++ \"): %w", ErrMalformed)
	}
	last := endOfDiff(lines)
	for i := first; i < last; i++ {
		// A hunk line never starts with "@", so every such line must be a
		// hunk header; checking them here says exactly where one is wrong.
		if bytes.HasPrefix(lines[i], []byte("@@")) && !hunkHeader.Match(lines[i]) {
			return nil, fmt.Errorf("patch: parse: line %d: bad hunk header %q (want \"@@ -start,count +start,count @@\"): %w", i+1, trimEOL(lines[i]), ErrMalformed)
		}
	}

	// Split into one section per "diff --git" line; what comes before the
	// first of them (if anything) is plain diff -u text.
	var starts []int
	for i := first; i < last; i++ {
		if bytes.HasPrefix(lines[i], []byte("diff --git ")) {
			starts = append(starts, i)
		}
	}
	plainEnd := last
	if len(starts) > 0 {
		plainEnd = starts[0]
	}
	if first < plainEnd {
		fs, err := parsePlain(data[offsets[first]:offsets[plainEnd]], first+1)
		if err != nil {
			return nil, err
		}
		files = append(files, fs...)
	}
	for k, s := range starts {
		e := last
		if k+1 < len(starts) {
			e = starts[k+1]
		}
		f, err := parseGitSection(lines[s:e], data[offsets[s]:offsets[e]], s+1)
		if err != nil {
			return nil, err
		}
		files = append(files, f)
	}
	return files, nil
}

// hunkHeader matches a hunk header whose numbers fit go-diff's int32.
var hunkHeader = regexp.MustCompile(`^@@ -\d{1,9}(,\d{1,9})? \+\d{1,9}(,\d{1,9})? @@( |\r?\n|\r?$)`)

// firstFileLine returns the index of the line where the first file's diff
// starts, or -1.
func firstFileLine(lines [][]byte) int {
	for i, l := range lines {
		if bytes.HasPrefix(l, []byte("diff --git ")) {
			return i
		}
		if bytes.HasPrefix(l, []byte("--- ")) && i+1 < len(lines) && bytes.HasPrefix(lines[i+1], []byte("+++ ")) {
			return i
		}
	}
	return -1
}

// endOfDiff returns the number of lines that belong to the diff: a
// `git format-patch` signature at the end ("-- " and a version line) is left
// out. Blank lines are kept: an empty line can be an empty context line.
func endOfDiff(lines [][]byte) int {
	n := len(lines)
	for n > 0 && trimEOL(lines[n-1]) == "" {
		n--
	}
	if n >= 2 && trimEOL(lines[n-2]) == "-- " && !isHunkLine(lines[n-1]) {
		return n - 2
	}
	return len(lines)
}

func isHunkLine(l []byte) bool {
	return len(l) > 0 && strings.IndexByte(" +-\\@", l[0]) >= 0
}

func trimEOL(l []byte) string {
	return strings.TrimSuffix(strings.TrimSuffix(string(l), "\n"), "\r")
}

// parsePlain parses diff -u text: ---/+++ headers and hunks, no git headers.
func parsePlain(text []byte, lineNo int) ([]File, error) {
	r := diff.NewMultiFileDiffReaderOptions(bytes.NewReader(text), diff.ParseOptions{KeepCR: true})
	var files []File
	for {
		fd, trailing, err := r.ReadFileWithTrailingContent()
		if err == io.EOF {
			if strings.TrimSpace(trailing) != "" {
				return nil, fmt.Errorf("patch: parse: the diff starting at line %d ends in text that is not part of a diff: %q: %w", lineNo, clip.FirstLine(strings.TrimSpace(trailing)), ErrMalformed)
			}
			return files, nil
		}
		if err != nil {
			return nil, fmt.Errorf("patch: parse: the diff starting at line %d: %v: %w", lineNo, err, ErrMalformed)
		}
		f, err := fromDiff(fd, fileHeader{})
		if err != nil {
			return nil, fmt.Errorf("patch: parse: the diff starting at line %d: %w", lineNo, err)
		}
		if len(f.Hunks) == 0 {
			return nil, fmt.Errorf("patch: parse: the diff of %s (starting at line %d) has no hunks: %w", f.Path(), lineNo, ErrMalformed)
		}
		files = append(files, f)
	}
}

// fromDiff converts go-diff's file to a File and checks its hunks.
func fromDiff(fd *diff.FileDiff, h fileHeader) (File, error) {
	var f File
	var err error
	if fd.OrigName != "/dev/null" {
		if f.OldPath, err = stripPrefix(fd.OrigName); err != nil {
			return File{}, err
		}
	}
	if fd.NewName != "/dev/null" {
		if f.NewPath, err = stripPrefix(fd.NewName); err != nil {
			return File{}, err
		}
	}
	f.Binary = h.binary
	if f, err = finish(f, h); err != nil {
		return File{}, err
	}
	for i, dh := range fd.Hunks {
		hunk, err := convertHunk(dh)
		if err != nil {
			return File{}, fmt.Errorf("hunk %d of %s: %w", i+1, f.Path(), err)
		}
		f.Hunks = append(f.Hunks, hunk)
	}
	return f, nil
}

// finish checks the paths against the headers and fills in the modes.
func finish(f File, h fileHeader) (File, error) {
	if h.created {
		f.OldPath = ""
	}
	if h.deleted {
		f.NewPath = ""
	}
	if f.OldPath == "" && f.NewPath == "" {
		return File{}, fmt.Errorf("a file's diff names neither an old nor a new path: %w", ErrMalformed)
	}
	for _, p := range []string{f.OldPath, f.NewPath} {
		if p != "" && !validPath(p) {
			return File{}, fmt.Errorf("path %q is not a clean path inside the repository: %w: %w", p, ErrUnsafePath, ErrMalformed)
		}
	}
	f.OldMode, f.NewMode = h.oldMode, h.newMode
	if h.indexMode != "" {
		if f.OldMode == "" && f.OldPath != "" {
			f.OldMode = h.indexMode
		}
		if f.NewMode == "" && f.NewPath != "" {
			f.NewMode = h.indexMode
		}
	}
	if f.OldPath == "" {
		f.OldMode = ""
	}
	if f.NewPath == "" {
		f.NewMode = ""
	}
	return f, nil
}

// convertHunk numbers the hunk's lines and checks them against the counts
// in its header.
func convertHunk(dh *diff.Hunk) (Hunk, error) {
	h := Hunk{
		OldStart: int(dh.OrigStartLine), OldLines: int(dh.OrigLines),
		NewStart: int(dh.NewStartLine), NewLines: int(dh.NewLines),
	}
	header := fmt.Sprintf("@@ -%d,%d +%d,%d @@", h.OldStart, h.OldLines, h.NewStart, h.NewLines)
	if h.OldStart < 0 || h.OldLines < 0 || h.NewStart < 0 || h.NewLines < 0 ||
		(h.OldStart == 0 && h.OldLines > 0) || (h.NewStart == 0 && h.NewLines > 0) {
		return Hunk{}, fmt.Errorf("header %s has an impossible line range: %w", header, ErrMalformed)
	}
	body := string(dh.Body)
	var lines []string
	if body != "" {
		lines = strings.Split(strings.TrimSuffix(body, "\n"), "\n")
	}
	oldN, newN := h.OldStart, h.NewStart
	oldLeft, newLeft := h.OldLines, h.NewLines
	tooMany := func() error {
		return fmt.Errorf("%s: the body has more lines than the header counts: %w", header, ErrMalformed)
	}
	for _, l := range lines {
		kind := byte(' ') // an empty line is an empty context line, as git reads it
		if l != "" {
			kind = l[0]
		}
		if oldLeft == 0 && newLeft == 0 && kind != '\\' {
			if l == "" {
				continue // blank lines between hunks
			}
			return Hunk{}, tooMany()
		}
		switch kind {
		case ' ':
			if oldLeft == 0 || newLeft == 0 {
				return Hunk{}, tooMany()
			}
			oldLeft, newLeft = oldLeft-1, newLeft-1
			oldN, newN = oldN+1, newN+1
		case '-':
			if oldLeft == 0 {
				return Hunk{}, tooMany()
			}
			h.Removed = append(h.Removed, Line{N: oldN, Text: l[1:]})
			oldLeft, oldN = oldLeft-1, oldN+1
		case '+':
			if newLeft == 0 {
				return Hunk{}, tooMany()
			}
			h.Added = append(h.Added, Line{N: newN, Text: l[1:]})
			newLeft, newN = newLeft-1, newN+1
		case '\\':
			// "\ No newline at end of file" in another language.
		default:
			return Hunk{}, fmt.Errorf("%s: line %q does not start with ' ', '-' or '+': %w", header, l, ErrMalformed)
		}
	}
	if oldLeft > 0 || newLeft > 0 {
		return Hunk{}, fmt.Errorf("%s: the body ends %d old and %d new lines short of the header's counts: %w", header, oldLeft, newLeft, ErrMalformed)
	}
	return h, nil
}

func validMode(m string) bool {
	if len(m) != 6 {
		return false
	}
	for _, c := range m {
		if c < '0' || c > '7' {
			return false
		}
	}
	return true
}
