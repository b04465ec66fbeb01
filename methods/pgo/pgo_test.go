package pgo

// The end-to-end test, which profiles testdata/checksum and validates the
// profile through the production pipeline, is pgo_test.go at the root of
// the repository.

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/agentic-optimizer/optimizer/internal/gitx"
	"github.com/agentic-optimizer/optimizer/internal/source"
	"github.com/agentic-optimizer/optimizer/methods"
)

func TestParseTotals(t *testing.T) {
	out := `File: mix.test
Build ID: 6bd0c460395e636ba6f030b90421e6594c31bee7
Type: cpu
Time: 2026-11-27 11:49:24 UTC
Duration: 3.11s, Total samples = 2.38s (76.61%)
Showing nodes accounting for 1.11s, 46.64% of 2.38s total
`
	if d, cpu := parseTotals(out); d != "3.11s" || cpu != "2.38s" {
		t.Errorf("parseTotals = %q, %q; want 3.11s, 2.38s", d, cpu)
	}
	if d, cpu := parseTotals("no header"); d != "" || cpu != "" {
		t.Errorf("parseTotals without a header = %q, %q; want nothing", d, cpu)
	}
}

// TestDetailsJSON: the report's keys are snake_case, and the provenance
// is always there.
func TestDetailsJSON(t *testing.T) {
	d := Details{MainPackage: "./cmd/x", Source: Source, Benchmarks: []Profiled{{Package: "./cmd/x", Count: 2}}, Verdict: VerdictNoProfile, Replace: replaceText("cmd/x")}
	b, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"main_package":"./cmd/x"`, `"source":"benchmarks"`, `"benchmarks":[{"package":"./cmd/x","count":2}]`, `"verdict":"no profile"`, `"replace":"`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("%s lacks %s", b, want)
		}
	}
	for _, want := range []string{"cmd/x/default.pgo", "/debug/pprof/profile?seconds=30", "runtime/pprof", "https://go.dev/doc/pgo"} {
		if !strings.Contains(d.Replace, want) {
			t.Errorf("replace does not mention %q: %s", want, d.Replace)
		}
	}
}

// TestNothingToProfile: a library package and a main package that has a
// profile already are answered with a note, before anything runs.
func TestNothingToProfile(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "cmd", "x"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "cmd", "x", "default.pgo"), []byte("GO PREPROFILE V1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	env := &methods.Pass{Method: Method, Worktree: &gitx.Worktree{Dir: dir}, ModuleDir: dir}
	tests := []struct {
		pkg  source.Package
		note string
	}{
		{source.Package{Name: "lib", RelDir: "lib"}, "./lib is not a main package"},
		{source.Package{Name: "main", RelDir: "cmd/x"}, "./cmd/x already has a profile (cmd/x/default.pgo)"},
	}
	for _, tc := range tests {
		t.Run(tc.pkg.Name, func(t *testing.T) {
			pass := *env
			pass.Task = &methods.Task{Package: &tc.pkg}
			res, err := Method.Run(context.Background(), &pass)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Candidates) != 0 || len(res.Notes) != 1 || !strings.Contains(res.Notes[0], tc.note) {
				t.Errorf("result %+v, want no candidate and a note saying %q", res, tc.note)
			}
		})
	}
}
