// Package refdocs makes the reference text that is generated, never kept
// by hand: action.yml's inputs and docs/configuration.md from the
// configuration key table and the methods' options, the methods table of
// docs/methods.md from the methods' values, and the levels table of
// docs/validation.md from the validation levels. go generate writes them
// (internal/config/gendocs), and a test fails when a committed file differs.
package refdocs

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/agentic-optimizer/optimizer/internal/config"
	"github.com/agentic-optimizer/optimizer/internal/markdown"
	"github.com/agentic-optimizer/optimizer/internal/validate"
	"github.com/agentic-optimizer/optimizer/methods"
	"github.com/agentic-optimizer/optimizer/methods/all"
)

// Files returns, for the repository at root, the content each generated
// file must have, by path relative to root. Files that are generated in
// part are read from root, and only their generated parts replaced.
func Files(root string) (map[string][]byte, error) {
	ms := all.Methods()
	options := all.Options(ms)
	out := map[string][]byte{}
	cur, err := os.ReadFile(filepath.Join(root, "action.yml"))
	if err != nil {
		return nil, err
	}
	if out["action.yml"], err = config.ActionYAML(cur, options...); err != nil {
		return nil, err
	}
	if out["docs/configuration.md"], err = config.ConfigurationDoc(options...); err != nil {
		return nil, err
	}
	for _, p := range []struct{ file, part, body string }{
		{"docs/methods.md", "methods", methods.Table(ms)},
		{"docs/validation.md", "levels", validate.LevelTable()},
	} {
		cur, err := os.ReadFile(filepath.Join(root, p.file))
		if err != nil {
			return nil, err
		}
		if out[p.file], err = markdown.Generated(cur, p.part, p.body); err != nil {
			return nil, fmt.Errorf("%s: %w", p.file, err)
		}
	}
	return out, nil
}
