// Package coverage answers questions about go test -coverprofile
// profiles, read with golang.org/x/tools/cover: how many statements of a
// stretch of lines (a function's body) the tests ran.
package coverage

import "golang.org/x/tools/cover"

// Statements counts the statements of the blocks that start on lines from
// to to, both included, and those of them that ran.
func Statements(blocks []cover.ProfileBlock, from, to int) (covered, total int) {
	for _, b := range blocks {
		if b.NumStmt > 0 && b.StartLine >= from && b.StartLine <= to {
			total += b.NumStmt
			if b.Count > 0 {
				covered += b.NumStmt
			}
		}
	}
	return covered, total
}
