package validate

import (
	"fmt"
	"strings"
	"testing"

	"golang.org/x/tools/cover"
)

// profiles parses a coverage profile written in a test.
func profiles(t *testing.T, text string) []*cover.Profile {
	t.Helper()
	p, err := cover.ParseProfilesFromReader(strings.NewReader("mode: set\n" + text))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// counts are the counts of a profile's blocks, by file and in order.
func profileCounts(ps []*cover.Profile) map[string][]int {
	out := map[string][]int{}
	for _, p := range ps {
		for _, b := range p.Blocks {
			out[p.FileName] = append(out[p.FileName], b.Count)
		}
	}
	return out
}

// TestStableCoverage: of three runs of the same tests, a block is stably
// covered when all three covered it, and unstable when some did; a block
// none covered is neither, and so is a block without statements.
func TestStableCoverage(t *testing.T) {
	run := func(a, b, c, empty int) []*cover.Profile {
		return profiles(t, fmt.Sprintf("example.com/m/x.go:3.10,5.2 2 %d\nexample.com/m/x.go:6.10,8.2 1 %d\nexample.com/m/x.go:9.10,11.2 1 %d\nexample.com/m/x.go:12.1,12.5 0 %d\n", a, b, c, empty))
	}
	stable, unstable := stableCoverage([][]*cover.Profile{run(1, 1, 0, 1), run(1, 0, 0, 0), run(1, 1, 0, 1)})
	if got := profileCounts(stable)["example.com/m/x.go"]; len(got) != 4 || got[0] != 1 || got[1] != 0 || got[2] != 0 || got[3] != 0 {
		t.Errorf("stable counts = %v, want [1 0 0 0]", got)
	}
	if len(unstable) != 1 || len(unstable[0].Blocks) != 1 || unstable[0].Blocks[0].StartLine != 6 || unstable[0].Blocks[0].Count != 1 {
		t.Errorf("unstable = %+v, want the block at line 6 alone, counted 1", unstable)
	}
	if _, unstable := stableCoverage([][]*cover.Profile{run(1, 0, 1, 0), run(1, 0, 1, 0)}); len(unstable) != 0 {
		t.Errorf("runs that agree: unstable = %+v, want none", unstable)
	}
	// A file that one run has no profile of counts as not covered there.
	other := profiles(t, "example.com/m/y.go:3.10,5.2 1 1\n")
	_, unstable = stableCoverage([][]*cover.Profile{append(run(1, 1, 1, 1), other...), run(1, 1, 1, 1)})
	if len(unstable) != 1 || unstable[0].FileName != "example.com/m/y.go" {
		t.Errorf("a file one run lacks: unstable = %+v, want y.go's block", unstable)
	}
}

// TestUnionProfiles: a block is covered in the union when either run
// covered it; a file only the second run has is kept.
func TestUnionProfiles(t *testing.T) {
	a := profiles(t, "example.com/m/x.go:3.10,5.2 2 1\nexample.com/m/x.go:6.10,8.2 1 0\nexample.com/m/x.go:9.10,11.2 1 0\n")
	b := profiles(t, "example.com/m/x.go:3.10,5.2 2 0\nexample.com/m/x.go:6.10,8.2 1 1\nexample.com/m/x.go:9.10,11.2 1 0\nexample.com/m/y.go:1.1,2.2 1 1\n")
	u := profileCounts(unionProfiles(a, b))
	if x := u["example.com/m/x.go"]; len(x) != 3 || x[0] == 0 || x[1] == 0 || x[2] != 0 {
		t.Errorf("x.go counts = %v, want covered, covered, not", x)
	}
	if y := u["example.com/m/y.go"]; len(y) != 1 || y[0] != 1 {
		t.Errorf("y.go counts = %v, want [1]", y)
	}
	if a[0].Blocks[1].Count != 0 {
		t.Error("unionProfiles changed its argument")
	}
}

func TestSplitGaps(t *testing.T) {
	gaps := []funcGap{{name: "Name", file: "d/d.go", lines: []int{9}}, {name: "Sum", file: "d/sum.go", lines: []int{3}}, {name: "Name", file: "e/e.go", lines: []int{4}}}
	judged, excused := splitGaps(gaps, map[funcKey]bool{{dir: "d", name: "Name"}: true})
	if len(excused) != 1 || excused[0].file != "d/d.go" || len(judged) != 2 {
		t.Errorf("judged %+v, excused %+v; want d/d.go's Name alone excused", judged, excused)
	}
}

func TestUnstableNote(t *testing.T) {
	c := trimmedCandidate()
	unstable := profiles(t, "example.com/m/d/d.go:7.9,8.16 1 1\nexample.com/m/d/d.go:9.9,10.15 2 1\nexample.com/m/e.go:3.2,3.9 1 1\n")
	got := c.unstableNote(unstable, 4)
	want := "4 statements covered in some of the base's 4 runs of its tests and not in others (tests that draw their input from the clock or at random?) are not judged: 3 of sub/d/d.go (base lines 7, 9), 1 of sub/e.go (base lines 3)"
	if got != want {
		t.Errorf("note:\n got %s\nwant %s", got, want)
	}
}
