// Package diff reads, writes and measures unified diffs in git's format:
// Parse turns a patch into Files and Hunks (refusing anything that is not a
// diff, or that names a path outside the repository), Format writes them
// back as git does, Select keeps some hunks of a patch, Stat counts what a
// patch changes and Reverses tells whether one patch undoes another.
// ParseHunks and FormatHunks do the same for the hunks of one file without
// its header lines (a pull request file's patch on GitHub), and
// ParseHunkHeader reads a lone "@@" line, for text that is not a diff.
//
// The parsing is github.com/bluekeyes/go-gitdiff's. It reads git's extended
// headers (new and deleted file modes, renames, copies, binary patches,
// quoted paths) and reads each hunk by the counts in its header, so a
// removed line whose text starts with "--" or an added one starting with
// "++" stays a hunk line; github.com/sourcegraph/go-diff, used before, left
// the extended headers as strings to interpret by hand, split hunks at
// anything that looked like a header, and could panic on hostile input.
// go-gitdiff skips text between files that is not a diff and strips path
// prefixes whatever they are; git apply refuses the first, and a path
// refused here must not become acceptable, so Parse walks the input again
// along what go-gitdiff read and refuses every line that is not part of a
// file's diff, and checks the paths as the diff spells them.
//
// Format is written here rather than taken from go-gitdiff, whose hunk
// headers always carry both counts: Format writes what git writes, so that
// a patch built from Files (internal/mutate's) has the bytes git would give
// it.
package diff
