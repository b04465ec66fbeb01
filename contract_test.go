package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/agentic-optimizer/optimizer/internal/action"
	"github.com/agentic-optimizer/optimizer/internal/action/actiontest"
	"github.com/agentic-optimizer/optimizer/internal/gitx/gittest"
	"github.com/agentic-optimizer/optimizer/internal/llm/llmtest"
	"github.com/agentic-optimizer/optimizer/internal/report"
	"gopkg.in/yaml.v3"
)

// fakeToken stands for the github.token the runner passes as INPUT_TOKEN.
const fakeToken = "ghs_contractTestToken0123456789abcdef"

// TestRunnerContract runs the built binary as the runner runs the action's
// container: no arguments, GITHUB_ACTIONS=true, inputs in INPUT_* variables
// with their hyphens, the event's name and payload, the files for outputs
// and the job summary, and the workspace as working directory. It then reads
// those files as the runner would and checks what a workflow would see.
func TestRunnerContract(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs it on a fixture repository")
	}
	start := time.Now()
	bin, _ := imageBinary(t, t.TempDir(), "")
	goEnv := goEnvFor(t, "GOCACHE", "GOMODCACHE", "GOPATH")
	// example-models.yml's step, with GitHub Models here.
	models := llmtest.NewGitHubModels(t, llmtest.Always(llmtest.Reply("Nothing here is worth changing.")))
	modelsInputs := stepInputs(t, filepath.Join(".github", "workflows", "example-models.yml"), "optimize")
	modelsInputs["INPUT_LLM-BASE-URL"] = models.URL

	for _, tc := range []struct {
		name, event string
		inputs      map[string]string
		check       func(t *testing.T, r *contractRun)
	}{
		{"pull_request", "pull_request", map[string]string{"INPUT_METHOD": "modernize"}, func(t *testing.T, r *contractRun) {
			r.wantStatus(t, 0)
			// The event's base commit made ./a (changed by the pull
			// request) the only target.
			if !strings.Contains(r.stderr, "base "+r.base[:12]+" from the pull_request event") {
				t.Errorf("the base was not taken from the event:\n%s", r.stderr)
			}
			r.wantOutput(t, action.OutputAccepted, "1")
			r.wantOutput(t, action.OutputSummary, "1 tasks, 1 candidates: 1 accepted")
			patch := r.outputs[action.OutputPatch]
			if strings.HasPrefix(patch, "/") || !fileExists(filepath.Join(r.ws, patch)) {
				t.Errorf("patch output %q is not a file relative to the workspace", patch)
			}
			if !fileExists(filepath.Join(r.ws, r.outputs[action.OutputReversePatch])) {
				t.Errorf("reverse-patch output %q is not a file", r.outputs[action.OutputReversePatch])
			}
			gittest.Git(t, r.ws, "apply", "--check", patch)
			if cid, _ := exec.Command(bin, "cid", filepath.Join(r.ws, patch)).Output(); !strings.Contains(string(cid), r.outputs[action.OutputCID]) || r.outputs[action.OutputCID] == "" {
				t.Errorf("cid output %q is not the patch's CID (%s)", r.outputs[action.OutputCID], cid)
			}
			rep := r.report(t)
			if len(rep.Tasks) != 1 || rep.Tasks[0].Target != "./a" || rep.Tasks[0].Status != "accepted" {
				t.Errorf("report tasks %+v, want ./a accepted", rep.Tasks)
			}
			r.wantSummary(t, "## optimizer: 1 of 1 candidates accepted in 1 tasks", "| `./a` | modernize | accepted, 1 of 1 |")
			// An annotation on the changed lines, the log grouped, the token
			// masked before anything else and never printed otherwise.
			r.wantLog(t, "::notice file=a/a.go,line=7,", "title=optimizer%3A accepted change (modernize)::rangeint")
			// The notice's command works as written, from the workspace.
			m := regexp.MustCompile(`apply it from the workspace with: optimizer (apply [^%\n]*)`).FindStringSubmatch(r.stderr)
			if m == nil {
				t.Fatalf("no apply command in the notices:\n%s", r.stderr)
			}
			apply := exec.Command(bin, strings.Fields(m[1])...)
			apply.Dir = r.ws
			if out, err := apply.CombinedOutput(); err != nil || !strings.Contains(string(out), "applied ") {
				t.Errorf("optimizer %s: %v\n%s", m[1], err, out)
			}
			if !strings.HasPrefix(r.stderr, "::add-mask::"+fakeToken+"\n") {
				t.Errorf("the token is not masked first:\n%.300s", r.stderr)
			}
			if strings.Count(r.stderr, fakeToken) != 1 {
				t.Errorf("the token appears in the log beyond its mask")
			}
			// git is told on its command line that the workspace is safe:
			// the user's global configuration stays as it was.
			if cfg := r.gitConfig(t); cfg != "" {
				t.Errorf("the optimizer wrote the global git config:\n%s", cfg)
			}
		}},
		{"schedule", "schedule", map[string]string{"INPUT_CONTROL": "patch"}, func(t *testing.T, r *contractRun) {
			r.wantStatus(t, 0)
			r.wantOutput(t, action.OutputAccepted, "1")
			r.wantOutput(t, action.OutputSummary, "2 tasks, 1 candidates: 1 accepted")
			rep := r.report(t)
			var targets []string
			for _, task := range rep.Tasks {
				targets = append(targets, task.Target+" "+task.Status)
			}
			if slices.Sort(targets); !slices.Equal(targets, []string{"./a accepted", "./b no_candidates"}) {
				t.Errorf("targets %v, want the whole module", targets)
			}
			if filepath.Join(r.ws, r.outputs[action.OutputReport]) != filepath.Join(r.ws, ".optimizer", "report.json") {
				t.Errorf("report output %q", r.outputs[action.OutputReport])
			}
			r.wantSummary(t, "| `./b` | modernize | no\\_candidates |")
		}},
		{"workflow_dispatch", "workflow_dispatch", map[string]string{"INPUT_PATHS": "./b", "INPUT_DRY-RUN": "true", "INPUT_OBJECTIVE": ""}, func(t *testing.T, r *contractRun) {
			r.wantStatus(t, 0)
			r.wantOutput(t, action.OutputAccepted, "0")
			r.wantOutput(t, action.OutputSummary, "1 tasks, 0 candidates: 0 accepted")
			for _, name := range []string{action.OutputPatch, action.OutputCID, action.OutputReport, action.OutputPRURL} {
				r.wantOutput(t, name, "")
			}
			if fileExists(filepath.Join(r.ws, ".optimizer")) {
				t.Error("a dry run wrote the output directory")
			}
			r.wantSummary(t, "## optimizer: 0 of 0 candidates accepted in 1 tasks", "Dry run: nothing stored or published.")
			r.wantLog(t, "dry run: nothing stored or published")
		}},
		{"schedule with GitHub Models, as example-models.yml", "schedule", modelsInputs, func(t *testing.T, r *contractRun) {
			r.wantStatus(t, 0)
			reqs := models.Requests()
			if len(reqs) == 0 {
				t.Fatalf("GitHub Models got no request:\n%s", r.stderr)
			}
			for _, q := range reqs {
				if q.Key != fakeToken || q.Model != "openai/gpt-4.1" {
					t.Errorf("request %d: model %q with key %q, want openai/gpt-4.1 with the workflow's token", q.N, q.Model, q.Key)
				}
			}
			rep, err := report.Read(filepath.Join(r.ws, ".optimizer", "report.json"))
			if err != nil {
				t.Fatal(err)
			}
			if rep.LLM == nil || rep.LLM.ByModel["github:openai/gpt-4.1"].Requests != len(reqs) {
				t.Errorf("the report's model use %+v, want %d calls to github:openai/gpt-4.1", rep.LLM, len(reqs))
			}
			r.wantSummary(t, fmt.Sprintf("Model `github:openai/gpt-4.1`: %d of %d calls answered, %d HTTP requests", len(reqs), len(reqs), len(reqs)))
		}},
		{"schedule in a workspace of the runner's user", "schedule", map[string]string{"INPUT_CONTROL": "patch", "INPUT_METHOD": "modernize"}, func(t *testing.T, r *contractRun) {
			r.wantStatus(t, 0)
			if os.Geteuid() != 0 {
				return // the workspace is the caller's own
			}
			// As a Docker action: root in the container, the workspace the
			// runner user's. Everything it wrote there is handed over.
			n := 0
			filepath.WalkDir(filepath.Join(r.ws, ".optimizer"), func(p string, d os.DirEntry, err error) error {
				if fi, err := os.Lstat(p); err == nil {
					if st := fi.Sys().(*syscall.Stat_t); st.Uid != runnerUID || st.Gid != runnerGID {
						t.Errorf("%s belongs to %d:%d, want the workspace's owner %d:%d", p, st.Uid, st.Gid, runnerUID, runnerGID)
					}
					n++
				}
				return nil
			})
			if n < 4 {
				t.Errorf("only %d paths in .optimizer", n)
			}
		}},
		{"push with a bad input", "push", map[string]string{"INPUT_MAX-AGENTS": "0"}, func(t *testing.T, r *contractRun) {
			r.wantStatus(t, 2)
			r.wantOutput(t, action.OutputAccepted, "0")
			if s := r.outputs[action.OutputSummary]; !strings.HasPrefix(s, "failed: config: input max-agents: 0 is out of range") {
				t.Errorf("summary output %q", s)
			}
			r.wantSummary(t, "## optimizer: the run failed", "input max\\-agents")
			r.wantLog(t, "::error title=optimizer failed::config: input max-agents")
		}},
		{"pull_request_target with the head checked out", "pull_request_target", nil, func(t *testing.T, r *contractRun) {
			r.wantStatus(t, 2)
			r.wantLog(t, "refusing to run on pull_request_target: HEAD (", "is the pull request's head")
			r.wantSummary(t, "## optimizer: the run failed")
			if fileExists(filepath.Join(r.ws, ".optimizer")) {
				t.Error("a refused run wrote the output directory")
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := newContractRun(t, bin, goEnv, tc.event, tc.inputs)
			if strings.Contains(tc.name, "runner's user") && os.Geteuid() == 0 {
				chownTree(t, r.ws, runnerUID, runnerGID)
			}
			r.run(t)
			tc.check(t, r)
		})
	}
	t.Cleanup(func() { t.Logf("runner contract: %.1fs", time.Since(start).Seconds()) })
}

// The user and group GitHub-hosted runners run steps as.
const runnerUID, runnerGID = 1001, 121

// chownTree gives every path under dir to uid:gid.
func chownTree(t *testing.T, dir string, uid, gid int) {
	t.Helper()
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, uid, gid)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// stepInputs is the INPUT_* environment the runner gives the step id of a
// workflow: its with: values, those with expressions left out.
func stepInputs(t *testing.T, file, id string) map[string]string {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var w workflow
	if err := yaml.Unmarshal(b, &w); err != nil {
		t.Fatal(err)
	}
	for _, job := range w.Jobs {
		for _, st := range job.Steps {
			if st.ID != id {
				continue
			}
			env := map[string]string{}
			for k, v := range st.With {
				if s := fmt.Sprint(v); !strings.Contains(s, "${{") {
					env["INPUT_"+strings.ToUpper(k)] = s
				}
			}
			return env
		}
	}
	t.Fatalf("%s has no step %s", file, id)
	return nil
}

// contractRun is one run of the action on a fresh fixture workspace.
type contractRun struct {
	bin, ws, home, base string
	files               string // the runner's files: event, outputs, summary
	env                 []string
	status              int
	stderr              string
	outputs             map[string]string
	summary             string
}

func newContractRun(t *testing.T, bin string, goEnv []string, event string, inputs map[string]string) *contractRun {
	dir := t.TempDir()
	r := &contractRun{bin: bin, home: filepath.Join(dir, "home"), files: dir}
	if err := os.MkdirAll(r.home, 0o755); err != nil {
		t.Fatal(err)
	}
	var head string
	r.ws, r.base, head = makeFixture(t)

	// The payload is the real-shaped sample with the fixture's commits.
	var payload map[string]any
	sample := strings.TrimSuffix(event, "_target")
	b, err := os.ReadFile(filepath.Join("internal", "action", "testdata", "events", sample+".json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &payload); err != nil {
		t.Fatal(err)
	}
	if pr, ok := payload["pull_request"].(map[string]any); ok {
		pr["base"].(map[string]any)["sha"] = r.base
		pr["head"].(map[string]any)["sha"] = head
	}
	if event == "push" {
		payload["before"], payload["after"] = r.base, head
	}
	eventPath := filepath.Join(dir, "event.json")
	b, _ = json.Marshal(payload)
	if err := os.WriteFile(eventPath, b, 0o644); err != nil {
		t.Fatal(err)
	}

	r.env = append(goEnv,
		"PATH="+os.Getenv("PATH"),
		"HOME="+r.home,
		"GOPROXY=off",
		"GOFLAGS=-mod=mod",
		"GOTOOLCHAIN=local",
		"GIT_CONFIG_NOSYSTEM=1",
		"GITHUB_ACTIONS=true",
		"CI=true",
		"GITHUB_WORKSPACE="+r.ws,
		"GITHUB_EVENT_NAME="+event,
		"GITHUB_EVENT_PATH="+eventPath,
		"GITHUB_OUTPUT="+filepath.Join(dir, "output"),
		"GITHUB_STEP_SUMMARY="+filepath.Join(dir, "step_summary"),
		"GITHUB_ENV="+filepath.Join(dir, "env"),
		"GITHUB_REPOSITORY=octo-org/octo-repo",
		// No request may leave the machine: a closed local port stands
		// for the API, and change control falls back to patches.
		"GITHUB_API_URL=http://127.0.0.1:1",
		"GITHUB_SHA="+head,
		"GITHUB_REF=refs/heads/main",
		"GITHUB_RUN_ID=1234567890",
		"GITHUB_ACTION=optimize",
		"INPUT_TOKEN="+fakeToken, // the action.yml default, ${{ github.token }}
		"INPUT_WORKTREE-BASE="+filepath.Join(dir, "worktrees"),
		"INPUT_MAX-AGENTS=2",
	)
	for k, v := range inputs {
		r.env = append(r.env, k+"="+v)
	}
	return r
}

func (r *contractRun) run(t *testing.T) {
	t.Helper()
	cmd := exec.Command(r.bin) // no arguments, as the image's entrypoint runs
	cmd.Dir = r.ws
	cmd.Env = r.env
	var stderr strings.Builder
	cmd.Stderr = &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit):
		r.status = exit.ExitCode()
	default:
		t.Fatal(err)
	}
	r.stderr = stderr.String()
	dir := r.files
	values, names, err := actiontest.ParseOutputs(filepath.Join(dir, "output"))
	if err != nil {
		t.Fatalf("outputs file: %v\nlog:\n%s", err, r.stderr)
	}
	if want := action.OutputNames(); !slices.Equal(names, want) {
		t.Errorf("outputs %v, want %v", names, want)
	}
	r.outputs = values
	b, err := os.ReadFile(filepath.Join(dir, "step_summary"))
	if err != nil {
		t.Fatalf("job summary: %v", err)
	}
	r.summary = string(b)
	if len(b) >= 1<<20 {
		t.Errorf("job summary is %d bytes", len(b))
	}
	if o, c := strings.Count(r.summary, "<details>"), strings.Count(r.summary, "</details>"); o != c {
		t.Errorf("job summary has %d <details> and %d </details>", o, c)
	}
}

func (r *contractRun) wantStatus(t *testing.T, want int) {
	t.Helper()
	if r.status != want {
		t.Fatalf("exit status %d, want %d\nlog:\n%s", r.status, want, r.stderr)
	}
}

func (r *contractRun) wantOutput(t *testing.T, name, prefix string) {
	t.Helper()
	got := r.outputs[name]
	if (prefix == "" && got != "") || !strings.HasPrefix(got, prefix) {
		t.Errorf("output %s = %q, want %q…", name, got, prefix)
	}
}

func (r *contractRun) wantSummary(t *testing.T, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(r.summary, p) {
			t.Errorf("job summary lacks %q:\n%s", p, r.summary)
		}
	}
}

func (r *contractRun) wantLog(t *testing.T, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(r.stderr, p) {
			t.Errorf("log lacks %q:\n%s", p, r.stderr)
		}
	}
}

func (r *contractRun) report(t *testing.T) (rep struct {
	Tasks []struct{ Target, Status string }
}) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(r.ws, r.outputs[action.OutputReport]))
	if err != nil {
		t.Fatalf("report output %q: %v", r.outputs[action.OutputReport], err)
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	return rep
}

func (r *contractRun) gitConfig(t *testing.T) string {
	b, _ := os.ReadFile(filepath.Join(r.home, ".gitconfig"))
	return string(b)
}

// makeFixture makes the workspace: a git repository with two commits, the
// base and a pull request's change that adds to package a a loop the
// modernize method rewrites. Package b has nothing to improve.
func makeFixture(t *testing.T) (ws, base, head string) {
	t.Helper()
	ws = gittest.NewRepo(t, map[string]string{
		"go.mod":      "module example.com/fixture\n\ngo 1.22\n",
		"a/a.go":      "// Package a adds.\npackage a\n",
		"b/b.go":      "// Package b doubles.\npackage b\n\n// Twice returns 2x.\nfunc Twice(x int) int { return 2 * x }\n",
		"b/b_test.go": "package b\n\nimport \"testing\"\n\nfunc TestTwice(t *testing.T) {\n\tif Twice(2) != 4 {\n\t\tt.Fatal(Twice(2))\n\t}\n}\n",
	})
	base = strings.TrimSpace(gittest.Git(t, ws, "rev-parse", "HEAD"))
	gittest.WriteFiles(t, ws, map[string]string{
		"a/a.go":      "// Package a adds.\npackage a\n\n// Sum adds 0..n-1.\nfunc Sum(n int) int {\n\ts := 0\n\tfor i := 0; i < n; i++ {\n\t\ts += i\n\t}\n\treturn s\n}\n",
		"a/a_test.go": "package a\n\nimport \"testing\"\n\nfunc TestSum(t *testing.T) {\n\tif Sum(4) != 6 {\n\t\tt.Fatal(Sum(4))\n\t}\n}\n",
	})
	gittest.Git(t, ws, "add", "--all")
	gittest.Git(t, ws, "commit", "--quiet", "-m", "pull request: add Sum")
	return ws, base, strings.TrimSpace(gittest.Git(t, ws, "rev-parse", "HEAD"))
}

func goEnvFor(t *testing.T, names ...string) []string {
	t.Helper()
	out, err := exec.Command("go", append([]string{"env"}, names...)...).Output()
	if err != nil {
		t.Fatalf("go env: %v", err)
	}
	var env []string
	for i, v := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		env = append(env, names[i]+"="+v)
	}
	return env
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
