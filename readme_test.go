package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/agentic-optimizer/optimizer/internal/cas"
	"github.com/agentic-optimizer/optimizer/internal/config"
	"github.com/agentic-optimizer/optimizer/internal/kubotest"
	"github.com/agentic-optimizer/optimizer/internal/patch"
	"github.com/agentic-optimizer/optimizer/internal/pipeline"
	"github.com/agentic-optimizer/optimizer/internal/report"
	"github.com/agentic-optimizer/optimizer/methods"
	"github.com/agentic-optimizer/optimizer/methods/all"
)

// TestDocsListEveryKeyCommandAndMethod keeps the reference true to the code:
// every key in docs/configuration.md, every command in docs/commands.md,
// every method in README.md, docs/methods.md and the methods key's help
// (which action.yml's method input and the configuration table show).
func TestDocsListEveryKeyCommandAndMethod(t *testing.T) {
	configuration := readDoc(t, "docs/configuration.md")
	for _, k := range config.Keys(methodOptions()...) {
		if !strings.Contains(configuration, "| `"+k.Name+"` | `"+k.Env+"` | `"+k.Input+"` |") {
			t.Errorf("docs/configuration.md's table lacks %s (%s, %s)", k.Name, k.Env, k.Input)
		}
	}
	commandsDoc := readDoc(t, "docs/commands.md")
	for _, c := range commands() {
		if !strings.Contains(commandsDoc, "optimizer "+c.name) {
			t.Errorf("docs/commands.md does not show the %s command", c.name)
		}
	}
	readme, methodsDoc := readDoc(t, "README.md"), readDoc(t, "docs/methods.md")
	for _, m := range all.Methods() {
		if !strings.Contains(readme, "`"+m.Name+"`") {
			t.Errorf("README.md does not name the %s method", m.Name)
		}
		if !strings.Contains(methodsDoc, "## The "+m.Name+" method") {
			t.Errorf("docs/methods.md has no section on the %s method", m.Name)
		}
		needs := map[methods.ModelUse]string{methods.NoModel: "no", methods.ModelOptional: "optional", methods.ModelRequired: "yes"}[m.Model]
		if !strings.Contains(methodsDoc, "| `"+m.Name+"` | "+needs+" |") {
			t.Errorf("docs/methods.md's table does not say whether the %s method needs a model (%s)", m.Name, needs)
		}
	}
}

func readDoc(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestDocsRecoveryCommands runs docs/ipfs.md's recovery after a node failure, line by line, on a
// fresh offline daemon: `optimizer …` lines in process, `ipfs …` lines in a shell with the
// daemon's IPFS_PATH, so the documented commands cannot rot.
func TestDocsRecoveryCommands(t *testing.T) {
	kubo := kubotest.Find(t)
	if kubo == nil {
		t.Skip(kubotest.Missing)
	}
	repo := t.TempDir()
	d, stop, err := kubotest.Launch(kubo.Bin, repo)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	lines := docBlock(t, "docs/ipfs.md", "**Recovery after a node failure.**")
	if len(lines) < 3 {
		t.Fatalf("docs/ipfs.md's recovery block has %d lines: %q", len(lines), lines)
	}

	t.Chdir(t.TempDir())
	dir := patch.Dir{Path: ".optimizer", CIDVersion: 1}
	fwd := "diff --git a/f.go b/f.go\nindex 1..2 100644\n--- a/f.go\n+++ b/f.go\n@@ -1 +1 @@\n-a\n+b\n"
	rev := "diff --git a/f.go b/f.go\nindex 2..1 100644\n--- a/f.go\n+++ b/f.go\n@@ -1 +1 @@\n-b\n+a\n"
	m, err := dir.Save([]byte(fwd), []byte(rev), patch.Meta{Parent: "abc"})
	if err != nil {
		t.Fatal(err)
	}
	rep := &report.Report{Version: report.Version, Started: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Store: &report.Store{}}
	record, err := rep.AuditRecord()
	if err != nil {
		t.Fatal(err)
	}
	if rep.Store.AuditCID, err = cas.Put(dir.StorePath(), record, 1); err != nil {
		t.Fatal(err)
	}
	if err := rep.Write(".optimizer/report.json"); err != nil {
		t.Fatal(err)
	}

	bin := t.TempDir()
	if err := os.Symlink(kubo.Bin, filepath.Join(bin, "ipfs")); err != nil {
		t.Fatal(err)
	}
	env := append(os.Environ(), "IPFS_PATH="+repo, "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	getenv := func(k string) string {
		if k == "OPTIMIZER_IPFS_API" {
			return d.API
		}
		return ""
	}
	var out strings.Builder
	for _, line := range lines {
		if args, ok := strings.CutPrefix(line, "optimizer "); ok {
			var stderr strings.Builder
			if st := run(strings.Fields(args), nil, &out, &stderr, getenv); st != exitOK {
				t.Fatalf("%s: exit %d\n%s", line, st, stderr.String())
			}
			continue
		}
		if !strings.HasPrefix(line, "ipfs ") {
			t.Fatalf("the recovery block has a line that is neither optimizer nor ipfs: %q", line)
		}
		cmd := exec.Command("sh", "-c", line)
		cmd.Env = env
		b, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v\n%s", line, err, b)
		}
		out.Write(b)
	}
	for _, want := range []string{m.ID + ".json", pipeline.AuditName(rep.Started, rep.Store.AuditCID), "Published to "} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the recovery commands' output lacks %q:\n%s", want, out.String())
		}
	}
}

// docBlock returns the lines of the indented code block that follows the paragraph starting
// with heading in the markdown file path.
func docBlock(t *testing.T, path, heading string) []string {
	t.Helper()
	_, rest, ok := strings.Cut(readDoc(t, path), heading)
	if !ok {
		t.Fatalf("%s has no %q", path, heading)
	}
	var lines []string
	in := false
	for _, l := range strings.Split(rest, "\n") {
		code, isCode := strings.CutPrefix(l, "    ")
		switch {
		case isCode:
			in = true
			lines = append(lines, strings.TrimSpace(code))
		case in:
			return lines
		}
	}
	return lines
}
