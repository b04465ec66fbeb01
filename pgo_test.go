package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/agentic-optimizer/optimizer/internal/gitx/gittest"
	"github.com/agentic-optimizer/optimizer/internal/report"
	"github.com/agentic-optimizer/optimizer/methods/pgo"
)

// pgoRepo commits the pgo method's fixture (a main package whose hot loop
// makes interface calls that PGO devirtualizes and inlines, with a
// benchmark in the main package and one in the library it imports), with
// extra files written over it, in a new repository.
func pgoRepo(t *testing.T, extra map[string]string) string {
	t.Helper()
	repo := t.TempDir()
	copyDir(t, filepath.Join("methods", "pgo", "testdata", "checksum"), repo)
	gittest.WriteFiles(t, repo, extra)
	gittest.Git(t, repo, "init", "-q")
	gittest.Git(t, repo, "add", "-A")
	gittest.Git(t, repo, "commit", "-qm", "checksum")
	return repo
}

// runPGO runs the pgo method on one package of repo and returns its task
// and the output directory.
func runPGO(t *testing.T, repo, pkg string) (report.Task, string) {
	t.Helper()
	out := t.TempDir()
	code, rep, stderr := runInProcess(t, nil, "run", "--repo", repo, "--method", "pgo", "--paths", pkg, "--objective", "speed",
		"--out", out, "--worktree-base", filepath.Join(t.TempDir(), "wt"), "--json")
	t.Logf("stderr:\n%s", stderr)
	if code != 0 || rep == nil || len(rep.Tasks) != 1 {
		t.Fatalf("exit %d, report %+v", code, rep)
	}
	return rep.Tasks[0], out
}

func pgoDetails(t *testing.T, task report.Task) pgo.Details {
	t.Helper()
	var d pgo.Details
	if err := json.Unmarshal(task.Details, &d); err != nil {
		t.Fatalf("details %s: %v", task.Details, err)
	}
	return d
}

// TestPGOEndToEnd: on a main package with benchmarks, the pgo method
// profiles the benchmarks compiled into it (its own and its library's),
// proposes the merged profile as default.pgo, and the performance level
// compares the benchmarks built without it (base) and with it (candidate)
// under statistics. Whether PGO wins is the measurement's to say; the test
// asserts that it was measured, and that an accepted profile is stored as
// a binary patch that applies and rolls back.
func TestPGOEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("profiles and benchmarks a module")
	}
	repo := pgoRepo(t, nil)
	task, out := runPGO(t, repo, "./cmd/checksum")
	if len(task.Candidates) != 1 {
		t.Fatalf("want 1 candidate, got %+v (notes %q, error %q)", task.Candidates, task.Notes, task.Error)
	}
	c := task.Candidates[0]
	if len(c.Files) != 1 || c.Files[0] != "cmd/checksum/default.pgo" {
		t.Errorf("files = %q, want cmd/checksum/default.pgo", c.Files)
	}
	if c.Validation == nil {
		t.Fatalf("not validated: %s", c.Error)
	}
	for _, l := range c.Validation.Levels {
		t.Logf("%-12s %-5s %6dms %s", l.Name, l.Status, l.DurationMS, l.Detail)
	}
	for _, b := range c.Validation.Benchmarks {
		t.Logf("%s", b)
	}
	if c.Validation.Objective != "speed" {
		t.Errorf("validated under %q, want speed", c.Validation.Objective)
	}
	if got := c.Validation.Affected; len(got) != 1 || got[0] != "./cmd/checksum" {
		t.Errorf("affected = %q, want the main package", got)
	}
	perf := c.Validation.Level("performance")
	if perf == nil || perf.Status == "skip" {
		t.Fatalf("the performance level did not judge the profile: %+v (rejected by %s)", perf, c.Validation.RejectedBy)
	}
	// Both benchmarks measure the profile: the main package's, whose test
	// binary go test builds with default.pgo, and the library's, built
	// with -pgo on the candidate side.
	rows := map[string]bool{}
	for _, b := range c.Validation.Benchmarks {
		if b.Unit != "sec/op" {
			continue
		}
		if b.N[0] < 6 || b.N[1] < 6 || b.P <= 0 || b.P > 1 || b.Base <= 0 || b.Candidate <= 0 {
			t.Errorf("row %s lacks the statistics: %+v", b, b)
		}
		rows[b.Name] = true
	}
	for _, want := range []string{"./cmd/checksum BenchmarkChecksum", "./internal/mix BenchmarkSum"} {
		if !rows[want] {
			t.Errorf("no sec/op row %q in %v", want, rows)
		}
	}

	t.Logf("details: %s", task.Details)
	d := pgoDetails(t, task)
	if d.MainPackage != "./cmd/checksum" || d.Source != "benchmarks" || d.Profile != "cmd/checksum/default.pgo" || d.ProfileBytes == 0 {
		t.Errorf("details = %+v", d)
	}
	if len(d.Benchmarks) != 2 || d.Benchmarks[0].Count != 1 || d.Benchmarks[1].Count != 1 {
		t.Errorf("details.benchmarks = %+v, want the main package's and the library's", d.Benchmarks)
	}
	for _, want := range []string{"/debug/pprof/profile", "cmd/checksum/default.pgo", "https://go.dev/doc/pgo"} {
		if !strings.Contains(d.Replace, want) {
			t.Errorf("details.replace does not mention %q: %s", want, d.Replace)
		}
	}
	if want := map[bool]string{true: pgo.VerdictAccepted, false: pgo.VerdictRejected}[c.Validation.Accepted]; d.Verdict != want {
		t.Errorf("verdict = %q, want %q", d.Verdict, want)
	}
	if !strings.Contains(strings.Join(task.Notes, "\n"), "benchmarks") {
		t.Errorf("the notes do not say where the profile comes from: %q", task.Notes)
	}
	if !c.Validation.Accepted {
		return
	}
	if c.Patch == nil {
		t.Fatal("an accepted profile was not stored")
	}
	fwd, err := os.ReadFile(filepath.Join(out, c.Patch.Path))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(fwd), "GIT binary patch") {
		t.Errorf("the stored patch is not a binary patch:\n%.400s", fwd)
	}
	for _, cmd := range []string{"apply", "rollback"} {
		var stdout, stderr bytes.Buffer
		if code := run([]string{cmd, "--repo", repo, "--out", out, c.Patch.ID}, strings.NewReader(""), &stdout, &stderr, func(string) string { return "" }); code != 0 {
			t.Fatalf("%s: exit %d\n%s%s", cmd, code, stdout.Bytes(), stderr.Bytes())
		}
		_, err := os.Stat(filepath.Join(repo, "cmd", "checksum", "default.pgo"))
		if applied := err == nil; applied != (cmd == "apply") {
			t.Errorf("after %s, default.pgo exists = %v", cmd, applied)
		}
	}
}

// TestPGONothingToPropose: a library package, a main package that already
// has a profile, and a main package without benchmarks get a note and no
// candidate.
func TestPGONothingToPropose(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the optimizer")
	}
	tests := []struct {
		name  string
		extra map[string]string
		pkg   string
		note  string
	}{
		{name: "library", pkg: "./internal/mix", note: "not a main package"},
		{name: "profile exists", pkg: "./cmd/checksum", extra: map[string]string{"cmd/checksum/default.pgo": "GO PREPROFILE V1\n"}, note: "already has a profile"},
		{
			name: "no benchmarks", pkg: "./cmd/hello",
			extra: map[string]string{
				"cmd/hello/main.go":      "// Command hello greets.\npackage main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(greeting()) }\n\nfunc greeting() string { return \"hello\" }\n",
				"cmd/hello/main_test.go": "package main\n\nimport \"testing\"\n\nfunc TestGreeting(t *testing.T) {\n\tif greeting() != \"hello\" {\n\t\tt.Fatal(greeting())\n\t}\n}\n",
			},
			note: "PGO needs a CPU profile",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			task, _ := runPGO(t, pgoRepo(t, tc.extra), tc.pkg)
			if task.Status != report.StatusNoCandidates || len(task.Candidates) != 0 {
				t.Errorf("status %s with %d candidates, want no candidates", task.Status, len(task.Candidates))
			}
			if !strings.Contains(strings.Join(task.Notes, "\n"), tc.note) {
				t.Errorf("notes %q do not say %q", task.Notes, tc.note)
			}
		})
	}
}
