package stdapi

import (
	"os"
	"slices"
	"sync"
)

// platformSymbols locates, and after first use holds, the OS/arch-specific
// lines of one package.
type platformSymbols struct {
	pkg     string
	spans   []span
	once    sync.Once
	symbols table
}

// span is a byte range of a manifest file holding platform lines introduced
// at one minor release.
type span struct {
	file     int // index in Manifest.files
	off, end int64
	minor    int
}

// platformSymbols returns p's symbols, reading them on first use.
func (m *Manifest) platformSymbols(p *platformSymbols) table {
	p.once.Do(func() {
		p.symbols = m.readSpans(p.spans)
		p.spans = nil
	})
	return p.symbols
}

// readSpans parses the platform lines in spans. They are read again rather
// than kept from Load: they are ~8MB, nearly all of package syscall, which
// little code uses. A file that is gone or changed since Load contributes
// nothing, so its symbols read as absent: a use goes unreported rather than
// misreported.
func (m *Manifest) readSpans(spans []span) table {
	t := newTable(m.symbols.seed, 0)
	var scratch [128]byte
	var buf []byte
	var f *os.File
	cur := -1
	defer func() {
		if f != nil {
			f.Close()
		}
	}()
	for _, s := range spans {
		if s.file != cur {
			if f != nil {
				f.Close()
			}
			cur, f = s.file, m.openUnchanged(s.file)
		}
		if f == nil {
			continue
		}
		n := int(s.end - s.off)
		buf = slices.Grow(buf[:0], n)[:n]
		if _, err := f.ReadAt(buf, s.off); err != nil {
			continue
		}
		eachLine(buf, func(line []byte) {
			pkg, rest, _, ok := splitLine(line)
			if !ok {
				return
			}
			if d, ok := parseDecl(rest); ok && d.name != nil {
				t.add(scratch[:], pkg, d.recv, d.name, s.minor)
			}
		})
	}
	return t
}

// openUnchanged opens manifest file i if it is as Load found it, else returns nil.
func (m *Manifest) openUnchanged(i int) *os.File {
	want := m.files[i]
	f, err := os.Open(want.path)
	if err != nil {
		return nil
	}
	fi, err := f.Stat()
	if err != nil || fi.Size() != want.size || !fi.ModTime().Equal(want.modTime) {
		f.Close()
		return nil
	}
	return f
}
