package main

import (
	"bufio"
	"bytes"
	"fmt"
	"go/version"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/agentic-optimizer/optimizer/internal/action"
	"github.com/agentic-optimizer/optimizer/internal/config"
)

// actionFile is action.yml's schema (the metadata syntax for GitHub
// Actions); decoding with KnownFields rejects any other key.
type actionFile struct {
	Name        string `yaml:"name"`
	Description string `yaml:"description"`
	Author      string `yaml:"author"`
	Branding    struct {
		Icon  string `yaml:"icon"`
		Color string `yaml:"color"`
	} `yaml:"branding"`
	Inputs map[string]struct {
		Description        string  `yaml:"description"`
		Required           bool    `yaml:"required"`
		Default            *string `yaml:"default"`
		DeprecationMessage string  `yaml:"deprecationMessage"`
	} `yaml:"inputs"`
	Outputs map[string]struct {
		Description string `yaml:"description"`
	} `yaml:"outputs"`
	Runs struct {
		Using      string            `yaml:"using"`
		Image      string            `yaml:"image"`
		Args       []string          `yaml:"args"`
		Env        map[string]string `yaml:"env"`
		Entrypoint string            `yaml:"entrypoint"`
	} `yaml:"runs"`
}

func readAction(t *testing.T) *actionFile {
	t.Helper()
	b, err := os.ReadFile("action.yml")
	if err != nil {
		t.Fatal(err)
	}
	var a actionFile
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&a); err != nil {
		t.Fatalf("action.yml: %v", err)
	}
	return &a
}

// TestActionYAML checks action.yml against the metadata schema and the
// code: every input it declares is read by the optimizer and every input
// the optimizer reads is declared; outputs likewise.
func TestActionYAML(t *testing.T) {
	a := readAction(t)
	if a.Name == "" || a.Description == "" || a.Author == "" {
		t.Error("action.yml needs name, description and author")
	}
	colors := []string{"white", "black", "yellow", "blue", "green", "orange", "red", "purple", "gray-dark"}
	if a.Branding.Icon == "" || !slices.Contains(colors, a.Branding.Color) {
		t.Errorf("branding %+v: want an icon and one of the colors %v", a.Branding, colors)
	}
	if a.Runs.Using != "docker" || a.Runs.Image != "Dockerfile" || len(a.Runs.Args) > 0 || a.Runs.Entrypoint != "" {
		t.Errorf("runs = %+v, want using: docker, image: Dockerfile and the image's entrypoint with no args (the optimizer runs `run` from INPUT_*)", a.Runs)
	}

	declared := slices.Sorted(maps.Keys(a.Inputs))
	read := slices.Sorted(slices.Values(action.Inputs(methodOptions()...)))
	if !slices.Equal(declared, read) {
		t.Errorf("action.yml inputs and the inputs the code reads differ:\n declared: %v\n read:     %v", declared, read)
	}
	defaults := map[string]string{}
	for _, k := range config.Keys(methodOptions()...) {
		defaults[k.Input] = k.Default
	}
	for name, in := range a.Inputs {
		if in.Description == "" {
			t.Errorf("input %s has no description", name)
		}
		if in.Required {
			t.Errorf("input %s is required; every input has a default in the layers below it", name)
		}
		// An input with a default is always set, and then hides the
		// environment and .github/optimizer.yml: only the token may have one.
		switch {
		case name == "token":
			if in.Default == nil || *in.Default != "${{ github.token }}" {
				t.Errorf("input token: default %v, want ${{ github.token }}", in.Default)
			}
		case in.Default != nil:
			t.Errorf("input %s has default %q: it would override OPTIMIZER_* and .github/optimizer.yml; name the default in the description instead", name, *in.Default)
		}
		def, isKey := defaults[name]
		switch {
		case !strings.Contains(in.Description, "Default: "):
			t.Errorf("input %s: the description does not name the default (\"Default: …\")", name)
		case isKey && def != "" && name != "worktree-base" && !strings.Contains(in.Description, "Default: "+def):
			t.Errorf("input %s: the description does not say the default is %s", name, def)
		}
	}

	outputs := slices.Sorted(maps.Keys(a.Outputs))
	if want := slices.Sorted(slices.Values(action.OutputNames())); !slices.Equal(outputs, want) {
		t.Errorf("action.yml outputs %v, the code writes %v", outputs, want)
	}
	for name, o := range a.Outputs {
		if o.Description == "" {
			t.Errorf("output %s has no description", name)
		}
	}
}

// TestInputsAreReadOnlyThroughTheList makes sure no code reads an INPUT_
// variable behind the back of action.Inputs (which the test above compares
// with action.yml).
func TestInputsAreReadOnlyThroughTheList(t *testing.T) {
	re := regexp.MustCompile(`"INPUT_[A-Za-z0-9_-]+"`)
	err := filepath.WalkDir(".", func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || d.Name() == "examples" || strings.HasPrefix(d.Name(), ".")) && path != "." {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range re.FindAll(b, -1) {
			name := strings.ToLower(strings.Trim(strings.TrimPrefix(string(m), `"INPUT_`), `"`))
			if !slices.Contains(action.Inputs(methodOptions()...), strings.ReplaceAll(name, "_", "-")) {
				t.Errorf("%s reads %s, which is not in action.Inputs", path, m)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// workflow is the part of the workflow syntax the checks below need; other
// keys are allowed (the syntax is large) but these must have these shapes.
type workflow struct {
	Name        string         `yaml:"name"`
	On          yaml.Node      `yaml:"on"`
	Permissions yaml.Node      `yaml:"permissions"`
	Env         map[string]any `yaml:"env"`
	Jobs        map[string]struct {
		Permissions yaml.Node      `yaml:"permissions"`
		RunsOn      any            `yaml:"runs-on"`
		Steps       []workflowStep `yaml:"steps"`
	} `yaml:"jobs"`
}

// workflowStep is one step of a job, in a workflow or in a snippet of the docs.
type workflowStep struct {
	ID   string         `yaml:"id"`
	Name string         `yaml:"name"`
	If   string         `yaml:"if"`
	Uses string         `yaml:"uses"`
	Run  string         `yaml:"run"`
	With map[string]any `yaml:"with"`
	Env  map[string]any `yaml:"env"`
}

var stepOutputRe = regexp.MustCompile(`steps\.([A-Za-z0-9_-]+)\.outputs\.([A-Za-z0-9_-]+)`)

// TestWorkflows checks the project's workflows and the examples: they
// parse, state least-privilege permissions with a reason on each line,
// keep ${{ }} out of shell scripts (untrusted values go through env:), keep
// the token out of .git/config, pass the action only inputs it declares and
// read only outputs it declares.
func TestWorkflows(t *testing.T) {
	a := readAction(t)
	files, _ := filepath.Glob(filepath.Join(".github", "workflows", "*.yml"))
	for _, want := range []string{"ci.yml", "example-pr.yml", "example-nightly.yml", "example-matrix.yml", "example-models.yml", "self-optimize.yml"} {
		if !slices.Contains(files, filepath.Join(".github", "workflows", want)) {
			t.Errorf("no .github/workflows/%s", want)
		}
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			b, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			var w workflow
			if err := yaml.Unmarshal(b, &w); err != nil {
				t.Fatalf("%s: %v", file, err)
			}
			if w.Name == "" || w.On.Kind == 0 || len(w.Jobs) == 0 {
				t.Fatalf("%s: needs name, on and jobs", file)
			}
			checkPermissions(t, file, "the workflow", &w.Permissions)
			for jobName, job := range w.Jobs {
				if job.RunsOn == nil || len(job.Steps) == 0 {
					t.Errorf("job %s: needs runs-on and steps", jobName)
				}
				if job.Permissions.Kind != 0 {
					checkPermissions(t, file, "job "+jobName, &job.Permissions)
				}
				optimizerSteps := checkSteps(t, a, file+": job "+jobName, job.Steps)
				for _, m := range stepOutputRe.FindAllStringSubmatch(string(b), -1) {
					if _, ok := a.Outputs[m[2]]; optimizerSteps[m[1]] && !ok {
						t.Errorf("%s: %s: action.yml has no output %s", file, m[0], m[2])
					}
				}
			}
		})
	}
}

// checkSteps checks a job's steps: exactly one of uses and run, no ${{ }} in
// a script, checkouts that keep the token out of .git/config, uploads that
// include .optimizer, and only declared inputs passed to the optimizer. It
// returns the ids of the optimizer's steps.
func checkSteps(t *testing.T, a *actionFile, where string, steps []workflowStep) map[string]bool {
	t.Helper()
	optimizerSteps := map[string]bool{}
	for i, s := range steps {
		where := fmt.Sprintf("%s: step %d %s", where, i, strings.Join([]string{s.ID, s.Name, s.Uses}, " "))
		if (s.Uses == "") == (s.Run == "") {
			t.Errorf("%s: exactly one of uses and run", where)
		}
		if strings.Contains(s.Run, "${{") {
			t.Errorf("%s: ${{ }} in a run script; pass the value through env:", where)
		}
		if strings.HasPrefix(s.Uses, "actions/checkout@") && s.With["persist-credentials"] != false {
			t.Errorf("%s: checkout without persist-credentials: false leaves the token in .git/config", where)
		}
		if strings.HasPrefix(s.Uses, "actions/upload-artifact@") && strings.Contains(stringOf(s.With["path"]), ".optimizer") && s.With["include-hidden-files"] != true {
			t.Errorf("%s: upload-artifact skips .optimizer without include-hidden-files: true", where)
		}
		if s.Uses == "./" || strings.HasPrefix(s.Uses, "agentic-optimizer/optimizer@") {
			optimizerSteps[s.ID] = true
			for in := range s.With {
				if _, ok := a.Inputs[in]; !ok {
					t.Errorf("%s: input %q is not declared in action.yml", where, in)
				}
			}
		}
	}
	return optimizerSteps
}

// checkPermissions requires a permissions map (least privilege is stated,
// not inherited) whose every line says why, in a comment.
func checkPermissions(t *testing.T, file, where string, n *yaml.Node) {
	t.Helper()
	if n.Kind != yaml.MappingNode {
		t.Errorf("%s: %s has no permissions map", file, where)
		return
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if v.Value == "write" || v.Value == "read" {
			if k.LineComment == "" && v.LineComment == "" {
				t.Errorf("%s: %s: permission %s: %s has no comment saying why", file, where, k.Value, v.Value)
			}
		} else if v.Value != "none" {
			t.Errorf("%s: %s: permission %s: %q", file, where, k.Value, v.Value)
		}
	}
}

// TestDockerfile checks what can be checked without building the image:
// pinned base images of the go directive's release or newer, no USER and no
// WORKDIR in the final stage, an exec-form ENTRYPOINT, and a .dockerignore
// that keeps the repository's history and outputs out of the build.
func TestDockerfile(t *testing.T) {
	f, err := os.Open("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	goMod, err := os.ReadFile("go.mod")
	if err != nil {
		t.Fatal(err)
	}
	goDirective := regexp.MustCompile(`(?m)^go (\S+)`).FindSubmatch(goMod)
	fromRe := regexp.MustCompile(`^FROM golang:(\d+\.\d+\.\d+)-bookworm(@sha256:[0-9a-f]{64})?( AS \w+)?$`)
	var stages []string
	var final []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if strings.HasPrefix(line, "FROM ") {
			m := fromRe.FindStringSubmatch(line)
			if m == nil {
				t.Errorf("%q: base images are golang:X.Y.Z-bookworm (an exact release, or a digest)", line)
			} else if version.Compare("go"+m[1], "go"+string(goDirective[1])) < 0 {
				t.Errorf("%q: older than go.mod's go %s", line, goDirective[1])
			}
			stages = append(stages, line)
			final = nil
			continue
		}
		final = append(final, line)
	}
	if len(stages) < 2 {
		t.Errorf("Dockerfile has %d stages, want a build stage and a final one", len(stages))
	}
	for _, line := range final {
		for _, bad := range []string{"USER ", "WORKDIR "} {
			if strings.HasPrefix(line, bad) {
				t.Errorf("final stage: %q (GitHub runs Docker actions as root, in /github/workspace)", line)
			}
		}
	}
	if !slices.Contains(final, `ENTRYPOINT ["/usr/local/bin/optimizer"]`) {
		t.Errorf("final stage lacks ENTRYPOINT [\"/usr/local/bin/optimizer\"]: %q", final)
	}
	ignore, err := os.ReadFile(".dockerignore")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{".git", ".optimizer", "**/.optimizer"} {
		if !slices.Contains(strings.Split(string(ignore), "\n"), want) {
			t.Errorf(".dockerignore lacks %s", want)
		}
	}
}

func stringOf(v any) string {
	s, _ := v.(string)
	return s
}

// TestDocsListInputsAndOutputs keeps the tables of the action true to
// action.yml: every input in docs/configuration.md's table (the keys) or in
// docs/action.md's (the others), every output in docs/action.md's.
func TestDocsListInputsAndOutputs(t *testing.T) {
	actionDoc, err := os.ReadFile("docs/action.md")
	if err != nil {
		t.Fatal(err)
	}
	configuration, err := os.ReadFile("docs/configuration.md")
	if err != nil {
		t.Fatal(err)
	}
	a := readAction(t)
	for name := range a.Inputs {
		row := []byte("| `" + name + "` |")
		if !bytes.Contains(actionDoc, row) && !bytes.Contains(configuration, row) {
			t.Errorf("neither docs/action.md's inputs table nor docs/configuration.md's lists the input %s", name)
		}
	}
	for name := range a.Outputs {
		if !bytes.Contains(actionDoc, []byte("| `"+name+"` |")) {
			t.Errorf("docs/action.md's outputs table lacks %s", name)
		}
	}
}
