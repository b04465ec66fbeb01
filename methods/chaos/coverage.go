package chaos

import (
	"bufio"
	"bytes"
	"fmt"
	"strings"

	"github.com/agentic-optimizer/optimizer/internal/mutate"
)

// coverage is a coverage profile's blocks, by module-relative file.
type coverage struct {
	blocks map[string][]block
	none   bool // the package has no tests: nothing is covered
}

type block struct {
	startLine, startCol, endLine, endCol int
	count                                int
}

// parseCoverage reads a coverage profile ("mode: set" then
// "example.com/m/pkg/f.go:5.46,7.26 2 1" lines) of module modPath.
func parseCoverage(data []byte, modPath string) *coverage {
	c := &coverage{blocks: map[string][]block{}}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := sc.Text()
		colon := strings.LastIndex(line, ".go:")
		if colon < 0 {
			continue
		}
		file := line[:colon+3]
		var b block
		var stmts int
		if _, err := fmt.Sscanf(line[colon+4:], "%d.%d,%d.%d %d %d", &b.startLine, &b.startCol, &b.endLine, &b.endCol, &stmts, &b.count); err != nil {
			continue
		}
		rel, ok := strings.CutPrefix(file, modPath+"/")
		if !ok {
			continue
		}
		c.blocks[rel] = append(c.blocks[rel], b)
	}
	return c
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
		after := m.Line > b.startLine || m.Line == b.startLine && m.Col >= b.startCol
		before := m.Line < b.endLine || m.Line == b.endLine && m.Col < b.endCol
		if after && before {
			if b.count > 0 {
				return true
			}
			in = true
		}
	}
	return !in
}
