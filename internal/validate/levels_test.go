package validate_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/agentic-optimizer/optimizer/internal/config"
	"github.com/agentic-optimizer/optimizer/internal/gitx/gittest"
	"github.com/agentic-optimizer/optimizer/internal/pipeline"
	"github.com/agentic-optimizer/optimizer/internal/validate"
)

// levelsModule has one small package per behaviour of the unit,
// integration and coverage levels, so that one workspace (one sandbox, one
// base worktree, one cache of base runs) serves every case: a patch
// touches one package, and only that package's tests run.
var levelsModule = map[string]string{
	"go.mod": "module example.com/levels\n\ngo 1.22\n",

	"counter/counter.go": `// Package counter counts safely.
package counter

import "sync"

// Counter is safe for concurrent use.
type Counter struct {
	mu sync.Mutex
	n  int
}

// Inc adds one.
func (c *Counter) Inc() {
	c.mu.Lock()
	c.n++
	c.mu.Unlock()
}

// N returns the count.
func (c *Counter) N() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}
`,
	"counter/counter_test.go": `package counter

import (
	"sync"
	"testing"
)

func TestConcurrentInc(t *testing.T) {
	var c Counter
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 100 {
				c.Inc()
			}
		}()
	}
	wg.Wait()
	if c.N() == 0 {
		t.Fatal("nothing counted")
	}
}
`,

	"answer/answer.go": `// Package answer answers.
package answer

// Answer returns the answer.
func Answer() int { return 42 }
`,
	"answer/answer_test.go": `package answer

import "testing"

func TestAnswer(t *testing.T) {
	if got := Answer(); got != 42 {
		t.Fatalf("Answer() = %d, want 42", got)
	}
}
`,

	"broken/broken.go": `// Package broken has a test that fails before any patch.
package broken

// One returns one.
func One() int { return 1 }
`,
	"broken/broken_test.go": `package broken

import "testing"

func TestOne(t *testing.T) {
	if One() != 1 {
		t.Fatal("One")
	}
}

func TestAlwaysBroken(t *testing.T) {
	t.Fatal("broken before the patch")
}
`,

	"integ/integ.go": `// Package integ doubles.
package integ

// Double returns 2x.
func Double(x int) int { return x * 2 }
`,
	"integ/integ_test.go": `package integ

import "testing"

func TestDouble(t *testing.T) {
	if Double(2) != 4 {
		t.Fatal("Double(2)")
	}
}
`,
	"integ/negative_test.go": `//go:build integration

package integ

import "testing"

func TestDoubleNegative(t *testing.T) {
	if got := Double(-3); got != -6 {
		t.Fatalf("Double(-3) = %d, want -6", got)
	}
}
`,

	"cov/cov.go":         covBase,
	"plain/plain.go":     "// Package plain has no tests.\npackage plain\n\n// Twice doubles x.\nfunc Twice(x int) int {\n\treturn 2 * x\n}\n",
	"cov/cov_windows.go": "package cov\n\n// Sep is the path separator on Windows.\nfunc Sep() byte {\n\treturn '\\\\'\n}\n",
	"cov/cov_test.go": `package cov

import "testing"

func TestContains(t *testing.T) {
	if !Contains([]int{1, 2}, 2) || Contains([]int{1}, 3) {
		t.Fatal("Contains")
	}
}

func TestAbs(t *testing.T) {
	for _, c := range [][2]int{{0, 0}, {-2, 2}, {3, 3}} {
		if got := Abs(c[0]); got != c[1] {
			t.Errorf("Abs(%d) = %d, want %d", c[0], got, c[1])
		}
	}
}
`,
}

const covBase = `// Package cov is measured by the coverage level.
package cov

// Contains reports whether xs holds x.
func Contains(xs []int, x int) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

// Abs returns the absolute value of x.
func Abs(x int) int {
	if x == 0 {
		return 0
	}
	if x < 0 {
		return -x
	}
	return x
}

// Clamp limits x to 10.
func Clamp(x int) int {
	if x > 10 {
		return 10
	}
	return x
}
`

// TestLevels validates candidates through the production path
// (pipeline.Open: the sandbox, worktrees, the Baseline) and checks the
// verdict and the words of the unit, integration and coverage levels.
func TestLevels(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and tests a module")
	}
	repo := gittest.NewRepo(t, levelsModule)
	ws, cfg := openWorkspace(t, repo)
	covered := func(from, to string) map[string]string {
		return map[string]string{"cov/cov.go": strings.Replace(covBase, from, to, 1)}
	}
	tests := []struct {
		name      string
		files     map[string]string
		configure func(*validate.Validator)
		// rejectedBy is "" for an accepted patch.
		rejectedBy string
		// want maps a level to the words its detail must hold.
		want map[string][]string
		// wantTest names a test that Report.Tests must show failed.
		wantTest string
		// wantFinding is a file:line that Report.Findings must hold.
		wantFinding string
		// race is set when the case needs the race detector.
		race bool
	}{
		{
			name:       "a data race fails unit",
			files:      map[string]string{"counter/counter.go": strings.Replace(levelsModule["counter/counter.go"], "\tc.mu.Lock()\n\tc.n++\n\tc.mu.Unlock()", "\tc.n++", 1)},
			rejectedBy: "unit",
			want:       map[string][]string{"unit": {"example.com/levels/counter.TestConcurrentInc: data race:", "counter/counter.go:"}},
			wantTest:   "TestConcurrentInc",
			race:       true,
		},
		{
			// The marker lives in the sandbox's TMPDIR, which every command
			// of one Runner shares: the first run fails, the reruns pass.
			name: "a flaky test is labeled and still rejects",
			files: map[string]string{"answer/answer.go": `// Package answer answers.
package answer

import (
	"os"
	"path/filepath"
)

// Answer returns the answer, except the first time.
func Answer() int {
	marker := filepath.Join(os.TempDir(), "answer-was-asked")
	if _, err := os.Stat(marker); err != nil {
		os.WriteFile(marker, nil, 0o644)
		return 41
	}
	return 42
}
`},
			rejectedBy: "unit",
			want:       map[string][]string{"unit": {"TestAnswer: answer_test.go:7: Answer() = 41, want 42 (flaky: failed 1 of 3 runs)"}},
			wantTest:   "TestAnswer",
		},
		{
			name:  "a test that fails on the base is not blamed",
			files: map[string]string{"broken/broken.go": strings.Replace(levelsModule["broken/broken.go"], "return 1", "return 2 - 1", 1)},
			want: map[string][]string{
				"unit":        {"1 tests passed in 1 packages", "1 tests fail on the base too"},
				"integration": {"not configured (set integration_tags or integration_command)"},
			},
		},
		{
			name:  "a hang fails naming the test within the timeout",
			files: map[string]string{"answer/answer.go": strings.Replace(levelsModule["answer/answer.go"], "func Answer() int { return 42 }", "func Answer() int { select {} }", 1)},
			// go test -timeout 20s; the rest leaves room for a -race build on a loaded machine.
			configure:  func(v *validate.Validator) { v.Timeout = 40 * time.Second },
			rejectedBy: "unit",
			want:       map[string][]string{"unit": {"example.com/levels/answer.TestAnswer hung: did not finish within "}},
			wantTest:   "TestAnswer",
		},
		{
			// go vet type-checks; only the compiler knows that a function
			// needs a body: the unit level's build says so, at its line.
			name:        "a function without a body fails unit at its line",
			files:       map[string]string{"answer/answer.go": strings.Replace(levelsModule["answer/answer.go"], "func Answer() int { return 42 }", "func Answer() int", 1)},
			rejectedBy:  "unit",
			want:        map[string][]string{"types": {"type-check and vet pass"}, "unit": {"build failed: ", "missing function body"}},
			wantFinding: "answer/answer.go:5",
		},
		{
			name:  "integration tags and command: passing",
			files: map[string]string{"integ/integ.go": strings.Replace(levelsModule["integ/integ.go"], "x * 2", "x + x", 1)},
			configure: func(v *validate.Validator) {
				v.IntegrationTags = []string{"integration"}
				v.IntegrationCommand = "grep -q 'x + x' integ/integ.go"
			},
			want: map[string][]string{"integration": {
				"go test -tags=integration: 2 tests passed in 1 packages",
				`integration command "grep -q 'x + x' integ/integ.go" passed`,
			}},
		},
		{
			name:       "integration tags: a failure unit tests miss",
			files:      map[string]string{"integ/integ.go": strings.Replace(levelsModule["integ/integ.go"], "return x * 2", "return max(x, 0) * 2", 1)},
			configure:  func(v *validate.Validator) { v.IntegrationTags = []string{"integration"} },
			rejectedBy: "integration",
			want:       map[string][]string{"integration": {"TestDoubleNegative: negative_test.go:9: Double(-3) = 0, want -6 (failed 3 of 3 runs)"}, "unit": {"1 tests passed"}},
		},
		{
			name:  "integration command: failing",
			files: map[string]string{"integ/integ.go": strings.Replace(levelsModule["integ/integ.go"], "x * 2", "x + x", 1)},
			configure: func(v *validate.Validator) {
				v.IntegrationCommand = "echo checking; echo the doubling is wrong >&2; exit 3"
			},
			rejectedBy: "integration",
			want:       map[string][]string{"integration": {"exited with status 3", "checking", "the doubling is wrong"}},
		},
		{
			name: "coverage: a refactor that deletes covered statements passes",
			files: map[string]string{"cov/cov.go": strings.Replace(strings.Replace(covBase,
				"\tfor _, v := range xs {\n\t\tif v == x {\n\t\t\treturn true\n\t\t}\n\t}\n\treturn false\n", "\treturn slices.Contains(xs, x)\n", 1),
				"package cov\n", "package cov\n\nimport \"slices\"\n", 1)},
			want: map[string][]string{"coverage": {"coverage 75.0% → 66.7% of statements in 1 packages; no covered statement lost"}},
		},
		{
			// The new variable moves the lost line down by two: the level
			// must name it where it is after the patch.
			name:       "coverage: a covered branch made unreachable fails",
			files:      covered("// Abs returns the absolute value of x.\nfunc Abs(x int) int {\n\tif x == 0 {", "var fastZero = false\n\n// Abs returns the absolute value of x.\nfunc Abs(x int) int {\n\tif fastZero && x == 0 {"),
			rejectedBy: "coverage",
			want:       map[string][]string{"coverage": {"covered on the base but not after the patch: cov/cov.go:19"}},
		},
		{
			// Methods that add tests ask for Repeat runs in a row: a test
			// that fails on its third run characterizes nothing.
			name: "repeat: a new test failing one run in five fails unit",
			files: map[string]string{"cov/third_test.go": `package cov

import "testing"

var runs int

func TestThirdRunFails(t *testing.T) {
	runs++
	if runs%5 == 3 {
		t.Fatal("third run")
	}
	if Clamp(20) != 10 {
		t.Fatal("Clamp")
	}
}
`},
			configure:  func(v *validate.Validator) { v.Repeat = 5 },
			rejectedBy: "unit",
			want:       map[string][]string{"unit": {"TestThirdRunFails", "third run"}},
		},
		{
			name: "a new benchmark runs once in unit: one that panics fails",
			files: map[string]string{"cov/bench_test.go": `package cov

import "testing"

func BenchmarkClamp(b *testing.B) {
	var xs []int
	for range b.N {
		_ = Clamp(xs[3])
	}
}
`},
			rejectedBy: "unit",
			want:       map[string][]string{"unit": {"BenchmarkClamp", "index out of range"}},
		},
		{
			name:       "coverage: a change to a function no test runs is rejected below min_test_coverage",
			files:      covered("\tif x > 10 {\n\t\treturn 10", "\tif x >= 10 {\n\t\treturn 10"),
			rejectedBy: "coverage",
			want:       map[string][]string{"coverage": {"the tests cover 0.0% of the statements of the function Clamp the patch changes, below min_test_coverage 80%"}},
		},
		{
			name:      "coverage: min_test_coverage 0 accepts an untested change and says so",
			files:     covered("\tif x > 10 {\n\t\treturn 10", "\tif x >= 10 {\n\t\treturn 10"),
			configure: func(v *validate.Validator) { v.MinTestCoverage = 0 },
			want:      map[string][]string{"coverage": {"UNTESTED: no test runs the function Clamp the patch changes (min_test_coverage is 0)"}},
		},
		{
			name:      "coverage: a covered function passes min_test_coverage and the detail says how well",
			files:     covered("\tif x < 0 {\n\t\treturn -x", "\tif x < 0 {\n\t\treturn 0 - x"),
			configure: func(v *validate.Validator) { v.MinTestCoverage = 100 },
			want:      map[string][]string{"coverage": {"the tests cover 100.0% of the statements of the function Abs the patch changes"}},
		},
		{
			name:  "coverage: a function of a file built for another platform is not held to min_test_coverage",
			files: map[string]string{"cov/cov_windows.go": "package cov\n\n// Sep is the path separator on Windows.\nfunc Sep() byte {\n\tconst backslash = '\\\\'\n\treturn backslash\n}\n"},
			want:  map[string][]string{"coverage": {"no covered statement lost; not built on this platform, so not measured: cov/cov_windows.go"}},
		},
		{
			name:       "coverage: a package without tests never gets a silent accept",
			files:      map[string]string{"plain/plain.go": "// Package plain has no tests.\npackage plain\n\n// Twice doubles x.\nfunc Twice(x int) int {\n\treturn x + x\n}\n"},
			rejectedBy: "coverage",
			want:       map[string][]string{"coverage": {"no tests in the affected packages: nothing runs the function Twice the patch changes, below min_test_coverage 80%"}},
		},
		{
			name: "coverage: a test that covers more passes",
			files: map[string]string{"cov/clamp_test.go": `package cov

import "testing"

func TestClamp(t *testing.T) {
	if Clamp(20) != 10 || Clamp(5) != 5 {
		t.Fatal("Clamp")
	}
}
`},
			configure: func(v *validate.Validator) { v.MinCoverageGain = 1 },
			want:      map[string][]string{"coverage": {"coverage 75.0% → 100.0% of statements in 1 packages; no covered statement lost"}},
		},
		{
			name: "coverage: a test that covers nothing new fails",
			files: map[string]string{"cov/again_test.go": `package cov

import "testing"

func TestAbsAgain(t *testing.T) {
	if Abs(-7) != 7 {
		t.Fatal("Abs")
	}
}
`},
			configure:  func(v *validate.Validator) { v.MinCoverageGain = 1 },
			rejectedBy: "coverage",
			want:       map[string][]string{"coverage": {"75.0% → 75.0%", "the patch only adds tests, so coverage must rise by at least 1.0 points, but it rose by 0.0"}},
		},
		{
			// A fix and its regression test are judged together: the
			// test need not raise coverage on its own.
			name: "coverage: a test that comes with a code change need not raise coverage",
			files: map[string]string{
				"cov/cov.go": strings.Replace(covBase, "if x == 0 {\n\t\treturn 0\n\t}\n\t", "", 1),
				"cov/again_test.go": `package cov

import "testing"

func TestAbsAgain(t *testing.T) {
	if Abs(-7) != 7 {
		t.Fatal("Abs")
	}
}
`},
			configure: func(v *validate.Validator) { v.MinCoverageGain = 1 },
			want:      map[string][]string{"coverage": {"no covered statement lost"}},
		},
	}
	// The patches are made up front: making one writes in repo.
	raws := make([]string, len(tests))
	for i, tc := range tests {
		raws[i] = diffOf(t, repo, tc.files)
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			wt, err := ws.Worktrees.Add(ctx, fmt.Sprint(i), ws.Head)
			if err != nil {
				t.Fatal(err)
			}
			v := ws.Validator(cfg, nil)
			if tc.configure != nil {
				tc.configure(v)
			}
			start := time.Now()
			rep, err := v.Validate(ctx, wt, []byte(raws[i]))
			if err != nil {
				t.Fatal(err)
			}
			if v.Timeout < time.Minute && time.Since(start) > 4*v.Timeout {
				t.Errorf("validation took %v with a timeout of %v per command", time.Since(start), v.Timeout)
			}
			if l := rep.Level("unit"); tc.race && l != nil && strings.Contains(l.Detail, "-race unavailable") {
				t.Skip(l.Detail)
			}
			if rep.RejectedBy != tc.rejectedBy || rep.Accepted != (tc.rejectedBy == "") {
				t.Errorf("accepted = %v, rejected by %q; want rejected by %q", rep.Accepted, rep.RejectedBy, tc.rejectedBy)
			}
			for name, words := range tc.want {
				l := rep.Level(name)
				if l == nil {
					t.Fatalf("no level %s in %+v", name, rep.Levels)
				}
				for _, w := range words {
					if !strings.Contains(l.Detail, w) {
						t.Errorf("%s detail = %q, want it to hold %q", name, l.Detail, w)
					}
				}
			}
			if tc.wantTest != "" {
				found := false
				for _, r := range rep.Tests {
					found = found || r.Test == tc.wantTest && r.Status == "fail"
				}
				if !found {
					t.Errorf("Report.Tests = %+v, want %s failed", rep.Tests, tc.wantTest)
				}
			}
			if tc.wantFinding != "" && !slices.ContainsFunc(rep.Findings, func(f validate.Finding) bool { return fmt.Sprintf("%s:%d", f.File, f.Line) == tc.wantFinding }) {
				t.Errorf("Report.Findings = %+v, want one at %s", rep.Findings, tc.wantFinding)
			}
			for _, l := range rep.Levels {
				t.Logf("%-12s %-5s %5dms %s", l.Name, l.Status, l.DurationMS, l.Detail)
			}
		})
	}
}

// TestCachedBasePassIsCheckedAgain validates one patch in two workspaces,
// as two optimizer runs would. The first leaves the base's pass in go's
// test cache. Then the package's TestMain starts failing for a reason
// outside the module (which go's cache does not see), on the base as on
// the candidate: the second validation must not blame the patch on the
// strength of the cached pass, but run the base again and find the
// failure there too. (A failure outside any test is not one that the
// base's -race run, made when a test fails, would look into.)
func TestCachedBasePassIsCheckedAgain(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and tests a module")
	}
	outside := t.TempDir()
	if err := os.Chmod(filepath.Dir(outside), 0o755); err != nil {
		t.Fatal(err)
	}
	rain := filepath.Join(outside, "rain")
	repo := gittest.NewRepo(t, map[string]string{
		"go.mod":             "module example.com/weather\n\ngo 1.22\n",
		"weather/weather.go": "// Package weather forecasts.\npackage weather\n\n// Sunny reports whether it is sunny.\nfunc Sunny() bool { return true }\n",
		"weather/weather_test.go": fmt.Sprintf(`package weather

import (
	"fmt"
	"os"
	"testing"
)

func TestMain(m *testing.M) {
	if _, err := os.Stat(%q); err == nil {
		fmt.Println("it rains")
		os.Exit(1)
	}
	os.Exit(m.Run())
}

func TestSunny(t *testing.T) {
	if !Sunny() {
		t.Fatal("Sunny() = false")
	}
}
`, rain),
	})
	raw := diffOf(t, repo, map[string]string{"weather/weather.go": "// Package weather forecasts.\npackage weather\n\n// Sunny reports whether it is sunny.\nfunc Sunny() bool { return !false }\n"})
	validateIn := func(ws *pipeline.Workspace, cfg *config.Config) *validate.Report {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		wt, err := ws.Worktrees.Add(ctx, "cached", ws.Head)
		if err != nil {
			t.Fatal(err)
		}
		rep, err := ws.Validator(cfg, nil).Validate(ctx, wt, []byte(raw))
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range rep.Levels {
			t.Logf("%-12s %-5s %5dms %s", l.Name, l.Status, l.DurationMS, l.Detail)
		}
		return rep
	}
	if rep := validateIn(openWorkspace(t, repo)); !rep.Accepted {
		t.Fatalf("before the rain: rejected by %s, want accepted", rep.RejectedBy)
	}
	if err := os.WriteFile(rain, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	rep := validateIn(openWorkspace(t, repo))
	unit := rep.Level("unit")
	if unit == nil || unit.Status != validate.Pass || !strings.Contains(unit.Detail, "1 packages fail on the base too") {
		t.Errorf("unit = %+v; want a pass that finds the package failing on the base too", unit)
	}
	if !rep.Accepted {
		t.Errorf("rejected by %s, want accepted: the failure is the base's", rep.RejectedBy)
	}
}

// openWorkspace opens the production workspace on repo, with worktrees
// where the sandbox's unprivileged children can reach them.
func openWorkspace(t *testing.T, repo string) (*pipeline.Workspace, *config.Config) {
	t.Helper()
	ctx := context.Background()
	base := t.TempDir()
	if err := os.Chmod(filepath.Dir(base), 0o755); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(repo, config.Flags{"objective": "quality", "worktree_base": filepath.Join(base, "wt")}, os.Getenv, "")
	if err != nil {
		t.Fatal(err)
	}
	ws, err := pipeline.Open(ctx, cfg, repo)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.Close(ctx) })
	return ws, cfg
}

// validateIn validates raw with v in a new worktree of ws named name, and
// logs each level's verdict.
func validateIn(t *testing.T, ws *pipeline.Workspace, v *validate.Validator, name, raw string, timeout time.Duration) *validate.Report {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	wt, err := ws.Worktrees.Add(ctx, name, ws.Head)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := v.Validate(ctx, wt, []byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range rep.Levels {
		t.Logf("%-12s %-5s %5dms %s", l.Name, l.Status, l.DurationMS, l.Detail)
	}
	return rep
}

// diffOf returns the patch that writes files over repo's HEAD, and leaves
// repo as it was.
func diffOf(t *testing.T, repo string, files map[string]string) string {
	t.Helper()
	gittest.WriteFiles(t, repo, files)
	gittest.Git(t, repo, "add", "-A")
	raw := gittest.Git(t, repo, "diff", "--cached")
	gittest.Git(t, repo, "reset", "-q", "--hard")
	gittest.Git(t, repo, "clean", "-qfd")
	return raw
}
