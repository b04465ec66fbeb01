package chaos

import (
	"bytes"
	"strings"

	"golang.org/x/tools/cover"

	"github.com/agentic-optimizer/optimizer/internal/mutate"
)

// coverage is what the tests ran on the unchanged code: a coverage
// profile's blocks, by module-relative file.
type coverage struct {
	blocks map[string][]cover.ProfileBlock
	none   bool // the package has no tests: nothing is covered
}

// parseCoverage reads a coverage profile of module modPath; the blocks
// of files outside the module are left out.
func parseCoverage(data []byte, modPath string) (*coverage, error) {
	profiles, err := cover.ParseProfilesFromReader(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	c := &coverage{blocks: map[string][]cover.ProfileBlock{}}
	for _, p := range profiles {
		if rel, ok := strings.CutPrefix(p.FileName, modPath+"/"); ok {
			c.blocks[rel] = append(c.blocks[rel], p.Blocks...)
		}
	}
	return c, nil
}

// covers reports whether a test ran m's code: a block holding its
// position ran. A position in no block (a package-level initializer) is
// taken as covered: the tests decide.
func (c *coverage) covers(m mutate.Mutant) bool {
	if c.none {
		return false
	}
	in := false
	for _, b := range c.blocks[m.File] {
		after := m.Line > b.StartLine || m.Line == b.StartLine && m.Col >= b.StartCol
		before := m.Line < b.EndLine || m.Line == b.EndLine && m.Col < b.EndCol
		if after && before {
			if b.Count > 0 {
				return true
			}
			in = true
		}
	}
	return !in
}
