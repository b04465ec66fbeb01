package report

import (
	"flag"
	"fmt"
	"github.com/agentic-optimizer/optimizer/internal/sandbox"
	"github.com/agentic-optimizer/optimizer/methods"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/agentic-optimizer/optimizer/internal/validate"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// hostile is text a model or a pull request could put in a description,
// an error or a finding.
const hostile = "evil ](https://x.example) ![t](https://t.example/p.png) <img src=x onerror=alert(1)> | cell `code` **bold**\n## heading\n@someone \u202edesrever <!-- c --> &amp; [link]: https://y.example"

func levels(rejectedBy string) []validate.Level {
	var ls []validate.Level
	status := validate.Pass
	for _, name := range []string{"policy", "syntax", "style", "types", "unit"} {
		switch {
		case name == rejectedBy:
			ls = append(ls, validate.Level{Name: name, Status: validate.Fail, Detail: "go vet: " + hostile})
			status = validate.Skip
		default:
			ls = append(ls, validate.Level{Name: name, Status: status})
		}
	}
	return ls
}

func markdownSample() *Report {
	ok := &validate.Report{Accepted: true, Objective: "speed", Levels: levels(""),
		Benchmarks: []validate.Benchmark{{Name: "BenchmarkSum", Unit: "sec/op", Base: 1.2e-6, Candidate: 0.9e-6, DeltaPct: -25, P: 0.002, N: [2]int{10, 10}, Significant: true, Replicated: true}}}
	byTypes := &validate.Report{RejectedBy: "types", Objective: "speed", Levels: levels("types"),
		Findings: []validate.Finding{{File: "a/a.go", Line: 12, Message: "declared and not used: " + hostile}}}
	r := &Report{
		Version: Version, Module: "example.com/m", Base: "0123456789abcdef0123456789abcdef01234567", Objective: "speed",
		Methods: []string{"modernize"}, Levels: []string{"policy", "syntax", "style", "types", "unit"},
		Tasks: []Task{
			{ID: "modernize:./a", Target: "./a", Method: "modernize", Status: StatusAccepted, PRURL: "https://github.com/o/r/pull/7",
				Notes: []string{"dropped overlapping fix: " + hostile},
				Candidates: []Candidate{
					{Candidate: methods.Candidate{ID: "c1", Description: "rangeint: 2 fixes", Validation: ok}, Patch: &Patch{ID: "c1", Path: "patches/c1.patch", CID: "bafkreiexample"}},
					{Candidate: methods.Candidate{ID: "c2", Description: hostile, Validation: byTypes}},
				}},
			{ID: "modernize:./b<script>", Target: "./b<script>", Method: "modernize", Status: StatusFailed, Error: "load: " + hostile, Candidates: []Candidate{}},
			{ID: "modernize:./c", Target: "./c", Method: "modernize", Status: StatusNoCandidates, Candidates: []Candidate{}},
		},
		ChangeControl: ChangeControl{Mode: "patch", Stored: 1, FallbackReason: "GitHub change control is not available in this build", PRURL: "https://github.com/o/r/pull/7", IssueURL: "javascript:alert(1)"},
		Notes:         []string{"run stopped early: " + hostile},
	}
	r.Tally(2, 1500*time.Millisecond)
	return r
}

func TestMarkdownGolden(t *testing.T) {
	got := markdownSample().Markdown(0)
	checkMarkdown(t, got, SummaryLimit)
	golden := filepath.Join("testdata", "summary.golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("summary differs from %s (run go test -update and review the diff):\n%s", golden, got)
	}
	for _, want := range []string{
		"| `./a` | modernize | accepted, 1 of 2 | types 1 | `c1` `bafkreiexample` | [PR](https://github.com/o/r/pull/7) | BenchmarkSum \\-25\\.0\\% sec\\/op \\(p\\=0\\.002\\) |",
		"<details><summary>modernize:./b&lt;script&gt;: failed, 0 of 0 candidates accepted</summary>",
		"Pull request: [https\\:\\/\\/github\\.com\\/o\\/r\\/pull\\/7](https://github.com/o/r/pull/7).",
		"Issue: javascript\\:alert\\(1\\).",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("summary lacks %q", want)
		}
	}
}

// TestUnreplicatedRows: a row significant in one batch of measurements
// only is labelled unreplicated wherever the report calls it significant
// — the task table and the proposal — and a replicated one is not.
func TestUnreplicatedRows(t *testing.T) {
	row := validate.Benchmark{Name: "BenchmarkSum", Unit: "B/op", Base: 64, Candidate: 48, DeltaPct: -25, P: 0.0499, N: [2]int{6, 6}, Significant: true}
	if got := benchText(row); !strings.Contains(got, "unreplicated") {
		t.Errorf("benchText of a row significant in one batch = %q, want it labelled unreplicated", got)
	}
	p := Proposal{Members: []string{"c1"}, Validation: &validate.Report{Benchmarks: []validate.Benchmark{row}}}
	if got := p.What(); !strings.Contains(got, "(p=0.0499, unreplicated)") {
		t.Errorf("What() = %q, want the row labelled unreplicated", got)
	}
	row.Replicated = true
	if got := benchText(row); strings.Contains(got, "unreplicated") || strings.Contains(got, `n\.s\.`) {
		t.Errorf("benchText of a replicated row = %q, want no caveat", got)
	}
	row.Significant, row.Replicated = false, false
	if got := benchText(row); strings.Contains(got, "unreplicated") || !strings.Contains(got, `n\.s\.`) {
		t.Errorf("benchText of a row that is not significant = %q, want n.s. only", got)
	}
}

// TestMarkdown200Tasks renders a realistic large run and a pathological one
// and checks that both stay under GitHub's limit and render.
func TestMarkdown200Tasks(t *testing.T) {
	for _, tc := range []struct {
		name       string
		tasks      int
		candidates int
		findings   int
		wantAll    bool // every task section fits
	}{
		{"200 tasks", 200, 5, 2, true},
		{"200 tasks, 40 candidates each, long findings", 200, 40, 30, false},
		{"5000 tasks", 5000, 3, 1, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := bigReport(tc.tasks, tc.candidates, tc.findings)
			got := r.Markdown(0)
			checkMarkdown(t, got, SummaryLimit)
			t.Logf("%d tasks: %d bytes (%.0f%% of the limit)", tc.tasks, len(got), 100*float64(len(got))/SummaryLimit)
			omitted := strings.Contains(got, "more tasks and")
			if omitted == tc.wantAll {
				t.Errorf("omission note present = %v, want %v", omitted, !tc.wantAll)
			}
			if tc.tasks <= 200 {
				for i := range tc.tasks {
					if !strings.Contains(got, fmt.Sprintf("| `./pkg%03d` |", i)) {
						t.Fatalf("overview lacks task %d", i)
					}
				}
			}
		})
	}
}

func bigReport(tasks, candidates, findings int) *Report {
	long := strings.Repeat("long message "+hostile, 20)
	r := &Report{Version: Version, Module: "example.com/big", Base: strings.Repeat("a", 40), Objective: "quality",
		Methods: []string{"modernize"}, Levels: []string{"policy", "syntax", "style", "types", "unit"}}
	for i := range tasks {
		t := Task{ID: fmt.Sprintf("modernize:./pkg%03d", i), Target: fmt.Sprintf("./pkg%03d", i), Method: "modernize", Status: StatusRejected}
		for j := range candidates {
			id := fmt.Sprintf("%012x", i*1000+j)
			c := Candidate{Candidate: methods.Candidate{ID: id, Description: "rangeint: 3 fixes in pkg/file.go: for loop can be modernized using range over int " + hostile}}
			if j%3 == 0 {
				c.Validation = &validate.Report{Accepted: true, Levels: levels("")}
				c.Patch = &Patch{ID: id, Path: "patches/" + id + ".patch", CID: "bafkrei" + strings.Repeat("x", 52)}
				t.Status = StatusAccepted
			} else {
				v := &validate.Report{RejectedBy: "unit", Levels: levels("unit")}
				for k := range findings {
					v.Findings = append(v.Findings, validate.Finding{File: "pkg/file.go", Line: k + 1, Message: long})
				}
				c.Validation = v
			}
			t.Candidates = append(t.Candidates, c)
		}
		r.Tasks = append(r.Tasks, t)
	}
	r.Tally(5, time.Minute)
	return r
}

var (
	tagRe       = regexp.MustCompile(`(^|[^\\])<(/?[a-zA-Z!][^>]*)>`)
	allowedTags = map[string]bool{"details": true, "/details": true, "summary": true, "/summary": true, "br": true}
	linkRe      = regexp.MustCompile(`(^|[^\\])\]\(([^)]*)\)`)
	codeSpanRe  = regexp.MustCompile("`[^`]*`")
)

// checkMarkdown checks what GitHub needs to render the summary as meant:
// under the size limit, tables whose rows all have the header's number of
// cells, balanced <details>, no HTML tag but ours, and no link but to the
// pull request.
func checkMarkdown(t *testing.T, md string, limit int) {
	t.Helper()
	if len(md) >= limit {
		t.Fatalf("summary is %d bytes, limit %d", len(md), limit)
	}
	if o, c := strings.Count(md, "<details>"), strings.Count(md, "</details>"); o != c {
		t.Errorf("%d <details> but %d </details>", o, c)
	}
	cols := 0
	for n, line := range strings.Split(md, "\n") {
		if !strings.HasPrefix(line, "|") {
			cols = 0
			continue
		}
		cells := countCells(line)
		if cols == 0 {
			cols = cells
		} else if cells != cols {
			t.Fatalf("line %d has %d cells, the table has %d:\n%s", n+1, cells, cols, line)
		}
	}
	text := codeSpanRe.ReplaceAllString(md, "`code`") // what is in a code span is literal
	for _, m := range tagRe.FindAllStringSubmatch(text, -1) {
		if name := strings.Fields(m[2])[0]; !allowedTags[name] {
			t.Fatalf("summary has an HTML tag <%s>", m[2])
		}
	}
	for _, m := range linkRe.FindAllStringSubmatch(text, -1) {
		if m[2] != "https://github.com/o/r/pull/7" {
			t.Fatalf("summary links to %q", m[2])
		}
	}
	if strings.Contains(md, "\u202e") {
		t.Error("summary keeps a bidirectional override")
	}
}

// countCells counts a GFM table row's cells: pipes not escaped by a
// backslash separate them.
func countCells(line string) int {
	n := 0
	for i := 0; i < len(line); i++ {
		switch line[i] {
		case '\\':
			i++
		case '|':
			n++
		}
	}
	return n - 1
}

// TestSummaryShowsWeakerIsolation: when the code under test ran with less
// isolation than the platform allows, the summary says so before anything
// else a maintainer reads; when it did not, it names what held.
func TestSummaryShowsWeakerIsolation(t *testing.T) {
	weak := &Report{Isolation: &sandbox.Isolation{Mode: "best-effort", Identity: "optimizer uid", UID: "0", Landlock: "unavailable", Network: "unrestricted", Weaker: []string{"code under test runs as root"}}}
	md := weak.Markdown(0)
	if !strings.Contains(md, "[!WARNING]") || !strings.Contains(md, "code under test runs as root") {
		t.Errorf("summary of a weaker sandbox lacks the warning:\n%s", md)
	}
	strong := &Report{Isolation: &sandbox.Isolation{Mode: "strict", Identity: "per-tree uid", UID: "65000-65063", Landlock: "ABI 7", Network: "namespace", Reaper: true}}
	md = strong.Markdown(0)
	if strings.Contains(md, "WARNING") || !strings.Contains(md, "Landlock ABI 7, network namespace") {
		t.Errorf("summary of a full sandbox:\n%s", md)
	}
}
