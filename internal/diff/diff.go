package diff

import (
	"errors"
	"slices"
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
	// OldOID and NewOID are the blob names of the "index" line, as
	// abbreviated as the diff gives them; "" without one.
	OldOID, NewOID string
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
	// Body is every line of the hunk in order: context, removed, added.
	Body []BodyLine
}

// Line is one line of a file: its 1-based number and its text without
// the line ending.
type Line struct {
	N    int
	Text string
}

// BodyLine is one line of a hunk as the diff shows it.
type BodyLine struct {
	// Op is ' ' for a context line, '-' for a removed one, '+' for an
	// added one.
	Op byte
	// Text is the line without its line ending.
	Text string
	// NoNewline marks the last line of a file that does not end in a
	// newline ("\ No newline at end of file").
	NoNewline bool
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

// Touched lists the paths a diff touches, old and new, sorted.
func Touched(files []File) []string {
	var paths []string
	for _, f := range files {
		for _, p := range []string{f.OldPath, f.NewPath} {
			if p != "" {
				paths = append(paths, p)
			}
		}
	}
	slices.Sort(paths)
	return slices.Compact(paths)
}
