package prompt

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/agentic-optimizer/optimizer/internal/source"
)

// TestMeasureDemo reports, for each package of the bundled example and its
// top target, the context's size against sending the whole files. The
// example's files are a few dozen lines: there the fixed header and
// objective weigh as much as what the context leaves out, so only the
// budget is asserted.
func TestMeasureDemo(t *testing.T) {
	mod, err := source.Load(context.Background(), filepath.Join("..", "..", "examples", "demo"), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, pkg := range mod.Packages {
		c, err := Build(mod, pkg, nil, Options{})
		if errors.Is(err, ErrNoTarget) || errors.Is(err, ErrNoGoFiles) {
			t.Logf("%s: %v", pkg.ImportPath, err)
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", pkg.ImportPath, err)
			continue
		}
		t.Logf("%-28s %-14s context %5d tokens, whole files %5d, ratio %.2f, omitted %d",
			pkg.ImportPath, c.Targets[0], c.Tokens, c.WholeFileTokens, float64(c.Tokens)/float64(c.WholeFileTokens), len(c.Omitted))
		if c.Tokens > DefaultBudget || !strings.Contains(c.Text, "func "+c.Targets[0]) {
			t.Errorf("%s: %d tokens, or target %s not quoted", pkg.ImportPath, c.Tokens, c.Targets[0])
		}
	}
}

// TestMeasureStd copies two packages of the standard library into a module
// and measures their top targets: files of hundreds of lines, where the
// context must be much smaller than the whole files.
func TestMeasureStd(t *testing.T) {
	if testing.Short() {
		t.Skip("copies standard library packages")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, "go", "env", "GOROOT").Output()
	if err != nil {
		t.Skipf("go env GOROOT: %v", err)
	}
	goroot := strings.TrimSpace(string(out))
	files := map[string]string{"go.mod": "module example.com/std\n\ngo 1.22\n"}
	std := []string{"encoding/csv", "text/tabwriter"}
	for _, p := range std {
		ents, err := os.ReadDir(filepath.Join(goroot, "src", p))
		if err != nil {
			t.Skipf("no standard library source: %v", err)
		}
		for _, e := range ents {
			if filepath.Ext(e.Name()) != ".go" {
				continue
			}
			b, err := os.ReadFile(filepath.Join(goroot, "src", p, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			// External tests import the package by its standard path.
			files[p+"/"+e.Name()] = strings.ReplaceAll(string(b), `"`+p+`"`, `"example.com/std/`+p+`"`)
		}
	}
	dir := writeModule(t, files)
	for _, p := range std {
		mod, pkg := loadModule(t, dir, "example.com/std/"+p)
		targets, err := Targets(pkg)
		if err != nil || len(targets) == 0 {
			t.Fatalf("%s: targets %v, %v", p, targets, err)
		}
		for i, target := range targets[:min(3, len(targets))] {
			c, err := Build(mod, pkg, []string{target}, Options{})
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%-15s %-20s context %5d tokens, whole files %5d, ratio %.2f, omitted %d",
				p, target, c.Tokens, c.WholeFileTokens, float64(c.Tokens)/float64(c.WholeFileTokens), len(c.Omitted))
			if i == 0 && c.Tokens >= c.WholeFileTokens {
				t.Errorf("%s %s: context of %d tokens, not smaller than the whole files (%d)", p, target, c.Tokens, c.WholeFileTokens)
			}
			if c.Tokens > DefaultBudget {
				t.Errorf("%s %s: context of %d tokens over the budget", p, target, c.Tokens)
			}
		}
	}
}
