package pipeline

import (
	"context"
	"maps"
	"slices"
	"testing"

	"github.com/agentic-optimizer/optimizer/internal/gitx"
	"github.com/agentic-optimizer/optimizer/internal/gitx/gittest"
	"github.com/agentic-optimizer/optimizer/internal/source"
	"github.com/agentic-optimizer/optimizer/methods"
)

// TestPriorityOrder: benchmarked packages first, then the ones changed
// most often lately, then the larger — the order in which a limited model
// budget is spent.
func TestPriorityOrder(t *testing.T) {
	dir := gittest.NewRepo(t, map[string]string{"mod/go.mod": "module m\n", "mod/a/a.go": "package a\n", "mod/b/b.go": "package b\n", "mod/c/c.go": "package c\n", "other/x.go": "package x\n"})
	for i, f := range []string{"mod/b/b.go", "mod/b/b.go", "mod/a/a.go", "other/x.go", "other/x.go", "other/x.go"} {
		gittest.WriteFiles(t, dir, map[string]string{f: "package p\n// " + string(rune('a'+i)) + "\n"})
		gittest.Git(t, dir, "commit", "-qam", "change "+f)
	}
	repo, err := gitx.Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	head := gittest.Git(t, dir, "rev-parse", "HEAD")
	changed := recentChanges(context.Background(), repo, head[:len(head)-1], "mod")
	// The first commit adds every file; other/ is outside the module.
	if want := map[string]int{".": 1, "a": 2, "b": 3, "c": 1}; !maps.Equal(changed, want) {
		t.Fatalf("recent changes %v, want %v", changed, want)
	}
	task := func(rel string, benchmarks ...string) *methods.Task {
		return &methods.Task{ID: rel, Package: &source.Package{RelDir: rel, Benchmarks: benchmarks}}
	}
	tasks := []*methods.Task{task("a"), task("b"), task("c", "BenchmarkC")}
	var got []string
	for _, i := range priorityOrder(tasks, changed) {
		got = append(got, tasks[i].ID)
	}
	if !slices.Equal(got, []string{"c", "b", "a"}) {
		t.Errorf("order %v, want c (benchmarked), b (changed twice), a", got)
	}
}
