package chaos

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/agentic-optimizer/optimizer/internal/config"
	"github.com/agentic-optimizer/optimizer/internal/gitx"
	"github.com/agentic-optimizer/optimizer/internal/gitx/gittest"
	"github.com/agentic-optimizer/optimizer/internal/sandbox"
	"github.com/agentic-optimizer/optimizer/internal/source"
	"github.com/agentic-optimizer/optimizer/methods"
)

// testEnv commits the module in testdata/dir to a new repository, under
// sub inside it, and returns the task for its package pkg with an
// environment like the pipeline's (no model, no validation).
func testEnv(t *testing.T, ctx context.Context, dir, sub, pkg string) (*methods.Task, *methods.Pass) {
	t.Helper()
	files := map[string]string{}
	root := filepath.Join("testdata", dir)
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(root, p)
		files[filepath.ToSlash(filepath.Join(sub, rel))] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	repo, err := gitx.Open(ctx, gittest.NewRepo(t, files))
	if err != nil {
		t.Fatal(err)
	}
	head, err := repo.Resolve(ctx, "HEAD")
	if err != nil {
		t.Fatal(err)
	}
	wts := &gitx.Worktrees{Repo: repo, Base: filepath.Join(t.TempDir(), "worktrees")}
	t.Cleanup(func() { wts.RemoveAll(context.Background()) })
	wt, err := wts.Add(ctx, "1", head)
	if err != nil {
		t.Fatal(err)
	}
	runner, err := sandbox.New(ctx, sandbox.Options{})
	if err != nil {
		t.Skipf("no sandbox: %v", err)
	}
	t.Cleanup(func() { runner.Close() })
	runner.Need(wts.Base)
	modDir := filepath.Join(wt.Dir, sub)
	mod, err := source.Load(ctx, modDir, sandbox.TrustedEnv())
	if err != nil {
		t.Fatal(err)
	}
	p := mod.Package(pkg)
	if p == nil {
		t.Fatalf("no package %s in %v", pkg, mod.Packages)
	}
	task := &methods.Task{ID: Name + ":" + p.Pattern(), Method: Name, Package: p, Module: mod, Objective: "quality"}
	return task, &methods.Pass{Method: Method, Task: task, Worktree: wt, ModuleDir: modDir, GoEnv: runner.Env(), Sandbox: runner, Timeout: 2 * time.Minute, Logf: t.Logf}
}

// TestOptimizeFindsWeaknesses runs the mutants of testdata/iox against its
// tests and injects faults into its I/O functions, each of which has a
// bug of its own (fuzzing is off: the demo's end-to-end test fuzzes).
func TestOptimizeFindsWeaknesses(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the tests against every mutant")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	_, env := testEnv(t, ctx, "iox", "mod", "example.com/iox")
	res, err := (&method{}).run(ctx, env)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range res.Notes {
		t.Log(n)
	}
	det, ok := res.Details.(*Details)
	if !ok || det.Mutation == nil {
		t.Fatalf("details %#v", res.Details)
	}
	mut := det.Mutation
	if mut.Killed == 0 || mut.Survived == 0 || mut.Uncovered == 0 || mut.Sampled || mut.Run != mut.Killed+mut.Timeout+mut.Survived+mut.NotViable {
		t.Errorf("mutation %+v", mut)
	}
	if mut.Score <= 0 || mut.Score >= mut.Strength {
		t.Errorf("score %.2f, strength %.2f: uncovered mutants must lower the score below the strength", mut.Score, mut.Strength)
	}
	// Clamp's tests never try v == lo: the boundary survives.
	i := slices.IndexFunc(mut.Mutants, func(m MutantResult) bool {
		return m.Func == "Clamp" && m.Original == "v < lo" && m.Mutated == "v <= lo"
	})
	if i < 0 || mut.Mutants[i].Status != StatusSurvived || mut.Mutants[i].File != "mod/iox.go" || mut.Mutants[i].Line == 0 {
		t.Errorf("Clamp's boundary mutant: %+v", mut.Mutants)
	}
	if !slices.ContainsFunc(res.Notes, func(n string) bool { return strings.HasPrefix(n, "mutation score ") }) ||
		!slices.ContainsFunc(res.Notes, func(n string) bool {
			return strings.HasPrefix(n, "mod/iox.go:") && strings.Contains(n, "v < lo → v <= lo survived")
		}) {
		t.Errorf("the notes lack the score or the survivor:\n%s", strings.Join(res.Notes, "\n"))
	}
	var found []string
	for _, f := range det.Faults {
		found = append(found, f.Function+"|"+f.Fault+"|"+f.Finding+"|"+f.Location)
	}
	for _, want := range []string{
		"CountLines|read error|error swallowed|",
		"Drain|read error|hang|",
		"FirstWord|one-byte reads|result changed|",
		"Header|one-byte reads|panic|mod/iox.go:53",
		"Report|write error|error swallowed|",
	} {
		if !slices.Contains(found, want) {
			t.Errorf("no finding %s in %q", want, found)
		}
	}
	if slices.ContainsFunc(found, func(f string) bool { return strings.HasPrefix(f, "Copy|") }) {
		t.Errorf("Copy checks its errors, yet: %q", found)
	}
	if len(res.Candidates) != 0 {
		t.Errorf("candidates without fuzzing nor a model: %+v", res.Candidates)
	}
	if st, err := env.Worktree.Git(ctx, "status", "--porcelain", "--untracked-files=all"); err != nil || st != "" {
		t.Errorf("the worktree is not clean: %q %v", st, err)
	}
}

func TestOptimizeRefusesBadInput(t *testing.T) {
	if _, err := Method.Run(context.Background(), &methods.Pass{Method: Method, Task: &methods.Task{}}); err == nil {
		t.Error("a task without a package: no error")
	}
	task := &methods.Task{Package: &source.Package{ImportPath: "example.com/x", GoFiles: []string{"x.go"}}, Module: &source.Module{}}
	if _, err := Method.Run(context.Background(), &methods.Pass{Method: Method, Task: task}); err == nil || !strings.Contains(err.Error(), "sandbox") {
		t.Errorf("an environment without a sandbox: %v", err)
	}
}

// TestOptions: the method's settings reach it from the configuration by
// their keys, chaos.fuzz_time and chaos.max_mutants, with their defaults.
func TestOptions(t *testing.T) {
	if Method.Name != "chaos" || Method.Doc == "" || Method.Model != methods.ModelOptional {
		t.Errorf("Method = %+v", Method)
	}
	def := &methods.Pass{Method: Method}
	if def.Option("fuzz_time") != DefaultFuzzTime || def.Option("max_mutants") != DefaultMaxMutants {
		t.Errorf("defaults: fuzz_time %v, max_mutants %v", def.Option("fuzz_time"), def.Option("max_mutants"))
	}
	cfg, err := config.Load(t.TempDir(), config.Flags{"chaos.fuzz_time": "3s"}, func(k string) string {
		return map[string]string{"OPTIMIZER_CHAOS_MAX_MUTANTS": "7"}[k]
	}, "", Method.Keys()...)
	if err != nil {
		t.Fatal(err)
	}
	set := &methods.Pass{Method: Method, Config: cfg}
	if set.Option("fuzz_time") != 3*time.Second || set.Option("max_mutants") != 7 {
		t.Errorf("configured: fuzz_time %v, max_mutants %v", set.Option("fuzz_time"), set.Option("max_mutants"))
	}
}
