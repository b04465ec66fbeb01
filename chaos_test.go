package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/agentic-optimizer/optimizer/internal/gitx/gittest"
	"github.com/agentic-optimizer/optimizer/internal/llm/llmtest"
	"github.com/agentic-optimizer/optimizer/internal/report"
	"github.com/agentic-optimizer/optimizer/methods/chaos"
)

// chaosDetails decodes a chaos task's details.
func chaosDetails(t *testing.T, task report.Task) chaos.Details {
	t.Helper()
	var d chaos.Details
	if err := json.Unmarshal(task.Details, &d); err != nil {
		t.Fatalf("%s: details: %v\n%s", task.ID, err, task.Details)
	}
	return d
}

func chaosTask(t *testing.T, rep *report.Report, id string) report.Task {
	t.Helper()
	for _, task := range rep.Tasks {
		if task.ID == id {
			return task
		}
	}
	t.Fatalf("no task %s in %+v", id, rep.Tasks)
	return report.Task{}
}

func hasNote(task report.Task, prefix, part string) bool {
	return slices.ContainsFunc(task.Notes, func(n string) bool { return strings.HasPrefix(n, prefix) && strings.Contains(n, part) })
}

// TestChaosEndToEnd runs the chaos method without a model on the bundled
// example: mutation testing scores textutil and stats (a sample of their
// mutants) and lists stats' surviving mutants; fuzzing finds the crash
// planted in
// textutil.Unescape, with its reproducer; the fuzz targets that found
// nothing are proposed and validated.
func TestChaosEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("runs mutants and go test -fuzz")
	}
	repo := demoRepo(t, nil)
	// Eight mutants a package (a spread sample) keep the test short.
	code, rep, stderr := runInProcess(t, map[string]string{"OPTIMIZER_CHAOS_FUZZ_TIME": "3s", "OPTIMIZER_CHAOS_MAX_MUTANTS": "8"},
		"run", "--repo", repo, "--method", "chaos", "--paths", "./textutil,./stats",
		"--out", t.TempDir(), "--worktree-base", filepath.Join(t.TempDir(), "wt"), "--json")
	if code != 0 || rep == nil {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	t.Logf("stderr:\n%s", stderr)

	text := chaosTask(t, rep, "chaos:./textutil")
	td := chaosDetails(t, text)
	if td.Mutation == nil || td.Mutation.Run == 0 || td.Mutation.Killed == 0 || !hasNote(text, "mutation score ", "") {
		t.Errorf("textutil: no mutation score: %+v\n%s", td.Mutation, strings.Join(text.Notes, "\n"))
	}
	i := slices.IndexFunc(td.Fuzz, func(f chaos.FuzzReport) bool { return f.Function == "Unescape" })
	if i < 0 || !td.Fuzz[i].Crashed || td.Fuzz[i].Reproducer == nil {
		t.Fatalf("the planted crash in Unescape was not found: %+v", td.Fuzz)
	}
	r := td.Fuzz[i].Reproducer
	if !strings.HasPrefix(r.Input, "go test fuzz v1\nstring(") || !strings.Contains(r.Panic, "index out of range") ||
		!strings.HasPrefix(r.Location, "textutil/textutil.go:") || (r.File == "" && r.Seed == nil) {
		t.Errorf("reproducer %+v", r)
	}
	if !hasNote(text, "crash: textutil/textutil.go:", "Unescape") {
		t.Errorf("no note of the crash:\n%s", strings.Join(text.Notes, "\n"))
	}
	// The targets that found nothing are a candidate; the crasher is not.
	var fuzzCand *report.Candidate
	for j := range text.Candidates {
		if strings.HasPrefix(text.Candidates[j].Description, "fuzz targets for ") {
			fuzzCand = &text.Candidates[j]
		}
	}
	if fuzzCand == nil || fuzzCand.Validation == nil || strings.Contains(fuzzCand.Description, "Unescape") || !strings.Contains(fuzzCand.Description, "Repeat") {
		t.Errorf("fuzz targets candidate: %+v", fuzzCand)
	}

	stats := chaosTask(t, rep, "chaos:./stats")
	sd := chaosDetails(t, stats)
	if sd.Mutation == nil || sd.Mutation.Survived == 0 || sd.Mutation.Score <= 0 || sd.Mutation.Score >= 1 ||
		!sd.Mutation.Sampled || sd.Mutation.Run != 8 || sd.Mutation.Generated != 16 {
		t.Fatalf("stats: mutation %+v", sd.Mutation)
	}
	// Stats' tests leave boundaries (Clamp with v == lo, say) and
	// Merge's capacity hint unchecked: each survivor is listed with its
	// file and line.
	for _, m := range sd.Mutation.Mutants {
		if m.Status != chaos.StatusSurvived {
			continue
		}
		if !strings.HasPrefix(m.File, "stats/") || m.Line == 0 {
			t.Errorf("survivor without file:line: %+v", m)
		}
		if !hasNote(stats, fmt.Sprintf("stats/stats.go:%d: %s: %s → ", m.Line, m.Operator, m.Original), "survived") {
			t.Errorf("stats: the notes do not list the survivor %+v:\n%s", m, strings.Join(stats.Notes, "\n"))
		}
	}
	if st := gittest.Git(t, repo, "status", "--porcelain"); st != "" {
		t.Errorf("the run changed the checkout: %s", st)
	}
}

// The scripted model's answers for methods/chaos/testdata/iox.
const (
	// chaosTests kill surviving and uncovered mutants: Copy's dropped
	// write error, CountLines' count and FirstWord's word.
	chaosTests = "chaos_optimizer_test.go\n```go\n<<<<<<< SEARCH\n=======\n" + `package iox

import (
	"errors"
	"strings"
	"testing"
)

type failingWriter struct{}

func (failingWriter) Write(p []byte) (int, error) { return 0, errors.New("disk full") }

func TestCopyWriteError(t *testing.T) {
	if err := Copy(failingWriter{}, strings.NewReader("go")); err == nil {
		t.Error("Copy to a failing writer returned nil")
	}
}

func TestCountLines(t *testing.T) {
	if n, err := CountLines(strings.NewReader("a\nb\nc\n")); n != 3 || err != nil {
		t.Errorf("CountLines = %d, %v; want 3, nil", n, err)
	}
}

func TestFirstWord(t *testing.T) {
	if w, err := FirstWord(strings.NewReader("hello world")); w != "hello" || err != nil {
		t.Errorf("FirstWord = %q, %v; want hello, nil", w, err)
	}
}
` + ">>>>>>> REPLACE\n```\n"

	// chaosFix makes Initials skip empty words, with a regression test.
	chaosFix = "iox.go\n```go\n<<<<<<< SEARCH\n\t\tb = append(b, w[0])\n=======\n\t\tif w == \"\" {\n\t\t\tcontinue\n\t\t}\n\t\tb = append(b, w[0])\n>>>>>>> REPLACE\n```\n\n" +
		"initials_crash_optimizer_test.go\n```go\n<<<<<<< SEARCH\n=======\n" + `package iox

import "testing"

func TestInitialsEmpty(t *testing.T) {
	for in, want := range map[string]string{"": "", "  Ada   Lovelace ": "AL"} {
		if got := Initials(in); got != want {
			t.Errorf("Initials(%q) = %q, want %q", in, got, want)
		}
	}
}
` + ">>>>>>> REPLACE\n```\n"
)

// TestChaosWithModel runs the chaos method with a scripted model on a
// package with untested code and a crash (methods/chaos/testdata/iox, in
// a module under iox/): the model's tests for the surviving mutants are
// validated and then must kill some, and its fix of the crash, with a
// regression test, is validated like any change. No secret reaches a
// prompt.
func TestChaosWithModel(t *testing.T) {
	if testing.Short() {
		t.Skip("runs mutants, go test -fuzz and validation")
	}
	files := map[string]string{"iox/token.go": "package iox\n\n// deployToken = \"" + plantedToken + "\"\n"}
	for _, name := range []string{"go.mod", "iox.go", "iox_test.go"} {
		b, err := os.ReadFile(filepath.Join("methods", "chaos", "testdata", "iox", name))
		if err != nil {
			t.Fatal(err)
		}
		files["iox/"+name] = string(b)
	}
	repo := gittest.NewRepo(t, files)
	srv := llmtest.NewOpenAI(t, llmtest.Always(llmtest.Func(func(r llmtest.Request) llmtest.Step {
		switch p := r.Prompt(); {
		case strings.Contains(p, "## Surviving mutants"):
			return llmtest.Reply(chaosTests)
		case strings.Contains(p, "## Crash"):
			return llmtest.Reply(chaosFix)
		}
		return llmtest.Reply("I have nothing to add.")
	})))
	code, rep, stderr := runInProcess(t, map[string]string{
		"OPTIMIZER_LLM_PROVIDER":    "openai:gpt-4.1",
		"OPTIMIZER_LLM_BASE_URL":    srv.URL,
		"OPENAI_API_KEY":            "sk-test-key-0123456789",
		"GITHUB_TOKEN":              plantedToken,
		"OPTIMIZER_CHAOS_FUZZ_TIME": "2s",
	}, "run", "--repo", filepath.Join(repo, "iox"), "--method", "chaos",
		"--out", t.TempDir(), "--worktree-base", filepath.Join(t.TempDir(), "wt"), "--json")
	if code != 0 || rep == nil {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	t.Logf("stderr:\n%s", stderr)
	task := chaosTask(t, rep, "chaos:.")
	d := chaosDetails(t, task)
	if i := slices.IndexFunc(d.Fuzz, func(f chaos.FuzzReport) bool { return f.Function == "Initials" && f.Crashed }); i < 0 {
		t.Fatalf("the crash of Initials was not found: %+v", d.Fuzz)
	}
	if len(d.Faults) == 0 {
		t.Errorf("no fault finding: %+v", d)
	}
	byKind := map[string]*report.Candidate{}
	for i := range task.Candidates {
		c := &task.Candidates[i]
		for _, l := range c.Validation.Levels {
			t.Logf("%s %s: %s %s", c.ID, l.Name, l.Status, l.Detail)
		}
		switch desc := c.Description; {
		case strings.HasPrefix(desc, "tests for "):
			byKind["tests"] = c
		case strings.HasPrefix(desc, "fix of the crash of Initials"):
			byKind["fix"] = c
		}
	}
	tests, fix := byKind["tests"], byKind["fix"]
	if tests == nil || !tests.Validation.Accepted || !strings.Contains(tests.Description, "they kill") || tests.Validation.Level(chaos.RejectedByMutants) == nil {
		t.Errorf("tests for the surviving mutants: %+v", tests)
	}
	if fix == nil || !fix.Validation.Accepted || !slices.Contains(fix.Files, "iox/iox.go") || !slices.Contains(fix.Files, "iox/initials_crash_optimizer_test.go") {
		t.Errorf("fix of the crash: %+v", fix)
	}
	if !hasNote(task, "candidate tests kill ", "surviving mutants") {
		t.Errorf("no note of the kills:\n%s", strings.Join(task.Notes, "\n"))
	}
	reqs := srv.Requests()
	if len(reqs) != 2 || !strings.Contains(reqs[1].Prompt(), "made it fail at iox.go:") || !strings.Contains(reqs[0].Prompt(), "iox.go:39: error: err → nil (survived)") {
		t.Errorf("%d requests; the prompts do not quote the crash or the survivor with module-relative paths", len(reqs))
	}
	for i, r := range reqs {
		if strings.Contains(string(r.Body), plantedToken) {
			t.Errorf("request %d carries the planted token", i+1)
		}
	}
}
