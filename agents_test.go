package main

import (
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/agentic-optimizer/optimizer/internal/gitx/gittest"
)

// eightPackages is a module of eight packages, each with one loop that
// the modernize analyzers rewrite.
func eightPackages(t *testing.T) string {
	files := map[string]string{"go.mod": "module example.com/eight\n\ngo 1.24\n"}
	for i := range 8 {
		p := fmt.Sprintf("p%d", i)
		files[p+"/sum.go"] = fmt.Sprintf(`// Package %[1]s adds squares.
package %[1]s

// Sum adds the squares of 0..n-1, times %[2]d.
func Sum(n int) int {
	s := 0
	for i := 0; i < n; i++ {
		s += i * i * %[2]d
	}
	return s
}
`, p, i+1)
		files[p+"/sum_test.go"] = fmt.Sprintf(`package %[1]s

import "testing"

func TestSum(t *testing.T) {
	if got, want := Sum(4), 14*%[2]d; got != want {
		t.Fatalf("Sum(4) = %%d, want %%d", got, want)
	}
}
`, p, i+1)
	}
	return gittest.NewRepo(t, files)
}

// TestAgentsInParallel is issue 8's acceptance for the agents: on a
// module of eight target packages, four agents share the work (their busy
// time adds up to more than the run's wall time) and accept the same
// patches as one agent. The wall-time ratio is logged.
func TestAgentsInParallel(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a module of eight packages twice")
	}
	repo := eightPackages(t)
	runWith := func(agents int) ([]string, time.Duration, int64, int) {
		start := time.Now()
		code, rep, stderr := runInProcess(t, nil, "run", "--repo", repo, "--max-agents", fmt.Sprint(agents),
			"--out", t.TempDir(), "--worktree-base", filepath.Join(t.TempDir(), "wt"), "--json")
		wall := time.Since(start)
		if code != 0 || rep == nil {
			t.Fatalf("%d agents: exit %d\n%s", agents, code, stderr)
		}
		if len(rep.Tasks) != 8 || len(rep.Agents) != agents {
			t.Fatalf("%d agents: %d tasks, %d agents in the report", agents, len(rep.Tasks), len(rep.Agents))
		}
		var busy int64
		used := 0
		for _, a := range rep.Agents {
			busy += a.BusyMS
			if a.Tasks > 0 {
				used++
			}
			t.Logf("%d agents: agent %d %s: %d tasks, %d accepted, busy %d ms, success %.2f", agents, a.ID, a.State, a.Tasks, a.Accepted, a.BusyMS, a.SuccessRate)
		}
		return storedPatches(rep), wall, busy, used
	}
	one, wall1, _, _ := runWith(1)
	four, wall4, busy4, used4 := runWith(4)
	t.Logf("wall time: 1 agent %v, 4 agents %v: %.2f× faster", wall1.Round(time.Millisecond), wall4.Round(time.Millisecond), wall1.Seconds()/wall4.Seconds())
	if len(one) != 8 || !slices.Equal(one, four) {
		t.Errorf("accepted patches differ:\n1 agent  %v\n4 agents %v", one, four)
	}
	if used4 < 2 || time.Duration(busy4)*time.Millisecond <= wall4 {
		t.Errorf("4 agents: %d used, busy %d ms in a %v run: they did not work side by side", used4, busy4, wall4)
	}
}
