package edit

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/agentic-optimizer/optimizer/internal/atomicfile"
)

// MaxFileSize is the largest file, before or after an edit, that Apply edits.
const MaxFileSize = 4 << 20

// Apply makes edits, in order, to the files under dir, a work tree, and
// returns the slash-separated paths of the files it changed, sorted.
//
// allowed lists the repository-relative files the edits may change; an
// entry ending in '/' allows the files under a directory, and "." every file.
// Whatever allowed says, an edit may not name an absolute path, leave dir
// ("..") or go through a symbolic link, touch .git or .github, or change a
// file that is not UTF-8 text.
//
// Apply is all or nothing: it checks every edit in memory first and writes
// nothing unless all of them apply; then it writes each changed file
// atomically, keeping its mode, and puts back the files already written if
// a later write fails. The error for a rejected edit is an *Error (several
// joined, one per edit) whose Reason is for the model; an error that is not
// an *Error is a failure to read or write dir.
func Apply(dir string, edits []Edit, allowed []string) ([]string, error) {
	if info, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("edit: %w", err)
	} else if !info.IsDir() {
		return nil, fmt.Errorf("edit: %s is not a directory", dir)
	}
	files := make(map[string]*file)
	var errs []*Error
	for i, e := range edits {
		fail := func(reason string, err error) {
			subject := e.Source
			if subject == "" {
				subject = fmt.Sprintf("edit %d for %s", i+1, show(e.Path))
			}
			errs = append(errs, &Error{Edit: i + 1, Path: e.Path, Reason: subject + ": " + reason, Err: err})
		}
		p, why := cleanPath(e.Path)
		if why != "" {
			fail(why+".", ErrForbidden)
			continue
		}
		if !allowedPath(p, allowed) {
			fail(fmt.Sprintf("%s is not one of the files this task may change (%s): change only those.", p, listAllowed(allowed)), ErrForbidden)
			continue
		}
		f, ok := files[p]
		if !ok {
			var why string
			f, why = load(dir, p)
			if why == "" {
				why = nested(files, p)
			}
			files[p] = f
			if why != "" {
				f.refused = true
				fail(why, ErrForbidden)
				continue
			}
		}
		if f.refused {
			continue // said once already
		}
		if !isText(e.Search) || !isText(e.Replace) {
			fail("its text is not valid UTF-8 text; edits may only contain text.", ErrMalformed)
			continue
		}
		search := strings.ReplaceAll(e.Search, "\r\n", "\n")
		replace := strings.ReplaceAll(e.Replace, "\r\n", "\n")
		switch {
		case e.Format == FormatWhole:
			f.content = replace
		case strings.TrimSpace(search) == "":
			if f.content != "" {
				fail(fmt.Sprintf(pick(e.Format,
					"an empty SEARCH section creates a new file, but %s exists: copy the lines to change into the SEARCH section.",
					"the diff creates %s (from /dev/null), but it exists: write the diff against its content."), p), ErrNoMatch)
				continue
			}
			f.content = replace
		case !f.exists:
			fail(fmt.Sprintf(pick(e.Format,
				"%s does not exist; to create it, leave the SEARCH section empty.",
				"%s does not exist; to create it, write the diff from /dev/null."), p), ErrNoMatch)
			continue
		default:
			what := pick(e.Format, "SEARCH lines", "hunk's context and '-' lines")
			content, why, err := replaceIn(f.content, search, replace, e.Line, what)
			if err != nil {
				fail(why, err)
				continue
			}
			f.content = content
		}
		f.exists, f.touched = true, true
	}
	if len(errs) > 0 {
		return nil, join(errs)
	}

	var changed []string
	for p, f := range files {
		if f.touched && (f.content != f.orig || !f.existed) {
			changed = append(changed, p)
		}
	}
	slices.Sort(changed)
	if len(changed) == 0 {
		return nil, &Error{Reason: "the edits leave every file as it was: the new lines must differ from the lines they replace.", Err: ErrNoChange}
	}
	var write []*file
	for _, p := range changed {
		if len(files[p].content) > MaxFileSize {
			return nil, &Error{Path: p, Reason: fmt.Sprintf("the edits make %s larger than %d bytes.", p, MaxFileSize), Err: ErrForbidden}
		}
		write = append(write, files[p])
	}
	if err := commit(write, (*file).write); err != nil {
		return nil, fmt.Errorf("edit: %w", err)
	}
	return changed, nil
}

// pick returns the words for a diff's hunk when the edit came from one,
// else those for a SEARCH/REPLACE block.
func pick(f Format, block, diff string) string {
	if f == FormatDiff {
		return diff
	}
	return block
}

// commit writes files, and when one write fails, puts back the ones
// written before it (and the one that failed, which may have made
// directories).
func commit(files []*file, write func(*file) error) error {
	for i, f := range files {
		if err := write(f); err != nil {
			for _, g := range slices.Backward(files[:i+1]) {
				g.restore()
			}
			return err
		}
	}
	return nil
}

// nested returns why the new file p cannot be made beside the other files
// of the edits: one of them would have to be both a file and a directory.
func nested(files map[string]*file, p string) string {
	for q, f := range files {
		if f.refused {
			continue
		}
		if strings.HasPrefix(p, q+"/") || strings.HasPrefix(q, p+"/") {
			return fmt.Sprintf("the edits make both %s and %s: a file cannot also be a directory.", min(p, q), max(p, q))
		}
	}
	return ""
}

// file is a file that edits change, in memory until every edit applied.
type file struct {
	path    string   // in the file system
	newDirs []string // directories to create for it, outermost first
	existed bool
	mode    fs.FileMode
	crlf    bool   // its lines end in CRLF: content has LF, written back with CRLF
	orig    string // content before the edits, with LF
	content string // with the edits so far
	exists  bool   // existed, or an edit created it
	touched bool
	refused bool
}

// load reads the file at the repository-relative path p under dir, after
// checking that no component of the path is a symbolic link. The reason of
// a refusal is for the model.
func load(dir, p string) (*file, string) {
	f := &file{path: filepath.Join(dir, filepath.FromSlash(p)), mode: 0o644}
	elems := strings.Split(p, "/")
	at := dir
	for i, elem := range elems {
		at = filepath.Join(at, elem)
		name := strings.Join(elems[:i+1], "/")
		info, err := os.Lstat(at)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			for j := i; j < len(elems)-1; j++ {
				f.newDirs = append(f.newDirs, filepath.Join(dir, filepath.FromSlash(strings.Join(elems[:j+1], "/"))))
			}
			return f, ""
		case err != nil:
			return f, fmt.Sprintf("%s cannot be used: %v.", name, unwrapPath(err))
		case info.Mode()&fs.ModeSymlink != 0:
			return f, fmt.Sprintf("%s is a symbolic link: edits never go through symbolic links.", name)
		case i < len(elems)-1 && !info.IsDir():
			return f, fmt.Sprintf("%s is not a directory.", name)
		case i == len(elems)-1 && !info.Mode().IsRegular():
			return f, fmt.Sprintf("%s is not a regular file.", name)
		case i == len(elems)-1 && info.Size() > MaxFileSize:
			return f, fmt.Sprintf("%s is larger than %d bytes; such files are not edited.", name, MaxFileSize)
		case i == len(elems)-1:
			f.mode = info.Mode().Perm()
		}
	}
	data, err := os.ReadFile(f.path)
	if err != nil {
		return f, fmt.Sprintf("%s cannot be read: %v.", p, unwrapPath(err))
	}
	if !isText(string(data)) {
		return f, fmt.Sprintf("%s is not a UTF-8 text file; binary files are never edited.", p)
	}
	s := string(data)
	if n := strings.Count(s, "\r\n"); n > 0 && n == strings.Count(s, "\n") {
		f.crlf = true
		s = strings.ReplaceAll(s, "\r\n", "\n")
	}
	f.existed, f.exists, f.orig, f.content = true, true, s, s
	return f, ""
}

func (f *file) bytes(s string) []byte {
	if f.crlf {
		s = strings.ReplaceAll(s, "\n", "\r\n")
	}
	return []byte(s)
}

func (f *file) write() error { return atomicfile.WriteFile(f.path, f.bytes(f.content), f.mode) }

// restore puts back the file as it was before write.
func (f *file) restore() {
	if f.existed {
		_ = atomicfile.WriteFile(f.path, f.bytes(f.orig), f.mode) // best effort: Apply fails anyway
		return
	}
	os.Remove(f.path)
	for _, d := range slices.Backward(f.newDirs) {
		os.Remove(d) // only if empty: another file may have been put there
	}
}

func isText(s string) bool { return utf8.ValidString(s) && !strings.ContainsRune(s, 0) }

// unwrapPath drops the path from a *fs.PathError: the model knows the
// file by its repository path, not by where the work tree is.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func listAllowed(allowed []string) string {
	if len(allowed) == 0 {
		return "it may change none"
	}
	const most = 8
	if len(allowed) > most {
		return strings.Join(allowed[:most], ", ") + fmt.Sprintf(" and %d more", len(allowed)-most)
	}
	return strings.Join(allowed, ", ")
}
