package chaos

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/agentic-optimizer/optimizer/internal/mutate"
)

func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The outputs in testdata were captured from go1.26's go test -fuzz on
// the demo's textutil package.
func TestParseFuzzOutput(t *testing.T) {
	for _, tc := range []struct {
		file, target string
		crashed      bool
		corpus       string
		seed         int
		panic        string
		frame        string // the first frame that must be listed
		execs        int64
	}{
		{"fuzz-crash.txt", "FuzzUnescape", true, "testdata/fuzz/FuzzUnescape/4d1be190c6b913b3", -1,
			"panic: runtime error: index out of range [1] with length 1", "/tmp/cx/demo/textutil/textutil.go:43", 0},
		{"fuzz-seed.txt", "FuzzUnescapeSeed", true, "", 1,
			"panic: runtime error: index out of range [2] with length 2", "/tmp/cx/demo/textutil/textutil.go:43", 0},
		{"fuzz-died.txt", "FuzzDepth", true, "testdata/fuzz/FuzzDepth/109d7cade42ff76a", -1,
			"fuzzing process hung or terminated unexpectedly: exit status 2", "", 661},
		{"fuzz-pass.txt", "FuzzRepeat", false, "", -1, "", "", 113523},
		{"fuzz-build.txt", "FuzzRepeat", false, "", -1, "", "", 0},
	} {
		t.Run(tc.file, func(t *testing.T) {
			f := parseFuzzOutput(string(readTestdata(t, tc.file)), tc.target)
			if f.crashed() != tc.crashed || f.corpus != tc.corpus || f.seed != tc.seed || f.panic != tc.panic {
				t.Errorf("got crashed %v, corpus %q, seed %d, panic %q\nwant %v, %q, %d, %q", f.crashed(), f.corpus, f.seed, f.panic, tc.crashed, tc.corpus, tc.seed, tc.panic)
			}
			if tc.frame != "" && !slices.Contains(f.frames, tc.frame) {
				t.Errorf("frames %q lack %s", f.frames, tc.frame)
			}
			if tc.execs != 0 && f.execs != tc.execs {
				t.Errorf("execs %d, want %d", f.execs, tc.execs)
			}
		})
	}
}

// The mutants' outputs were captured from go test -json on the demo's
// textutil package with a mutant applied.
func TestVerdict(t *testing.T) {
	for _, tc := range []struct {
		file     string
		exit     int
		status   string
		killedBy string
	}{
		{"mutant-killed.json", 1, StatusKilled, "TestJoin"},
		{"mutant-build.json", 1, StatusNotViable, ""},
		{"mutant-timeout.json", 1, StatusTimeout, "TestRepeat"},
		{"mutant-survived.json", 0, StatusSurvived, ""},
	} {
		run := parseTestJSON(readTestdata(t, tc.file))
		status, killedBy, detail := verdict(run, tc.exit, false, "")
		if status != tc.status || killedBy != tc.killedBy {
			t.Errorf("%s: verdict %s by %q, want %s by %q", tc.file, status, killedBy, tc.status, tc.killedBy)
		}
		if status == StatusNotViable && !strings.Contains(detail, "undefined: sepp") {
			t.Errorf("%s: detail %q does not quote the compiler", tc.file, detail)
		}
	}
	// Killed by the sandbox, whatever the output.
	if status, _, _ := verdict(parseTestJSON(nil), -1, true, ""); status != StatusTimeout {
		t.Errorf("a command the sandbox stopped is %s, want timeout", status)
	}
	if run := parseTestJSON(readTestdata(t, "mutant-survived.json")); run.elapsed <= 0 || run.elapsed > 1 {
		t.Errorf("elapsed %v, want the test binary's time", run.elapsed)
	}
}

func TestCoverage(t *testing.T) {
	profile := `mode: set
example.com/demo/textutil/textutil.go:5.46,7.26 2 1
example.com/demo/textutil/textutil.go:7.26,8.12 1 1
example.com/demo/textutil/textutil.go:8.12,10.4 1 0
example.com/demo/textutil/textutil.go:11.3,11.11 1 1
example.com/other/x.go:1.1,2.2 1 1
`
	c, err := parseCoverage([]byte(profile), "example.com/demo")
	if err != nil {
		t.Fatal(err)
	}
	if len(c.blocks) != 1 || len(c.blocks["textutil/textutil.go"]) != 4 {
		t.Errorf("blocks %v, want the module's one file's 4", c.blocks)
	}
	for _, tc := range []struct {
		line, col int
		want      bool
	}{
		{8, 6, true},   // the condition, in the block before the if's body
		{9, 4, false},  // the body never ran
		{10, 3, false}, // the closing brace's line, before the end column
		{11, 3, true},
		{40, 1, true}, // in no block: a package-level initializer, run to decide
	} {
		m := mutate.Mutant{File: "textutil/textutil.go", Line: tc.line, Col: tc.col}
		if got := c.covers(m); got != tc.want {
			t.Errorf("covers %d:%d = %v, want %v", tc.line, tc.col, got, tc.want)
		}
	}
	if _, err := parseCoverage([]byte("mode: set\nexample.com/demo/a.go:1.1,2.2 one 1\n"), "example.com/demo"); err == nil {
		t.Error("a malformed profile was read")
	}
	if (&coverage{none: true}).covers(mutate.Mutant{File: "textutil/textutil.go", Line: 8, Col: 6}) {
		t.Error("a package without tests covers nothing")
	}
}

// faults.json was captured from go test -json running the fault tests
// generated for testdata/iox.
func TestParseFindings(t *testing.T) {
	found := parseFindings(parseTestJSON(readTestdata(t, "faults.json")))
	var got []string
	for _, f := range found {
		got = append(got, f.Function+"|"+f.Fault+"|"+f.Finding+"|"+f.Location)
	}
	want := []string{
		"CountLines|read error|error swallowed|",
		"Drain|read error|hang|",
		"FirstWord|one-byte reads|result changed|",
		"Header|half reads|panic|/work/m/iox/iox.go:53",
		"Header|one-byte reads|panic|/work/m/iox/iox.go:53",
		"Report|write error|error swallowed|",
	}
	if !slices.Equal(got, want) {
		t.Errorf("findings:\n got %q\nwant %q", got, want)
	}
	for _, f := range found {
		if f.Detail == "" {
			t.Errorf("%s: no detail", f.Function)
		}
	}
}

// A fault test whose process died without reporting a finding (a panic
// in a goroutine the function started) is a panic.
func TestParseFindingsDeadProcess(t *testing.T) {
	out := `{"Action":"run","Package":"example.com/iox","Test":"TestOptimizerChaosFaults_Spawn"}
{"Action":"output","Package":"example.com/iox","Test":"TestOptimizerChaosFaults_Spawn","Output":"panic: boom\n"}
{"Action":"fail","Package":"example.com/iox","Test":"TestOptimizerChaosFaults_Spawn"}
`
	found := parseFindings(parseTestJSON([]byte(out)))
	if len(found) != 1 || found[0].Function != "Spawn" || found[0].Finding != FindingPanic || found[0].Detail != "panic: boom" {
		t.Errorf("findings %+v", found)
	}
}

func TestScore(t *testing.T) {
	for _, tc := range []struct {
		detected, survived, notViable, uncovered, covered int
		score, strength                                   float64
	}{
		{8, 2, 0, 0, 10, 0.8, 0.8},
		{8, 1, 1, 1, 10, 0.8, 8.0 / 9}, // every covered one run: 8/(8+1+1)
		{6, 2, 0, 8, 16, 0.5, 0.75},    // half the covered run: 0.75 of 16 covered against 8 uncovered
		{0, 0, 0, 5, 0, 0, 0},          // nothing covered
		{0, 0, 3, 0, 3, 0, 0},          // nothing viable
		{3, 0, 0, 0, 3, 1, 1},
	} {
		score, strength := score(tc.detected, tc.survived, tc.notViable, tc.uncovered, tc.covered)
		if !near(score, tc.score) || !near(strength, tc.strength) {
			t.Errorf("score%v = %.3f, %.3f; want %.3f, %.3f", []int{tc.detected, tc.survived, tc.notViable, tc.uncovered, tc.covered}, score, strength, tc.score, tc.strength)
		}
	}
}

func near(a, b float64) bool { return a-b < 1e-9 && b-a < 1e-9 }

func TestSpread(t *testing.T) {
	var ms []mutate.Mutant
	for i, fn := range []string{"A", "A", "A", "A", "A", "A", "B", "B", "C"} {
		op := mutate.OpCompare
		if i%2 == 1 {
			op = mutate.OpStatement
		}
		ms = append(ms, mutate.Mutant{ID: fn + string(rune('0'+i)), File: "x.go", Func: fn, Operator: op, Line: i + 1})
	}
	counts := func(got []mutate.Mutant) (map[string]int, map[string]bool) {
		count, ops := map[string]int{}, map[string]bool{}
		for _, m := range got {
			count[m.Func]++
			if m.Func == "A" {
				ops[m.Operator] = true
			}
		}
		return count, ops
	}
	// Every function once before any twice.
	got := spread(ms, 3)
	if count, _ := counts(got); len(got) != 3 || count["A"] != 1 || count["B"] != 1 || count["C"] != 1 {
		t.Errorf("spread(3) = %v", got)
	}
	// Then the second round, where A gives its other operator.
	got = spread(ms, 5)
	if count, ops := counts(got); len(got) != 5 || count["A"] != 2 || count["B"] != 2 || count["C"] != 1 || len(ops) != 2 {
		t.Errorf("spread(5) = %v", got)
	}
	if !slices.IsSortedFunc(got, func(a, b mutate.Mutant) int { return a.Line - b.Line }) {
		t.Errorf("spread does not keep the mutants' order: %v", got)
	}
	if again := spread(ms, 5); !slices.EqualFunc(got, again, func(a, b mutate.Mutant) bool { return a.ID == b.ID }) {
		t.Error("spread is not deterministic")
	}
	if all := spread(ms, 20); len(all) != len(ms) {
		t.Errorf("spread over the count = %d mutants", len(all))
	}
}
