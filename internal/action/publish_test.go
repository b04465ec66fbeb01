package action

import (
	"errors"
	"github.com/agentic-optimizer/optimizer/internal/gitx/gittest"
	"github.com/agentic-optimizer/optimizer/methods"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/agentic-optimizer/optimizer/internal/report"
	"github.com/agentic-optimizer/optimizer/internal/validate"
)

const twoHunks = `diff --git a/m/a.go b/m/a.go
--- a/m/a.go
+++ b/m/a.go
@@ -3,3 +3,3 @@ package a
 func A() {
-	old()
+	new()
 }
@@ -20,3 +20,4 @@ func B() {
 	x := 1
-	y := 2
+	y := 3
+	z := 4
 	_ = x
`

func publishSample(t *testing.T) (*report.Report, string) {
	out := t.TempDir()
	if err := os.MkdirAll(filepath.Join(out, "patches"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(out, "patches", "p1.patch"), []byte(twoHunks), 0o644); err != nil {
		t.Fatal(err)
	}
	rep := &report.Report{
		Tasks: []report.Task{{ID: "modernize:./m", Method: "modernize", Candidates: []report.Candidate{
			{Candidate: methods.Candidate{ID: "p1", Description: "minmax: 2 fixes", Validation: &validate.Report{Accepted: true}}, Patch: &report.Patch{ID: "p1", Path: "patches/p1.patch", ReversePath: "patches/p1.reverse.patch", CID: "bafkreione"}},
			{Candidate: methods.Candidate{ID: "c2", Description: "rangeint", Validation: &validate.Report{RejectedBy: "types",
				Findings: []validate.Finding{{File: "m/b.go", Line: 9, Message: "x declared and not used"}}}}},
		}}},
		ChangeControl: report.ChangeControl{PRURL: "https://github.com/o/r/pull/1"},
	}
	rep.Tally(1, 0)
	return rep, out
}

func TestAnnotations(t *testing.T) {
	rep, out := publishSample(t)
	got := Annotations(rep, out, "sub", "sub/.optimizer")
	want := []Annotation{
		{Level: Notice, File: "sub/m/a.go", Line: 4, EndLine: 4, Title: "optimizer: accepted change (modernize)",
			Message: "minmax: 2 fixes. Patch p1 (CID bafkreione): it is stored in sub/.optimizer (the run's artifact, when the workflow uploads that directory); apply it from the workspace with: optimizer apply --repo sub --out sub/.optimizer p1"},
		{Level: Notice, File: "sub/m/a.go", Line: 21, EndLine: 22, Title: "optimizer: accepted change (modernize)",
			Message: "minmax: 2 fixes. Patch p1 (CID bafkreione): it is stored in sub/.optimizer (the run's artifact, when the workflow uploads that directory); apply it from the workspace with: optimizer apply --repo sub --out sub/.optimizer p1"},
		{Level: Warning, File: "sub/m/b.go", Line: 9, Title: "optimizer: a candidate change was rejected by types",
			Message: "x declared and not used (with candidate c2 of modernize:./m: rangeint; your code is unchanged)"},
	}
	if !slices.Equal(got, want) {
		t.Errorf("annotations\n%+v\nwant\n%+v", got, want)
	}
	if a := Annotations(rep, t.TempDir(), ".", ".optimizer"); len(a) != 1 || a[0].Level != Warning || a[0].File != "m/b.go" {
		t.Errorf("without the stored patch (a dry run): %+v, want the finding only", a)
	}
}

func TestOutputs(t *testing.T) {
	rep, out := publishSample(t)
	rel := func(p string) string { r, _ := filepath.Rel(out, p); return "ws/" + filepath.ToSlash(r) }
	got := map[string]string{}
	for _, o := range Outputs(rep, nil, out, filepath.Join(out, "report.json"), rel) {
		got[o.Name] = o.Value
	}
	want := map[string]string{
		OutputPatch: "ws/patches/p1.patch", OutputReversePatch: "ws/patches/p1.reverse.patch", OutputCID: "bafkreione",
		OutputPRURL: "https://github.com/o/r/pull/1", OutputIssueURL: "", OutputReport: "ws/report.json",
		OutputAccepted: "1", OutputSummary: "1 tasks, 2 candidates: 1 accepted, rejected by types 1 (0.0s)",
	}
	for name, v := range want {
		if got[name] != v {
			t.Errorf("output %s = %q, want %q", name, got[name], v)
		}
	}

	failed := Outputs(nil, errors.New("config: input max-agents: 0 is out of range\n(want 1..64)"), "", "", rel)
	if len(failed) != len(OutputNames()) {
		t.Fatalf("%d outputs, want every one of %v", len(failed), OutputNames())
	}
	for _, o := range failed {
		switch o.Name {
		case OutputAccepted:
			if o.Value != "0" {
				t.Errorf("accepted = %q after a failure", o.Value)
			}
		case OutputSummary:
			if o.Value != "failed: config: input max-agents: 0 is out of range (want 1..64)" {
				t.Errorf("summary = %q", o.Value)
			}
		default:
			if o.Value != "" {
				t.Errorf("%s = %q after a failure", o.Name, o.Value)
			}
		}
	}
}

// TestOutputsAreTheProposal: with two accepted patches that overlap and a
// validated combination, the outputs are the combination alone, and
// applying them in the order given works; the individual patches, applied
// in their order, would not.
func TestOutputsAreTheProposal(t *testing.T) {
	repo := gittest.NewRepo(t, map[string]string{"f.txt": "1\n2\n3\n4\n5\n6\n7\n8\n9\n"})
	diff := func(content string) string {
		gittest.WriteFiles(t, repo, map[string]string{"f.txt": content})
		d := gittest.Git(t, repo, "diff")
		gittest.Git(t, repo, "checkout", "--", "f.txt")
		return d
	}
	out := t.TempDir()
	patches := map[string]string{
		"a.patch":    diff("1\n2\n3\nfour\n5\n6\n7\n8\n9\n"),
		"b.patch":    diff("1\n2\n3\nFOUR\n5\n6\n7\n8\n9\n"),
		"comb.patch": diff("1\n2\n3\nfour\n5\n6\n7\n8\nnine\n"),
	}
	for name, p := range patches {
		if err := os.WriteFile(filepath.Join(out, name), []byte(p), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	accepted := &validate.Report{Accepted: true}
	rep := &report.Report{
		Tasks: []report.Task{{ID: "t", Candidates: []report.Candidate{
			{Candidate: methods.Candidate{ID: "a", Validation: accepted}, Patch: &report.Patch{ID: "a", Path: "a.patch", CID: "bafka"}},
			{Candidate: methods.Candidate{ID: "b", Validation: accepted}, Patch: &report.Patch{ID: "b", Path: "b.patch", CID: "bafkb"}},
		}}},
		Combination: &report.Combination{Members: []string{"a", "c"}, Validation: accepted,
			Patch: &report.Patch{ID: "comb", Path: "comb.patch", ReversePath: "comb.reverse.patch", CID: "bafkcomb"}},
	}
	rep.Tally(1, 0)
	got := map[string]string{}
	for _, o := range Outputs(rep, nil, out, "", func(p string) string { return p }) {
		got[o.Name] = o.Value
	}
	if got[OutputPatch] != filepath.Join(out, "comb.patch") || got[OutputCID] != "bafkcomb" {
		t.Fatalf("outputs patch %q cid %q, want the combination alone", got[OutputPatch], got[OutputCID])
	}
	for _, p := range strings.Split(got[OutputPatch], "\n") {
		gittest.Git(t, repo, "apply", p)
	}
	gittest.Git(t, repo, "checkout", "--", "f.txt")
	gittest.Git(t, repo, "apply", filepath.Join(out, "a.patch"))
	if err := exec.Command("git", "-C", repo, "apply", "--check", filepath.Join(out, "b.patch")).Run(); err == nil {
		t.Error("the individual patches apply in order: the test shows nothing")
	}
}
