package validate_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/agentic-optimizer/optimizer/internal/config"
	"github.com/agentic-optimizer/optimizer/internal/gitx/gittest"
	"github.com/agentic-optimizer/optimizer/internal/pipeline"
)

// pgoModule has a library with a benchmark and a main package importing it.
var pgoModule = map[string]string{
	"go.mod":     "module example.com/pgo\n\ngo 1.22\n",
	"lib/lib.go": "// Package lib doubles.\npackage lib\n\n// Double returns 2x.\nfunc Double(x int) int { return 2 * x }\n",
	"lib/lib_test.go": "package lib\n\nimport \"testing\"\n\nfunc TestDouble(t *testing.T) {\n\tif Double(2) != 4 {\n\t\tt.Fatal(Double(2))\n\t}\n}\n\n" +
		"func BenchmarkDouble(b *testing.B) {\n\tfor i := 0; i < b.N; i++ {\n\t\tDouble(i)\n\t}\n}\n",
	"cmd/app/main.go": "// Command app prints a double.\npackage main\n\nimport (\n\t\"fmt\"\n\n\t\"example.com/pgo/lib\"\n)\n\nfunc main() { fmt.Println(lib.Double(21)) }\n",
}

// TestProfilePatches: the one binary file a patch may hold is a
// default.pgo; a non-Go file makes the package of its directory affected;
// the go command's reading of a profile beside a main package is what
// rejects a malformed one; and a profile beside a library, which nothing
// reads, proves no speed-up. The statistics of a real profile are the
// business of the pgo method's end-to-end test.
func TestProfilePatches(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and tests a module")
	}
	repo := gittest.NewRepo(t, pgoModule)
	tests := []struct {
		name       string
		files      map[string]string
		rejectedBy string
		detail     string
		affected   string
	}{
		{
			name:       "another binary file is refused",
			files:      map[string]string{"lib/logo.png": "\x89PNG\r\n\x1a\n\x00\x00\x00"},
			rejectedBy: "policy", detail: "lib/logo.png: binary files are not accepted",
		},
		{
			name:       "a malformed profile beside a main package does not build",
			files:      map[string]string{"cmd/app/default.pgo": "\x1f\x8b\x08\x00not a profile\x00"},
			rejectedBy: "types", detail: "default.pgo", affected: "./cmd/app",
		},
		{
			name:       "a profile beside a library is read by nothing",
			files:      map[string]string{"lib/default.pgo": "\x1f\x8b\x08\x00not a profile\x00"},
			rejectedBy: "performance", detail: "reads a profile only beside a main package", affected: "./lib",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rep := validateRaw(t, repo, "speed", binaryDiffOf(t, repo, tc.files))
			for _, l := range rep.Levels {
				t.Logf("%-12s %-5s %s", l.Name, l.Status, l.Detail)
			}
			l := rep.Level(tc.rejectedBy)
			if rep.RejectedBy != tc.rejectedBy || l == nil || !strings.Contains(l.Detail, tc.detail) {
				t.Errorf("rejected by %q (%+v), want %s saying %q", rep.RejectedBy, l, tc.rejectedBy, tc.detail)
			}
			if tc.affected != "" && !slices.Contains(rep.Affected, tc.affected) {
				t.Errorf("affected = %q, want it to hold %s", rep.Affected, tc.affected)
			}
		})
	}
}

// binaryDiffOf is diffOf with binary files in full (git diff --binary).
func binaryDiffOf(t *testing.T, repo string, files map[string]string) string {
	t.Helper()
	gittest.WriteFiles(t, repo, files)
	gittest.Git(t, repo, "add", "-A")
	raw := gittest.Git(t, repo, "diff", "--cached", "--binary")
	gittest.Git(t, repo, "reset", "-q", "--hard")
	gittest.Git(t, repo, "clean", "-qfd")
	return raw
}

// TestMainPackageBesideSameNamedDirectory: go build of one main package
// writes its binary into the current directory unless told otherwise, and
// fails when a directory of that name is there — as in golang.org/x/perf,
// whose ./cmd/benchstat sits beside the package directory benchstat. The
// types level must build it elsewhere.
func TestMainPackageBesideSameNamedDirectory(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a module")
	}
	files := map[string]string{
		"go.mod":           "module example.com/tool\n\ngo 1.22\n",
		"tool/tool.go":     "// Package tool says hello.\npackage tool\n\n// Hello says hello.\nfunc Hello() string { return \"hello\" }\n",
		"cmd/tool/main.go": "// Command tool prints hello.\npackage main\n\nimport (\n\t\"fmt\"\n\n\t\"example.com/tool/tool\"\n)\n\nfunc main() { fmt.Println(tool.Hello()) }\n",
	}
	repo := gittest.NewRepo(t, files)
	raw := diffOf(t, repo, map[string]string{"cmd/tool/main.go": strings.Replace(files["cmd/tool/main.go"], "fmt.Println(tool.Hello())", "fmt.Println(tool.Hello(), \"!\")", 1)})
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cfg, err := config.Load(repo, config.Flags{"worktree_base": filepath.Join(t.TempDir(), "wt")}, os.Getenv, "")
	if err != nil {
		t.Fatal(err)
	}
	ws, err := pipeline.Open(ctx, cfg, repo)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close(ctx)
	wt, err := ws.Worktrees.Add(ctx, "tool", ws.Head)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := ws.Validator(cfg, nil).Validate(ctx, wt, []byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	if l := rep.Level("types"); l == nil || l.Status != "pass" {
		t.Errorf("types: %+v", l)
	}
	if out, _ := wt.Git(ctx, "status", "--porcelain", "--ignored"); out != "" {
		t.Errorf("the validation left files in the worktree:\n%s", out)
	}
}
