package validate_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/agentic-optimizer/optimizer/internal/gitx"
	"github.com/agentic-optimizer/optimizer/internal/gitx/gittest"
	"github.com/agentic-optimizer/optimizer/internal/validate"
)

// TestReorderedLevelsAgree validates fixture patches with the levels in
// the package's order and in another that their requirements permit
// (syntax and style before the policy; performance and integration before
// unit): each patch gets the same verdict, from the same level, with the
// same findings.
func TestReorderedLevelsAgree(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and tests a module")
	}
	repo := gittest.NewRepo(t, levelsModule)
	ws, cfg := openWorkspace(t, repo)
	reordered := []string{"syntax", "style", "policy", "types", "performance", "integration", "unit", "coverage"}
	tests := []struct {
		name       string
		files      map[string]string
		configure  func(*validate.Validator)
		rejectedBy string
	}{
		{
			name:       "a forbidden import",
			files:      map[string]string{"answer/answer.go": "// Package answer answers.\npackage answer\n\nimport \"os/exec\"\n\n// Answer returns the answer.\nfunc Answer() int { _ = exec.Command; return 42 }\n"},
			rejectedBy: "policy",
		},
		{
			name:       "a file that is not gofmt-clean",
			files:      map[string]string{"answer/answer.go": strings.Replace(levelsModule["answer/answer.go"], "{ return 42 }", "{return 42}", 1)},
			rejectedBy: "style",
		},
		{
			name:  "an integration command that fails",
			files: map[string]string{"integ/integ.go": strings.Replace(levelsModule["integ/integ.go"], "x * 2", "x + x", 1)},
			configure: func(v *validate.Validator) {
				v.IntegrationCommand = "exit 3"
			},
			rejectedBy: "integration",
		},
		{
			name: "a refactor that passes every level",
			files: map[string]string{"cov/cov.go": strings.Replace(strings.Replace(covBase,
				"\tfor _, v := range xs {\n\t\tif v == x {\n\t\t\treturn true\n\t\t}\n\t}\n\treturn false\n", "\treturn slices.Contains(xs, x)\n", 1),
				"package cov\n", "package cov\n\nimport \"slices\"\n", 1)},
		},
	}
	raws := make([]string, len(tests))
	for i, tc := range tests {
		raws[i] = diffOf(t, repo, tc.files)
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
			defer cancel()
			verdicts := map[string]*validate.Report{}
			for j, order := range [][]string{validate.Levels(), reordered} {
				v := ws.Validator(cfg, nil)
				if tc.configure != nil {
					tc.configure(v)
				}
				v, err := v.WithLevelOrder(order...)
				if err != nil {
					t.Fatal(err)
				}
				wt, err := ws.Worktrees.Add(ctx, fmt.Sprintf("order%d-%d", i, j), ws.Head)
				if err != nil {
					t.Fatal(err)
				}
				rep, err := v.Validate(ctx, wt, []byte(raws[i]))
				if err != nil {
					t.Fatal(err)
				}
				if names := levelNames(rep); !slices.Equal(names, order) {
					t.Errorf("report levels %q, want the order run %q", names, order)
				}
				verdicts[strings.Join(order, " ")] = rep
			}
			var first *validate.Report
			for _, order := range slices.Sorted(maps.Keys(verdicts)) {
				rep := verdicts[order]
				if rep.RejectedBy != tc.rejectedBy || rep.Accepted != (tc.rejectedBy == "") {
					t.Errorf("in order %s: accepted = %v, rejected by %q; want rejected by %q", order, rep.Accepted, rep.RejectedBy, tc.rejectedBy)
				}
				if first == nil {
					first = rep
					continue
				}
				for _, l := range rep.Levels {
					if f := first.Level(l.Name); l.Status != validate.Skip && f.Status != validate.Skip && f.Status != l.Status {
						t.Errorf("level %s: %s in one order, %s in the other", l.Name, f.Status, l.Status)
					}
				}
				if !slices.Equal(first.Findings, rep.Findings) {
					t.Errorf("findings differ between the orders: %+v and %+v", first.Findings, rep.Findings)
				}
			}
		})
	}
}

func levelNames(rep *validate.Report) []string {
	var names []string
	for _, l := range rep.Levels {
		names = append(names, l.Name)
	}
	return names
}

// TestPatchThatDoesNotApply: Validate applies the patch before any level
// runs, after the policy's look at its paths. A patch that does not apply
// is an error that wraps gitx.ErrPatchDoesNotApply; one that also names a
// path the policy refuses is rejected by the policy, unapplied.
func TestPatchThatDoesNotApply(t *testing.T) {
	if testing.Short() {
		t.Skip("opens a workspace")
	}
	repo := gittest.NewRepo(t, levelsModule)
	ws, cfg := openWorkspace(t, repo)
	stale := func(raw string) string {
		// The line the patch removes is not what the base holds.
		return strings.Replace(raw, "-func Answer() int { return 42 }", "-func Answer() int { return 41 }", 1)
	}
	newer := strings.Replace(levelsModule["answer/answer.go"], "return 42", "return 40 + 2", 1)
	for i, tc := range []struct {
		name       string
		raw        string
		rejectedBy string // "" for an error
	}{
		{"stale context", stale(diffOf(t, repo, map[string]string{"answer/answer.go": newer})), ""},
		{"stale context and go.mod changed", stale(diffOf(t, repo, map[string]string{"answer/answer.go": newer, "go.mod": "module example.com/levels\n\ngo 1.23\n"})), "policy"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			wt, err := ws.Worktrees.Add(ctx, fmt.Sprint("stale", i), ws.Head)
			if err != nil {
				t.Fatal(err)
			}
			rep, err := ws.Validator(cfg, nil).Validate(ctx, wt, []byte(tc.raw))
			if tc.rejectedBy == "" {
				if !errors.Is(err, gitx.ErrPatchDoesNotApply) || rep != nil {
					t.Fatalf("Validate = %+v, %v; want an error wrapping gitx.ErrPatchDoesNotApply", rep, err)
				}
				if !strings.Contains(err.Error(), "make the patch against commit ") {
					t.Errorf("error %q does not say which commit to make the patch against", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if rep.RejectedBy != tc.rejectedBy || rep.Level("policy").Status != validate.Fail {
				t.Errorf("rejected by %q (levels %+v), want %s", rep.RejectedBy, rep.Levels, tc.rejectedBy)
			}
			for _, l := range rep.Levels[1:] {
				if l.Status != validate.Skip {
					t.Errorf("level %s = %s after the policy refused the patch, want skip", l.Name, l.Status)
				}
			}
		})
	}
}
