package validate_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/agentic-optimizer/optimizer/internal/gitx/gittest"
	"github.com/agentic-optimizer/optimizer/internal/validate"
)

// hexDigits are the names that clockModule's Name returns.
var hexDigits = []string{"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen"}

// clockModule's TestName checks one digit, drawn from the clock: each run
// of its tests covers one case of Name's switch, another one, as a rule,
// than the run before. Sum is tested as any deterministic code is.
func clockModule() map[string]string {
	var cases strings.Builder
	for d, name := range hexDigits {
		fmt.Fprintf(&cases, "\tcase %d:\n\t\treturn %q\n", d, name)
	}
	return map[string]string{
		"go.mod": "module example.com/clock\n\ngo 1.22\n",
		"digits/digits.go": `// Package digits names hexadecimal digits.
package digits

// Name returns the English name of d, a hexadecimal digit.
func Name(d int) string {
	switch d {
` + cases.String() + `	}
	return ""
}

var checkEmpty = true

// Sum adds xs.
func Sum(xs []int) int {
	if checkEmpty && len(xs) == 0 {
		return 0
	}
	total := 0
	for _, x := range xs {
		total += x
	}
	return total
}
`,
		"digits/digits_test.go": `package digits

import (
	"math/rand"
	"testing"
	"time"
)

func TestName(t *testing.T) {
	r := rand.New(rand.NewSource(time.Now().UnixNano()))
	var d interface{} = r.Intn(16)
	if Name(d.(int)) == "" {
		t.Fatalf("Name(%d) is empty", d)
	}
}

func TestSum(t *testing.T) {
	if Sum(nil) != 0 || Sum([]int{1, 2, 3}) != 6 {
		t.Fatal("Sum")
	}
}
`,
	}
}

// TestUnstableCoverage validates, in one workspace (one Baseline), patches
// to a module whose tests draw their input from the clock: the base's run
// covers one case of a switch and the candidate's, fifteen times in
// sixteen, another. Patches that change nothing the tests run (the
// issue's interface{} → any in a test file, a comment) must be accepted
// whatever the draws, and so must a patch to a line that only some draws
// run; a patch that makes deterministically covered code unreachable
// must still be rejected, and its detail must name the statements whose
// coverage varies. Judged on one run of each side, the four accepted
// cases all pass once in 65536 tries. Judged as checkCoverage does, the
// test fails only when the base's four runs all draw the same digit (one
// in 4096) and then a candidate's three runs all miss it.
func TestUnstableCoverage(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and tests a module")
	}
	mod := clockModule()
	repo := gittest.NewRepo(t, mod)
	ws, cfg := openWorkspace(t, repo)
	code, tests := mod["digits/digits.go"], mod["digits/digits_test.go"]
	cases := []struct {
		name       string
		files      map[string]string
		configure  func(*validate.Validator)
		rejectedBy string
		want       []string // words of the coverage level's detail
	}{
		{
			name:  "interface{} → any in the test file",
			files: map[string]string{"digits/digits_test.go": strings.Replace(tests, "var d interface{}", "var d any", 1)},
		},
		{
			name:  "the package comment",
			files: map[string]string{"digits/digits.go": strings.Replace(code, "names hexadecimal digits", "names the hexadecimal digits", 1)},
		},
		{
			name:  "a comment and interface{} → any",
			files: map[string]string{"digits/digits.go": strings.Replace(code, "// Sum adds xs.", "// Sum returns the sum of xs.", 1), "digits/digits_test.go": strings.Replace(tests, "var d interface{}", "var d any", 1)},
		},
		{
			// Name runs on every run, the case of three in one in
			// sixteen: whether the changed line runs is the draw's.
			name:      "a line of a case the tests draw only sometimes",
			files:     map[string]string{"digits/digits.go": strings.Replace(code, `return "three"`, `return "thr" + "ee"`, 1)},
			configure: func(v *validate.Validator) { v.MinTestCoverage = 0 },
		},
		{
			name:       "deterministic code made unreachable",
			files:      map[string]string{"digits/digits.go": strings.Replace(code, "var checkEmpty = true", "var checkEmpty = false", 1)},
			rejectedBy: "coverage",
			want: []string{
				"covered on the base but not after the patch: digits/digits.go:48;",
				"statements covered in some of the base's 4 runs of its tests and not in others", "of digits/digits.go (base lines ",
			},
		},
	}
	raws := make([]string, len(cases))
	for i, tc := range cases {
		raws[i] = diffOf(t, repo, tc.files)
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			v := ws.Validator(cfg, nil)
			if tc.configure != nil {
				tc.configure(v)
			}
			rep := validateIn(t, ws, v, fmt.Sprint("unstable", i), raws[i], 5*time.Minute)
			if rep.RejectedBy != tc.rejectedBy {
				t.Errorf("rejected by %q, want %q", rep.RejectedBy, tc.rejectedBy)
			}
			cov := rep.Level("coverage")
			for _, w := range tc.want {
				if cov == nil || !strings.Contains(cov.Detail, w) {
					t.Errorf("coverage detail = %+v, want it to hold %q", cov, w)
				}
			}
		})
	}
}
