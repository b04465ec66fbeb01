package source

import (
	"path/filepath"
	"strings"
)

// Rebase returns a copy of m whose paths are under dir instead of m.Dir:
// the same module checked out at the same commit in another worktree, so
// that an agent reads the files of its own worktree, not those of the
// worktree the module was loaded from.
func (m *Module) Rebase(dir string) *Module {
	move := func(p string) string {
		if rel, err := filepath.Rel(m.Dir, p); err == nil && !strings.HasPrefix(rel, "..") {
			return filepath.Join(dir, rel)
		}
		return p
	}
	moveAll := func(ps []string) []string {
		out := make([]string, len(ps))
		for i, p := range ps {
			out[i] = move(p)
		}
		return out
	}
	out := &Module{Path: m.Path, Dir: dir, GoVersion: m.GoVersion, byPath: map[string]*Package{}, importedBy: m.importedBy}
	for _, p := range m.Packages {
		q := *p
		q.Dir = move(p.Dir)
		q.GoFiles = moveAll(p.GoFiles)
		q.TestFiles = moveAll(p.TestFiles)
		q.ExcludedFiles = moveAll(p.ExcludedFiles)
		q.Funcs = make([]Func, len(p.Funcs))
		for i, f := range p.Funcs {
			f.File = move(f.File)
			q.Funcs[i] = f
		}
		out.Packages = append(out.Packages, &q)
		out.byPath[q.ImportPath] = &q
	}
	return out
}
