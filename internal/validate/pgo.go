package validate

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/agentic-optimizer/optimizer/internal/source"
)

// benchTarget is one package's benchmarks that the performance level
// compares, and how each side's test binary is compiled.
type benchTarget struct {
	pkg        *source.Package
	benchmarks []string
	label      string // names the target in rows and reasons when there are several
	// basePGO is the module-relative path of the base's profile and
	// candPGO the absolute path of the candidate's, passed as -pgo when
	// the package is measured under a main package's default.pgo; "" for
	// none (go test's -pgo=auto still applies a main package's own).
	basePGO, candPGO string
	profileOf        string // the main package whose profile a library is measured under
}

// profileTargets returns the benchmarks that measure the default.pgo
// files the patch adds, changes or deletes.
//
// The go command applies a main package's default.pgo (-pgo=auto) when it
// builds that main package — its binary, and its test binary too — to the
// package and all its dependencies; a library's own test binary never
// gets it. So the profile is measured by the main package's benchmarks,
// built as go test builds them on each side, and by those of every
// package of the module compiled into the binary, built with
// -pgo=<that side's profile>. A default.pgo beside no main package is
// read by nothing and measured by nothing.
func (c *candidate) profileTargets(ctx context.Context) ([]benchTarget, error) {
	var out []benchTarget
	for _, f := range c.files {
		if !IsProfile(f.Path()) {
			continue
		}
		dir := filepath.Dir(c.abs(f.Path()))
		i := slices.IndexFunc(c.mod.Packages, func(p *source.Package) bool { return p.Dir == dir && p.Name == "main" })
		if i < 0 {
			continue
		}
		main := c.mod.Packages[i]
		deps, err := c.moduleDeps(ctx, main)
		if err != nil {
			return nil, err
		}
		var basePGO, candPGO string
		if f.OldPath != "" {
			basePGO = filepath.ToSlash(filepath.Join(main.RelDir, "default.pgo"))
		}
		if f.NewPath != "" {
			candPGO = c.abs(f.NewPath)
		}
		for _, p := range deps {
			if len(p.Benchmarks) == 0 {
				continue
			}
			t := benchTarget{pkg: p, benchmarks: p.Benchmarks, label: p.Pattern()}
			if p != main {
				t.basePGO, t.candPGO, t.profileOf = basePGO, candPGO, main.Pattern()
			}
			out = append(out, t)
		}
	}
	// A library measured under two profiles is two targets: tell them apart.
	for i := range out {
		if out[i].profileOf != "" && slices.ContainsFunc(out, func(t benchTarget) bool { return t.pkg == out[i].pkg && t.profileOf != out[i].profileOf }) {
			out[i].label = fmt.Sprintf("%s (under %s/default.pgo)", out[i].pkg.Pattern(), out[i].profileOf)
		}
	}
	return out, nil
}

// moduleDeps returns main and the packages of the module it imports,
// directly or not, from its non-test code: what its binary is made of.
func (c *candidate) moduleDeps(ctx context.Context, main *source.Package) ([]*source.Package, error) {
	res, err := c.goCmd(ctx, "list", "-deps", "-f", "{{if .Module}}{{if .Module.Main}}{{.ImportPath}}{{end}}{{end}}", main.Pattern())
	if err != nil {
		return nil, fmt.Errorf("performance: go list -deps %s: %w", main.Pattern(), err)
	}
	if res.ExitCode != 0 {
		return nil, fmt.Errorf("performance: go list -deps %s: %s", main.Pattern(), trimOutput(res.Stderr, res.Stdout))
	}
	var out []*source.Package
	for _, line := range strings.Split(string(res.Stdout), "\n") {
		if p := c.mod.Package(strings.TrimSpace(line)); p != nil && !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	if !slices.Contains(out, main) {
		out = append(out, main)
	}
	return out, nil
}
