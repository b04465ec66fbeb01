package mutate

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/agentic-optimizer/optimizer/internal/gitx/gittest"
)

// stdDir is the directory of a standard library package, read-only.
func stdDir(t testing.TB, pkg string) string {
	out, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		t.Skipf("go env GOROOT: %v", err)
	}
	dir := filepath.Join(strings.TrimSpace(string(out)), "src", filepath.FromSlash(pkg))
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("no GOROOT sources: %v", err)
	}
	return dir
}

// TestStdPackages generates every mutant of two standard packages, logs
// the counts and the time, and checks that each mutated file parses as a
// whole and that a sample of the patches applies with git.
func TestStdPackages(t *testing.T) {
	for _, pkg := range []string{"encoding/csv", "text/tabwriter"} {
		t.Run(pkg, func(t *testing.T) {
			dir := stdDir(t, pkg)
			start := time.Now()
			res, err := Generate(dir, dir, Options{Max: -1, RepoRel: "."})
			if err != nil {
				t.Fatal(err)
			}
			elapsed := time.Since(start)
			counts := res.ByOperator()
			var parts []string
			for _, op := range Operators {
				parts = append(parts, op+"="+strconv.Itoa(counts[op]))
			}
			t.Logf("%s: %d mutants (%s) in %v; notes %q", pkg, len(res.Mutants), strings.Join(parts, " "), elapsed, res.Notes)
			if len(res.Mutants) < 100 {
				t.Errorf("only %d mutants", len(res.Mutants))
			}
			if res.Skipped != 0 {
				t.Errorf("Skipped = %d with no cap", res.Skipped)
			}

			files := map[string]string{}
			ids := map[string]bool{}
			for i, m := range res.Mutants {
				if ids[m.ID] {
					t.Errorf("ID %s twice", m.ID)
				}
				ids[m.ID] = true
				if i > 0 && compareMutants(res.Mutants[i-1], m) >= 0 {
					t.Errorf("out of order: %s before %s", res.Mutants[i-1], m)
				}
				src, ok := files[m.File]
				if !ok {
					b, err := os.ReadFile(filepath.Join(dir, m.File))
					if err != nil {
						t.Fatal(err)
					}
					src = string(b)
					files[m.File] = src
				}
				mutated, err := m.Apply([]byte(src))
				if err != nil {
					t.Fatal(err)
				}
				if err := parses(mutated); err != nil {
					t.Errorf("%s: the mutated file does not parse: %v", m, err)
				}
			}

			repo := gittest.NewRepo(t, files)
			for i := 0; i < len(res.Mutants); i += 17 {
				p := filepath.Join(t.TempDir(), "m.patch")
				if err := os.WriteFile(p, res.Mutants[i].Patch, 0o644); err != nil {
					t.Fatal(err)
				}
				gittest.Git(t, repo, "apply", "--check", p)
			}
		})
	}
}

func compareMutants(a, b Mutant) int {
	if c := strings.Compare(a.File, b.File); c != 0 {
		return c
	}
	if a.Offset != b.Offset {
		return a.Offset - b.Offset
	}
	if c := strings.Compare(a.Operator, b.Operator); c != 0 {
		return c
	}
	if a.End != b.End {
		return a.End - b.End
	}
	return strings.Compare(a.Replacement, b.Replacement)
}

// TestMax checks the cap: the same seed keeps the same mutants, another
// seed others; the mutants kept are spread over the functions and the
// operators, and are a subset of all of them.
func TestMax(t *testing.T) {
	dir := stdDir(t, "text/tabwriter")
	all, err := Generate(dir, dir, Options{Max: -1})
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]Mutant{}
	funcs := map[string]int{}
	for _, m := range all.Mutants {
		byID[m.ID] = m
		funcs[m.Func]++
	}

	const max = 20
	gen := func(seed int64) *Result {
		res, err := Generate(dir, dir, Options{Max: max, Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	a, b, c := gen(1), gen(1), gen(2)
	if len(a.Mutants) != max || a.Skipped != len(all.Mutants)-max {
		t.Fatalf("kept %d and skipped %d of %d, want %d and %d", len(a.Mutants), a.Skipped, len(all.Mutants), max, len(all.Mutants)-max)
	}
	if !slices.EqualFunc(a.Mutants, b.Mutants, func(x, y Mutant) bool { return x.ID == y.ID }) {
		t.Error("the same seed kept other mutants")
	}
	if slices.EqualFunc(a.Mutants, c.Mutants, func(x, y Mutant) bool { return x.ID == y.ID }) {
		t.Error("seeds 1 and 2 kept the same mutants")
	}
	for _, res := range []*Result{a, c} {
		seenFunc, seenOp := map[string]bool{}, map[string]bool{}
		for i, m := range res.Mutants {
			if full, ok := byID[m.ID]; !ok || full.String() != m.String() {
				t.Errorf("kept %s %s, which is not among all the mutants", m.ID, m)
			}
			if i > 0 && compareMutants(res.Mutants[i-1], m) >= 0 {
				t.Errorf("out of order: %s before %s", res.Mutants[i-1], m)
			}
			seenFunc[m.Func] = true
			seenOp[m.Operator] = true
		}
		// Round-robin: one per function before a second in any.
		if want := min(max, len(funcs)); len(seenFunc) != want {
			t.Errorf("kept mutants of %d functions, want %d", len(seenFunc), want)
		}
		if len(seenOp) < 4 {
			t.Errorf("kept mutants of %d operators only: %v", len(seenOp), seenOp)
		}
	}

	// A cap larger than the count keeps them all.
	res, err := Generate(dir, dir, Options{Max: len(all.Mutants) + 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Mutants) != len(all.Mutants) || res.Skipped != 0 {
		t.Errorf("kept %d and skipped %d, want all %d", len(res.Mutants), res.Skipped, len(all.Mutants))
	}
}

func BenchmarkGenerate(b *testing.B) {
	for _, pkg := range []string{"encoding/csv", "text/tabwriter"} {
		b.Run(strings.ReplaceAll(pkg, "/", "_"), func(b *testing.B) {
			dir := stdDir(b, pkg)
			for b.Loop() {
				if _, err := Generate(dir, dir, Options{Max: -1}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
