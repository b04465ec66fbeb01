package validate

import (
	"context"
	"fmt"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/agentic-optimizer/optimizer/internal/sandbox"
	"github.com/agentic-optimizer/optimizer/internal/source"
)

// configGroup is a build configuration other than the host's, with the
// changed files that the host's excludes and it includes.
type configGroup struct {
	cfg   source.Config
	files []string // repository-relative
	// hidden are the patterns of the files' packages that the host's
	// configuration does not build at all, and the module's loading
	// therefore does not list ("./win" of win/w_windows.go).
	hidden []string
}

// otherConfigs groups the Go files the patch leaves that the host's
// configuration excludes (the go command loaded the module without them)
// by a configuration that includes them, as source.ConfigFor chooses it:
// a file another group's configuration includes joins that group, so that
// each configuration is vetted once. The notes name the files that no
// configuration of their package builds: those are not type-checked.
func (c *pass) otherConfigs() (groups []*configGroup, notes []string) {
	goos, goarch := c.v.Runner.GoEnv["GOOS"], c.v.Runner.GoEnv["GOARCH"]
	for _, rel := range c.changedGoFiles() {
		pkg := c.packageOf(rel)
		abs := c.abs(rel)
		hidden := ""
		switch {
		case pkg == nil:
			if hidden = c.hiddenPackage(rel); hidden == "" {
				continue
			}
		case slices.Contains(pkg.GoFiles, abs) || slices.Contains(pkg.TestFiles, abs):
			continue
		}
		src, err := os.ReadFile(abs)
		if err != nil {
			continue // the syntax level has read it
		}
		cfg, ok := source.ConfigFor(rel, src, goos, goarch)
		if !ok {
			if line := source.Constraint(rel, src); line != "" {
				rel += " (" + line + ")"
			}
			notes = append(notes, rel+": no build configuration with cgo off includes it; not type-checked")
			continue
		}
		if why := foreignPackage(pkg, rel, src); why != "" {
			notes = append(notes, rel+": "+why+"; not type-checked")
			continue
		}
		i := slices.IndexFunc(groups, func(g *configGroup) bool { return g.cfg.Includes(rel, src) })
		if i < 0 {
			i = len(groups)
			groups = append(groups, &configGroup{cfg: cfg})
		}
		g := groups[i]
		g.files = append(g.files, rel)
		if hidden != "" && !slices.Contains(g.hidden, hidden) {
			g.hidden = append(g.hidden, hidden)
		}
	}
	return groups, notes
}

// hiddenPackage returns the pattern of the directory of rel, a Go file of
// no package the module's loading lists, when go vet would take it for a
// package of the module ("./win"): not under testdata, vendor or a
// directory whose name starts with _ or ., and not in a nested module.
// "" when it is none.
func (c *candidate) hiddenPackage(rel string) string {
	dir, err := filepath.Rel(c.modDir, filepath.Dir(c.abs(rel)))
	if err != nil || dir == ".." || strings.HasPrefix(dir, ".."+string(filepath.Separator)) {
		return ""
	}
	if dir == "." {
		return "."
	}
	for _, elem := range strings.Split(filepath.ToSlash(dir), "/") {
		if elem == "testdata" || elem == "vendor" || strings.HasPrefix(elem, "_") || strings.HasPrefix(elem, ".") {
			return ""
		}
	}
	for d := filepath.Join(c.modDir, dir); d != c.modDir; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return ""
		}
	}
	return "./" + filepath.ToSlash(dir)
}

// foreignPackage says why a file in pkg's directory is not pkg's in any
// configuration (a generator's package main): "" when it is, or when pkg's
// name is unknown (no file of it is the host's, or pkg is nil).
func foreignPackage(pkg *source.Package, rel string, src []byte) string {
	if pkg == nil || pkg.Name == "" {
		return ""
	}
	f, err := parser.ParseFile(token.NewFileSet(), rel, src, parser.PackageClauseOnly)
	if err != nil {
		return ""
	}
	name := f.Name.Name
	if name == pkg.Name || name == pkg.Name+"_test" && strings.HasSuffix(rel, "_test.go") {
		return ""
	}
	return fmt.Sprintf("declares package %s, not %s", name, pkg.Name)
}

// vetConfigs vets, under each configuration of otherConfigs, the affected
// packages that have a file in it: the packages of the changed files, and
// their importers that build there. It returns the notes that name the
// configurations checked, and a problem for each configuration whose vet
// finds what the base does not.
func (c *pass) vetConfigs(ctx context.Context, pkgs []*source.Package) (notes, problems []string, err error) {
	groups, notes := c.otherConfigs()
	var checked []string
	for _, g := range groups {
		patterns := patternsOf(slices.DeleteFunc(slices.Clone(pkgs), func(p *source.Package) bool { return !includesAny(g.cfg, p.Files()) }))
		patterns = append(patterns, g.hidden...)
		if len(patterns) == 0 {
			continue // a guard: a changed file's package is affected and builds there
		}
		vetNote, problem, err := c.vet(ctx, &g.cfg, patterns)
		if err != nil {
			return nil, nil, err
		}
		if problem != "" {
			problems = append(problems, problem)
		}
		checked = append(checked, fmt.Sprintf("%s (%s)%s", g.cfg, strings.Join(g.files, ", "), vetNote))
	}
	if len(checked) > 0 {
		notes = append([]string{"also type-checked and vetted, for the changed files the host's build configuration excludes, with " + strings.Join(checked, "; ")}, notes...)
	}
	return notes, problems, nil
}

// includesAny reports whether cfg builds one of files (absolute paths).
func includesAny(cfg source.Config, files []string) bool {
	return slices.ContainsFunc(files, func(f string) bool {
		src, err := os.ReadFile(f)
		return err == nil && cfg.Includes(f, src)
	})
}

// goCmdIn is goCmd under cfg: its environment and its -tags flag, which
// goes after args[0] (the go subcommand). A nil cfg is the host's.
func (c *candidate) goCmdIn(ctx context.Context, cfg *source.Config, args ...string) (*sandbox.Result, error) {
	if cfg == nil {
		return c.goCmd(ctx, args...)
	}
	return c.v.Runner.RunEnv(ctx, c.modDir, c.timeout(), cfg.Env(), "go", withConfig(cfg, args)...)
}

// withConfig puts cfg's flags after the go subcommand args[0].
func withConfig(cfg *source.Config, args []string) []string {
	if cfg == nil || len(args) == 0 {
		return args
	}
	return slices.Concat(args[:1], cfg.Flags(), args[1:])
}

// with names cfg for a message ("go vet with GOOS=js ... failed"): "" for
// the host's.
func with(cfg *source.Config) string {
	if cfg == nil {
		return ""
	}
	return " with " + cfg.String()
}
