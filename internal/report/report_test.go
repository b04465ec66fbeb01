package report

import (
	"encoding/json"
	"github.com/agentic-optimizer/optimizer/internal/combine"
	"github.com/agentic-optimizer/optimizer/methods"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/agentic-optimizer/optimizer/internal/validate"
)

func sample() *Report {
	accepted := &validate.Report{Accepted: true, Objective: "quality"}
	byUnit := &validate.Report{RejectedBy: "unit", Objective: "quality"}
	byTypes := &validate.Report{RejectedBy: "types", Objective: "quality"}
	return &Report{
		Version: Version, Objective: "quality", Methods: []string{"modernize"},
		Tasks: []Task{
			{ID: "modernize:./a", Status: StatusAccepted, Candidates: []Candidate{
				{Candidate: methods.Candidate{ID: "c1", Description: "rangeint: 2 fixes", Validation: accepted}, Patch: &Patch{ID: "c1", CID: "bafkreiexample"}},
				{Candidate: methods.Candidate{ID: "c2", Description: "minmax: 1 fix", Validation: byUnit}},
				{Candidate: methods.Candidate{ID: "c3", Description: "inline: 1 fix", Validation: byTypes}},
			}},
			{ID: "modernize:./b", Status: StatusFailed, Error: "modernize: load ./b: boom", Candidates: []Candidate{}},
			{ID: "modernize:./c", Status: StatusNoCandidates, Candidates: []Candidate{}},
		},
	}
}

func TestTally(t *testing.T) {
	r := sample()
	r.Tally(3, 1500*time.Millisecond)
	s := r.Stats
	if s.Agents != 3 || s.Tasks != 3 || s.Candidates != 3 || s.Accepted != 1 || s.DurationMS != 1500 {
		t.Fatalf("stats = %+v", s)
	}
	if s.RejectedByLevel["unit"] != 1 || s.RejectedByLevel["types"] != 1 || len(s.RejectedByLevel) != 2 {
		t.Fatalf("rejected_by_level = %v", s.RejectedByLevel)
	}
}

func TestSummaryNamesEveryVerdict(t *testing.T) {
	r := sample()
	r.Tally(1, time.Second)
	var b strings.Builder
	r.Summary(&b)
	out := b.String()
	for _, want := range []string{
		"c1 rangeint: 2 fixes", "accepted", "bafkreiexample",
		"rejected by unit", "rejected by types",
		"failed: modernize: load ./b: boom", "no_candidates",
		"3 tasks, 3 candidates: 1 accepted, rejected by types 1, unit 1 (1.0s)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
}

func TestWriteIsValidJSONWithTheSchemaFields(t *testing.T) {
	r := sample()
	r.Tally(1, time.Second)
	path := filepath.Join(t.TempDir(), "out", "report.json")
	if err := r.Write(path); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"version", "repo", "base", "objective", "methods", "tasks", "change_control", "stats"} {
		if _, ok := m[key]; !ok {
			t.Errorf("report.json lacks %q", key)
		}
	}
	task := m["tasks"].([]any)[0].(map[string]any)
	cand := task["candidates"].([]any)[0].(map[string]any)
	if cand["patch"].(map[string]any)["cid"] != "bafkreiexample" {
		t.Errorf("candidate patch = %v", cand["patch"])
	}
	if cand["validation"].(map[string]any)["rejected_by"] != "" {
		t.Errorf("validation = %v", cand["validation"])
	}
}

// TestChangeControlSays: the summary line and the job summary say how the
// run was published, and why not on GitHub when it fell back.
func TestChangeControlSays(t *testing.T) {
	for _, tc := range []struct {
		name      string
		cc        ChangeControl
		line, md  []string
		notInLine string
	}{
		{"fallback", ChangeControl{Mode: "patch", Requested: "auto", FallbackReason: "no GitHub token", Stored: 2},
			[]string{"published as patches (fallback: no GitHub token)"}, []string{"Published as `patch` (fallback: no GitHub token)"}, "GitHub API"},
		{"dry run", ChangeControl{Mode: "patch", Requested: "auto", DryRun: true},
			[]string{"dry run: nothing stored or published"}, []string{"Dry run: nothing stored or published."}, "published as"},
		{"nothing accepted", ChangeControl{Mode: "patch", Requested: "auto", FallbackReason: "no GitHub token"},
			[]string{"nothing published: no patch was accepted"}, []string{"Nothing published: no patch was accepted."}, "published as"},
		{"draft pull request", ChangeControl{Mode: "github", PRURL: "https://github.com/o/r/pull/7",
			PullRequests: []PullRequest{{Number: 7, URL: "https://github.com/o/r/pull/7"}},
			Issues:       []Issue{{Task: "chaos:./a", Number: 8, URL: "https://github.com/o/r/issues/8"}, {Task: "chaos:./b", Number: 9, URL: "https://github.com/o/r/issues/9"}},
			GitHub:       &GitHubUse{Requests: 9, Writes: 4, CacheHits: 1, CacheHitRate: 0.25, RequestsPerDraftPR: 8}},
			[]string{"published on GitHub: pull request https://github.com/o/r/pull/7, 2 issues; GitHub API: 9 requests, cache hit rate 25%"},
			[]string{"Pull request: [https", "Issues: [\\#8](https://github.com/o/r/issues/8), [\\#9](", "8.0 requests per draft pull request"}, "fallback"},
		{"review and follow-up", ChangeControl{Mode: "github", PRURL: "https://github.com/o/r/pull/3",
			PullRequests: []PullRequest{{Number: 3, URL: "https://github.com/o/r/pull/3", FollowUp: true}},
			Review:       &Review{PullRequest: 2, URL: "https://github.com/o/r/pull/2#pullrequestreview-1", Suggestions: 4, Outside: []Outside{{Path: "a_test.go", Hunk: -1}}}},
			[]string{"4 suggestions on pull request #2, follow-up pull request https://github.com/o/r/pull/3"},
			[]string{"Review of pull request #2: 4 suggestions ([review](", "1 hunk(s) outside its diff", "Follow-up pull request with the hunks outside"}, "pull request https://github.com/o/r/pull/3,"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := sample()
			r.ChangeControl = tc.cc
			r.Tally(1, time.Second)
			var b strings.Builder
			r.Summary(&b)
			for _, want := range tc.line {
				if !strings.Contains(b.String(), want) {
					t.Errorf("summary lacks %q:\n%s", want, b.String())
				}
			}
			if strings.Contains(tc.cc.Line(), tc.notInLine) {
				t.Errorf("line %q has %q", tc.cc.Line(), tc.notInLine)
			}
			md := r.Markdown(0)
			for _, want := range tc.md {
				if !strings.Contains(md, want) {
					t.Errorf("job summary lacks %q:\n%s", want, md)
				}
			}
		})
	}
}

// TestTheProposalComesFirst: with a validated combination, the CLI's table
// and the job summary open with it, its validation's benchmarks are the
// headline, and what it leaves out is named with why.
func TestTheProposalComesFirst(t *testing.T) {
	r := sample()
	fast := &validate.Report{Accepted: true, Benchmarks: []validate.Benchmark{{Name: "BenchmarkJoin", Unit: "sec/op", DeltaPct: -97, P: 0.002, Significant: true, Replicated: true}}}
	r.Tasks[0].Candidates = append(r.Tasks[0].Candidates,
		Candidate{Candidate: methods.Candidate{ID: "c4", Description: "stringsbuilder", Validation: fast}, Patch: &Patch{ID: "c4", CID: "bafkreic4"}},
		Candidate{Candidate: methods.Candidate{ID: "c5", Description: "slicescontains", Validation: &validate.Report{Accepted: true}}, Patch: &Patch{ID: "c5", CID: "bafkreic5"}})
	combined := &validate.Report{Accepted: true, Benchmarks: []validate.Benchmark{{Name: "BenchmarkJoin", Unit: "sec/op", DeltaPct: -96.5, P: 0.002, Significant: true, Replicated: true}}}
	r.Combination = &Combination{Members: []string{"c1", "c4"}, Validation: combined, Patch: &Patch{ID: "comb1", CID: "bafkreicomb"},
		Conflicts: []combine.Conflict{{Winner: "c4", Loser: "c5", Where: "t.go:1-9", Resolution: combine.ResolutionEscalated}}}
	r.Tally(1, time.Second)

	p := r.Proposed()
	if p.Patch == nil || p.Patch.ID != "comb1" || !slices.Equal(p.Members, []string{"c1", "c4"}) || len(p.Left) != 1 || p.Left[0].ID != "c5" {
		t.Fatalf("proposal %+v", p)
	}
	var b strings.Builder
	r.Summary(&b)
	lines := strings.Split(b.String(), "\n")
	if !strings.HasPrefix(lines[1], "PROPOSED") || !strings.Contains(lines[1], "the combination of 2 accepted patches (c1, c4), validated as a whole; benchmarks BenchmarkJoin -96.5% sec/op") || !strings.Contains(lines[1], "comb1 bafkreicomb") {
		t.Errorf("the table does not open with the proposal:\n%s", b.String())
	}
	md := r.Markdown(0)
	head, _, _ := strings.Cut(md, "| task |")
	for _, want := range []string{"**Proposed:** `comb1` (CID `bafkreicomb`), the combination of 2 accepted patches \\(c1\\, c4\\)\\, validated as a whole", "BenchmarkJoin \\-96\\.5\\%", "Not included: `c5` (it overlaps c4 at t\\.go\\:1\\-9 \\(escalated\\))."} {
		if !strings.Contains(head, want) {
			t.Errorf("the job summary's head lacks %q:\n%s", want, head)
		}
	}

	r.Combination.Patch = nil
	r.Combination.Error = "it failed unit"
	if p := r.Proposed(); p.Patch != nil || !strings.Contains(p.Note, "3 accepted patches, but no validated combination of them (it failed unit)") {
		t.Errorf("without a validated combination: %+v", p)
	}
}

// TestTotalsSayWhatWasLeftUndone: a run that ended early counts its
// interrupted candidates apart from the rejected ones, and its totals
// name the tasks it did not run or cut short.
func TestTotalsSayWhatWasLeftUndone(t *testing.T) {
	r := &Report{Tasks: []Task{
		{ID: "modernize:./a", Status: StatusAccepted, Candidates: []Candidate{{Candidate: methods.Candidate{ID: "c1", Validation: &validate.Report{Accepted: true}}}}},
		{ID: "modernize:./b", Status: StatusInterrupted, Candidates: []Candidate{{Candidate: methods.Candidate{ID: "c2", Validation: &validate.Report{Interrupted: true, Levels: []validate.Level{{Name: "policy", Status: validate.Pass}, {Name: "unit", Status: validate.Interrupted}}}}}}},
		{ID: "modernize:./c", Status: StatusNotRun},
	}}
	r.Tally(1, 2*time.Second)
	if r.Stats.Interrupted != 1 || r.Stats.Accepted != 1 || len(r.Stats.RejectedByLevel) != 0 {
		t.Errorf("stats %+v, want 1 accepted, 1 interrupted, none rejected", r.Stats)
	}
	want := "3 tasks, 2 candidates: 1 accepted, 1 interrupted (2.0s); left undone: 1 tasks not run (modernize:./c), 1 interrupted (modernize:./b)"
	if got := r.Totals(); got != want {
		t.Errorf("Totals() = %q, want %q", got, want)
	}
	var b strings.Builder
	r.Summary(&b)
	if !strings.Contains(b.String(), "interrupted at unit") {
		t.Errorf("summary does not say where the candidate was interrupted:\n%s", b.String())
	}
	r.Tasks = r.Tasks[:1]
	if u := r.Undone(); u != "" {
		t.Errorf("Undone() of a finished run = %q", u)
	}
}
