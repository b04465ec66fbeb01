package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode"

	"gopkg.in/yaml.v3"

	"github.com/agentic-optimizer/optimizer/internal/gitx/gittest"
	"github.com/agentic-optimizer/optimizer/internal/refdocs"
)

// TestGeneratedDocsAreFresh regenerates, in memory, the files go generate
// writes from the configuration key table, the methods and the levels,
// and compares them with the committed ones, as cmd/go's alldocs test does.
func TestGeneratedDocsAreFresh(t *testing.T) {
	files, err := refdocs.Files(".")
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"action.yml", "docs/configuration.md", "docs/methods.md", "docs/validation.md"} {
		want, ok := files[path]
		if !ok {
			t.Errorf("%s is not generated", path)
			continue
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s is stale: run go generate ./...", path)
		}
	}
}

// docFiles are the markdown files whose links, snippets and commands the
// tests below check.
func docFiles(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("docs", "*.md"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no docs/*.md (%v)", err)
	}
	return append(files, "README.md", filepath.Join("examples", "demo", "README.md"), filepath.Join("testdata", "corpus", "README.md"))
}

var (
	mdLinkRe    = regexp.MustCompile(`\]\(([^)\s]+)\)`)
	mdHeadingRe = regexp.MustCompile(`(?m)^#{1,6} (.+)$`)
	fenceRe     = regexp.MustCompile("(?ms)^```([a-z]*)\n(.*?)^```")
)

// githubSlug is the anchor GitHub gives a heading: lower case, spaces to
// hyphens, punctuation other than hyphens and underscores dropped.
func githubSlug(heading string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(strings.TrimSpace(heading)) {
		switch {
		case r == ' ':
			b.WriteByte('-')
		case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
		}
	}
	return b.String()
}

// anchors returns the anchors of a markdown file's headings, outside code blocks.
func anchors(text string) map[string]bool {
	text = fenceRe.ReplaceAllString(text, "")
	out := map[string]bool{}
	for _, m := range mdHeadingRe.FindAllStringSubmatch(text, -1) {
		out[githubSlug(m[1])] = true
	}
	return out
}

// TestDocsLinks checks every relative link of the README and the docs: the
// file exists and, for a link with #anchor to a markdown file, so does a
// heading with that anchor.
func TestDocsLinks(t *testing.T) {
	checked := 0
	for _, file := range docFiles(t) {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		text := fenceRe.ReplaceAllString(string(b), "")
		for _, m := range mdLinkRe.FindAllStringSubmatch(text, -1) {
			link := m[1]
			if strings.Contains(link, "://") || strings.HasPrefix(link, "mailto:") {
				continue
			}
			path, anchor, _ := strings.Cut(link, "#")
			target := file
			if path != "" {
				target = filepath.Join(filepath.Dir(file), filepath.FromSlash(path))
			}
			checked++
			tb, err := os.ReadFile(target)
			if err != nil {
				if _, statErr := os.Stat(target); statErr != nil {
					t.Errorf("%s: link %s: no such file %s", file, link, target)
				}
				continue // a directory
			}
			if anchor != "" && strings.HasSuffix(target, ".md") && !anchors(string(tb))[anchor] {
				t.Errorf("%s: link %s: %s has no heading with the anchor #%s", file, link, target, anchor)
			}
		}
	}
	if checked < 20 {
		t.Errorf("only %d relative links found: is the link pattern still right?", checked)
	}
}

// TestDocsYAMLSnippets checks every YAML snippet of steps in the README and
// the docs as TestWorkflows checks the workflows, and that every
// steps.<id>.outputs reference names a step of the snippet with that id and,
// for the optimizer's step, an output action.yml declares.
func TestDocsYAMLSnippets(t *testing.T) {
	a := readAction(t)
	snippets := 0
	for _, file := range docFiles(t) {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for i, m := range fenceRe.FindAllStringSubmatch(string(b), -1) {
			if m[1] != "yaml" {
				continue
			}
			where := fmt.Sprintf("%s: yaml block %d", file, i+1)
			var steps []workflowStep
			if err := yaml.Unmarshal([]byte(m[2]), &steps); err != nil {
				var mapping map[string]any
				if yaml.Unmarshal([]byte(m[2]), &mapping) == nil {
					continue // a configuration file, not steps (TestConfigExample loads it)
				}
				t.Errorf("%s: %v", where, err)
				continue
			}
			snippets++
			ids := map[string]bool{}
			for _, s := range steps {
				if s.ID != "" {
					ids[s.ID] = true
				}
			}
			optimizerSteps := checkSteps(t, a, where, steps)
			for _, ref := range stepOutputRe.FindAllStringSubmatch(m[2], -1) {
				if !ids[ref[1]] {
					t.Errorf("%s: %s: no step in the snippet has id: %s", where, ref[0], ref[1])
				}
				if _, ok := a.Outputs[ref[2]]; optimizerSteps[ref[1]] && !ok {
					t.Errorf("%s: %s: action.yml has no output %s", where, ref[0], ref[2])
				}
			}
		}
	}
	if snippets < 3 {
		t.Errorf("%d YAML snippets of steps found, want the quick start's, the outputs' and the app token's at least", snippets)
	}
}

// TestREADMEFreshMachineCommands keeps the README's two commands for a fresh
// machine the ones CI runs (.ci/run: the test command, and the main job on
// the bundled example, which it checks accepts something).
func TestREADMEFreshMachineCommands(t *testing.T) {
	_, section, ok := strings.Cut(readDoc(t, "README.md"), "## On a fresh machine")
	if !ok {
		t.Fatal("README.md has no section \"On a fresh machine\"")
	}
	section, _, _ = strings.Cut(section, "\n## ")
	var cmds []string
	for _, l := range strings.Split(section, "\n") {
		if code, ok := strings.CutPrefix(l, "    "); ok {
			cmds = append(cmds, strings.TrimSpace(code))
		}
	}
	want := []string{"go run . run --repo examples/demo", "go test -timeout 60m ./..."}
	if !slices.Equal(cmds, want) {
		t.Errorf("README.md's fresh-machine commands are %q, want %q", cmds, want)
	}
	ci := readDoc(t, filepath.Join(".ci", "run"))
	for _, c := range want {
		if !strings.Contains(ci, c) {
			t.Errorf(".ci/run does not run the README's %q", c)
		}
	}
}

// TestDemoREADMECommands runs the commands of examples/demo/README.md as
// written, from the root of a repository laid out like this one (the
// optimizer in process stands for `go run .`, which builds it there), and
// checks that each does what the README says.
func TestDemoREADMECommands(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the optimizer on the demo twice (a few minutes)")
	}
	readme := filepath.Join("examples", "demo", "README.md")
	var cmds [][]string
	for _, l := range strings.Split(readDoc(t, readme), "\n") {
		code, ok := strings.CutPrefix(l, "    ")
		if !ok {
			continue
		}
		args, ok := strings.CutPrefix(strings.TrimSpace(code), "go run . ")
		if !ok {
			t.Fatalf("%s: %q does not start with \"go run . \" (the optimizer is run from the repository's root)", readme, code)
		}
		cmds = append(cmds, strings.Fields(args))
	}
	if len(cmds) != 2 {
		t.Fatalf("%s has %d commands, want the modernize run and the chaos run: %q", readme, len(cmds), cmds)
	}

	files := map[string]string{}
	err := filepath.WalkDir(filepath.Join("examples", "demo"), func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == ".optimizer" {
			return filepath.SkipDir
		}
		if !d.IsDir() {
			b, err := os.ReadFile(path)
			files[filepath.ToSlash(path)] = string(b)
			return err
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir(gittest.NewRepo(t, files))
	t.Setenv("OPTIMIZER_WORKTREE_BASE", t.TempDir())
	getenv := func(k string) string {
		for _, p := range []string{"GITHUB_", "INPUT_", "RUNNER_", "OPENAI_", "ANTHROPIC_"} {
			if strings.HasPrefix(k, p) {
				return "" // the commands as run on a developer's machine, with no model
			}
		}
		return os.Getenv(k)
	}
	wants := []string{`"status": "accepted"`, "Unescape: panic: runtime error: index out of range"}
	for i, args := range cmds {
		var stdout, stderr strings.Builder
		if st := run(args, nil, &stdout, &stderr, getenv); st != exitOK {
			t.Fatalf("go run . %s: exit %d\n%s", strings.Join(args, " "), st, stderr.String())
		}
		report, err := os.ReadFile(filepath.Join("examples", "demo", ".optimizer", "report.json"))
		if err != nil {
			t.Fatal(err)
		}
		if out := string(report) + stderr.String(); !strings.Contains(out, wants[i]) {
			t.Errorf("go run . %s: neither report.json nor the progress says %q\n%s", strings.Join(args, " "), wants[i], stderr.String())
		}
	}
}

// TestDocsCommandLines checks every `optimizer …` line in the code blocks of
// the README and the docs against the CLI: the command exists and each
// --flag the line shows is one of that command's flags (from its --help).
func TestDocsCommandLines(t *testing.T) {
	flagRe := regexp.MustCompile(`--([a-z][a-z0-9-]*)`)
	helpFlagRe := regexp.MustCompile(`(?m)^\s+-([a-z][a-z0-9-]*)`)
	flagsOf := map[string]map[string]bool{}
	for _, c := range commands() {
		var out, errOut strings.Builder
		run([]string{c.name, "--help"}, nil, &out, &errOut, func(string) string { return "" })
		flagsOf[c.name] = map[string]bool{"help": true}
		for _, m := range helpFlagRe.FindAllStringSubmatch(out.String()+errOut.String(), -1) {
			flagsOf[c.name][m[1]] = true
		}
	}
	if !flagsOf["run"]["max-agents"] || flagsOf["run"]["no-such-flag"] {
		t.Fatalf("reading flags from --help went wrong: run's flags %v", flagsOf["run"])
	}
	lines := 0
	for _, file := range docFiles(t) {
		text := readDoc(t, file)
		var code []string
		for _, m := range fenceRe.FindAllStringSubmatch(text, -1) {
			if m[1] == "" {
				code = append(code, strings.Split(m[2], "\n")...)
			}
		}
		for _, l := range strings.Split(fenceRe.ReplaceAllString(text, ""), "\n") {
			if c, ok := strings.CutPrefix(l, "    "); ok {
				code = append(code, c)
			}
		}
		// A line indented under an optimizer line continues it (the synopsis
		// in docs/commands.md wraps).
		var joined []string
		for _, c := range code {
			if n := len(joined); n > 0 && strings.HasPrefix(c, " ") && strings.HasPrefix(joined[n-1], "optimizer ") {
				joined[n-1] += " " + strings.TrimSpace(c)
				continue
			}
			joined = append(joined, strings.TrimSpace(c))
		}
		for _, code := range joined {
			code, _, _ = strings.Cut(code, "#")
			args, ok := strings.CutPrefix(code, "optimizer ")
			if !ok {
				continue
			}
			lines++
			name, _, _ := strings.Cut(args, " ")
			flags, known := flagsOf[name]
			if !known {
				t.Errorf("%s: %q: no command %q", file, code, name)
				continue
			}
			for _, m := range flagRe.FindAllStringSubmatch(args, -1) {
				if !flags[m[1]] {
					t.Errorf("%s: %q: optimizer %s has no flag --%s", file, code, name, m[1])
				}
			}
		}
	}
	if lines < 15 {
		t.Errorf("only %d optimizer command lines found in the docs", lines)
	}
}
