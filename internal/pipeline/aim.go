package pipeline

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/agentic-optimizer/optimizer/internal/source"
)

// aim is what --paths names inside one package: files and functions that
// narrow the package's tasks (methods.Task.Files and Funcs).
type aim struct {
	files []string // module-relative, slash-separated
	funcs []string
}

// aimAt resolves paths — package patterns, files, and FILE:FUNC — to the
// target packages and, for each package named only through its files,
// what the tasks aim at. A package also named as a whole is not narrowed.
func aimAt(mod *source.Module, paths []string) ([]*source.Package, map[*source.Package]*aim, error) {
	var pkgs []*source.Package
	aims := map[*source.Package]*aim{}
	whole := map[*source.Package]bool{}
	for _, raw := range paths {
		file, fn := splitFunc(raw)
		found, err := mod.Resolve([]string{file})
		if err != nil {
			return nil, nil, err
		}
		for _, p := range found {
			if !slices.Contains(pkgs, p) {
				pkgs = append(pkgs, p)
			}
			if !strings.HasSuffix(file, ".go") {
				whole[p] = true
				continue
			}
			if err := aimFile(mod, p, aims, file, fn); err != nil {
				return nil, nil, err
			}
		}
	}
	for p := range whole {
		delete(aims, p)
	}
	return pkgs, aims, nil
}

// aimFile adds file, and fn when it is not "", to p's aim.
func aimFile(mod *source.Module, p *source.Package, aims map[*source.Package]*aim, file, fn string) error {
	rel := filepath.ToSlash(filepath.Clean(filepath.FromSlash(strings.TrimPrefix(filepath.ToSlash(file), "./"))))
	a := aims[p]
	if a == nil {
		a = &aim{}
		aims[p] = a
	}
	if !slices.Contains(a.files, rel) {
		a.files = append(a.files, rel)
	}
	if fn == "" {
		return nil
	}
	var there []string
	for _, f := range p.Funcs {
		if r, _ := filepath.Rel(mod.Dir, f.File); filepath.ToSlash(r) == rel && !f.Test {
			there = append(there, f.Name)
		}
	}
	if !slices.Contains(there, fn) {
		return fmt.Errorf("%q: %s declares no function %s (it declares: %s); name a function as F or T.M", file+":"+fn, rel, fn, strings.Join(there, ", "))
	}
	if !slices.Contains(a.funcs, fn) {
		a.funcs = append(a.funcs, fn)
	}
	return nil
}

// splitFunc separates FILE.go:FUNC into the file and the function; other
// paths have no function.
func splitFunc(path string) (file, fn string) {
	if i := strings.LastIndex(path, ".go:"); i >= 0 {
		return path[:i+len(".go")], path[i+len(".go:"):]
	}
	return path, ""
}
