package diff

import "slices"

// Reverses reports whether reverse undoes forward: for every file, reverse swaps the paths and
// modes, removes exactly the lines forward adds and adds exactly the lines it removes (its hunks
// may be cut differently). A patch that does not parse reverses nothing.
func Reverses(forward, reverse []byte) bool {
	fwd, err := Parse(forward)
	if err != nil {
		return false
	}
	rev, err := Parse(reverse)
	if err != nil || len(fwd) != len(rev) {
		return false
	}
	type key struct{ from, to string }
	undo := make(map[key]File, len(rev))
	for _, r := range rev {
		undo[key{r.NewPath, r.OldPath}] = r
	}
	for _, f := range fwd {
		r, ok := undo[key{f.OldPath, f.NewPath}]
		if !ok || r.OldMode != f.NewMode || r.NewMode != f.OldMode || r.Binary != f.Binary {
			return false
		}
		added, removed := changes(f)
		rAdded, rRemoved := changes(r)
		if !slices.Equal(added, rRemoved) || !slices.Equal(removed, rAdded) {
			return false
		}
	}
	return true
}

// changes returns every line f adds and every line it removes, in order.
func changes(f File) (added, removed []Line) {
	for _, h := range f.Hunks {
		added = append(added, h.Added...)
		removed = append(removed, h.Removed...)
	}
	return added, removed
}
