package patch

import (
	"bytes"
	"fmt"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/sourcegraph/go-diff/diff"
)

// fileHeader is what git's extended header lines say about a file.
type fileHeader struct {
	oldMode, newMode, indexMode string
	created, deleted            bool
	renameFrom, renameTo        string // also copy from and to
	binary                      bool
	text                        bool // the section has ---/+++ headers and hunks
}

// parseGitSection parses the diff of one file: a "diff --git" line, git's
// extended headers, then either ---/+++ and hunks, binary data, or nothing.
func parseGitSection(lines [][]byte, text []byte, lineNo int) (File, error) {
	where := func(i int) string { return fmt.Sprintf("line %d", lineNo+i) }
	var h fileHeader
	body := len(lines) // index of the first line after the headers
headers:
	for i := 1; i < len(lines); i++ {
		l := trimEOL(lines[i])
		switch {
		case strings.HasPrefix(l, "old mode "):
			h.oldMode = strings.TrimPrefix(l, "old mode ")
		case strings.HasPrefix(l, "new mode "):
			h.newMode = strings.TrimPrefix(l, "new mode ")
		case strings.HasPrefix(l, "deleted file mode "):
			h.deleted, h.oldMode = true, strings.TrimPrefix(l, "deleted file mode ")
		case strings.HasPrefix(l, "new file mode "):
			h.created, h.newMode = true, strings.TrimPrefix(l, "new file mode ")
		case strings.HasPrefix(l, "rename from "), strings.HasPrefix(l, "copy from "), strings.HasPrefix(l, "rename old "):
			_, v, _ := strings.Cut(strings.TrimPrefix(strings.TrimPrefix(l, "rename "), "copy "), " ")
			h.renameFrom = unquote(v)
		case strings.HasPrefix(l, "rename to "), strings.HasPrefix(l, "copy to "), strings.HasPrefix(l, "rename new "):
			_, v, _ := strings.Cut(strings.TrimPrefix(strings.TrimPrefix(l, "rename "), "copy "), " ")
			h.renameTo = unquote(v)
		case strings.HasPrefix(l, "similarity index "), strings.HasPrefix(l, "dissimilarity index "):
		case strings.HasPrefix(l, "index "):
			fields := strings.Fields(strings.TrimPrefix(l, "index "))
			if len(fields) == 0 || !strings.Contains(fields[0], "..") || len(fields) > 2 {
				return File{}, fmt.Errorf("patch: parse: %s: bad index line %q: %w", where(i), l, ErrMalformed)
			}
			if len(fields) == 2 {
				h.indexMode = fields[1]
			}
		case strings.HasPrefix(l, "Binary files ") && strings.HasSuffix(l, " differ"):
			h.binary = true
			body = i + 1
			break headers
		case l == "GIT binary patch":
			h.binary = true
			if i+1 >= len(lines) || !(bytes.HasPrefix(lines[i+1], []byte("literal ")) || bytes.HasPrefix(lines[i+1], []byte("delta "))) {
				return File{}, fmt.Errorf("patch: parse: %s: \"GIT binary patch\" is not followed by a \"literal\" or \"delta\" line: %w", where(i), ErrMalformed)
			}
			body = len(lines) // the rest is base85 data
			break headers
		case strings.HasPrefix(l, "--- "):
			h.text = true
			body = i
			break headers
		case strings.TrimSpace(l) == "":
			body = i
			break headers
		default:
			return File{}, fmt.Errorf("patch: parse: %s: unexpected line %q among the headers of a file's diff: %w", where(i), l, ErrMalformed)
		}
	}
	if !h.text {
		for i := body; i < len(lines); i++ {
			if l := trimEOL(lines[i]); strings.TrimSpace(l) != "" {
				return File{}, fmt.Errorf("patch: parse: %s: unexpected line %q in a file's diff: %w", where(i), l, ErrMalformed)
			}
		}
	}
	for _, m := range []string{h.oldMode, h.newMode, h.indexMode} {
		if m != "" && !validMode(m) {
			return File{}, fmt.Errorf("patch: parse: line %d: bad file mode %q (want six octal digits such as 100644): %w", lineNo, m, ErrMalformed)
		}
	}

	if !h.text {
		f, err := fromGitHeader(trimEOL(lines[0]), h)
		if err != nil {
			return File{}, fmt.Errorf("patch: parse: line %d: %w", lineNo, err)
		}
		if !h.binary && !h.created && !h.deleted && h.renameTo == "" && (h.oldMode == "" || h.newMode == "" || h.oldMode == h.newMode) {
			return File{}, fmt.Errorf("patch: parse: line %d: the diff of %s has no hunks and is not a mode change, rename, copy, binary change or empty file: %w", lineNo, f.Path(), ErrMalformed)
		}
		return f, nil
	}
	fd, err := diff.ParseFileDiffOptions(text, diff.ParseOptions{KeepCR: true})
	if err != nil {
		return File{}, fmt.Errorf("patch: parse: the diff starting at line %d: %v: %w", lineNo, err, ErrMalformed)
	}
	f, err := fromDiff(fd, h)
	if err != nil {
		return File{}, fmt.Errorf("patch: parse: the diff starting at line %d: %w", lineNo, err)
	}
	if len(f.Hunks) == 0 {
		return File{}, fmt.Errorf("patch: parse: the diff of %s (starting at line %d) has ---/+++ headers but no hunks: %w", f.Path(), lineNo, ErrMalformed)
	}
	return f, nil
}

// fromGitHeader makes the File of a git section without hunks; its paths
// come from the rename or copy headers or from the "diff --git" line.
func fromGitHeader(diffLine string, h fileHeader) (File, error) {
	if h.renameFrom != "" || h.renameTo != "" {
		if h.renameFrom == "" || h.renameTo == "" {
			return File{}, fmt.Errorf("a rename or copy needs both its from and its to header: %w", ErrMalformed)
		}
		return finish(File{OldPath: h.renameFrom, NewPath: h.renameTo, Binary: h.binary}, h)
	}
	a, b, ok := gitArgs(strings.TrimPrefix(diffLine, "diff --git "))
	if !ok {
		return File{}, fmt.Errorf("cannot tell the file names from %q: %w", diffLine, ErrMalformed)
	}
	oldPath, err := stripPrefix(a)
	if err != nil {
		return File{}, err
	}
	newPath, err := stripPrefix(b)
	if err != nil {
		return File{}, err
	}
	return finish(File{OldPath: oldPath, NewPath: newPath, Binary: h.binary}, h)
}

// gitArgs splits the operands of a "diff --git" line into its two paths.
// Unquoted paths with spaces are ambiguous; they are split where both
// halves name the same file, which is the only case where git gives no
// other header to take the names from.
func gitArgs(s string) (a, b string, ok bool) {
	if strings.HasPrefix(s, `"`) {
		a, rest, ok := cutQuoted(s)
		if !ok || !strings.HasPrefix(rest, " ") {
			return "", "", false
		}
		rest = rest[1:]
		if strings.HasPrefix(rest, `"`) {
			b, rest, ok := cutQuoted(rest)
			return a, b, ok && rest == ""
		}
		return a, rest, rest != ""
	}
	if i := strings.Index(s, ` "`); i >= 0 && strings.HasSuffix(s, `"`) {
		b, rest, ok := cutQuoted(s[i+1:])
		return s[:i], b, ok && rest == ""
	}
	if len(s)%2 == 1 {
		half := len(s) / 2
		a, b := s[:half], s[half+1:]
		if s[half] == ' ' && len(a) > 2 && a[2:] == b[2:] {
			return a, b, true
		}
	}
	if strings.Count(s, " b/") == 1 {
		a, b, _ := strings.Cut(s, " b/")
		return a, "b/" + b, true
	}
	return "", "", false
}

// cutQuoted reads a C-quoted string (as git quotes unusual paths) from the
// start of s.
func cutQuoted(s string) (value, rest string, ok bool) {
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

func unquote(s string) string {
	if v, rest, ok := cutQuoted(s); ok && rest == "" {
		return v
	}
	return s
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

// validPath reports whether p is a clean relative path that stays inside
// the work tree and out of .git.
func validPath(p string) bool {
	if p == "" || path.IsAbs(p) || path.Clean(p) != p || strings.ContainsAny(p, "\x00") {
		return false
	}
	return !slices.ContainsFunc(strings.Split(p, "/"), func(e string) bool {
		return e == ".." || strings.EqualFold(e, ".git")
	})
}
