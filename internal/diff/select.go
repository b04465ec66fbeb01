package diff

import (
	"bytes"
	"fmt"
)

// HunkRef names a hunk of a patch: the index of its file in Parse's result
// and its index in the file's Hunks, or -1 for the whole file.
type HunkRef struct{ File, Hunk int }

// Select is the part of patch p made of the chosen hunks: each chosen
// file's header lines as p has them, then its chosen hunks with their
// new-side starts shifted for the hunks left out before them. A whole file
// (Hunk -1) is kept as it is. Text before the first file is dropped.
func Select(p []byte, keep []HunkRef) ([]byte, error) {
	files, spans, err := parse(p)
	if err != nil {
		return nil, err
	}
	want := make(map[HunkRef]bool, len(keep))
	for _, k := range keep {
		want[k] = true
	}
	var out bytes.Buffer
	for fi, sp := range spans {
		if want[HunkRef{fi, -1}] {
			out.Write(p[sp.start:sp.end])
			continue
		}
		shift, wrote := 0, false
		for hi, h := range files[fi].Hunks {
			if !want[HunkRef{fi, hi}] {
				shift -= h.NewLines - h.OldLines
				continue
			}
			if !wrote {
				out.Write(p[sp.start:sp.hunks[0][0]])
				wrote = true
			}
			if h.NewStart+shift < 0 {
				return nil, fmt.Errorf("diff: select: file %d hunk %d: bad line numbers: %w", fi, hi, ErrMalformed)
			}
			text := p[sp.hunks[hi][0]:sp.hunks[hi][1]]
			// The header's section text (the function git names) and line
			// ending stay as they are.
			rest := text[bytes.Index(text, []byte(" @@"))+len(" @@"):]
			fmt.Fprintf(&out, "@@ -%s +%s @@", hunkRange(h.OldStart, h.OldLines), hunkRange(h.NewStart+shift, h.NewLines))
			out.Write(rest)
		}
	}
	return out.Bytes(), nil
}
