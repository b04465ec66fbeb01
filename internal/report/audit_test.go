package report

import (
	"bytes"
	"encoding/json"
	"github.com/agentic-optimizer/optimizer/methods"
	"strings"
	"testing"

	"github.com/agentic-optimizer/optimizer/internal/validate"
)

// auditedReport is a report with a benchmark, a stored patch, a note and a node warning.
func auditedReport() *Report {
	return &Report{
		Version: Version, Module: "example.com/m",
		Tasks: []Task{{ID: "t1", Status: StatusAccepted, Candidates: []Candidate{
			{Candidate: methods.Candidate{ID: "c1"}},
			{Candidate: methods.Candidate{ID: "c2", Validation: &validate.Report{Accepted: true, Benchmarks: []validate.Benchmark{{Name: "BenchmarkSum", Unit: "sec/op", Base: 10, Candidate: 8, DeltaPct: -20}}}}, Patch: &Patch{ID: "0123456789ab", CID: "bafkfwd", ReverseCID: "bafkrev"}},
		}}},
		ChangeControl: ChangeControl{Mode: "github", PRURL: "https://github.com/o/r/pull/7"},
		Store:         &Store{Node: "/ip4/127.0.0.1/tcp/5001", Pinned: 1, Warnings: []string{"ipfs: patch x: slow"}},
		Notes:         []string{"ipfs: patch x: slow", "run stopped early: the run was interrupted"},
	}
}

// TestCompareAudit: report.json as the run writes it matches its record; any field edited
// afterwards is named with both values, except the fields that name the record itself.
func TestCompareAudit(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(r *Report)
		paths []string // the differences CompareAudit must name
	}{
		{"unchanged", func(r *Report) {}, nil},
		{"the record's own fields", func(r *Report) {
			r.Store.AuditCID, r.Store.AuditURL, r.Store.AuditPinned, r.Store.Announced = "bafkaudit", "http://gw/ipfs/bafkaudit", true, "bafyroot"
		}, nil},
		{"warnings of storing the record", func(r *Report) {
			r.Store.Warnings = append(r.Store.Warnings, "ipfs: audit record: refused")
			r.Notes = append(r.Notes, "ipfs: audit record: refused")
		}, nil},
		{"benchmark delta", func(r *Report) {
			r.Tasks[0].Candidates[1].Validation.Benchmarks[0].DeltaPct = -45
		}, []string{"tasks[0].candidates[1].validation.benchmarks[0].delta_pct"}},
		{"pull request", func(r *Report) { r.ChangeControl.PRURL = "https://evil.example/pull/1" }, []string{"change_control.pr_url"}},
		{"a patch's CID", func(r *Report) { r.Tasks[0].Candidates[1].Patch.CID = "bafkother" }, []string{"tasks[0].candidates[1].patch.cid"}},
		{"a note alone", func(r *Report) { r.Notes = append(r.Notes, "ipfs: all fine") }, []string{"notes[2]"}},
		{"a warning that is not the node's", func(r *Report) {
			r.Store.Warnings = append(r.Store.Warnings, "all fine")
			r.Notes = append(r.Notes, "all fine")
		}, []string{"notes[2]", "store.warnings[1]"}},
		{"a removed note", func(r *Report) { r.Notes = r.Notes[:1] }, []string{"notes[1]"}},
		{"a removed candidate", func(r *Report) { r.Tasks[0].Candidates = r.Tasks[0].Candidates[:1] }, []string{"tasks[0].candidates[1]"}},
		{"the pin count", func(r *Report) { r.Store.Pinned = 3 }, []string{"store.pinned"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := auditedReport()
			record, err := r.AuditRecord()
			if err != nil {
				t.Fatal(err)
			}
			tt.edit(r)
			current, err := r.JSON()
			if err != nil {
				t.Fatal(err)
			}
			diffs, err := CompareAudit(record, current)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, d := range diffs {
				got = append(got, d.Path)
				if d.Record == d.Report {
					t.Errorf("%s: both sides are %s", d.Path, d.Record)
				}
			}
			if strings.Join(got, " ") != strings.Join(tt.paths, " ") {
				t.Fatalf("differences at %q, want %q (%v)", got, tt.paths, diffs)
			}
		})
	}
}

// TestCompareAuditValues: a difference shows both values, shortened, and formatting that does
// not change a value is no difference.
func TestCompareAuditValues(t *testing.T) {
	record := []byte(`{"stats": {"rate": 1.5, "x": "` + strings.Repeat("a", 200) + `"}, "notes": ["a"]}`)
	reformatted := []byte("{\"notes\":[\"a\"],\n \"stats\":{\"x\":\"" + strings.Repeat("a", 200) + "\",\"rate\":1.50}}")
	if diffs, err := CompareAudit(record, reformatted); err != nil || len(diffs) != 0 {
		t.Fatalf("reformatted JSON: %v, %v; want no difference", diffs, err)
	}
	edited := bytes.Replace(record, []byte("1.5"), []byte("2.5"), 1)
	edited = bytes.Replace(edited, []byte(`"aaaa`), []byte(`"baaa`), 1)
	diffs, err := CompareAudit(record, edited)
	if err != nil || len(diffs) != 2 {
		t.Fatalf("got %v, %v; want two differences", diffs, err)
	}
	if d := diffs[0]; d.Path != "stats.rate" || d.Record != "1.5" || d.Report != "2.5" {
		t.Errorf("first difference %+v, want stats.rate 1.5 → 2.5", d)
	}
	if d := diffs[1]; d.Path != "stats.x" || len([]rune(d.Report)) != maxValue || !strings.HasSuffix(d.Report, "…") || !strings.HasPrefix(d.Report, `"baaa`) {
		t.Errorf("second difference %+v, want stats.x shortened to %d characters", d, maxValue)
	}
	if s := diffs[0].String(); !strings.Contains(s, "stats.rate: the audit record has 1.5, report.json 2.5") {
		t.Errorf("String() = %q", s)
	}
	absent, _ := json.Marshal(map[string]any{"stats": map[string]any{"rate": 1.5}, "notes": []string{"a"}})
	diffs, _ = CompareAudit(record, absent)
	if len(diffs) != 1 || diffs[0].Report != "" || !strings.Contains(diffs[0].String(), "report.json nothing (absent)") {
		t.Errorf("a removed field: %v", diffs)
	}
	for _, bad := range []string{"", "null", "[1]", "{"} {
		if _, err := CompareAudit(record, []byte(bad)); err == nil || !strings.Contains(err.Error(), "report.json") {
			t.Errorf("report.json %q: err %v, want one naming report.json", bad, err)
		}
		if _, err := CompareAudit([]byte(bad), record); err == nil || !strings.Contains(err.Error(), "audit record") {
			t.Errorf("record %q: err %v, want one naming the audit record", bad, err)
		}
	}
}
