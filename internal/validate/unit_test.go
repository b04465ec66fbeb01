package validate

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/agentic-optimizer/optimizer/internal/sandbox"
)

func TestParseTestEvents(t *testing.T) {
	out := strings.Join([]string{
		`{"Action":"start","Package":"example.com/m/a"}`,
		`{"Action":"run","Package":"example.com/m/a","Test":"TestOK"}`,
		`{"Action":"pass","Package":"example.com/m/a","Test":"TestOK","Elapsed":0.01}`,
		`{"Action":"run","Package":"example.com/m/a","Test":"TestBad"}`,
		`{"Action":"fail","Package":"example.com/m/a","Test":"TestBad","Elapsed":0.02}`,
		`{"Action":"skip","Package":"example.com/m/a","Test":"TestSkip"}`,
		`{"Action":"fail","Package":"example.com/m/a","Elapsed":0.1}`,
		`{"ImportPath":"example.com/m/b","Action":"build-output","Output":"# example.com/m/b\n"}`,
		`{"ImportPath":"example.com/m/b","Action":"build-output","Output":"b/b.go:3:9: undefined: x\n"}`,
		`{"ImportPath":"example.com/m/b","Action":"build-fail"}`,
		`{"Action":"output","Package":"example.com/m/c","Output":"panic: boom in init\n"}`,
		`{"Action":"fail","Package":"example.com/m/c","Elapsed":0.1}`,
		`{"Action":"output","Package":"example.com/m/d","Output":"TestMain says no\n"}`,
		`{"Action":"output","Package":"example.com/m/d","Output":"FAIL\texample.com/m/d\t0.089s\n"}`,
		`{"Action":"fail","Package":"example.com/m/d","Elapsed":0.1}`,
		`not json at all`,
	}, "\n")
	run := parseTestEvents([]byte(out))
	if len(run.results) != 3 {
		t.Fatalf("results = %v, want 3 tests", run.results)
	}
	if !slices.Equal(run.failed, []string{"example.com/m/a.TestBad"}) {
		t.Errorf("failed = %v", run.failed)
	}
	// The summary line's time would keep a base's failure from matching.
	want := []string{"example.com/m/b: b/b.go:3:9: undefined: x", "example.com/m/c: panic: boom in init", "example.com/m/d: TestMain says no"}
	if !slices.Equal(run.buildErrs, want) {
		t.Errorf("buildErrs = %q, want %q", run.buildErrs, want)
	}
}

func TestParseHangAndRace(t *testing.T) {
	out := strings.Join([]string{
		`{"Action":"run","Package":"example.com/m/a","Test":"TestOK"}`,
		`{"Action":"pass","Package":"example.com/m/a","Test":"TestOK","Elapsed":0}`,
		`{"Action":"run","Package":"example.com/m/a","Test":"TestHang"}`,
		`{"Action":"run","Package":"example.com/m/a","Test":"TestHang/sub"}`,
		`{"Action":"output","Package":"example.com/m/a","Test":"TestHang/sub","Output":"panic: test timed out after 2s\n"}`,
		`{"Action":"output","Package":"example.com/m/a","Test":"TestHang/sub","Output":"\trunning tests:\n"}`,
		`{"Action":"output","Package":"example.com/m/a","Test":"TestHang/sub","Output":"\t\tTestHang (2s)\n"}`,
		`{"Action":"output","Package":"example.com/m/a","Test":"TestHang/sub","Output":"\t\tTestHang/sub (2s)\n"}`,
		`{"Action":"output","Package":"example.com/m/a","Test":"TestHang/sub","Output":"\n"}`,
		`{"Action":"output","Package":"example.com/m/a","Test":"TestHang/sub","Output":"goroutine 7 [select (no cases)]:\n"}`,
		`{"Action":"fail","Package":"example.com/m/a","Elapsed":2.1}`,
		`{"Action":"run","Package":"example.com/m/b","Test":"TestRace"}`,
		`{"Action":"output","Package":"example.com/m/b","Test":"TestRace","Output":"==================\n"}`,
		`{"Action":"output","Package":"example.com/m/b","Test":"TestRace","Output":"WARNING: DATA RACE\n"}`,
		`{"Action":"output","Package":"example.com/m/b","Test":"TestRace","Output":"Read at 0x00c0000941d8 by goroutine 10:\n"}`,
		`{"Action":"output","Package":"example.com/m/b","Test":"TestRace","Output":"  example.com/m/b.TestRace.func1()\n"}`,
		`{"Action":"output","Package":"example.com/m/b","Test":"TestRace","Output":"      /wt/b/b_test.go:18 +0x33\n"}`,
		`{"Action":"output","Package":"example.com/m/b","Test":"TestRace","Output":"\n"}`,
		`{"Action":"output","Package":"example.com/m/b","Test":"TestRace","Output":"Previous write at 0x00c0000941d8 by goroutine 9:\n"}`,
		`{"Action":"output","Package":"example.com/m/b","Test":"TestRace","Output":"  example.com/m/b.TestRace()\n"}`,
		`{"Action":"output","Package":"example.com/m/b","Test":"TestRace","Output":"      /wt/b/b_test.go:19 +0x116\n"}`,
		`{"Action":"output","Package":"example.com/m/b","Test":"TestRace","Output":"\n"}`,
		`{"Action":"output","Package":"example.com/m/b","Test":"TestRace","Output":"Goroutine 10 (running) created at:\n"}`,
		`{"Action":"output","Package":"example.com/m/b","Test":"TestRace","Output":"    testing.go:1617: race detected during execution of test\n"}`,
		`{"Action":"fail","Package":"example.com/m/b","Test":"TestRace","Elapsed":0.01}`,
		`{"Action":"fail","Package":"example.com/m/b","Elapsed":0.1}`,
		`{"Action":"run","Package":"example.com/m/c","Test":"TestSlow"}`,
	}, "\n")
	run := parseTestEvents([]byte(out))
	wantFailed := []string{"example.com/m/a.TestHang", "example.com/m/a.TestHang/sub", "example.com/m/b.TestRace"}
	if !slices.Equal(run.failed, wantFailed) {
		t.Errorf("failed = %q, want %q", run.failed, wantFailed)
	}
	if got := run.hung["example.com/m/a.TestHang/sub"]; got != "did not finish within 2s" {
		t.Errorf("hung = %q", run.hung)
	}
	if len(run.buildErrs) != 0 {
		t.Errorf("buildErrs = %q, want none: a hang is a test's failure", run.buildErrs)
	}
	if !slices.Equal(leaves(run.failed), []string{"example.com/m/a.TestHang/sub", "example.com/m/b.TestRace"}) {
		t.Errorf("leaves = %q", leaves(run.failed))
	}
	want := []raceAccess{
		{what: "read", frames: []raceFrame{{fn: "example.com/m/b.TestRace.func1()", file: "/wt/b/b_test.go", line: 18}}},
		{what: "previous write", frames: []raceFrame{{fn: "example.com/m/b.TestRace()", file: "/wt/b/b_test.go", line: 19}}},
	}
	if got := run.races["example.com/m/b.TestRace"]; !reflect.DeepEqual(got, want) {
		t.Errorf("races = %+v, want %+v", got, want)
	}
	// The sandbox killed the command while TestSlow ran.
	run.killed(time.Minute)
	if got := run.hung["example.com/m/c.TestSlow"]; !strings.Contains(got, "did not finish within 1m0s") {
		t.Errorf("after kill, hung = %q", run.hung)
	}
	if r := run.result("example.com/m/c.TestSlow"); r == nil || r.Status != "fail" {
		t.Errorf("TestSlow's result = %+v, want a failure", r)
	}
}

func TestSpecArgs(t *testing.T) {
	s := testSpec{patterns: []string{"./a", "./b"}, tags: []string{"x", "y"}, race: true, cover: true}
	got := strings.Join(s.args(8*time.Second, "/tmp/c.out"), " ")
	want := "test -json -count=1 -timeout 4s -race -tags=x,y -coverprofile=/tmp/c.out -coverpkg=./a,./b ./a ./b"
	if got != want {
		t.Errorf("args = %q\nwant   %q", got, want)
	}
	r := s.rerun("example.com/m/a", []string{"TestB", "TestA.x"})
	got = strings.Join(r.args(20*time.Minute, ""), " ")
	want = `test -json -count=1 -timeout 19m0s -race -tags=x,y -run ^(TestA\.x|TestB)$ example.com/m/a`
	if got != want {
		t.Errorf("rerun args = %q\nwant         %q", got, want)
	}
	if s.key() == r.key() || s.key() != (testSpec{patterns: []string{"./a", "./b"}, tags: []string{"x", "y"}, race: true, cover: true}).key() {
		t.Error("keys do not tell specs apart")
	}

	// The base's run may come from go's test cache; a fresh one and a
	// rerun may not.
	u := testSpec{patterns: []string{"./a"}, race: true, cover: true, trimPath: true, vetted: true}
	base := u.forBase()
	got = strings.Join(base.args(8*time.Second, "/tmp/c.out"), " ")
	want = "test -json -timeout 4s -trimpath -vet=off -coverprofile=/tmp/c.out -coverpkg=./a ./a"
	if got != want {
		t.Errorf("base args = %q\nwant        %q", got, want)
	}
	got = strings.Join(base.fresh().args(8*time.Second, "/tmp/c.out"), " ")
	want = "test -json -count=1 -timeout 4s -trimpath -vet=off -coverprofile=/tmp/c.out -coverpkg=./a ./a"
	if got != want {
		t.Errorf("fresh base args = %q\nwant              %q", got, want)
	}
	got = strings.Join(base.rerun("example.com/m/a", []string{"TestA"}).args(8*time.Second, ""), " ")
	want = "test -json -count=1 -timeout 4s -trimpath -vet=off -run ^(TestA)$ example.com/m/a"
	if got != want {
		t.Errorf("base rerun args = %q\nwant              %q", got, want)
	}
	if base.key() == base.fresh().key() || base.key() == u.key() {
		t.Error("keys do not tell a cached base run from a fresh one")
	}
}

func TestParseCachedPackage(t *testing.T) {
	out := strings.Join([]string{
		`{"Action":"run","Package":"example.com/m/a","Test":"TestOK"}`,
		`{"Action":"pass","Package":"example.com/m/a","Test":"TestOK","Elapsed":0}`,
		`{"Action":"output","Package":"example.com/m/a","Output":"ok  \texample.com/m/a\t(cached)\tcoverage: 100.0% of statements in ./a\n"}`,
		`{"Action":"pass","Package":"example.com/m/a","Elapsed":0}`,
		`{"Action":"output","Package":"example.com/m/b","Output":"ok  \texample.com/m/b\t0.011s\n"}`,
		`{"Action":"pass","Package":"example.com/m/b","Elapsed":0.011}`,
		`{"Action":"output","Package":"example.com/m/c","Test":"TestC","Output":"ok  \tnot a package line\t(cached)\n"}`,
	}, "\n")
	if got := parseTestEvents([]byte(out)).cached; !slices.Equal(got, []string{"example.com/m/a"}) {
		t.Errorf("cached = %q, want only example.com/m/a", got)
	}
}

// TestRaceUnavailable checks the reason given when the runner's
// environment has cgo off.
func TestRaceUnavailable(t *testing.T) {
	r, err := sandbox.New(context.Background(), sandbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if ok, why, err := detectRace(context.Background(), r); err != nil || !ok && why == "" || ok && !racePlatform(runtime.GOOS, runtime.GOARCH) {
		t.Fatalf("detectRace = %v, %q, %v; want an answer, with a reason when it is no", ok, why, err)
	}
	r.GoEnv["CGO_ENABLED"] = "0"
	ok, why, err := detectRace(context.Background(), r)
	if err != nil || ok || why != "cgo disabled" {
		t.Errorf("with CGO_ENABLED=0: detectRace = %v, %q, %v; want false, \"cgo disabled\"", ok, why, err)
	}
	if note := (testSpec{noRace: why}).raceNote(); note != "-race unavailable: cgo disabled" {
		t.Errorf("note = %q", note)
	}
}

func TestIntegrationCommandTimeout(t *testing.T) {
	r, err := sandbox.New(context.Background(), sandbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	c := &candidate{v: &Validator{Runner: r, Timeout: 500 * time.Millisecond}, modDir: reachableDir(t)}
	out, err := c.integrationCommand(context.Background(), "echo started; sleep 30")
	if err != nil {
		t.Fatal(err)
	}
	if out.status != Fail || len(out.problems) != 1 || !strings.Contains(out.problems[0], "did not finish within 500ms") || !strings.Contains(out.problems[0], "started") {
		t.Errorf("integrationCommand = %s, %q; want one problem naming the timeout and the output", out.status, out.problems)
	}
}

// reachableDir is a new directory that the sandbox's children can enter:
// the parent t.TempDir makes is private.
func reachableDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.Chmod(filepath.Dir(dir), 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// A panicking benchmark's name and its panic can reach test2json in one
// read, which makes them one line: the message is still found.
func TestFirstMessageOfABenchmark(t *testing.T) {
	for out, want := range map[string]string{
		"=== RUN   BenchmarkClamp\nBenchmarkClamp\npanic: runtime error: index out of range [3] with length 0\n":    "panic: runtime error: index out of range [3] with length 0",
		"=== RUN   BenchmarkClamp\nBenchmarkClamp   \tpanic: runtime error: index out of range [3] with length 0\n": "panic: runtime error: index out of range [3] with length 0",
		"=== RUN   TestX\n    x_test.go:9: got 1, want 2\n--- FAIL: TestX (0.00s)\n":                                "x_test.go:9: got 1, want 2",
		"=== RUN   TestX\nfatal error: concurrent map writes\n\ngoroutine 7 [running]:\n":                           "fatal error: concurrent map writes",
		"=== RUN   BenchmarkSum\nBenchmarkSum-2   \t       1\t      1000 ns/op\n--- FAIL: BenchmarkSum\n":           "",
	} {
		if got := firstMessage(out); got != want {
			t.Errorf("firstMessage(%q) = %q, want %q", out, got, want)
		}
	}
}
