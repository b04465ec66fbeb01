package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/agentic-optimizer/optimizer/internal/gitx/gittest"
)

// TestCIOnARunner runs the project's own CI commands as a GitHub runner
// runs them in a `run:` step after actions/checkout's default (depth-1)
// checkout, for a push and a pull request: GITHUB_ACTIONS=true, the event's
// payload, whose base commit is not in the clone, and the step's files.
// The main job on the bundled example (ci.yml's step and .ci/run's line)
// must take the whole example and succeed; without --paths the event's base
// would make it exit 2. The tests themselves run without the runner's
// variables (.ci/hermetic.sh).
func TestCIOnARunner(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildOptimizer(t)

	// The commands, as the CI files hold them.
	var w workflow
	b, err := os.ReadFile(filepath.Join(".github", "workflows", "ci.yml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(b, &w); err != nil {
		t.Fatal(err)
	}
	var ciYML string
	for _, s := range w.Jobs["test"].Steps {
		if strings.Contains(s.Run, "examples/demo") {
			ciYML = strings.TrimSpace(s.Run)
		}
	}
	b, err = os.ReadFile(filepath.Join(".ci", "run"))
	if err != nil {
		t.Fatal(err)
	}
	ciRun := regexp.MustCompile(`(?m)^go run \. run --repo examples/demo.*$`).FindString(string(b))
	if ciYML == "" || ciRun == "" {
		t.Fatalf("the main job on the example not found: ci.yml %q, .ci/run %q", ciYML, ciRun)
	}

	// The repository as the runner checks it out: the example (a module
	// with nothing to improve, so that the run is quick) in two commits,
	// cloned at depth 1.
	origin := gittest.NewRepo(t, map[string]string{
		"go.mod":                     "module example.com/optimizer\n\ngo 1.22\n",
		"examples/demo/go.mod":       "module example.com/demo\n\ngo 1.22\n",
		"examples/demo/a/a.go":       "// Package a doubles.\npackage a\n\n// Twice returns 2x.\nfunc Twice(x int) int { return 2 * x }\n",
		"examples/demo/a/a_test.go":  "package a\n\nimport \"testing\"\n\nfunc TestTwice(t *testing.T) {\n\tif Twice(2) != 4 {\n\t\tt.Fatal(Twice(2))\n\t}\n}\n",
		"examples/demo/b/b.go":       "// Package b triples.\npackage b\n\n// Thrice returns 3x.\nfunc Thrice(x int) int { return 3 * x }\n",
		"examples/demo/b/b_test.go":  "package b\n\nimport \"testing\"\n\nfunc TestThrice(t *testing.T) {\n\tif Thrice(2) != 6 {\n\t\tt.Fatal(Thrice(2))\n\t}\n}\n",
		"examples/demo/README.md":    "demo\n",
		".github/workflows/ci.yml":   "name: ci\n",
		"README.md":                  "optimizer\n",
		"examples/demo/b/testdata/x": "x\n",
	})
	before := strings.TrimSpace(gittest.Git(t, origin, "rev-parse", "HEAD"))
	gittest.WriteFiles(t, origin, map[string]string{"README.md": "optimizer, changed by the push\n"})
	gittest.Git(t, origin, "commit", "-qam", "push")
	after := strings.TrimSpace(gittest.Git(t, origin, "rev-parse", "HEAD"))
	ws := filepath.Join(t.TempDir(), "ws")
	gittest.Git(t, t.TempDir(), "clone", "-q", "--depth=1", "file://"+origin, ws)

	// `go run .` is the optimizer at this commit: the binary under test.
	fakeBin := t.TempDir()
	goPath, err := exec.LookPath("go")
	if err != nil {
		t.Fatal(err)
	}
	wrapper := "#!/bin/sh\nif [ \"$1\" = run ] && [ \"$2\" = . ]; then shift 2; exec " + bin + " \"$@\"; fi\nexec " + goPath + " \"$@\"\n"
	if err := os.WriteFile(filepath.Join(fakeBin, "go"), []byte(wrapper), 0o755); err != nil {
		t.Fatal(err)
	}

	payloads := map[string]map[string]any{
		"push":         {"ref": "refs/heads/main", "before": before, "after": after},
		"pull_request": {"number": 3, "pull_request": map[string]any{"number": 3, "base": map[string]any{"sha": before}, "head": map[string]any{"sha": after}}},
	}
	for event, payload := range payloads {
		runner := func(t *testing.T) []string {
			files := t.TempDir()
			eventPath := filepath.Join(files, "event.json")
			data, _ := json.Marshal(payload)
			if err := os.WriteFile(eventPath, data, 0o644); err != nil {
				t.Fatal(err)
			}
			env := []string{
				"PATH=" + fakeBin + string(os.PathListSeparator) + os.Getenv("PATH"),
				"HOME=" + os.Getenv("HOME"),
				"CI=true", "GITHUB_ACTIONS=true",
				"GITHUB_EVENT_NAME=" + event, "GITHUB_EVENT_PATH=" + eventPath,
				"GITHUB_SHA=" + after, "GITHUB_REF=refs/heads/main", "GITHUB_REPOSITORY=octo-org/optimizer",
				"GITHUB_WORKSPACE=" + ws, "RUNNER_TEMP=" + files,
				"GITHUB_OUTPUT=" + filepath.Join(files, "output"), "GITHUB_STEP_SUMMARY=" + filepath.Join(files, "summary"),
				"GITHUB_ENV=" + filepath.Join(files, "env"),
				"GOFLAGS=-mod=mod", "GOPROXY=off", "GOTOOLCHAIN=local",
			}
			return append(env, goEnvFor(t, "GOCACHE", "GOMODCACHE", "GOPATH")...)
		}
		t.Run(event, func(t *testing.T) {
			for name, command := range map[string]string{
				"ci.yml":                  ciYML,
				".ci/run":                 `out=$(mktemp -d) && ` + ciRun + ` && grep -q '"target": "./b"' "$out/stdout.json" && rm -rf "$out"`,
				"without --paths exits 2": `go run . run --repo examples/demo; test $? = 2`,
			} {
				cmd := exec.Command("bash", "-c", command)
				cmd.Dir, cmd.Env = ws, runner(t)
				if out, err := cmd.CombinedOutput(); err != nil {
					t.Errorf("%s: %s: %v\n%s", name, command, err, out)
				}
			}
		})
	}

	t.Run("hermetic", func(t *testing.T) {
		cmd := exec.Command("bash", filepath.Join(".ci", "hermetic.sh"), "env")
		cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "CI=true", "GITHUB_ACTIONS=true", "GITHUB_EVENT_PATH=/e.json", "GITHUB_OUTPUT=/o", "RUNNER_TEMP=/t", "INPUT_TOKEN=x", "ACTIONS_RUNTIME_TOKEN=y"}
		out, err := cmd.Output()
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(string(out), "\n") {
			for _, p := range []string{"GITHUB_", "RUNNER_", "INPUT_", "ACTIONS_"} {
				if strings.HasPrefix(line, p) {
					t.Errorf("hermetic.sh left %s", line)
				}
			}
		}
		if !strings.Contains(string(out), "CI=true\n") {
			t.Errorf("hermetic.sh dropped CI=true:\n%s", out)
		}
	})
}
