package validate

import (
	"bytes"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/agentic-optimizer/optimizer/internal/source"
)

// trimsPath reports whether the tests of mod may be built with -trimpath.
//
// Every worktree has its own directory, and the go command keys a package
// compiled without -trimpath on its directory: each worktree would compile
// every package again, and go's test cache could never answer the base's
// run. With -trimpath a package compiled in one worktree serves them all.
// The cost is the file names compiled into binaries: a stack trace, a race
// report or runtime.Caller says example.com/m/pkg/file.go instead of the
// worktree's path. repoPath reads both forms back; but tests that find
// their testdata through runtime.Caller would fail on the base and the
// candidate alike, and so check nothing: a module whose Go files call it
// keeps full paths. go vet and go build run no code and take -trimpath
// always; the performance level's binaries are built as the user builds
// them.
func trimsPath(mod *source.Module) bool {
	for _, p := range mod.Packages {
		for _, f := range slices.Concat(p.GoFiles, p.TestFiles) {
			src, err := os.ReadFile(f)
			if err == nil && bytes.Contains(src, []byte("runtime.Caller(")) {
				return false
			}
		}
	}
	return true
}

// repoPath turns a file name that go's output or a test binary's stack
// trace shows — a worktree path, or under -trimpath the module's import
// path and the file (example.com/m/pkg/file.go) — into a path relative to
// the repository root. ok is false for a file outside the module: the
// standard library's (runtime/map.go), a dependency's.
func (c *candidate) repoPath(name string) (string, bool) {
	if filepath.IsAbs(name) {
		rel := c.rel(name)
		return rel, !strings.HasPrefix(rel, "../") && !filepath.IsAbs(rel)
	}
	if c.mod == nil {
		return "", false
	}
	if rest, ok := strings.CutPrefix(filepath.ToSlash(name), c.mod.Path+"/"); ok {
		return path.Join(filepath.ToSlash(c.v.ModuleDir), rest), true
	}
	return "", false
}
