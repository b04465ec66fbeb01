package ask

import (
	"bytes"
	"context"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path"
	"path/filepath"
	"time"

	"golang.org/x/tools/cover"

	"github.com/agentic-optimizer/optimizer/internal/coverage"
	"github.com/agentic-optimizer/optimizer/internal/sandbox"
	"github.com/agentic-optimizer/optimizer/internal/source"
	"github.com/agentic-optimizer/optimizer/methods"
)

// Coverage is how much of the target function the package's tests run
// on the unchanged code, in percent of its statements. ok is false when
// the package has no tests or its tests do not pass: nothing pins the
// function down then.
func (tg *Target) Coverage(ctx context.Context, pass *methods.Pass) (pct float64, ok bool, err error) {
	if len(tg.Pkg.TestFiles) == 0 {
		return 0, false, nil
	}
	dir, err := pass.Sandbox.TempDir(pass.ModuleDir, "cover-")
	if err != nil {
		return 0, false, err
	}
	defer os.RemoveAll(dir)
	profile := filepath.Join(dir, "cover.out")
	limit := pass.Timeout
	if limit <= 0 {
		limit = 10 * time.Minute
	}
	// No -count: go's test cache answers for a package run before.
	res, err := pass.Sandbox.Run(ctx, pass.ModuleDir, limit, "go", "test", "-coverprofile="+profile, "./"+tg.PkgRel)
	if err != nil {
		return 0, false, err
	}
	if res.ExitCode != 0 || res.TimedOut {
		return 0, false, nil
	}
	data, err := sandbox.ReadFile(profile, 256<<20)
	if err != nil {
		return 0, false, fmt.Errorf("coverage of %s: %w", tg.Name, err)
	}
	profiles, err := cover.ParseProfilesFromReader(bytes.NewReader(data))
	if err != nil {
		return 0, false, fmt.Errorf("coverage of %s: %w", tg.Name, err)
	}
	file, from, to, found := tg.body()
	if !found {
		return 0, false, nil
	}
	var covered, total int
	for _, p := range profiles {
		if path.Base(p.FileName) != file {
			continue
		}
		c, t := coverage.Statements(p.Blocks, from, to)
		covered, total = covered+c, total+t
	}
	if total == 0 {
		return 0, false, nil
	}
	return 100 * float64(covered) / float64(total), true, nil
}

// body finds the target's declaration in the package: its file's base
// name and the lines of its body.
func (tg *Target) body() (file string, from, to int, ok bool) {
	for _, f := range tg.Pkg.GoFiles {
		fset := token.NewFileSet()
		af, err := parser.ParseFile(fset, f, nil, parser.SkipObjectResolution)
		if err != nil {
			continue
		}
		for _, d := range af.Decls {
			fd, isFunc := d.(*ast.FuncDecl)
			if !isFunc || fd.Body == nil || source.FuncName(fd) != tg.Name {
				continue
			}
			return filepath.Base(f), fset.Position(fd.Body.Lbrace).Line, fset.Position(fd.Body.Rbrace).Line, true
		}
	}
	return "", 0, 0, false
}
