package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/agentic-optimizer/optimizer/internal/pipeline"
	"github.com/agentic-optimizer/optimizer/internal/report"
)

// accepted lists the IDs of the stored patches of a report's candidates.
func storedPatches(rep *report.Report) []string {
	var out []string
	for _, t := range rep.Tasks {
		for _, c := range t.Candidates {
			if c.Patch != nil {
				out = append(out, c.Patch.ID+" "+c.Patch.CID)
			}
		}
	}
	slices.Sort(out)
	return out
}

// TestPlanShardMerge is issue 8's acceptance for scale-out: plan, three
// shards and merge, each a separate process with its own output
// directory, accept the same patches as one local run; and merge refuses a
// shard whose patch was changed after the shard wrote it.
func TestPlanShardMerge(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs the demo four times")
	}
	bin, _ := imageBinary(t, t.TempDir(), "")
	repo := demoRepo(t, nil)
	wt := filepath.Join(t.TempDir(), "wt")
	optimizer := func(args ...string) ([]byte, string, error) {
		cmd := exec.Command(bin, args...)
		// Never publish: no token, and no API but a closed local port.
		// The test is about planning, sharding and merging: a benchmark's
		// noise on a loaded machine must not make a shard's run and the
		// local run judge one candidate differently (max_regression).
		cmd.Env = append(os.Environ(), "GITHUB_ACTIONS=", "OPTIMIZER_WORKTREE_BASE="+wt, "OPTIMIZER_GITHUB_TOKEN=", "GITHUB_TOKEN=", "GITHUB_API_URL=http://127.0.0.1:1", "OPTIMIZER_MAX_REGRESSION=1000")
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		return out, stderr.String(), err
	}
	out, stderr, err := optimizer("plan", "--repo", repo, "--shards", "3")
	if err != nil {
		t.Fatalf("plan: %v\n%s", err, stderr)
	}
	var plan pipeline.Plan
	if err := json.Unmarshal(out, &plan); err != nil || len(plan.Include) != 3 {
		t.Fatalf("plan: %v: %s", err, out)
	}
	t.Logf("plan: %s", out)
	// The shards run side by side, as a matrix's jobs do.
	dirs := make([]string, len(plan.Include))
	errs := make([]string, len(plan.Include))
	var wg sync.WaitGroup
	for i, sh := range plan.Include {
		dirs[i] = filepath.Join(t.TempDir(), "shard-"+itoa(i))
		wg.Go(func() {
			if _, stderr, err := optimizer("shard", "--repo", repo, "--index", itoa(sh.Index), "--shards", "3", "--out", dirs[i]); err != nil {
				errs[i] = err.Error() + "\n" + stderr
			}
		})
	}
	wg.Wait()
	for i, sh := range plan.Include {
		if errs[i] != "" {
			t.Fatalf("shard %d: %s", i, errs[i])
		}
		sr, err := report.Read(filepath.Join(dirs[i], "report.json"))
		if err != nil {
			t.Fatal(err)
		}
		if sr.Shard == nil || sr.Shard.Index != sh.Index || !slices.Equal(sr.Shard.Packages, sh.Packages) || sr.Combination != nil {
			t.Errorf("shard %d's report says %+v (combination %v), the plan %+v", sh.Index, sr.Shard, sr.Combination, sh)
		}
	}
	merged := filepath.Join(t.TempDir(), "merged")
	if _, stderr, err := optimizer(append([]string{"merge", "--repo", repo, "--out", merged}, dirs...)...); err != nil {
		t.Fatalf("merge: %v\n%s", err, stderr)
	} else {
		t.Logf("merge:\n%s", stderr)
	}
	local := filepath.Join(t.TempDir(), "local")
	if _, stderr, err := optimizer("run", "--repo", repo, "--out", local); err != nil {
		t.Fatalf("run: %v\n%s", err, stderr)
	}
	mr, err := report.Read(filepath.Join(merged, "report.json"))
	if err != nil {
		t.Fatal(err)
	}
	lr, err := report.Read(filepath.Join(local, "report.json"))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := storedPatches(mr), storedPatches(lr); len(want) == 0 || !slices.Equal(got, want) {
		t.Errorf("merged patches differ from the local run's:\nmerged %v\nlocal  %v", got, want)
	}
	if len(mr.Tasks) != len(lr.Tasks) || len(mr.Shards) != 3 {
		t.Errorf("merged %d tasks from %d shards, the local run had %d tasks", len(mr.Tasks), len(mr.Shards), len(lr.Tasks))
	}
	// The same members; their order follows measured speed-ups, which
	// benchmark noise may swap between two runs when they do not overlap.
	sorted := func(c *report.Combination) []string { return slices.Sorted(slices.Values(c.Members)) }
	if (mr.Combination == nil) != (lr.Combination == nil) || mr.Combination != nil && !slices.Equal(sorted(mr.Combination), sorted(lr.Combination)) {
		t.Errorf("combination: merged %+v, local %+v", mr.Combination, lr.Combination)
	}
	// The demo's stringsbuilder fix, measured faster, wins textutil.go;
	// rangeint and slicescontains overlap it, which a three-way merge
	// cannot resolve: escalated.
	c := mr.Combination
	if c == nil || c.Patch == nil || len(c.Conflicts) == 0 || c.AutoResolvedPct != 0 {
		t.Fatalf("the merged combination does not show the demo's conflicts: %+v", c)
	}
	for _, cf := range c.Conflicts {
		if cf.Resolution != "escalated" || !strings.Contains(cf.Where, "textutil/textutil.go") || !slices.Contains(c.Members, cf.Winner) {
			t.Errorf("conflict %+v: want one in textutil.go, escalated, won by a member", cf)
		}
	}
	for _, p := range storedPatches(mr) {
		id, _, _ := strings.Cut(p, " ")
		if _, err := os.Stat(filepath.Join(merged, "patches", id+".patch")); err != nil {
			t.Errorf("the merge did not store %s: %v", id, err)
		}
	}

	// One byte changed in a shard's patch: merge refuses the whole merge.
	sr, _ := report.Read(filepath.Join(dirs[0], "report.json"))
	victim := dirs[0]
	if len(storedPatches(sr)) == 0 {
		victim = dirs[1]
		sr, _ = report.Read(filepath.Join(victim, "report.json"))
	}
	id, _, _ := strings.Cut(storedPatches(sr)[0], " ")
	path := filepath.Join(victim, "patches", id+".patch")
	b, _ := os.ReadFile(path)
	os.WriteFile(path, []byte(strings.Replace(string(b), "+", "+ ", 1)), 0o644)
	tampered := filepath.Join(t.TempDir(), "tampered")
	_, stderr, err = optimizer(append([]string{"merge", "--repo", repo, "--out", tampered}, dirs...)...)
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
		t.Fatalf("merge of a tampered shard: %v, want exit 1\n%s", err, stderr)
	}
	if !strings.Contains(stderr, "does not match its CID") || !strings.Contains(stderr, id) {
		t.Errorf("the refusal does not name the patch:\n%s", stderr)
	}
	if _, err := os.Stat(filepath.Join(tampered, "report.json")); err == nil {
		t.Error("a refused merge wrote a report")
	}
}

func itoa(i int) string {
	b, _ := json.Marshal(i)
	return string(b)
}
