package validate_test

import (
	"strings"
	"testing"

	"github.com/agentic-optimizer/optimizer/internal/gitx/gittest"
)

// crashModule's first test dies under the race detector (checkptr on a
// bad pointer value it makes, a fatal error, as github.com/kr/pretty's
// TestDiff does), so under -race no other test of the package runs, on the
// base as on any candidate.
var crashModule = map[string]string{
	"go.mod": "module example.com/crash\n\ngo 1.22\n",
	"sum.go": "package crash\n\n// Sum adds xs.\nfunc Sum(xs []int) int {\n\tt := 0\n\tfor _, x := range xs {\n\t\tt += x\n\t}\n\treturn t\n}\n",
	"crash_test.go": `package crash

import (
	"testing"
	"unsafe"
)

var odd = uintptr(1)

func TestAPointerTrick(t *testing.T) {
	if p := unsafe.Pointer(odd); p == nil {
		t.Fatal("nil")
	}
}

func TestSum(t *testing.T) {
	if got := Sum([]int{1, 2, 3}); got != 6 {
		t.Fatalf("Sum = %d, want 6", got)
	}
}
`,
}

// TestTestsTheRaceDetectorStopsStillJudge: when the race detector stops the
// base's own tests, the candidate is judged without it — a broken Sum is
// rejected by its test (under -race it never ran, and the candidate passed
// with "0 tests"), a correct one accepted, and the detail says why -race
// is off.
func TestTestsTheRaceDetectorStopsStillJudge(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and tests a module with -race")
	}
	repo := gittest.NewRepo(t, crashModule)
	broken := strings.Replace(crashModule["sum.go"], "t += x", "t -= x", 1)
	rep := validateFiles(t, repo, "quality", map[string]string{"sum.go": broken})
	if rep.RejectedBy != "unit" || !strings.Contains(rep.Level("unit").Detail, "TestSum") {
		t.Fatalf("a broken Sum: rejected by %q, levels %+v", rep.RejectedBy, rep.Levels)
	}
	fine := strings.Replace(crashModule["sum.go"], "t := 0\n\tfor _, x := range xs {\n\t\tt += x\n\t}\n\treturn t", "t := 0\n\tfor i := range xs {\n\t\tt += xs[i]\n\t}\n\treturn t", 1)
	rep = validateFiles(t, repo, "quality", map[string]string{"sum.go": fine})
	unit := rep.Level("unit")
	if unit == nil || unit.Status != "pass" || !strings.Contains(unit.Detail, "do not run to the end under the race detector") || !strings.Contains(unit.Detail, "2 tests passed") {
		t.Fatalf("a correct Sum: unit %+v (rejected by %q)", unit, rep.RejectedBy)
	}
}
