package ask

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"

	"github.com/agentic-optimizer/optimizer/internal/gitx"
	"github.com/agentic-optimizer/optimizer/internal/gitx/gittest"
	"github.com/agentic-optimizer/optimizer/internal/validate"
	"github.com/agentic-optimizer/optimizer/methods"
)

// TestEveryAnswerBecomesACandidate feeds each model answer of the edit
// protocol's test set (internal/edit/testdata/answers) to the method: an
// answer that is not a usable edit must become a candidate rejected by
// "answer" with a reason and feedback, a usable one a validated patch, and
// none may leave a change in the worktree or touch anything outside it.
func TestEveryAnswerBecomesACandidate(t *testing.T) {
	names, err := filepath.Glob("../../../internal/edit/testdata/answers/*.txt")
	if err != nil || len(names) == 0 {
		t.Fatalf("no answers: %v", err)
	}
	ctx := context.Background()
	for _, name := range names {
		t.Run(strings.TrimSuffix(filepath.Base(name), ".txt"), func(t *testing.T) {
			ar, err := txtar.ParseFile(name)
			if err != nil {
				t.Fatal(err)
			}
			var answer string
			files := map[string]string{}
			for _, f := range ar.Files {
				switch {
				case f.Name == "answer":
					answer = string(f.Data)
				case strings.HasPrefix(f.Name, "tree/"):
					files[strings.TrimPrefix(f.Name, "tree/")] = string(f.Data)
				}
			}
			if len(files) == 0 {
				files["README"] = "empty tree\n"
			}
			var allowed []string
			hasError, needsSetup := false, false
			for _, line := range strings.Split(string(ar.Comment), "\n") {
				if v, ok := strings.CutPrefix(line, "allowed:"); ok {
					allowed = strings.Fields(v)
				}
				hasError = hasError || strings.HasPrefix(line, "error:")
				// Symbolic links and CRLF files need set-ups that a
				// committed tree does not reproduce.
				needsSetup = needsSetup || strings.HasPrefix(line, "symlink:") || strings.HasPrefix(line, "crlf:")
			}
			wantRefused := hasError && !needsSetup
			root := t.TempDir()
			outside := filepath.Join(root, "outside", "secret.txt")
			os.MkdirAll(filepath.Dir(outside), 0o755)
			os.WriteFile(outside, []byte("secret\n"), 0o644)
			repo := gittest.NewRepo(t, files)
			r, err := gitx.Open(ctx, repo)
			if err != nil {
				t.Fatal(err)
			}
			head, _ := r.Resolve(ctx, "HEAD")
			ws := &gitx.Worktrees{Repo: r, Base: filepath.Join(root, "wt")}
			defer ws.RemoveAll(ctx)
			wt, err := ws.Add(ctx, "1", head)
			if err != nil {
				t.Fatal(err)
			}
			validated := 0
			env := &methods.Pass{Worktree: wt, ModuleDir: wt.Dir, Logf: t.Logf}
			c, feedback := Candidate(ctx, env, "quality", Step{
				Task: "t", Kind: "tests", Allowed: allowed,
				Describe: func(files []string) string { return "change of " + strings.Join(files, ", ") },
				Validate: func(ctx context.Context, p []byte, _ ...methods.ValidateOption) (*validate.Report, error) {
					validated++
					if len(p) == 0 {
						t.Error("validated an empty patch")
					}
					return &validate.Report{Objective: "quality", Accepted: true}, nil
				},
			}, 1, answer)

			switch {
			case c.Validation == nil:
				t.Fatalf("no verdict: error %q", c.Error)
			case c.Validation.RejectedBy == RejectedByAnswer:
				if c.Validation.Levels[0].Detail == "" || feedback == "" {
					t.Errorf("refused without a reason (%q) or feedback (%q)", c.Validation.Levels[0].Detail, feedback)
				}
				if validated != 0 {
					t.Error("a refused answer was validated")
				}
			case c.Validation.Accepted:
				if wantRefused {
					t.Errorf("the edit protocol refuses this answer, the method validated it")
				}
				if len(c.Files) == 0 || len(c.Patch) == 0 || len(c.Reverse) == 0 {
					t.Errorf("accepted without files or patch: %+v", c)
				}
			}
			if status, _ := wt.Git(ctx, "status", "--porcelain", "--untracked-files=all"); status != "" {
				t.Errorf("the worktree is left changed:\n%s", status)
			}
			if b, _ := os.ReadFile(outside); string(b) != "secret\n" {
				t.Errorf("a file outside the worktree was changed: %q", b)
			}
		})
	}
}

func TestRejectionQuotesLevelAndFindings(t *testing.T) {
	rep := &validate.Report{
		RejectedBy: "unit",
		Levels: []validate.Level{
			{Name: "types", Status: validate.Pass, Detail: "build and vet pass"},
			{Name: "unit", Status: validate.Fail, Detail: "TestTop failed: got [b a], want [a b]"},
		},
		Findings: []validate.Finding{{File: "wordfreq/wordfreq.go", Line: 22, Message: "comparison flipped"}},
	}
	got := Rejection(rep)
	for _, want := range []string{"rejected by the unit check", "TestTop failed", "wordfreq/wordfreq.go:22: comparison flipped"} {
		if !strings.Contains(got, want) {
			t.Errorf("rejection lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "build and vet pass") {
		t.Errorf("rejection quotes a level that passed:\n%s", got)
	}
}
