package diff

import (
	"bytes"
	"fmt"
	"os"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/bluekeyes/go-gitdiff/gitdiff"
)

// maxLineNumber bounds the numbers of a hunk header, so that numbering
// the hunk's lines cannot overflow.
const maxLineNumber = 999_999_999

// Parse reads a unified diff: git's format (several files, modes, renames,
// copies, binary changes) or plain `diff -u` output whose paths carry the
// a/ and b/ prefixes. Text before the first file (a commit message) and a
// `git format-patch` signature at the end are ignored. Anything else that
// is not part of a diff is an error wrapping ErrMalformed that says where;
// a path outside the repository or inside .git is one wrapping
// ErrUnsafePath as well.
func Parse(data []byte) ([]File, error) {
	files, _, err := parse(data)
	return files, err
}

// span locates a file's diff in the input: its bytes, and each hunk's
// (header line included).
type span struct {
	start, end int
	hunks      [][2]int
}

func parse(data []byte) ([]File, []span, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, nil, fmt.Errorf("diff: parse: the input is empty (pass a unified diff as `git diff` writes it): %w", ErrMalformed)
	}
	w := newWalker(data)
	parsed, preamble, err := gitdiff.Parse(bytes.NewReader(data[:w.offsets[w.last]]))
	if err != nil {
		return nil, nil, fmt.Errorf("diff: parse: %v: %w", strings.TrimPrefix(err.Error(), "gitdiff: "), ErrMalformed)
	}
	if len(parsed) == 0 {
		return nil, nil, fmt.Errorf("diff: parse: no file diff found (expected a line starting with \"diff --git \", or a \"--- \" line followed by \"+++ \" and a hunk): %w", ErrMalformed)
	}
	w.i = strings.Count(preamble, "\n")
	files := make([]File, 0, len(parsed))
	spans := make([]span, 0, len(parsed))
	for _, gf := range parsed {
		f, sp, err := w.file(gf)
		if err != nil {
			return nil, nil, fmt.Errorf("diff: parse: %w", err)
		}
		files = append(files, f)
		spans = append(spans, sp)
	}
	w.skipBlank()
	if w.i < w.last {
		return nil, nil, fmt.Errorf("diff: parse: %w", w.unexpected())
	}
	return files, spans, nil
}

// walker goes through the input again along the files go-gitdiff read,
// to refuse what it skipped and to check the paths as they are written.
type walker struct {
	lines   []string // with their line endings
	offsets []int    // offsets[i] is where line i starts
	i       int      // the line at hand
	last    int      // the lines from here on are a format-patch signature
	// hunkEnd is the line after the last hunk read, to tell a hunk that
	// goes on past its counts from other unexpected text.
	hunkEnd int
}

func newWalker(data []byte) *walker {
	lines := strings.SplitAfter(string(data), "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	offsets := make([]int, len(lines)+1)
	for i, l := range lines {
		offsets[i+1] = offsets[i] + len(l)
	}
	return &walker{lines: lines, offsets: offsets, last: endOfDiff(lines), hunkEnd: -1}
}

// endOfDiff returns the number of lines that belong to the diff: a
// `git format-patch` signature at the end ("-- " and a version line) is left
// out. Blank lines are kept: an empty line can be an empty context line.
func endOfDiff(lines []string) int {
	n := len(lines)
	for n > 0 && trimEOL(lines[n-1]) == "" {
		n--
	}
	if n >= 2 && trimEOL(lines[n-2]) == "-- " && !isHunkLine(lines[n-1]) {
		return n - 2
	}
	return len(lines)
}

func isHunkLine(l string) bool {
	return l != "" && strings.IndexByte(" +-\\@", l[0]) >= 0
}

func trimEOL(l string) string {
	return strings.TrimSuffix(strings.TrimSuffix(l, "\n"), "\r")
}

// line is line i+k without its line ending, "" past the end.
func (w *walker) line(k int) string {
	if w.i+k >= w.last {
		return ""
	}
	return trimEOL(w.lines[w.i+k])
}

func (w *walker) has(prefix string) bool { return w.i < w.last && strings.HasPrefix(w.line(0), prefix) }

func (w *walker) skipBlank() {
	for w.i < w.last && strings.TrimSpace(w.lines[w.i]) == "" {
		w.i++
	}
}

func (w *walker) errorf(format string, args ...any) error {
	return fmt.Errorf("line %d: "+format+": %w", append([]any{w.i + 1}, append(args, ErrMalformed)...)...)
}

func (w *walker) unexpected() error {
	if w.i >= w.last {
		return w.errorf("the input ends where a file's diff should start")
	}
	if w.i == w.hunkEnd && isHunkLine(w.lines[w.i]) && !strings.HasPrefix(w.lines[w.i], "@@") {
		return w.errorf("unexpected line %q: the hunk before it has more lines than its header counts", w.line(0))
	}
	return w.errorf("unexpected line %q: it is not part of a diff", w.line(0))
}

// file walks the diff of one file, which go-gitdiff read as gf, and
// returns it as a File.
func (w *walker) file(gf *gitdiff.File) (File, span, error) {
	w.skipBlank()
	start := w.i
	git := w.has("diff --git ")
	switch {
	case git:
		if err := w.gitHeader(); err != nil {
			return File{}, span{}, err
		}
	case w.has("diff ") && strings.HasPrefix(w.line(1), "--- "):
		w.i++ // the command line `diff -ru` writes before each file
	case !w.has("--- "):
		return File{}, span{}, w.unexpected()
	}
	crlf := strings.HasSuffix(w.lines[start], "\r\n")
	f := File{OldPath: cleanName(gf.OldName, crlf), NewPath: cleanName(gf.NewName, crlf), Binary: gf.IsBinary}
	if gf.IsNew {
		f.OldPath = ""
	}
	if gf.IsDelete {
		f.NewPath = ""
	}
	sp := span{start: w.offsets[start]}
	switch {
	case len(gf.TextFragments) > 0:
		if !w.has("--- ") || !strings.HasPrefix(w.line(1), "+++ ") {
			return File{}, span{}, w.errorf("unexpected line %q: a file's hunks follow its \"--- \" and \"+++ \" file header lines", w.line(0))
		}
		oldPath, err := rawPath(w.line(0)[4:])
		if err != nil {
			return File{}, span{}, w.errorf("%w", err)
		}
		w.i++
		newPath, err := rawPath(w.line(0)[4:])
		if err != nil {
			return File{}, span{}, w.errorf("%w", err)
		}
		w.i++
		if !git {
			f.OldPath, f.NewPath = oldPath, newPath
		}
		for k, fr := range gf.TextFragments {
			hunkStart := w.i
			if !w.has("@@ -") {
				return File{}, span{}, w.errorf("unexpected line %q where hunk %d of %s starts", w.line(0), k+1, f.Path())
			}
			h, err := convertHunk(fr)
			if err != nil {
				return File{}, span{}, w.errorf("hunk %d of %s: %w", k+1, f.Path(), err)
			}
			w.i++
			for range fr.Lines {
				w.i++
				if w.has(`\`) {
					w.i++ // "\ No newline at end of file", in any language
				}
			}
			w.i = min(w.i, w.last)
			w.hunkEnd = w.i
			sp.hunks = append(sp.hunks, [2]int{w.offsets[hunkStart], w.offsets[w.i]})
			f.Hunks = append(f.Hunks, h)
		}
	case w.has("--- "):
		return File{}, span{}, w.errorf("the diff of %s has \"--- \" and \"+++ \" lines but no hunks", f.Path())
	case gf.IsBinary:
		w.binary(gf)
	default:
		if w.i < w.last && strings.TrimSpace(w.lines[w.i]) != "" && !w.has("diff ") {
			return File{}, span{}, w.errorf("unexpected line %q among the headers of a file's diff", w.line(0))
		}
		// A rename or a copy names its paths on lines of their own.
		renamed := f.OldPath != "" && f.NewPath != "" && f.OldPath != f.NewPath
		if !renamed {
			if err := checkGitLine(w.lines[start]); err != nil {
				return File{}, span{}, fmt.Errorf("line %d: %w", start+1, err)
			}
		}
		if !gf.IsNew && !gf.IsDelete && !renamed && (gf.OldMode == 0 || gf.NewMode == 0 || gf.OldMode == gf.NewMode) {
			return File{}, span{}, fmt.Errorf("line %d: the diff of %s has no hunks and is not a mode change, rename, copy, binary change or empty file: %w", start+1, f.Path(), ErrMalformed)
		}
	}
	sp.end = w.offsets[w.i]
	if f.OldPath == "" && f.NewPath == "" {
		return File{}, span{}, fmt.Errorf("line %d: a file's diff names neither an old nor a new path: %w", start+1, ErrMalformed)
	}
	for _, p := range []string{f.OldPath, f.NewPath} {
		if p != "" && !validPath(p) {
			return File{}, span{}, fmt.Errorf("line %d: %w", start+1, unsafePath(p))
		}
	}
	f.OldMode, f.NewMode = modeString(gf.OldMode), modeString(gf.NewMode)
	if f.NewMode == "" && !gf.IsNew {
		f.NewMode = f.OldMode // the mode of the "index" line: it does not change
	}
	if f.OldPath == "" {
		f.OldMode = ""
	}
	if f.NewPath == "" {
		f.NewMode = ""
	}
	f.OldOID, f.NewOID = gf.OldOIDPrefix, gf.NewOIDPrefix
	return f, sp, nil
}

// gitHeader walks a "diff --git" line and git's extended header lines
// after it, checking the modes and the paths of renames and copies as
// they are written.
func (w *walker) gitHeader() error {
	w.i++
	for w.i < w.last {
		l := w.line(0)
		key := slices.IndexFunc(extendedHeaders, func(h string) bool { return strings.HasPrefix(l, h) })
		if key < 0 {
			return nil
		}
		value := strings.TrimPrefix(l, extendedHeaders[key])
		switch extendedHeaders[key] {
		case "old mode ", "new mode ", "deleted file mode ", "new file mode ":
			if !validMode(value) {
				return w.errorf("bad file mode %q (want six octal digits such as 100644)", value)
			}
		case "index ":
			fields := strings.Fields(value)
			if len(fields) == 0 || len(fields) > 2 || (len(fields) == 2 && !validMode(fields[1])) {
				return w.errorf("bad index line %q", l)
			}
			if a, b, _ := strings.Cut(fields[0], ".."); !isHex(a) || !isHex(b) {
				return w.errorf("bad index line %q (want the blob names before and after, in hex)", l)
			}
		case "rename from ", "rename to ", "rename old ", "rename new ", "copy from ", "copy to ":
			p := value
			if strings.HasPrefix(p, `"`) {
				v, rest, ok := cutQuoted(p)
				if !ok || rest != "" {
					return w.errorf("bad quoted path in %q", l)
				}
				p = v
			}
			if !validPath(p) {
				return w.errorf("%w", unsafePath(p))
			}
		}
		w.i++
	}
	return nil
}

// extendedHeaders are the lines git writes between "diff --git" and a
// file's changes.
var extendedHeaders = []string{
	"old mode ", "new mode ", "deleted file mode ", "new file mode ",
	"copy from ", "copy to ", "rename from ", "rename to ", "rename old ", "rename new ",
	"similarity index ", "dissimilarity index ", "index ",
}

// binary walks a binary file's changes: a "Binary files … differ" notice,
// or "GIT binary patch" and the base85 data go-gitdiff decoded.
func (w *walker) binary(gf *gitdiff.File) {
	if gf.BinaryFragment == nil {
		w.i++ // the notice
		return
	}
	w.i++ // "GIT binary patch"
	fragments := 1
	if gf.ReverseBinaryFragment != nil {
		fragments = 2
	}
	for range fragments {
		w.i++ // "literal <size>" or "delta <size>"
		for w.i < w.last && strings.TrimSpace(w.lines[w.i]) != "" {
			w.i++
		}
		w.skipBlank()
	}
}

// convertHunk numbers the lines of a hunk go-gitdiff read, which it
// checked against the counts in its header.
func convertHunk(fr *gitdiff.TextFragment) (Hunk, error) {
	h := Hunk{
		OldStart: int(fr.OldPosition), OldLines: int(fr.OldLines),
		NewStart: int(fr.NewPosition), NewLines: int(fr.NewLines),
	}
	for _, n := range []int64{fr.OldPosition, fr.OldLines, fr.NewPosition, fr.NewLines} {
		if n < 0 || n > maxLineNumber {
			return Hunk{}, fmt.Errorf("bad hunk header %q: %w", fr.Header(), ErrMalformed)
		}
	}
	if (h.OldStart == 0 && h.OldLines > 0) || (h.NewStart == 0 && h.NewLines > 0) {
		return Hunk{}, fmt.Errorf("header %s has an impossible line range: %w", fr.Header(), ErrMalformed)
	}
	oldN, newN := h.OldStart, h.NewStart
	for _, l := range fr.Lines {
		text := strings.TrimSuffix(l.Line, "\n")
		h.Body = append(h.Body, BodyLine{Op: l.Op.String()[0], Text: text, NoNewline: l.NoEOL()})
		switch l.Op {
		case gitdiff.OpContext:
			oldN, newN = oldN+1, newN+1
		case gitdiff.OpDelete:
			h.Removed = append(h.Removed, Line{N: oldN, Text: text})
			oldN++
		case gitdiff.OpAdd:
			h.Added = append(h.Added, Line{N: newN, Text: text})
			newN++
		}
	}
	return h, nil
}

// rawPath is the path of a "---" or "+++" line as it is written, without
// its a/ or b/ prefix; "" for /dev/null.
func rawPath(s string) (string, error) {
	if strings.HasPrefix(s, `"`) {
		v, _, ok := cutQuoted(s)
		if !ok {
			return "", fmt.Errorf("bad quoted path %s: %w", s, ErrMalformed)
		}
		s = v
	} else if i := strings.IndexByte(s, '\t'); i >= 0 {
		s = s[:i] // diff -u's timestamp
	}
	if s == "/dev/null" {
		return "", nil
	}
	p, err := stripPrefix(s)
	if err != nil {
		return "", err
	}
	if !validPath(p) {
		return "", unsafePath(p)
	}
	return p, nil
}

// checkGitLine checks the first path of a "diff --git" line, which names
// the file when no other line does.
func checkGitLine(l string) error {
	a := strings.TrimPrefix(trimEOL(l), "diff --git ")
	if v, _, ok := cutQuoted(a); ok {
		a = v
	}
	if !strings.HasPrefix(a, "a/") && !strings.HasPrefix(a, "b/") {
		return fmt.Errorf("path %q does not start with a/ or b/ (make the diff with `git diff`, relative to the repository root): %w", a, ErrMalformed)
	}
	return nil
}

// cutQuoted reads a C-quoted string (as git quotes unusual paths) from the
// start of s.
func cutQuoted(s string) (value, rest string, ok bool) {
	if !strings.HasPrefix(s, `"`) {
		return "", "", false
	}
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '"':
			v, err := strconv.Unquote(s[:i+1])
			return v, s[i+1:], err == nil
		}
	}
	return "", "", false
}

// stripPrefix removes the a/ or b/ that git puts before each path (`git
// diff -R` swaps them, so either is accepted on either side).
func stripPrefix(p string) (string, error) {
	for _, prefix := range []string{"a/", "b/"} {
		if rest, ok := strings.CutPrefix(p, prefix); ok {
			return rest, nil
		}
	}
	return "", fmt.Errorf("path %q does not start with a/ or b/ (make the diff with `git diff`, relative to the repository root): %w", p, ErrMalformed)
}

// cleanName is a path as go-gitdiff read it; in a patch with CRLF line
// endings, less the carriage return that ends the line.
func cleanName(p string, crlf bool) string {
	if p == "/dev/null" {
		return ""
	}
	if crlf {
		return strings.TrimSuffix(p, "\r")
	}
	return p
}

func unsafePath(p string) error {
	return fmt.Errorf("path %q is not a clean path inside the repository: %w: %w", p, ErrUnsafePath, ErrMalformed)
}

// validPath reports whether p is a clean relative path that stays inside
// the work tree and out of .git.
func validPath(p string) bool {
	if p == "" || path.IsAbs(p) || path.Clean(p) != p || strings.ContainsAny(p, "\x00\r\n") {
		return false
	}
	return !slices.ContainsFunc(strings.Split(p, "/"), func(e string) bool {
		return e == ".." || strings.EqualFold(e, ".git")
	})
}

func isHex(s string) bool {
	return s != "" && strings.Trim(s, "0123456789abcdef") == ""
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

// modeString is git's six octal digits of a mode go-gitdiff read; "" for
// none.
func modeString(m os.FileMode) string {
	if m == 0 {
		return ""
	}
	return fmt.Sprintf("%06o", uint32(m))
}

// ParseHunks reads the hunks of one file's diff without its file header
// lines, as GitHub's API gives a pull request file's patch.
func ParseHunks(text []byte) ([]Hunk, error) {
	files, err := Parse(append([]byte("--- a/f\n+++ b/f\n"), text...))
	if err != nil {
		return nil, fmt.Errorf("diff: hunks: %w", err)
	}
	return files[0].Hunks, nil
}

// ParseHunkHeader reads the line ranges of a hunk header, "@@ -l,n +l,n @@"
// with what follows it (a count left out is 1), into a Hunk without
// lines; ok is false when line is not one. It is for reading text that is
// not a whole diff, such as a model's answer: Parse reads hunk headers
// itself.
func ParseHunkHeader(line string) (h Hunk, ok bool) {
	rest := strings.TrimLeft(line, "@")
	if len(line)-len(rest) < 2 {
		return Hunk{}, false
	}
	rest, ok = strings.CutPrefix(rest, " -")
	if !ok {
		return Hunk{}, false
	}
	oldRange, rest, ok1 := strings.Cut(rest, " +")
	newRange, _, ok2 := strings.Cut(rest, " @@")
	var ok3, ok4 bool
	h.OldStart, h.OldLines, ok3 = parseRange(oldRange)
	h.NewStart, h.NewLines, ok4 = parseRange(newRange)
	if !ok1 || !ok2 || !ok3 || !ok4 {
		return Hunk{}, false
	}
	return h, true
}

// parseRange reads "start,count" or "start" (a count of 1).
func parseRange(s string) (start, count int, ok bool) {
	startText, countText, hasCount := strings.Cut(s, ",")
	start, ok = parseNumber(startText)
	count = 1
	if hasCount && ok {
		count, ok = parseNumber(countText)
	}
	return start, count, ok
}

func parseNumber(s string) (int, bool) {
	if s == "" || strings.Trim(s, "0123456789") != "" {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	return n, err == nil
}
