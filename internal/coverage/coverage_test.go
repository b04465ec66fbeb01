package coverage

import (
	"strings"
	"testing"

	"golang.org/x/tools/cover"
)

func TestStatements(t *testing.T) {
	profiles, err := cover.ParseProfilesFromReader(strings.NewReader(`mode: count
example.com/m/a.go:3.20,5.10 2 1
example.com/m/a.go:5.10,7.3 1 0
example.com/m/a.go:8.2,8.14 1 3
example.com/m/a.go:8.14,8.15 0 1
example.com/m/a.go:12.20,14.2 2 0
`))
	if err != nil || len(profiles) != 1 {
		t.Fatalf("profiles %v, %v", profiles, err)
	}
	blocks := profiles[0].Blocks
	for _, tc := range []struct {
		from, to       int
		covered, total int
	}{
		{3, 9, 3, 4},   // the first function: the block at 5 did not run, the empty one counts nothing
		{12, 14, 0, 2}, // the second, never run
		{1, 20, 3, 6},
		{6, 7, 0, 0}, // a block that starts before the range is not the range's
		{15, 20, 0, 0},
	} {
		covered, total := Statements(blocks, tc.from, tc.to)
		if covered != tc.covered || total != tc.total {
			t.Errorf("Statements(%d, %d) = %d of %d, want %d of %d", tc.from, tc.to, covered, total, tc.covered, tc.total)
		}
	}
}
