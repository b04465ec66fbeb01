package edit

import (
	"fmt"
	"path"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits on the paths of edits, well below the system's, which leave room
// for the name of the temporary file a write makes beside the file.
const (
	maxPath = 1024
	maxName = 200
)

// cleanPath checks, by its text alone, that p names a file inside the
// repository that an edit may touch, and returns it without a leading "./".
// The reason says what is wrong, for the model.
func cleanPath(p string) (string, string) {
	for strings.HasPrefix(p, "./") {
		p = p[2:]
	}
	switch {
	case p == "":
		return "", "the file path is empty"
	case !utf8.ValidString(p) || strings.IndexFunc(p, unicode.IsControl) >= 0:
		return "", fmt.Sprintf("the file path %q is not a valid path", p)
	case strings.Contains(p, `\`):
		return "", fmt.Sprintf("the file path %s uses '\\': separate directories with '/'", p)
	case path.IsAbs(p) || len(p) > 1 && p[1] == ':':
		return "", fmt.Sprintf("the file path %s is absolute: give it relative to the repository root", p)
	}
	if len(p) > maxPath {
		return "", fmt.Sprintf("the file path %s… is longer than %d bytes", strings.ToValidUTF8(p[:40], ""), maxPath)
	}
	for _, elem := range strings.Split(p, "/") {
		if len(elem) > maxName {
			return "", fmt.Sprintf("the file path %s has a name longer than %d bytes", p, maxName)
		}
		if elem == ".." {
			return "", fmt.Sprintf("the file path %s leaves the repository ('..'): give it relative to the repository root", p)
		}
		if strings.EqualFold(elem, ".git") { // case-insensitive file systems too
			return "", fmt.Sprintf("%s is inside .git, which is never edited", p)
		}
	}
	if path.Clean(p) != p || p == "." {
		return "", fmt.Sprintf("the file path %s is not a plain path to a file (no '//', '/./' or trailing '/')", p)
	}
	if first, _, _ := strings.Cut(p, "/"); strings.EqualFold(first, ".github") {
		return "", fmt.Sprintf("%s is inside .github: workflows and repository settings are never edited", p)
	}
	return p, ""
}

// show returns a path as a message may quote it: as it is when it is
// printable text, else in Go's quoted form.
func show(p string) string {
	if utf8.ValidString(p) && strings.IndexFunc(p, func(r rune) bool { return !unicode.IsPrint(r) }) < 0 {
		return p
	}
	return strconv.Quote(p)
}

// allowedPath reports whether p is one of the allowed files, or inside one
// of the allowed directories (entries ending in '/'; "." allows everything).
func allowedPath(p string, allowed []string) bool {
	for _, a := range allowed {
		switch {
		case a == "." || a == "./":
			return true
		case strings.HasSuffix(a, "/"):
			if strings.HasPrefix(p, strings.TrimPrefix(a, "./")) {
				return true
			}
		case p == strings.TrimPrefix(a, "./"):
			return true
		}
	}
	return false
}

// knownExt lists extensions that mark a word in a sentence as a file name.
var knownExt = map[string]bool{
	"go": true, "mod": true, "sum": true, "s": true, "c": true, "h": true,
	"proto": true, "tmpl": true, "txt": true, "md": true, "json": true,
	"yaml": true, "yml": true, "toml": true, "sql": true, "sh": true,
	"html": true, "css": true, "js": true, "ts": true, "py": true,
	"golden": true, "txtar": true,
}

// pathLike reports whether s could be a file path as models write them:
// no spaces, only ordinary characters, and a '.' in its last element or
// a '/' in it.
func pathLike(s string) bool {
	if s == "" || strings.HasSuffix(s, "/") {
		return false
	}
	for _, r := range s {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && !strings.ContainsRune("._-/+@", r) {
			return false
		}
	}
	base := path.Base(s)
	return strings.Contains(s, "/") || strings.Trim(base, ".") != "" && strings.Contains(base, ".")
}

// decoration is what models put around a file name: markdown emphasis,
// code spans, quotes, headings, list bullets, a trailing colon.
const decoration = " \t*_`'\"#>"

// linePath returns the file a line of the answer names, or "": a line that
// is only a path ("stats.go", "**`internal/x.go`**", "### x.go:",
// "File: x.go"), or a sentence ending in ':' that mentions exactly one file
// ("Here is the new `stats.go`:").
func linePath(line string) string {
	s := strings.TrimSpace(line)
	s = strings.TrimLeft(s, "-+ ") // a list bullet
	if n := strings.IndexFunc(s, func(r rune) bool { return r < '0' || r > '9' }); n > 0 &&
		(strings.HasPrefix(s[n:], ". ") || strings.HasPrefix(s[n:], ") ")) {
		s = s[n+2:] // a numbered list item: "1. stats.go"
	}
	s = strings.Trim(s, decoration)
	sentence := strings.HasSuffix(s, ":")
	s = strings.TrimRight(s, ":.,")
	s = strings.Trim(s, decoration)
	for _, prefix := range []string{"file:", "filename:", "path:"} {
		if len(s) > len(prefix) && strings.EqualFold(s[:len(prefix)], prefix) {
			s = strings.Trim(s[len(prefix):], decoration)
		}
	}
	if !strings.ContainsAny(s, " \t") {
		if pathLike(s) {
			return s
		}
		return ""
	}
	if !sentence {
		return ""
	}
	found := ""
	for _, w := range strings.Fields(s) {
		w = strings.TrimRight(strings.Trim(w, decoration+"(),"), ":.")
		w = strings.Trim(w, decoration)
		if !pathLike(w) {
			continue
		}
		if ext := path.Ext(w); !knownExt[strings.TrimPrefix(ext, ".")] {
			continue
		}
		if found != "" && found != w {
			return "" // two files: which one is meant?
		}
		found = w
	}
	return found
}

// infoPath returns the file that a code fence's info string names, or "":
// "go stats.go", "stats.go", "go:stats.go", `go title="stats.go"`.
func infoPath(info string) string {
	for _, f := range strings.Fields(info) {
		if i := strings.IndexByte(f, '='); i >= 0 {
			f = f[i+1:]
		}
		if i := strings.LastIndexByte(f, ':'); i >= 0 {
			f = f[i+1:]
		}
		f = strings.Trim(f, decoration)
		if pathLike(f) {
			return f
		}
	}
	return ""
}
