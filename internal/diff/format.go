package diff

import (
	"fmt"
	"strconv"
	"strings"
)

// Format writes files as `git diff` does, the index lines and modes
// included, each hunk from its Body; what Parse reads from it is files
// again. A binary file's data is not kept by Parse, so it is written as
// git's "Binary files … differ" notice.
func Format(files []File) []byte {
	var b strings.Builder
	for _, f := range files {
		formatFile(&b, f)
	}
	return []byte(b.String())
}

func formatFile(b *strings.Builder, f File) {
	oldName, newName := f.OldPath, f.NewPath
	if oldName == "" {
		oldName = newName
	}
	if newName == "" {
		newName = oldName
	}
	fmt.Fprintf(b, "diff --git %s %s\n", Quote("a/"+oldName), Quote("b/"+newName))
	switch {
	case f.OldPath == "":
		if f.NewMode != "" {
			fmt.Fprintf(b, "new file mode %s\n", f.NewMode)
		}
	case f.NewPath == "":
		if f.OldMode != "" {
			fmt.Fprintf(b, "deleted file mode %s\n", f.OldMode)
		}
	case f.OldMode != "" && f.NewMode != "" && (f.OldMode != f.NewMode || f.OldOID == "" || f.NewOID == ""):
		fmt.Fprintf(b, "old mode %s\nnew mode %s\n", f.OldMode, f.NewMode)
	}
	if f.OldPath != "" && f.NewPath != "" && f.OldPath != f.NewPath {
		fmt.Fprintf(b, "rename from %s\nrename to %s\n", Quote(f.OldPath), Quote(f.NewPath))
	}
	if f.OldOID != "" && f.NewOID != "" {
		fmt.Fprintf(b, "index %s..%s", f.OldOID, f.NewOID)
		if f.OldPath != "" && f.NewPath != "" && f.OldMode != "" && f.OldMode == f.NewMode {
			fmt.Fprintf(b, " %s", f.OldMode)
		}
		b.WriteByte('\n')
	}
	oldSide, newSide := "/dev/null", "/dev/null"
	if f.OldPath != "" {
		oldSide = Quote("a/" + f.OldPath)
	}
	if f.NewPath != "" {
		newSide = Quote("b/" + f.NewPath)
	}
	if f.Binary {
		fmt.Fprintf(b, "Binary files %s and %s differ\n", oldSide, newSide)
		return
	}
	if len(f.Hunks) == 0 {
		return
	}
	fmt.Fprintf(b, "--- %s%s\n+++ %s%s\n", oldSide, nameEnd(oldSide), newSide, nameEnd(newSide))
	for _, h := range f.Hunks {
		formatHunk(b, h)
	}
}

// FormatHunks writes hunks without file header lines, as GitHub's API
// gives a pull request file's patch; ParseHunks reads them.
func FormatHunks(hunks []Hunk) []byte {
	var b strings.Builder
	for _, h := range hunks {
		formatHunk(&b, h)
	}
	return []byte(b.String())
}

func formatHunk(b *strings.Builder, h Hunk) {
	fmt.Fprintf(b, "@@ -%s +%s @@\n", hunkRange(h.OldStart, h.OldLines), hunkRange(h.NewStart, h.NewLines))
	for _, l := range h.Body {
		b.WriteByte(l.Op)
		b.WriteString(l.Text)
		b.WriteByte('\n')
		if l.NoNewline {
			b.WriteString("\\ No newline at end of file\n")
		}
	}
}

// nameEnd is what git writes after the name on a "---" or "+++" line: a
// tab when the name has a space, so that it cannot be taken for a
// timestamp.
func nameEnd(name string) string {
	if strings.Contains(name, " ") {
		return "\t"
	}
	return ""
}

// hunkRange is one side of a hunk header as git writes it: the count is
// left out when it is 1.
func hunkRange(start, count int) string {
	if count == 1 {
		return strconv.Itoa(start)
	}
	return strconv.Itoa(start) + "," + strconv.Itoa(count)
}

// Quote quotes a path as git does (core.quotePath) when it holds a byte
// git would not print as it is: a control character, a double quote, a
// backslash, DEL or a non-ASCII byte.
func Quote(p string) string {
	if !strings.ContainsFunc(p, func(r rune) bool { return r < 0x20 || r >= 0x7f || r == '"' || r == '\\' }) {
		return p
	}
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(p); i++ {
		c := p[i]
		if e := strings.IndexByte("\a\b\t\n\v\f\r\"\\", c); e >= 0 {
			b.WriteByte('\\')
			b.WriteByte("abtnvfr\"\\"[e])
			continue
		}
		if c < 0x20 || c >= 0x7f {
			fmt.Fprintf(&b, `\%03o`, c)
			continue
		}
		b.WriteByte(c)
	}
	b.WriteByte('"')
	return b.String()
}
