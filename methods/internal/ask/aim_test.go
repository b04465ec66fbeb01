package ask

import (
	"slices"
	"strings"
	"testing"

	"github.com/agentic-optimizer/optimizer/internal/source"
	"github.com/agentic-optimizer/optimizer/methods"
)

// TestAimed: a task aimed at a file picks among that file's ranked
// functions (the package's best elsewhere is not its target), one aimed
// at functions takes them as named, and an aimed file with nothing worth
// optimizing says how to aim at a function anyway.
func TestAimed(t *testing.T) {
	mod := &source.Module{Dir: "/m"}
	pkg := &source.Package{Funcs: []source.Func{
		{Name: "ParseBigBytes", File: "/m/bigbytes.go"},
		{Name: "Comma", File: "/m/comma.go"},
		{Name: "Commaf", File: "/m/comma.go"},
		{Name: "tiny", File: "/m/comma.go"},
	}}
	ranked := []string{"ParseBigBytes", "Commaf", "Comma"} // tiny is too trivial to rank
	for _, tc := range []struct {
		name         string
		files, funcs []string
		want         []string
		why          string
	}{
		{"the whole package", nil, nil, ranked, ""},
		{"a file", []string{"comma.go"}, nil, []string{"Commaf", "Comma"}, ""},
		{"a function, trivial or not", []string{"comma.go"}, []string{"tiny"}, []string{"tiny"}, ""},
		{"a file with nothing ranked", []string{"empty.go"}, nil, nil, "no function in empty.go is worth optimizing"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, why := aimed(&methods.Task{Files: tc.files, Funcs: tc.funcs}, mod, pkg, ranked)
			if !slices.Equal(got, tc.want) || !strings.Contains(why, tc.why) || (tc.why == "") != (why == "") {
				t.Errorf("aimed = %v, %q; want %v, %q", got, why, tc.want, tc.why)
			}
		})
	}
	if got, why := aimed(&methods.Task{}, mod, pkg, nil); got != nil || !strings.Contains(why, "no function in the package is worth optimizing") {
		t.Errorf("nothing ranked: %v, %q", got, why)
	}
}
