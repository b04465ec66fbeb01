package validate

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestLostTests(t *testing.T) {
	const pkg = "example.com/m/a"
	res := func(test, status string) TestResult { return TestResult{Package: pkg, Test: test, Status: status} }
	base := &testRun{results: []TestResult{
		res("TestA", "pass"), res("TestB", "pass"), res("TestB/one", "pass"), res("TestB/two", "pass"),
		res("TestBrokenOnBase", "fail"), res("TestSkipped", "skip"),
	}, failed: []string{pkg + ".TestBrokenOnBase"}}
	all := []TestResult{res("TestA", "pass"), res("TestB", "pass"), res("TestB/one", "pass"), res("TestB/two", "pass")}
	checked := map[string]bool{pkg: true}
	judging := expectation{subtests: true}
	tests := []struct {
		name    string
		results []TestResult
		expect  expectation
		checked map[string]bool
		count   int
		raced   *testRun // a second base run, with -race
		// want are substrings, one per problem, in order; none for no problem.
		want []string
	}{
		{name: "all pass", results: all, expect: judging, checked: checked},
		{
			name:    "a test that did not run",
			results: []TestResult{res("TestB", "pass"), res("TestB/one", "pass"), res("TestB/two", "pass")},
			expect:  judging, checked: checked,
			want: []string{pkg + ".TestA passed on the base but did not run on the candidate"},
		},
		{
			name:    "a skipped test",
			results: []TestResult{res("TestA", "skip"), res("TestB", "pass"), res("TestB/one", "pass"), res("TestB/two", "pass")},
			expect:  judging, checked: checked,
			want: []string{pkg + ".TestA passed on the base but was skipped on the candidate"},
		},
		{
			// The subtests of a test that did not run are not listed too.
			name:    "a missing test with subtests is named once",
			results: []TestResult{res("TestA", "pass")},
			expect:  judging, checked: checked,
			want: []string{pkg + ".TestB passed on the base but did not run"},
		},
		{
			name:    "a missing subtest",
			results: []TestResult{res("TestA", "pass"), res("TestB", "pass"), res("TestB/one", "pass")},
			expect:  judging, checked: checked,
			want: []string{pkg + ".TestB/two passed on the base but did not run"},
		},
		{
			// The patch's own tests may rewrite their cases, and delete
			// tests; a skip is still a skip.
			name:    "the patch's own run: subtests and deleted tests need not run",
			results: []TestResult{res("TestB", "pass"), res("TestB/one", "skip")},
			expect:  expectation{removed: map[string]bool{pkg + ".TestA": true}}, checked: checked,
			want: []string{pkg + ".TestB/one passed on the base but was skipped"},
		},
		{
			name:    "a package with no test events",
			results: nil, expect: judging, checked: map[string]bool{},
			want: []string{pkg + " ran no tests on the candidate, but 4 passed on the base"},
		},
		{
			// Non-test code printed every result and exited before the
			// tests ran: only the check test is missing.
			name:    "the check test did not run",
			results: all, expect: judging, checked: map[string]bool{},
			want: []string{pkg + ": the check test the validator adds (TestOptimizerCheckX) did not pass"},
		},
		{
			name:    "a forged pass beside the real result",
			results: append(slices.Clone(all), res("TestA", "pass")),
			expect:  judging, checked: checked,
			want: []string{pkg + ".TestA reported 2 results in 1 runs"},
		},
		{name: "repeated runs are no forgery", results: append(slices.Clone(all), all...), expect: judging, checked: checked, count: 2},
		{
			// A failure is reported as one; what it stopped is no news.
			name:    "a failed package explains its missing tests",
			results: []TestResult{res("TestA", "fail")},
			expect:  judging, checked: map[string]bool{},
		},
		{
			// It failed on the base too, and the base's other tests ran.
			name:    "a failure the base shares explains nothing",
			results: []TestResult{res("TestBrokenOnBase", "fail"), res("TestB", "pass"), res("TestB/one", "pass"), res("TestB/two", "pass")},
			expect:  judging, checked: checked,
			want: []string{pkg + ".TestA passed on the base but did not run on the candidate"},
		},
		{
			// The test is left out under -race on the base too.
			name:    "missing on the raced base too",
			results: []TestResult{res("TestB", "pass"), res("TestB/one", "pass"), res("TestB/two", "pass")},
			expect:  judging, checked: checked,
			raced: &testRun{results: []TestResult{res("TestB", "pass"), res("TestB/one", "pass"), res("TestB/two", "pass")}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			bases := []*testRun{base}
			if tc.raced != nil {
				bases = append(bases, tc.raced)
			}
			run := &testRun{results: tc.results}
			got := lostTests(run, testSpec{count: tc.count, check: "TestOptimizerCheckX"}, tc.expect, tc.checked, bases...)
			if len(got) != len(tc.want) {
				t.Fatalf("lostTests = %q, want %d problems like %q", got, len(tc.want), tc.want)
			}
			for i, w := range tc.want {
				if !strings.Contains(got[i], w) {
					t.Errorf("problem %d = %q, want it to hold %q", i, got[i], w)
				}
			}
		})
	}
}

func TestTakeCheck(t *testing.T) {
	run := &testRun{
		results: []TestResult{
			{Package: "a", Test: "TestA", Status: "pass"},
			{Package: "a", Test: "TestOptimizerCheckX", Status: "pass"},
			{Package: "b", Test: "TestOptimizerCheckX", Status: "fail"},
		},
		failed: []string{"b.TestOptimizerCheckX"},
	}
	got := run.takeCheck("TestOptimizerCheckX")
	if !got["a"] || got["b"] {
		t.Errorf("checked = %v, want a only", got)
	}
	if len(run.results) != 1 || len(run.failed) != 0 || run.passed() != 1 {
		t.Errorf("after takeCheck: results %v, failed %v; want the check test gone", run.results, run.failed)
	}
}

func TestCheckTestSource(t *testing.T) {
	src := checkTest("sum", "TestOptimizerCheck0123")
	for _, w := range []string{"package sum_test\n", "func TestOptimizerCheck0123(t *testing.T) {}"} {
		if !strings.Contains(src, w) {
			t.Errorf("check test source lacks %q:\n%s", w, src)
		}
	}
}

// TestSpecOverlay checks that the candidate's runs, and their reruns, use
// the overlay, and that the base's never do: it describes the candidate's
// worktree.
func TestSpecOverlay(t *testing.T) {
	s := testSpec{patterns: []string{"./a"}, race: true, overlay: "/tmp/judging.json", check: "TestOptimizerCheckX"}
	if got := strings.Join(s.args(8*time.Second, ""), " "); !strings.Contains(got, " -overlay=/tmp/judging.json ./a") {
		t.Errorf("args = %q, want the overlay", got)
	}
	if got := strings.Join(s.rerun("example.com/m/a", []string{"TestA"}).args(8*time.Second, ""), " "); !strings.Contains(got, "-overlay=/tmp/judging.json") {
		t.Errorf("rerun args = %q, want the overlay: a rerun runs the same test files", got)
	}
	for name, b := range map[string]testSpec{"forBase": s.forBase(), "onBase": s.onBase(), "fresh base": s.forBase().fresh()} {
		if b.overlay != "" || b.check != "" || strings.Contains(strings.Join(b.args(8*time.Second, ""), " "), "-overlay") {
			t.Errorf("%s keeps the candidate's overlay: %+v", name, b)
		}
	}
	if s.forBase().key() != (testSpec{patterns: []string{"./a"}}).forBase().key() {
		t.Error("the overlay changes the base's cache key: every candidate would run the base again")
	}
}
