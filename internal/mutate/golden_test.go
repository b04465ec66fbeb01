package mutate

import (
	"bytes"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/agentic-optimizer/optimizer/internal/gitx/gittest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// fixture is the module in testdata/fixture and its package queue.
func fixture(t testing.TB) (mod, pkg string) {
	mod, err := filepath.Abs(filepath.Join("testdata", "fixture"))
	if err != nil {
		t.Fatal(err)
	}
	return mod, filepath.Join(mod, "queue")
}

// render is the golden form of a result: a line per mutant, then the notes.
func render(res *Result) []byte {
	var b bytes.Buffer
	for _, m := range res.Mutants {
		fn := m.Func
		if fn == "" {
			fn = "-"
		}
		fmt.Fprintf(&b, "%s %s:%d:%d %s %s: %s → %s\n", m.ID, m.File, m.Line, m.Col, m.Operator, fn, m.Original, m.Mutated)
	}
	fmt.Fprintf(&b, "skipped: %d\n", res.Skipped)
	for _, n := range res.Notes {
		fmt.Fprintf(&b, "note: %s\n", n)
	}
	return b.Bytes()
}

// TestFixtureGolden generates every mutant of the fixture package and
// compares the list with testdata/fixture.golden (go test -update rewrites
// it).
func TestFixtureGolden(t *testing.T) {
	mod, pkg := fixture(t)
	res, err := Generate(mod, pkg, Options{Max: -1, RepoRel: "."})
	if err != nil {
		t.Fatal(err)
	}
	got := render(res)
	golden := filepath.Join("testdata", "fixture.golden")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("mutants differ from %s (go test -update rewrites it):\n%s", golden, got)
	}
	// Every operator is exercised by the fixture.
	for _, op := range Operators {
		if res.ByOperator()[op] == 0 {
			t.Errorf("no %s mutant in the fixture", op)
		}
	}
	// Generating again gives the same mutants.
	again, err := Generate(mod, pkg, Options{Max: -1, RepoRel: "."})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(render(again), got) {
		t.Error("a second Generate gave other mutants")
	}
}

// TestFixturePatches applies each mutant's patch with git to a copy of the
// fixture in a repository where the module is not at the root: each
// applies, gives the file that Mutant.Apply gives, and the file parses. One
// mutant of each operator is then checked by go vet.
func TestFixturePatches(t *testing.T) {
	mod, pkg := fixture(t)
	res, err := Generate(mod, pkg, Options{Max: -1, RepoRel: "sub/mod"})
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{}
	err = filepath.WalkDir(mod, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(mod, p)
		files[filepath.ToSlash(filepath.Join("sub", "mod", rel))] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	repo := gittest.NewRepo(t, files)
	vetted := map[string]bool{}
	for _, m := range res.Mutants {
		if !bytes.HasPrefix(m.Patch, []byte("diff --git a/sub/mod/"+m.File+" b/sub/mod/"+m.File+"\n")) {
			t.Fatalf("%s: patch does not name sub/mod/%s:\n%s", m, m.File, m.Patch)
		}
		gitApply(t, repo, string(m.Patch))
		got, err := os.ReadFile(filepath.Join(repo, "sub", "mod", m.File))
		if err != nil {
			t.Fatal(err)
		}
		want, err := m.Apply([]byte(files["sub/mod/"+m.File]))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s: git apply made\n%s\nMutant.Apply made\n%s", m, got, want)
		}
		if err := parses(got); err != nil {
			t.Errorf("%s: the mutated file does not parse: %v", m, err)
		}
		if !vetted[m.Operator] && !testing.Short() {
			vetted[m.Operator] = true
			goVet(t, filepath.Join(repo, "sub", "mod"), m)
		}
		gittest.Git(t, repo, "checkout", "--", ".")
	}
}

// goVet runs go vet on the mutated fixture. With -json, the analyzers'
// findings (a removed break makes code unreachable) do not fail it, but a
// file that does not parse or type-check does; none of the fixture's
// mutants is one.
func goVet(t *testing.T, modDir string, m Mutant) {
	t.Helper()
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command")
	}
	cmd := exec.Command("go", "vet", "-json", "./queue")
	cmd.Dir = modDir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off", "GOTOOLCHAIN=local")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Errorf("%s: go vet: %v\n%s", m, err, out)
	}
}

// TestLastLineWithoutNewline checks the patch of a mutant on the last line
// of a file that does not end in a newline.
func TestLastLineWithoutNewline(t *testing.T) {
	src := "package p\n\nvar limit = 3\n\nvar over = func(n int) bool { return n > limit }"
	res := generate(t, map[string]string{"x.go": src}, Options{Operators: []string{OpCompare}})
	if len(res.Mutants) != 1 {
		t.Fatalf("mutants %v, want one", res.Mutants)
	}
	m := res.Mutants[0]
	hunk := `@@ -2,4 +2,4 @@
 
 var limit = 3
 
-var over = func(n int) bool { return n > limit }
\ No newline at end of file
+var over = func(n int) bool { return n <= limit }
\ No newline at end of file
`
	if !strings.HasSuffix(string(m.Patch), "+++ b/x.go\n"+hunk) {
		t.Errorf("patch:\n%s\nwant it to end with:\n%s", m.Patch, hunk)
	}
	repo := gittest.NewRepo(t, map[string]string{"x.go": src})
	gitApply(t, repo, string(m.Patch))
	got, _ := os.ReadFile(filepath.Join(repo, "x.go"))
	if want := strings.Replace(src, "n > limit", "n <= limit", 1); string(got) != want {
		t.Errorf("git apply made %q, want %q", got, want)
	}
}
