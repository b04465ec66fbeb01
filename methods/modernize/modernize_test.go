package modernize

import (
	"context"
	"fmt"
	"go/ast"
	"go/token"
	"slices"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/tools/go/analysis"

	"github.com/agentic-optimizer/optimizer/internal/gitx"
	"github.com/agentic-optimizer/optimizer/internal/gitx/gittest"
	modsource "github.com/agentic-optimizer/optimizer/internal/source"
	"github.com/agentic-optimizer/optimizer/internal/validate"
	"github.com/agentic-optimizer/optimizer/methods"
	"github.com/agentic-optimizer/optimizer/methods/methodstest"
)

func TestApplyEdits(t *testing.T) {
	src := []byte("0123456789")
	got, err := applyEdits(src, []edit{{start: 8, end: 10, text: "X"}, {start: 0, end: 0, text: "<"}, {start: 0, end: 0, text: "["}, {start: 2, end: 4, text: ""}})
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != "<[014567X" {
		t.Fatalf("applyEdits = %q", got)
	}
	if _, err := applyEdits(src, []edit{{start: 2, end: 5}, {start: 4, end: 6}}); err == nil {
		t.Fatal("overlapping edits applied")
	}
	if _, err := applyEdits(src, []edit{{start: 9, end: 11}}); err == nil {
		t.Fatal("edit past the end applied")
	}
}

func TestOverlapsAny(t *testing.T) {
	a := edit{file: "f", start: 10, end: 20, text: "x"}
	for _, tc := range []struct {
		name string
		e    edit
		want bool
	}{
		{"identical", a, false},
		{"other file", edit{file: "g", start: 10, end: 20}, false},
		{"inside", edit{file: "f", start: 12, end: 14}, true},
		{"straddles", edit{file: "f", start: 5, end: 11}, true},
		{"touches end", edit{file: "f", start: 20, end: 25}, false},
		{"insert inside", edit{file: "f", start: 15, end: 15}, true},
		{"insert at start", edit{file: "f", start: 10, end: 10}, false},
	} {
		if got := overlapsAny([]edit{tc.e}, []edit{a}); got != tc.want {
			t.Errorf("%s: overlapsAny = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestSplitByFileThenHalves(t *testing.T) {
	fx := func(file string, start int) fix {
		return fix{edits: []edit{{file: file, start: start, end: start + 1}}}
	}
	parts := split([]fix{fx("a", 1), fx("b", 1), fx("a", 5)})
	if len(parts) != 2 || len(parts[0]) != 2 || len(parts[1]) != 1 {
		t.Fatalf("split by file = %v", parts)
	}
	parts = split([]fix{fx("a", 1), fx("a", 2), fx("a", 3)})
	if len(parts) != 2 || len(parts[0]) != 1 || len(parts[1]) != 2 {
		t.Fatalf("split in halves = %v", parts)
	}
	if parts := split([]fix{fx("a", 1)}); parts != nil {
		t.Fatalf("a single fix was split: %v", parts)
	}
}

// rewriteAnalyzer suggests replacing the string literal "old" with "new"
// and "bad" with "BAD" — a stand-in for an analyzer with one bad rewrite.
var rewriteAnalyzer = &analysis.Analyzer{
	Name: "rewrite",
	Doc:  "test analyzer",
	Run: func(pass *analysis.Pass) (any, error) {
		for _, f := range pass.Files {
			ast.Inspect(f, func(n ast.Node) bool {
				lit, ok := n.(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					return true
				}
				s, _ := strconv.Unquote(lit.Value)
				repl := map[string]string{"old": `"new"`, "bad": `"BAD"`}[s]
				if repl == "" {
					return true
				}
				pass.Report(analysis.Diagnostic{
					Pos: lit.Pos(), End: lit.End(), Message: "rewrite " + s,
					SuggestedFixes: []analysis.SuggestedFix{{Message: "rewrite", TextEdits: []analysis.TextEdit{{Pos: lit.Pos(), End: lit.End(), NewText: []byte(repl)}}}},
				})
				return true
			})
		}
		return nil, nil
	},
}

func TestOptimizeSplitsRejectedCandidate(t *testing.T) {
	ctx := context.Background()
	wt, mod := setupRepo(t, map[string]string{
		"go.mod": "module example.com/m\n\ngo 1.22\n",
		"p/a.go": "package p\n\nvar A = []string{\"old\", \"bad\", \"old\"}\n",
		"p/b.go": "package p\n\nvar B = \"old\"\n",
	})
	var validated []string
	env := &methods.Pass{
		Worktree:  wt,
		ModuleDir: wt.Dir,
		Logf:      t.Logf,
		// The stand-in validator rejects any patch that adds "BAD".
		Driver: methodstest.Validator(func(ctx context.Context, p []byte) (*validate.Report, error) {
			if err := gitx.ApplyCheck(ctx, wt.Dir, p, gitx.ApplyOptions{}); err != nil {
				t.Errorf("candidate does not apply to the base: %v", err)
			}
			validated = append(validated, string(p))
			if strings.Contains(string(p), `+var A = []string{"new", "BAD"`) || strings.Contains(string(p), `"BAD"`) {
				return &validate.Report{RejectedBy: "unit"}, nil
			}
			return &validate.Report{Accepted: true}, nil
		}),
	}
	m := New([]*analysis.Analyzer{rewriteAnalyzer}, 20)
	res, err := m.Run(ctx, withTask(env, &methods.Task{ID: "t", Package: mod.Packages[0], Module: mod}))
	if err != nil {
		t.Fatal(err)
	}
	var accepted, rejected []string
	for _, c := range res.Candidates {
		desc := strings.Join(c.Files, ",") + "/" + strconv.Itoa(c.Fixes)
		if c.Accepted() {
			accepted = append(accepted, desc)
		} else {
			rejected = append(rejected, desc)
		}
		if c.Accepted() && strings.Contains(string(c.Patch), "BAD") {
			t.Errorf("accepted candidate holds the bad fix:\n%s", c.Patch)
		}
		if len(c.Reverse) == 0 {
			t.Errorf("candidate %s has no reverse patch", c.ID)
		}
	}
	// All four fixes together are rejected; split per file: b.go (1 fix)
	// is accepted, a.go (3 fixes) is rejected and halved: [old] accepted,
	// [bad, old] rejected and halved again: [bad] rejected, [old] accepted.
	wantAccepted := []string{"p/b.go/1", "p/a.go/1", "p/a.go/1"}
	wantRejected := []string{"p/a.go,p/b.go/4", "p/a.go/3", "p/a.go/2", "p/a.go/1"}
	if !slices.Equal(accepted, wantAccepted) || !slices.Equal(rejected, wantRejected) {
		t.Fatalf("accepted %v, rejected %v; want %v and %v", accepted, rejected, wantAccepted, wantRejected)
	}
	if st, _ := wt.Git(ctx, "status", "--porcelain"); st != "" {
		t.Fatalf("worktree left dirty: %q", st)
	}
}

func TestOptimizeSeparatesFixesTheFindingsPointAt(t *testing.T) {
	ctx := context.Background()
	files := map[string]string{
		"go.mod": "module example.com/m\n\ngo 1.22\n",
		"p/a.go": "package p\n\nvar A1 = \"old\"\nvar A2 = \"bad\"\nvar A3 = \"old\"\nvar A4 = \"old\"\nvar A5 = \"old\"\n",
	}
	wt, mod := setupRepo(t, files)
	var validations int
	env := &methods.Pass{
		Worktree: wt, ModuleDir: wt.Dir, Logf: t.Logf,
		// The stand-in validator rejects a patch that adds "BAD" and
		// names the line, as the types level does.
		Driver: methodstest.Validator(func(ctx context.Context, p []byte) (*validate.Report, error) {
			validations++
			if strings.Contains(string(p), `+var A2 = "BAD"`) {
				return &validate.Report{RejectedBy: "types", Findings: []validate.Finding{{File: "p/a.go", Line: 4, Message: "bad"}}}, nil
			}
			return &validate.Report{Accepted: true}, nil
		}),
	}
	m := New([]*analysis.Analyzer{rewriteAnalyzer}, 20)
	res, err := m.Run(ctx, withTask(env, &methods.Task{ID: "t", Package: mod.Packages[0], Module: mod}))
	if err != nil {
		t.Fatal(err)
	}
	// all five (rejected at line 4) -> the four others (accepted) and the
	// suspect alone (rejected): three validations, not a bisection.
	var verdicts []string
	for _, c := range res.Candidates {
		verdicts = append(verdicts, fmt.Sprintf("%d:%v", c.Fixes, c.Accepted()))
	}
	if want := []string{"5:false", "4:true", "1:false"}; !slices.Equal(verdicts, want) || validations != 3 {
		t.Fatalf("verdicts %v after %d validations, want %v after 3", verdicts, validations, want)
	}
}

// TestOptimizeStopsWhenEveryFixIsACulprit: a rejection whose findings
// name the lines of every fix in the set is not split: no part of it can
// pass (it took four more validations to find that out).
func TestOptimizeStopsWhenEveryFixIsACulprit(t *testing.T) {
	ctx := context.Background()
	wt, mod := setupRepo(t, map[string]string{
		"go.mod": "module example.com/m\n\ngo 1.22\n",
		"p/a.go": "package p\n\nvar A1 = \"bad\"\nvar A2 = \"old\"\nvar A3 = \"bad\"\n",
	})
	var validations int
	env := &methods.Pass{
		Worktree: wt, ModuleDir: wt.Dir, Logf: t.Logf,
		Driver: methodstest.Validator(func(ctx context.Context, p []byte) (*validate.Report, error) {
			validations++
			var fs []validate.Finding
			for line, text := range map[int]string{3: `+var A1 = "BAD"`, 5: `+var A3 = "BAD"`} {
				if strings.Contains(string(p), text) {
					fs = append(fs, validate.Finding{File: "p/a.go", Line: line, Message: "bad"})
				}
			}
			if len(fs) > 0 {
				return &validate.Report{RejectedBy: "types", Findings: fs}, nil
			}
			return &validate.Report{Accepted: true}, nil
		}),
	}
	res, err := New([]*analysis.Analyzer{rewriteAnalyzer}, 20).Run(ctx, withTask(env, &methods.Task{ID: "t", Package: mod.Packages[0], Module: mod}))
	if err != nil {
		t.Fatal(err)
	}
	// all three (lines 3 and 5 named) -> the one at line 4 (accepted) and
	// the two suspects (rejected, both named again): three validations.
	var verdicts []string
	for _, c := range res.Candidates {
		verdicts = append(verdicts, fmt.Sprintf("%d:%v", c.Fixes, c.Accepted()))
	}
	if want := []string{"3:false", "1:true", "2:false"}; !slices.Equal(verdicts, want) || validations != 3 {
		t.Fatalf("verdicts %v after %d validations, want %v after 3", verdicts, validations, want)
	}
	if !slices.ContainsFunc(res.Notes, func(n string) bool { return strings.Contains(n, "each named by its rejection's findings") }) {
		t.Errorf("notes %q do not say why the suspects were not split", res.Notes)
	}
}

// dropAnalyzer deletes every "//drop" comment line, as go fix's
// buildtag rewrite deletes a // +build line.
var dropAnalyzer = &analysis.Analyzer{
	Name: "drop",
	Doc:  "test analyzer",
	Run: func(pass *analysis.Pass) (any, error) {
		for _, f := range pass.Files {
			for _, g := range f.Comments {
				for _, c := range g.List {
					if c.Text == "//drop" {
						end := c.End() + 1 // the newline too
						pass.Report(analysis.Diagnostic{Pos: c.Pos(), End: c.End(), Message: "drop",
							SuggestedFixes: []analysis.SuggestedFix{{Message: "drop", TextEdits: []analysis.TextEdit{{Pos: c.Pos(), End: end}}}}})
					}
				}
			}
		}
		return nil, nil
	},
}

// TestOptimizeBlamesALineRemovalByTheLineAbove: findings on the line
// above a removed line (the //go:build line over a removed // +build)
// name the fix that removed it, so a set whose every fix is named is not
// split.
func TestOptimizeBlamesALineRemovalByTheLineAbove(t *testing.T) {
	wt, mod := setupRepo(t, map[string]string{
		"go.mod": "module example.com/m\n\ngo 1.22\n",
		"p/a.go": "//keep\n//drop\n\npackage p\n",
		"p/b.go": "//keep\n//drop\n\npackage p\n",
	})
	var validations int
	env := &methods.Pass{
		Worktree: wt, ModuleDir: wt.Dir, Logf: t.Logf,
		Driver: methodstest.Validator(func(ctx context.Context, p []byte) (*validate.Report, error) {
			validations++
			var fs []validate.Finding
			for _, f := range []string{"p/a.go", "p/b.go"} {
				if strings.Contains(string(p), "+++ b/"+f) {
					fs = append(fs, validate.Finding{File: f, Line: 1, Message: "the line above lost its partner"})
				}
			}
			return &validate.Report{RejectedBy: "types", Findings: fs}, nil
		}),
	}
	if _, err := New([]*analysis.Analyzer{dropAnalyzer}, 20).Run(context.Background(), withTask(env, &methods.Task{ID: "t", Package: mod.Packages[0], Module: mod})); err != nil {
		t.Fatal(err)
	}
	if validations != 1 {
		t.Errorf("%d validations, want 1: both fixes are named by the findings", validations)
	}
}

// TestOptimizeDropsFixesThePolicyRefuses: under speed, a fix in an
// existing test file is refused by the policy whatever it changes, so it
// is dropped with a note before any validation; under quality it is tried.
func TestOptimizeDropsFixesThePolicyRefuses(t *testing.T) {
	for _, tc := range []struct {
		objective   string
		validations int
		files       []string // of the validated patches
	}{
		{"speed", 1, []string{"p/a.go"}},
		{"quality", 1, []string{"p/a.go", "p/a_test.go"}},
	} {
		t.Run(tc.objective, func(t *testing.T) {
			wt, mod := setupRepo(t, map[string]string{
				"go.mod":      "module example.com/m\n\ngo 1.22\n",
				"p/a.go":      "package p\n\nvar A = \"old\"\n",
				"p/a_test.go": "package p\n\nvar T1, T2 = \"old\", \"old\"\n",
			})
			var validations int
			var files []string
			env := &methods.Pass{
				Worktree: wt, ModuleDir: wt.Dir, Logf: t.Logf,
				Driver: methodstest.Validator(func(ctx context.Context, p []byte) (*validate.Report, error) {
					validations++
					for _, f := range []string{"p/a.go", "p/a_test.go"} {
						if strings.Contains(string(p), "+++ b/"+f+"\n") && !slices.Contains(files, f) {
							files = append(files, f)
						}
					}
					return &validate.Report{Accepted: true}, nil
				}),
			}
			res, err := New([]*analysis.Analyzer{rewriteAnalyzer}, 20).Run(context.Background(), withTask(env, &methods.Task{ID: "t", Package: mod.Packages[0], Module: mod, Objective: tc.objective}))
			if err != nil {
				t.Fatal(err)
			}
			if validations != tc.validations || !slices.Equal(files, tc.files) {
				t.Errorf("%d validations of %v, want %d of %v", validations, files, tc.validations, tc.files)
			}
			note := slices.ContainsFunc(res.Notes, func(n string) bool {
				return strings.Contains(n, "rewrite: 2 fixes not tried under speed: a patch judged by the base's tests and benchmarks may not change them")
			})
			if note != (tc.objective == "speed") {
				t.Errorf("notes %q", res.Notes)
			}
		})
	}
}

// TestOptimizeKeepsToTheAimedFiles: a task aimed at one file (--paths
// p/b.go) proposes only that file's fixes.
func TestOptimizeKeepsToTheAimedFiles(t *testing.T) {
	wt, mod := setupRepo(t, map[string]string{
		"go.mod": "module example.com/m\n\ngo 1.22\n",
		"p/a.go": "package p\n\nvar A = \"old\"\n",
		"p/b.go": "package p\n\nvar B = \"old\"\n",
	})
	var patches []string
	env := &methods.Pass{
		Worktree: wt, ModuleDir: wt.Dir, Logf: t.Logf,
		Driver: methodstest.Validator(func(ctx context.Context, p []byte) (*validate.Report, error) {
			patches = append(patches, string(p))
			return &validate.Report{Accepted: true}, nil
		}),
	}
	task := &methods.Task{ID: "t", Package: mod.Packages[0], Module: mod, Files: []string{"p/b.go"}}
	if _, err := New([]*analysis.Analyzer{rewriteAnalyzer}, 20).Run(context.Background(), withTask(env, task)); err != nil {
		t.Fatal(err)
	}
	if len(patches) != 1 || strings.Contains(patches[0], "p/a.go") || !strings.Contains(patches[0], "+++ b/p/b.go") {
		t.Errorf("validated %q, want one patch of p/b.go only", patches)
	}
}

// setupRepo commits files to a new repository and returns a worktree of
// it and the module loaded there.
func setupRepo(t *testing.T, files map[string]string) (*gitx.Worktree, *modsource.Module) {
	t.Helper()
	ctx := context.Background()
	dir := gittest.NewRepo(t, files)
	repo, err := gitx.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	head, _ := repo.Resolve(ctx, "HEAD")
	ws := &gitx.Worktrees{Repo: repo, Base: t.TempDir()}
	t.Cleanup(func() { ws.RemoveAll(ctx) })
	wt, err := ws.Add(ctx, "1", head)
	if err != nil {
		t.Fatal(err)
	}
	mod, err := modsource.Load(ctx, wt.Dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	return wt, mod
}

// A set of fixes that shows no speed-up is not split: no part of it can
// show one. A set that made a benchmark slower is, to find the slow fix.
func TestOptimizeDoesNotSplitWhatShowsNoWin(t *testing.T) {
	for _, tc := range []struct {
		name  string
		rows  []validate.Benchmark
		tries int
	}{
		{"no win", []validate.Benchmark{{Name: "BenchmarkA", Unit: "sec/op", DeltaPct: -1, P: 0.8}}, 1},
		{"a regression", []validate.Benchmark{{Name: "BenchmarkA", Unit: "sec/op", Base: 1, Candidate: 2, DeltaPct: 100, P: 0.002, Significant: true}}, 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wt, mod := setupRepo(t, map[string]string{
				"go.mod": "module example.com/m\n\ngo 1.22\n",
				"p/a.go": "package p\n\nvar A = []string{\"old\", \"old\"}\n",
				"p/b.go": "package p\n\nvar B = \"old\"\n",
			})
			tries := 0
			env := &methods.Pass{
				Worktree: wt, ModuleDir: wt.Dir, Logf: t.Logf,
				Driver: methodstest.Validator(func(ctx context.Context, p []byte) (*validate.Report, error) {
					tries++
					return &validate.Report{RejectedBy: "performance", Benchmarks: tc.rows}, nil
				}),
			}
			m := New([]*analysis.Analyzer{rewriteAnalyzer}, 20)
			if _, err := m.Run(context.Background(), withTask(env, &methods.Task{ID: "t", Package: mod.Packages[0], Module: mod})); err != nil {
				t.Fatal(err)
			}
			if tries != tc.tries {
				t.Errorf("%d validations, want %d", tries, tc.tries)
			}
		})
	}
}

// withTask is the pass for task.
func withTask(p *methods.Pass, task *methods.Task) *methods.Pass {
	p.Task = task
	return p
}
