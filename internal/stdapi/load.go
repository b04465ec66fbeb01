package stdapi

import (
	"bufio"
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"os"
	"path"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

// maxWorkers bounds Load's parallelism: the largest file is a third of
// the manifest, so more workers would only wait for the one reading it.
const maxWorkers = 4

// load reads files in parallel, each worker into its own loader, and merges the results.
func load(files []manifestFile) (*Manifest, error) {
	// Largest first, so that no worker is left with a big file at the end.
	slices.SortStableFunc(files, func(a, b manifestFile) int { return cmp.Compare(b.size, a.size) })
	seed := maphash.MakeSeed()
	stamps := make([]fileStamp, len(files))
	errs := make([]error, len(files))
	loaders := make([]*loader, min(runtime.GOMAXPROCS(0), maxWorkers, len(files)))
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := range loaders {
		l := newLoader(seed, stamps)
		loaders[w] = l
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < len(files); i = int(next.Add(1) - 1) {
				if err := l.addFile(i, files[i]); err != nil {
					errs[i] = fmt.Errorf("stdapi: load %s: %w", files[i].path, err)
				}
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return merge(loaders, stamps), nil
}

// A table maps "pkgpath name" and "pkgpath Recv.name" to the minor release
// that introduced the symbol (0 for go1). Keys are 64-bit seeded hashes of
// those strings, which spares an allocation per symbol; among the ~25,000
// symbols a collision has a probability near 2e-11.
type table struct {
	seed  maphash.Seed
	since map[uint64]int
}

func newTable(seed maphash.Seed, size int) table {
	return table{seed, make(map[uint64]int, size)}
}

// hash returns the key of pkg.recv.name; scratch avoids an allocation.
func (t table) hash(scratch []byte, pkg, recv, name string) uint64 {
	key := append(scratch[:0], pkg...)
	key = append(key, ' ')
	if recv != "" {
		key = append(key, recv...)
		key = append(key, '.')
	}
	key = append(key, name...)
	return maphash.Bytes(t.seed, key)
}

// add records pkg.recv.name at minor unless an earlier release has it.
func (t table) add(scratch []byte, pkg, recv, name []byte, minor int) {
	// The string conversions of byte slices passed straight to a
	// function that does not retain them do not allocate.
	h := t.hash(scratch, string(pkg), string(recv), string(name))
	if old, ok := t.since[h]; !ok || minor < old {
		t.since[h] = minor
	}
}

// A loader accumulates manifest files; Load runs several and merges them.
type loader struct {
	symbols  table
	platform map[string]*platformSymbols
	packages map[string]bool
	aliases  []pendingAlias
	latest   int
	files    []fileStamp // shared by the loaders; each sets the files it reads
	r        *bufio.Reader
	scratch  []byte
}

func newLoader(seed maphash.Seed, files []fileStamp) *loader {
	return &loader{
		symbols:  newTable(seed, 8<<10),
		platform: make(map[string]*platformSymbols),
		packages: make(map[string]bool, 256),
		files:    files,
		// The manifest is ~9MB; streaming it through a small buffer
		// matters, as fresh memory is the dominant cost of reading it.
		r:       bufio.NewReaderSize(nil, 64<<10),
		scratch: make([]byte, 0, 128),
	}
}

// merge combines the loaders' results into a Manifest.
func merge(loaders []*loader, files []fileStamp) *Manifest {
	first := loaders[0]
	m := &Manifest{
		symbols:  first.symbols,
		platform: first.platform,
		packages: first.packages,
		files:    files,
		latest:   first.latest,
		aliases:  make(map[string][]typeRef),
	}
	aliases := first.aliases
	for _, l := range loaders[1:] {
		for h, minor := range l.symbols.since {
			if old, ok := m.symbols.since[h]; !ok || minor < old {
				m.symbols.since[h] = minor
			}
		}
		for pkg, p := range l.platform {
			if q := m.platform[pkg]; q != nil {
				q.spans = append(q.spans, p.spans...)
			} else {
				m.platform[pkg] = p
			}
		}
		for pkg := range l.packages {
			m.packages[pkg] = true
		}
		aliases = append(aliases, l.aliases...)
		m.latest = max(m.latest, l.latest)
	}
	for _, p := range m.platform {
		// In file order, so that reading them opens each file once.
		slices.SortFunc(p.spans, func(a, b span) int {
			return cmp.Or(cmp.Compare(a.file, b.file), cmp.Compare(a.off, b.off))
		})
	}
	m.resolveAliases(aliases)
	return m
}

// pendingAlias is a "type A = qual.T" line, resolved once every package is known.
type pendingAlias struct {
	alias      typeRef
	qual, name string // qual is a package name, "" for the same package
	minor      int
}

// maxSpan bounds the spans of platform lines, and so the buffer that reads them.
const maxSpan = 64 << 10

// addFile records the lines of one manifest file as introduced at its
// minor release. Platform-specific lines ("pkg syscall (linux-386), ...",
// nine in ten of all lines) are only located here, and read on first use.
func (l *loader) addFile(file int, mf manifestFile) error {
	f, err := os.Open(mf.path)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	l.files[file] = fileStamp{mf.path, fi.Size(), fi.ModTime()}
	l.latest = max(l.latest, mf.minor)

	var run *platformSymbols // the package of the current run of platform lines
	var runStart, off int64
	var runPrefix []byte // "pkg syscall (" for run
	flush := func(end int64) {
		if run != nil {
			run.spans = append(run.spans, span{file, runStart, end, mf.minor})
			run = nil
		}
	}
	l.r.Reset(f)
	for lineno, eof := 1, false; !eof; lineno++ {
		raw, err := l.r.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			return fmt.Errorf("line %d: longer than %d bytes", lineno, l.r.Size())
		}
		if err != nil && err != io.EOF {
			return err
		}
		eof = err == io.EOF
		start := off
		off += int64(len(raw))
		if run != nil && bytes.HasPrefix(raw, runPrefix) && off-runStart <= maxSpan {
			// The common case: the run goes on. Load checks the shape of
			// the first line of each run; the rest are checked on use.
			continue
		}
		line := bytes.TrimSuffix(bytes.TrimSuffix(raw, []byte("\n")), []byte("\r"))
		if len(line) > 0 && line[0] != '#' {
			pkg, rest, platform, ok := splitLine(line)
			if !ok {
				return fmt.Errorf("line %d: %w %q", lineno, errMalformed, line)
			}
			if platform {
				if run == nil || run.pkg != string(pkg) || off-runStart > maxSpan {
					flush(start)
					run = l.platform[string(pkg)]
					if run == nil {
						run = &platformSymbols{pkg: string(pkg)}
						l.platform[run.pkg] = run
						l.packages[run.pkg] = true
					}
					runStart = start
					runPrefix = append(append(runPrefix[:0], "pkg "...), pkg...)
					runPrefix = append(runPrefix, " ("...)
				}
			} else {
				flush(start)
				if err := l.addDecl(pkg, rest, mf.minor); err != nil {
					return fmt.Errorf("line %d: %w %q", lineno, err, line)
				}
			}
		}
	}
	flush(off)
	return nil
}

// errMalformed reports a manifest line that does not parse.
var errMalformed = errors.New("malformed API line")

// addDecl records a line's declaration in package pkg.
func (l *loader) addDecl(pkg, rest []byte, minor int) error {
	d, ok := parseDecl(rest)
	if !ok {
		return errMalformed
	}
	if d.name == nil {
		return nil
	}
	l.symbols.add(l.scratch, pkg, d.recv, d.name, minor)
	if !l.packages[string(pkg)] {
		l.packages[string(pkg)] = true
	}
	if d.aliasOf != nil {
		l.alias(string(pkg), string(d.name), d.aliasOf, minor)
	}
	return nil
}

// alias remembers "type name = target" in package pkg; target is "qual.T" or "T".
func (l *loader) alias(pkg, name string, target []byte, minor int) {
	qual, tname := "", ident(target)
	if rest, ok := bytes.CutPrefix(target[len(tname):], []byte(".")); ok {
		qual, tname = string(tname), ident(rest)
	}
	if len(tname) > 0 {
		l.aliases = append(l.aliases, pendingAlias{typeRef{pkg, name}, qual, string(tname), minor})
	}
}

// resolveAliases fills m.aliases. The manifest spells an alias's target by
// package name, not path: the target is the only other std package of that
// name that had the type by the alias's release.
func (m *Manifest) resolveAliases(aliases []pendingAlias) {
	var scratch [128]byte
	for _, a := range aliases {
		target := a.alias.pkg
		if a.qual != "" {
			target = ""
			for pkg := range m.packages {
				if pkg == a.alias.pkg || pkgName(pkg) != a.qual {
					continue
				}
				if minor, ok := m.symbols.since[m.symbols.hash(scratch[:], pkg, "", a.name)]; !ok || minor > a.minor {
					continue
				}
				if target != "" {
					target = "" // ambiguous
					break
				}
				target = pkg
			}
		}
		if target != "" {
			key := target + "." + a.name
			m.aliases[key] = append(m.aliases[key], a.alias)
		}
	}
}

// pkgName guesses a std package's name from its path ("math/rand/v2" -> "rand").
func pkgName(pkgPath string) string {
	base := path.Base(pkgPath)
	if len(base) > 1 && base[0] == 'v' && strings.Trim(base[1:], "0123456789") == "" && pkgPath != base {
		return path.Base(path.Dir(pkgPath))
	}
	return base
}
