package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/agentic-optimizer/optimizer/internal/report"
)

// helloMethod is a whole new method, as a maintainer would write it: one
// package with one value. It proposes a doc comment on the package's first
// file, with the greeting of its own option, and validates it.
const helloMethod = `// Package hello is a method that greets: it adds a comment.
package hello

import (
	"context"
	"os"
	"path/filepath"

	"github.com/agentic-optimizer/optimizer/internal/config"
	"github.com/agentic-optimizer/optimizer/methods"
)

var Method = &methods.Method{
	Name:  "hello",
	Doc:   "greets the first file of each package with a comment (a test's method)",
	Model: methods.NoModel,
	Options: []config.Option{{
		Name: "greeting", Default: "hello", Help: "the word the hello method writes",
		Want: "a word", Example: "bonjour", Parse: func(s string) (any, error) { return s, nil },
	}},
	Run: func(ctx context.Context, pass *methods.Pass) (*methods.Result, error) {
		greeting := pass.Option("greeting").(string)
		file := pass.Task.Package.GoFiles[0]
		c, err := pass.Propose(ctx, "greet "+filepath.Base(file), func(string) error {
			src, err := os.ReadFile(file)
			if err != nil {
				return err
			}
			return os.WriteFile(file, append(src, []byte("\n// "+greeting+"\n")...), 0o644)
		})
		if err != nil || c == nil {
			return nil, err
		}
		c.Validation, err = pass.Validate(ctx, c.Patch)
		return &methods.Result{Candidates: []*methods.Candidate{c}, Notes: []string{"greeted with " + greeting}}, err
	},
}
`

// TestAddAMethod adds a method to the build the way the docs say — one new
// package and its value in methods/all's list — through a go build overlay
// (the repository is not touched), and checks that nothing else needs an
// edit: the method is in run --help with its option as a flag, its option is
// in the generated docs and action.yml's inputs, the configuration file
// sets it, and a run uses it to propose and validate a change.
func TestAddAMethod(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the optimizer with another method and runs it")
	}
	tmp := t.TempDir()
	allGo, err := os.ReadFile(filepath.Join("methods", "all", "all.go"))
	if err != nil {
		t.Fatal(err)
	}
	// The one line in the list, and its import.
	list := "chaos.Method}"
	if !strings.Contains(string(allGo), list) {
		t.Fatalf("methods/all/all.go has no %q to extend", list)
	}
	added := strings.Replace(string(allGo), list, "chaos.Method, hello.Method}", 1)
	added = strings.Replace(added, "import (\n", "import (\n\t\"github.com/agentic-optimizer/optimizer/methods/hello\"\n", 1)
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	overlay := map[string]string{
		filepath.Join(wd, "methods", "all", "all.go"):     filepath.Join(tmp, "all.go"),
		filepath.Join(wd, "methods", "hello", "hello.go"): filepath.Join(tmp, "hello.go"),
	}
	writeTestFile(t, filepath.Join(tmp, "all.go"), added)
	writeTestFile(t, filepath.Join(tmp, "hello.go"), helloMethod)
	o, err := json.Marshal(map[string]any{"Replace": overlay})
	if err != nil {
		t.Fatal(err)
	}
	writeTestFile(t, filepath.Join(tmp, "overlay.json"), string(o))
	bin := filepath.Join(tmp, "optimizer")
	if out, err := exec.Command("go", "build", "-overlay", filepath.Join(tmp, "overlay.json"), "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build with the hello method: %v\n%s", err, out)
	}

	help, _ := exec.Command(bin, "run", "--help").Output()
	if !regexp.MustCompile(`(?m)^ +hello +greets the first file`).Match(help) {
		t.Errorf("run --help does not list the hello method:\n%s", help)
	}
	for _, want := range []string{"-hello-greeting", "the word the hello method writes (default hello)"} {
		if !strings.Contains(string(help), want) {
			t.Errorf("run --help lacks %q:\n%s", want, help)
		}
	}

	// The generated reference, as go generate would write it.
	docs := filepath.Join(tmp, "root")
	copyDir(t, "docs", filepath.Join(docs, "docs"))
	action, err := os.ReadFile("action.yml")
	if err != nil {
		t.Fatal(err)
	}
	writeTestFile(t, filepath.Join(docs, "action.yml"), string(action))
	if out, err := exec.Command("go", "run", "-overlay", filepath.Join(tmp, "overlay.json"), "./internal/config/gendocs", "-root", docs).CombinedOutput(); err != nil {
		t.Fatalf("gendocs: %v\n%s", err, out)
	}
	for file, want := range map[string]string{
		"docs/configuration.md": "| `hello.greeting` | `OPTIMIZER_HELLO_GREETING` | `hello-greeting` | `hello` | the word the hello method writes |",
		"action.yml":            "  hello-greeting:\n    description: \"The word the hello method writes. Default: hello.\"",
		"docs/methods.md":       "| `hello` | no | greets the first file of each package with a comment (a test's method) | `hello.greeting` |\n<!-- end generated: methods -->",
	} {
		b, err := os.ReadFile(filepath.Join(docs, file))
		if err != nil || !strings.Contains(string(b), want) {
			t.Errorf("%s lacks %q (%v)", file, want, err)
		}
	}

	// A run: the option from the repository's file, then from the flag.
	repo := demoRepo(t, map[string]string{".github/optimizer.yml": "hello:\n  greeting: salut\n"})
	for _, tc := range []struct {
		flags []string
		want  string
	}{{nil, "salut"}, {[]string{"--hello-greeting", "bonjour"}, "bonjour"}} {
		args := append([]string{"run", "--repo", repo, "--method", "hello", "--paths", "./textutil", "--objective", "quality",
			"--dry-run", "--json", "--worktree-base", filepath.Join(t.TempDir(), "wt")}, tc.flags...)
		cmd := exec.Command(bin, args...)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, _ := cmd.Output()
		var rep report.Report
		if err := json.Unmarshal(out, &rep); err != nil {
			t.Fatalf("run %v: %v\n%s", tc.flags, err, stderr.String())
		}
		if len(rep.Tasks) != 1 || rep.Tasks[0].Method != "hello" || len(rep.Tasks[0].Candidates) != 1 {
			t.Fatalf("run %v: tasks %+v\n%s", tc.flags, rep.Tasks, stderr.String())
		}
		task := rep.Tasks[0]
		if c := task.Candidates[0]; c.Validation == nil || len(c.Validation.Levels) == 0 || c.Files[0] != "textutil/textutil.go" {
			t.Errorf("the hello candidate was not validated: %+v", c)
		}
		if len(task.Notes) != 1 || task.Notes[0] != "greeted with "+tc.want {
			t.Errorf("notes %q, want the greeting %q", task.Notes, tc.want)
		}
	}
}

func writeTestFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
