package diff

// Stats counts what a diff changes.
type Stats struct {
	Files   int `json:"files"`
	Added   int `json:"added"`   // lines added
	Removed int `json:"removed"` // lines removed
}

// Lines is the number of lines added or removed.
func (s Stats) Lines() int { return s.Added + s.Removed }

// Stat counts the files of a diff and the lines its hunks add and remove,
// as read by the hunks' counts: a removed line whose text starts with "--"
// or an added one starting with "++" is a line like any other.
func Stat(files []File) Stats {
	s := Stats{Files: len(files)}
	for _, f := range files {
		for _, h := range f.Hunks {
			s.Added += len(h.Added)
			s.Removed += len(h.Removed)
		}
	}
	return s
}
