package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/agentic-optimizer/optimizer/internal/gitx/gittest"
	"github.com/agentic-optimizer/optimizer/internal/llm/llmtest"
	"github.com/agentic-optimizer/optimizer/internal/report"
)

// The scripted model's answers for examples/demo/wordfreq.
const (
	// tdTests pins Top down (n <= 0 was not covered) and adds the
	// benchmark the package lacks.
	tdTests = "Here are the tests.\n\nwordfreq/top_optimizer_test.go\n```go\n<<<<<<< SEARCH\n=======\n" + `package wordfreq

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

func TestTopCharacterization(t *testing.T) {
	for _, tc := range []struct {
		text string
		n    int
		want []string
	}{
		{"", 3, []string{}},
		{"a b c", 0, nil},
		{"a b c", -1, nil},
		{"B a b", 5, []string{"b", "a"}},
		{"x y z", 2, []string{"x", "y"}},
		{"go Go GO gopher", 1, []string{"go"}},
	} {
		if got := Top(tc.text, tc.n); !slices.Equal(got, tc.want) || (got == nil) != (tc.want == nil) {
			t.Errorf("Top(%q, %d) = %#v, want %#v", tc.text, tc.n, got, tc.want)
		}
	}
}

func BenchmarkTop(b *testing.B) {
	var words []string
	for i := range 3000 {
		words = append(words, fmt.Sprintf("w%d", i%700))
	}
	text := strings.Join(words, " ")
	for range b.N {
		Top(text, 10)
	}
}
` + ">>>>>>> REPLACE\n```\n"

	// tdOptimization sorts with slices.SortFunc instead of a selection sort.
	tdOptimization = "wordfreq/wordfreq.go\n```go\n<<<<<<< SEARCH\nimport \"strings\"\n=======\nimport (\n\t\"cmp\"\n\t\"slices\"\n\t\"strings\"\n)\n>>>>>>> REPLACE\n```\n\nwordfreq/wordfreq.go\n```go\n<<<<<<< SEARCH\n" +
		`	// Selection sort: fine for a handful of words, quadratic beyond.
	for i := range words {
		best := i
		for j := i + 1; j < len(words); j++ {
			cj, cb := counts[words[j]], counts[words[best]]
			if cj > cb || cj == cb && words[j] < words[best] {
				best = j
			}
		}
		words[i], words[best] = words[best], words[i]
	}
` + "=======\n" + `	slices.SortFunc(words, func(a, b string) int {
		if c := cmp.Compare(counts[b], counts[a]); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
` + ">>>>>>> REPLACE\n```\n"

	// tdTiesWrong breaks the order of ties: the characterization tests
	// must catch it.
	tdTiesWrong = "wordfreq/wordfreq.go\n<<<<<<< SEARCH\n\t\t\tif cj > cb || cj == cb && words[j] < words[best] {\n=======\n\t\t\tif cj > cb || cj == cb && words[j] > words[best] {\n>>>>>>> REPLACE\n"
)

// demoRepo is a git repository holding a copy of examples/demo, with
// extra files written over it.
func demoRepo(t testing.TB, extra map[string]string) string {
	t.Helper()
	repo := t.TempDir()
	copyDir(t, filepath.Join("examples", "demo"), repo)
	os.RemoveAll(filepath.Join(repo, ".optimizer"))
	gittest.WriteFiles(t, repo, extra)
	gittest.Git(t, repo, "init", "-q")
	gittest.Git(t, repo, "add", "-A")
	gittest.Git(t, repo, "commit", "-qm", "demo")
	return repo
}

// runInProcess runs the CLI with args and an environment of env only.
func runInProcess(t *testing.T, env map[string]string, args ...string) (int, *report.Report, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(args, strings.NewReader(""), &stdout, &stderr, func(k string) string { return env[k] })
	var rep *report.Report
	if stdout.Len() > 0 {
		rep = &report.Report{}
		if err := json.Unmarshal(stdout.Bytes(), rep); err != nil {
			t.Fatalf("report on stdout: %v\n%s", err, stdout.Bytes())
		}
	}
	return code, rep, stderr.String()
}

const plantedToken = "ghp_PLANTEDsecret0123456789abcdefghijklmn"

// TestTestDrivenEndToEnd is issue 4's acceptance: against a scripted
// OpenAI-compatible server, the test-driven method on the bundled example
// writes characterization tests and a benchmark, then an optimization
// judged by them under the speed objective; the stored patch holds both,
// and the report the tokens used. No secret reaches a prompt.
func TestTestDrivenEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("validates with benchmarks")
	}
	// A token in the environment, and the same token left in a comment of
	// the code the prompt quotes.
	repo := demoRepo(t, map[string]string{"wordfreq/token.go": "package wordfreq\n\n// deployToken = \"" + plantedToken + "\"\n"})
	// The tests come in a file of another name: they are moved to the
	// canonical one. Top is 94.4 % covered: below 95 %, it is characterized.
	elsewhere := strings.Replace(tdTests, "wordfreq/top_optimizer_test.go", "wordfreq/top_extra_test.go", 1)
	srv := llmtest.NewOpenAI(t, llmtest.Reply(elsewhere), llmtest.Reply(tdOptimization))
	out := t.TempDir()
	code, rep, stderr := runInProcess(t, map[string]string{
		"OPTIMIZER_LLM_PROVIDER":      "openai:gpt-4.1",
		"OPTIMIZER_LLM_BASE_URL":      srv.URL,
		"OPENAI_API_KEY":              "sk-test-key-0123456789",
		"GITHUB_TOKEN":                plantedToken,
		"OPTIMIZER_MIN_TEST_COVERAGE": "95",
	}, "run", "--repo", repo, "--method", "test-driven", "--paths", "./wordfreq", "--objective", "speed",
		"--out", out, "--worktree-base", filepath.Join(t.TempDir(), "wt"), "--json")
	if code != 0 || rep == nil {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	t.Logf("stderr:\n%s", stderr)
	if len(rep.Tasks) != 1 || rep.Tasks[0].Status != report.StatusAccepted {
		t.Fatalf("tasks %+v\n%s", rep.Tasks, stderr)
	}
	task := rep.Tasks[0]
	if len(task.Candidates) != 2 {
		t.Fatalf("want 2 candidates (tests, optimization), got %d\n%s", len(task.Candidates), stderr)
	}
	tests, opt := task.Candidates[0], task.Candidates[1]
	for _, c := range task.Candidates {
		for _, l := range c.Validation.Levels {
			t.Logf("%s %s: %s %s", c.ID, l.Name, l.Status, l.Detail)
		}
	}
	if tests.IncludedIn != opt.ID || tests.Patch != nil {
		t.Errorf("the tests candidate should be included in %s, not stored: %+v", opt.ID, tests)
	}
	if opt.Validation == nil || !opt.Validation.Accepted || opt.Patch == nil {
		t.Fatalf("optimization not accepted and stored: %+v\n%s", opt, stderr)
	}
	if len(opt.Validation.Benchmarks) == 0 {
		t.Errorf("the speed verdict cites no benchmark: %+v", opt.Validation)
	}
	p, err := os.ReadFile(filepath.Join(out, opt.Patch.Path))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"+++ b/wordfreq/top_optimizer_test.go", "+func TestTopCharacterization", "+func BenchmarkTop", "+++ b/wordfreq/wordfreq.go", "+\tslices.SortFunc(words"} {
		if !strings.Contains(string(p), want) {
			t.Errorf("the stored patch lacks %q:\n%s", want, p)
		}
	}
	if rep.LLM == nil || rep.LLM.Requests != 2 || rep.LLM.PromptTokens == 0 || rep.LLM.CompletionTokens == 0 {
		t.Errorf("report.llm = %+v, want 2 requests with tokens", rep.LLM)
	}
	if task.LLM == nil || task.LLM.PromptTokens != rep.LLM.PromptTokens {
		t.Errorf("task llm = %+v, want the run's tokens", task.LLM)
	}
	if !strings.Contains(stderr, "models openai:gpt-4.1: 2 requests") {
		t.Errorf("the summary does not tell the model use:\n%s", stderr)
	}
	reqs := srv.Requests()
	if !strings.Contains(reqs[1].Prompt(), "func TestTopCharacterization") {
		t.Errorf("the optimization prompt does not quote the accepted tests:\n%s", reqs[1].Prompt())
	}
	for i, r := range reqs {
		if strings.Contains(string(r.Body), plantedToken) {
			t.Errorf("request %d carries the planted token", i+1)
		}
	}
}

// TestTestDrivenRejectsBadAnswers: answers with no edit, edits to a file
// outside the task, SEARCH text that matches nothing, and a change that
// breaks the characterization tests each become a rejected candidate with
// a reason fed back to the model; the tests are then proposed alone.
func TestTestDrivenRejectsBadAnswers(t *testing.T) {
	if testing.Short() {
		t.Skip("validates")
	}
	repo := demoRepo(t, nil)
	srv := llmtest.NewOpenAI(t,
		llmtest.Reply("I would sort the words with slices.SortFunc."),                              // no edit
		llmtest.Reply("stats/stats.go\n<<<<<<< SEARCH\n=======\npackage stats\n>>>>>>> REPLACE\n"), // outside the task
		llmtest.Reply(tdTests),
		llmtest.Reply("wordfreq/wordfreq.go\n<<<<<<< SEARCH\n\tfor i := 0; i < n; i++ {\n=======\n\tfor i := range n {\n>>>>>>> REPLACE\n"), // matches nothing
		llmtest.Reply(tdTiesWrong),
		llmtest.Truncated(tdTiesWrong), // retried by the router
		llmtest.Reply(tdTiesWrong),
	)
	out := t.TempDir()
	code, rep, stderr := runInProcess(t, map[string]string{
		"OPTIMIZER_LLM_PROVIDER":      "openai:gpt-4.1",
		"OPTIMIZER_LLM_BASE_URL":      srv.URL,
		"OPENAI_API_KEY":              "sk-test-key-0123456789",
		"OPTIMIZER_MIN_TEST_COVERAGE": "95", // Top is 94.4 % covered: characterized first
	}, "run", "--repo", repo, "--method", "test-driven", "--paths", "./wordfreq",
		"--out", out, "--worktree-base", filepath.Join(t.TempDir(), "wt"), "--json")
	if code != 0 || rep == nil {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	task := rep.Tasks[0]
	var got []string
	for _, c := range task.Candidates {
		switch {
		case c.Validation == nil:
			got = append(got, "error")
		case c.Validation.Accepted:
			got = append(got, "accepted")
		default:
			got = append(got, c.Validation.RejectedBy)
		}
	}
	if want := "answer answer accepted answer unit unit"; strings.Join(got, " ") != want {
		t.Fatalf("verdicts %q, want %q\n%s", got, want, stderr)
	}
	for _, i := range []int{0, 1, 3} {
		if d := task.Candidates[i].Validation.Levels[0].Detail; d == "" {
			t.Errorf("candidate %d was refused without a reason", i)
		}
	}
	// Each rejection's reason is the next prompt.
	reqs := srv.Requests()
	for i, want := range map[int]string{1: "no edit", 2: "stats/stats.go", 4: "SEARCH", 5: "unit"} {
		if !strings.Contains(reqs[i].Prompt(), want) {
			t.Errorf("prompt %d does not feed back %q:\n%s", i+1, want, reqs[i].Prompt())
		}
	}
	if task.Status != report.StatusAccepted || task.Candidates[2].Patch == nil || task.Candidates[2].IncludedIn != "" {
		t.Errorf("the tests should be stored alone: %+v", task.Candidates[2])
	}
	if !strings.Contains(strings.Join(task.Notes, "\n"), "characterization tests are proposed alone") {
		t.Errorf("notes do not say the tests come alone: %q", task.Notes)
	}
	// The stats package was never written.
	if b, _ := os.ReadFile(filepath.Join(repo, "stats", "stats.go")); !strings.Contains(string(b), "func Clamp") {
		t.Error("stats/stats.go was changed in the user's checkout")
	}
}

// TestTestDrivenOptimizesCoveredCode: a function the existing tests cover
// at min_test_coverage or above, with a benchmark, gets no
// characterization tests: the first question is the optimization, judged
// by the tests it has; the report says why. A refused answer's progress
// line says why it was refused.
func TestTestDrivenOptimizesCoveredCode(t *testing.T) {
	if testing.Short() {
		t.Skip("validates with benchmarks")
	}
	repo := demoRepo(t, nil)
	builder := "textutil/textutil.go\n```go\n<<<<<<< SEARCH\npackage textutil\n=======\npackage textutil\n\nimport \"strings\"\n>>>>>>> REPLACE\n```\n\n" +
		"textutil/textutil.go\n```go\n<<<<<<< SEARCH\n\tout := \"\"\n\tfor i, w := range words {\n\t\tif i > 0 {\n\t\t\tout += sep\n\t\t}\n\t\tout += w\n\t}\n\treturn out\n" +
		"=======\n\tvar b strings.Builder\n\tfor i, w := range words {\n\t\tif i > 0 {\n\t\t\tb.WriteString(sep)\n\t\t}\n\t\tb.WriteString(w)\n\t}\n\treturn b.String()\n>>>>>>> REPLACE\n```\n"
	srv := llmtest.NewOpenAI(t, llmtest.Reply("I would use a strings.Builder."), llmtest.Reply(builder))
	code, rep, stderr := runInProcess(t, map[string]string{
		"OPTIMIZER_LLM_PROVIDER": "openai:gpt-4.1",
		"OPTIMIZER_LLM_BASE_URL": srv.URL,
		"OPENAI_API_KEY":         "sk-test-key-0123456789",
	}, "run", "--repo", repo, "--method", "test-driven", "--paths", "./textutil", "--objective", "speed",
		"--out", t.TempDir(), "--worktree-base", filepath.Join(t.TempDir(), "wt"), "--json")
	if code != 0 || rep == nil {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	task := rep.Tasks[0]
	if task.Status != report.StatusAccepted || len(task.Candidates) != 2 || task.Candidates[1].Patch == nil {
		t.Fatalf("task %+v, want the second answer accepted\n%s", task, stderr)
	}
	if !strings.Contains(strings.Join(task.Notes, "\n"), "the existing tests cover 100.0% of Join (min_test_coverage 80%): no characterization tests written") {
		t.Errorf("the notes do not say why no tests were written: %q", task.Notes)
	}
	if got := task.Candidates[1].Files; len(got) != 1 || got[0] != "textutil/textutil.go" {
		t.Errorf("the accepted change touches %v, want textutil/textutil.go alone", got)
	}
	reqs := srv.Requests()
	if len(reqs) != 2 || strings.Contains(reqs[0].Prompt(), "Write characterization tests") {
		t.Errorf("%d requests; the first asks for tests:\n%s", len(reqs), reqs[0].Prompt())
	}
	if !strings.Contains(stderr, "rejected: answer: the answer holds no edit") || strings.Contains(stderr, "rejected: Your answer was not applied") {
		t.Errorf("the progress line does not say why the answer was refused:\n%s", stderr)
	}
}

// TestTestDrivenModelsDown: the primary always fails, so the fallback is
// used (and the primary set aside); with both failing, the run still ends with exit 0, nothing
// accepted, and the reason in the report and the summary.
func TestTestDrivenModelsDown(t *testing.T) {
	if testing.Short() {
		t.Skip("validates")
	}
	repo := demoRepo(t, nil)
	primary := llmtest.NewOpenAI(t, llmtest.Always(llmtest.Status(500).Message("upstream exploded")))
	fallback := llmtest.NewAnthropic(t, llmtest.Reply("no edits from me"), llmtest.Always(llmtest.Status(503)))
	code, rep, stderr := runInProcess(t, map[string]string{
		"OPTIMIZER_LLM_PROVIDER": "openai:gpt-4.1",
		"OPTIMIZER_LLM_FALLBACK": "anthropic:claude-sonnet-4-5",
		"OPTIMIZER_LLM_BASE_URL": primary.URL,
		"ANTHROPIC_BASE_URL":     fallback.URL,
		"OPENAI_API_KEY":         "sk-test-key-0123456789",
		"ANTHROPIC_API_KEY":      "sk-ant-test-0123456789",
	}, "run", "--repo", repo, "--method", "test-driven", "--paths", "./wordfreq", "--dry-run",
		"--worktree-base", filepath.Join(t.TempDir(), "wt"), "--json")
	if code != 0 || rep == nil {
		t.Fatalf("exit %d, want 0\n%s", code, stderr)
	}
	task := rep.Tasks[0]
	if rep.Stats.Accepted != 0 || len(task.Candidates) != 1 || task.Candidates[0].Validation.RejectedBy != "answer" {
		t.Fatalf("want one refused answer from the fallback and nothing accepted: %+v\n%s", task.Candidates, stderr)
	}
	notes := strings.Join(task.Notes, "\n")
	for _, want := range []string{"the model could not be asked any more", "anthropic:claude-sonnet-4-5: 503"} {
		if !strings.Contains(notes, want) {
			t.Errorf("task notes lack %q:\n%s", want, notes)
		}
	}
	if !strings.Contains(stderr, "the model could not be asked any more") {
		t.Errorf("the summary does not give the reason:\n%s", stderr)
	}
	// The first request fell back from the failing primary to the fallback,
	// which answered; the second went straight to the fallback, which failed.
	if rep.LLM == nil || len(rep.LLM.Records) != 3 ||
		!strings.Contains(rep.LLM.Records[0].Error, "500") || rep.LLM.Records[1].Error != "" || !strings.Contains(rep.LLM.Records[2].Error, "503") {
		t.Errorf("report.llm = %+v, want primary failed, fallback answered, fallback failed", rep.LLM)
	}
	if len(primary.Requests()) != 4 {
		t.Errorf("the primary got %d requests, want 4: set aside after its retries", len(primary.Requests()))
	}
}
