package pipeline

import (
	"cmp"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/agentic-optimizer/optimizer/internal/gitx"
	"github.com/agentic-optimizer/optimizer/methods"
)

// priorityOrder is the order in which the agents take the tasks, and so
// the order in which a limited model budget is spent: tasks on benchmarked
// packages first (hot code, and measurable), then on the packages changed
// most often lately (changed counts commits by package directory, relative
// to the module), then the larger packages (the longest tasks first keeps
// the agents busy to the end), then as listed.
func priorityOrder(tasks []*methods.Task, changed map[string]int) []int {
	size := make([]int64, len(tasks))
	for i, t := range tasks {
		for _, f := range append(slices.Clone(t.Package.GoFiles), t.Package.TestFiles...) {
			if st, err := os.Stat(f); err == nil {
				size[i] += st.Size()
			}
		}
	}
	order := make([]int, len(tasks))
	for i := range order {
		order[i] = i
	}
	benched := func(i int) int {
		if len(tasks[i].Package.Benchmarks) > 0 {
			return 1
		}
		return 0
	}
	commits := func(i int) int { return changed[filepath.ToSlash(tasks[i].Package.RelDir)] }
	slices.SortStableFunc(order, func(a, b int) int {
		return cmp.Or(benched(b)-benched(a), commits(b)-commits(a), cmp.Compare(size[b], size[a]))
	})
	return order
}

// recentChanges counts, for each directory of the module, the commits among
// the last recentCommits of head that changed a file directly in it. A
// repository whose history cannot be read counts nothing.
func recentChanges(ctx context.Context, repo *gitx.Repo, head, moduleRel string) map[string]int {
	out, err := repo.Git(ctx, "log", "-n", strconv.Itoa(recentCommits), "--no-renames", "--name-only", "--format=%x00", head, "--", moduleRel)
	if err != nil {
		return nil
	}
	counts := map[string]int{}
	for _, commit := range strings.Split(out, "\x00") {
		seen := map[string]bool{}
		for _, f := range strings.Split(commit, "\n") {
			if f = strings.TrimSpace(f); f == "" {
				continue
			}
			rel, err := filepath.Rel(filepath.FromSlash(moduleRel), filepath.FromSlash(f))
			if err != nil || strings.HasPrefix(rel, "..") {
				continue
			}
			if dir := filepath.ToSlash(filepath.Dir(rel)); !seen[dir] {
				seen[dir] = true
				counts[dir]++
			}
		}
	}
	return counts
}

// recentCommits is how far back recentChanges looks.
const recentCommits = 100
