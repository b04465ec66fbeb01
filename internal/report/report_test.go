package report

import (
	"encoding/json"
	"os"
	"path/filepath"
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
				{ID: "c1", Description: "rangeint: 2 fixes", Validation: accepted, Patch: &Patch{ID: "c1", CID: "bafkreiexample"}},
				{ID: "c2", Description: "minmax: 1 fix", Validation: byUnit},
				{ID: "c3", Description: "inline: 1 fix", Validation: byTypes},
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
