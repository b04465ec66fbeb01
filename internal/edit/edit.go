package edit

import (
	"errors"
	"fmt"
	"strings"
)

// Format is the form in which an answer gave an edit.
type Format string

// The formats Parse recognizes.
const (
	FormatBlock Format = "search/replace" // a SEARCH/REPLACE block
	FormatDiff  Format = "diff"           // one hunk of a unified diff
	FormatWhole Format = "whole file"     // a code block with the file's complete content
)

// Edit is one change to one file: Search replaced by Replace, or, for
// FormatWhole, the file's whole content replaced by Replace.
type Edit struct {
	// Path is slash-separated and relative to the repository root.
	Path string `json:"path"`
	// Search is the text to replace, whole lines ending in "\n". An empty
	// Search creates the file: it must not exist yet, or be empty.
	Search string `json:"search,omitempty"`
	// Replace is the text that takes Search's place, or the file's new
	// content for FormatWhole.
	Replace string `json:"replace"`
	Format  Format `json:"format"`
	// Line is the 1-based line where the answer said Search starts (a diff
	// hunk's header), 0 when it did not say. It only chooses among several
	// places that Search matches, and only when one of them starts there.
	Line int `json:"line,omitempty"`
	// Source says where in the answer the edit came from, for messages:
	// "block 2 for stats.go", "hunk 1 of the diff for stats.go".
	Source string `json:"source,omitempty"`
}

// Sentinel errors, wrapped by every *Error, for callers that decide by kind.
var (
	// ErrNoEdit: the answer holds no edit at all (prose, a refusal, nothing).
	ErrNoEdit = errors.New("no edit in the answer")
	// ErrMalformed: an edit could not be read (a block cut off, a
	// missing marker, a code block without a file name, bytes that are not text).
	ErrMalformed = errors.New("malformed edit")
	// ErrForbidden: an edit names a file the task may not change: outside
	// the allowed files, outside the repository, through a symbolic link,
	// under .git or .github, or not a text file.
	ErrForbidden = errors.New("edit not allowed")
	// ErrNoMatch: the text to replace is not in the file.
	ErrNoMatch = errors.New("text to replace not found")
	// ErrAmbiguous: the text to replace is in the file more than once.
	ErrAmbiguous = errors.New("text to replace is ambiguous")
	// ErrNoChange: the edits apply but leave every file as it was.
	ErrNoChange = errors.New("edits change nothing")
)

// Error is a rejected answer or edit. Its Reason is written for the model
// that gave the answer, and is what Feedback sends back to it.
type Error struct {
	Edit   int    // 1-based index of the edit Apply was given; 0 when not about one edit
	Path   string // the file, when known
	Reason string // what was wrong and what to do instead
	Err    error  // one of the sentinel errors above
}

func (e *Error) Error() string { return "edit: " + e.Reason }
func (e *Error) Unwrap() error { return e.Err }

// maxReasons caps how many problems one error reports: the model fixes the
// first ones and resends; a hundred lines of complaints help nobody.
const maxReasons = 10

// join returns nil, the only error, or all of them joined (errors.As finds
// the first *Error; Feedback renders each).
func join(errs []*Error) error {
	switch len(errs) {
	case 0:
		return nil
	case 1:
		return errs[0]
	}
	if len(errs) > maxReasons {
		more := len(errs) - maxReasons
		last := errs[len(errs)-1]
		errs = append(errs[:maxReasons:maxReasons], &Error{
			Reason: fmt.Sprintf("… and %d more problems like these", more),
			Err:    last.Err,
		})
	}
	list := make([]error, len(errs))
	for i, e := range errs {
		list[i] = e
	}
	return errors.Join(list...)
}

// Reasons returns the Reason of every *Error in err's tree (err itself,
// what it wraps, the errors it joins), in order.
func Reasons(err error) []string {
	switch x := err.(type) {
	case *Error:
		return []string{x.Reason}
	case interface{ Unwrap() []error }:
		var out []string
		for _, err := range x.Unwrap() {
			out = append(out, Reasons(err)...)
		}
		return out
	case interface{ Unwrap() error }:
		return Reasons(x.Unwrap())
	}
	return nil
}

// Feedback renders err as the next user turn of the conversation: why the
// answer was rejected and what to send instead. It returns "" when err
// carries no reason for the model (nil, or a failure of the machine, such as
// a disk error, that the model cannot fix).
func Feedback(err error) string {
	reasons := Reasons(err)
	if len(reasons) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("Your answer was not applied; no file was changed.\n\n")
	for _, r := range reasons {
		b.WriteString("- ")
		b.WriteString(strings.ReplaceAll(r, "\n", "\n  "))
		b.WriteString("\n")
	}
	if errors.Is(err, ErrNoEdit) || errors.Is(err, ErrMalformed) {
		b.WriteString("\n")
		b.WriteString(Instructions)
	} else {
		b.WriteString("\nSend all of your edits again, corrected.\n")
	}
	return b.String()
}

// Instructions explains the edit formats to a model; a prompt includes it
// where it asks for changes.
const Instructions = `Give every change as a SEARCH/REPLACE block: the file's path alone on a line, then

path/to/file.go
<<<<<<< SEARCH
the lines to change, copied exactly from the file
=======
the lines that replace them
>>>>>>> REPLACE

The SEARCH lines must match exactly one place in the file: include a few unchanged lines around the change when needed. Use one block per change, several blocks for several places or files. A block with an empty SEARCH section creates a new file. A unified diff (--- a/path, +++ b/path, @@ hunks with 3 lines of context) is accepted too, or a file's complete new content in a code block right after a line with its path. Change only the files you were given.
`
