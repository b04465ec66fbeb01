package pipeline

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/agentic-optimizer/optimizer/internal/config"
	"github.com/agentic-optimizer/optimizer/internal/gitx/gittest"
	"github.com/agentic-optimizer/optimizer/internal/report"
	"github.com/agentic-optimizer/optimizer/methods"
)

// flaky fails each task the first time it sees it, on whichever agent.
type flaky struct {
	mu   sync.Mutex
	seen map[string]int
}

func (f *flaky) run(ctx context.Context, pass *methods.Pass) (*methods.Result, error) {
	t := pass.Task
	f.mu.Lock()
	f.seen[t.ID]++
	n := f.seen[t.ID]
	f.mu.Unlock()
	if n == 1 || strings.Contains(t.ID, "always") {
		return nil, errors.New("the method fell over")
	}
	return &methods.Result{Notes: []string{"fine the second time"}}, nil
}

// TestFailedTaskIsRetriedOnAnotherAgent: every task fails once; each is
// tried again on another agent and ends as the retry ended, the one that
// always fails is reported failed, and the run goes on.
func TestFailedTaskIsRetriedOnAnotherAgent(t *testing.T) {
	f := &flaky{seen: map[string]int{}}
	testMethods = []*methods.Method{{Name: "flaky", Doc: "fails each task once", Run: f.run}}
	defer func() { testMethods = nil }()
	repo := gittest.NewRepo(t, map[string]string{
		"go.mod":        "module example.com/m\n\ngo 1.24\n",
		"a/a.go":        "package a\n\nfunc A() int { return 1 }\n",
		"b/b.go":        "package b\n\nfunc B() int { return 2 }\n",
		"always/c.go":   "package always\n\nfunc C() int { return 3 }\n",
		"a/a_test.go":   "package a\n",
		"b/b_test.go":   "package b\n",
		"always/c_t.go": "package always\n",
	})
	cfg, err := config.Load(repo, config.Flags{"methods": "flaky", "max_agents": "2", "worktree_base": filepath.Join(t.TempDir(), "wt"), "out": t.TempDir()}, func(string) string { return "" }, "")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	rep, err := Run(ctx, cfg, repo, Host{Getenv: func(string) string { return "" }, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]report.Task{}
	for _, task := range rep.Tasks {
		byID[task.ID] = task
	}
	for _, id := range []string{"flaky:./a", "flaky:./b"} {
		task := byID[id]
		if task.Status != report.StatusNoCandidates || len(task.Notes) < 2 || !strings.Contains(task.Notes[len(task.Notes)-1], "tried a second time after the first attempt failed on agent") {
			t.Errorf("%s: %+v", id, task)
		}
	}
	if task := byID["flaky:./always"]; task.Status != report.StatusFailed || !strings.Contains(task.Error, "fell over") {
		t.Errorf("the task that always fails: %+v", task)
	}
	failed, retried := 0, 0
	for _, a := range rep.Agents {
		failed += a.Failed
		retried += a.Retried
	}
	if failed != 4 || retried != 3 {
		t.Errorf("agents failed %d tasks and finished %d retries, want 4 and 3: %+v", failed, retried, rep.Agents)
	}
	for id, n := range f.seen {
		if n != 2 {
			t.Errorf("%s ran %d times, want 2", id, n)
		}
	}
}
