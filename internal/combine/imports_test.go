package combine

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/agentic-optimizer/optimizer/internal/gitx"
	"github.com/agentic-optimizer/optimizer/internal/validate"
)

const twoReaders = `package p

import (
	"io"
	"io/ioutil"
)

// A reads all of r.
func A(r io.Reader) ([]byte, error) {
	return ioutil.ReadAll(r)
}

// Padding keeps the two functions' hunks apart.
var (
	_ = 1
	_ = 2
	_ = 3
	_ = 4
)

// B reads all of r too.
func B(r io.Reader) ([]byte, error) {
	return ioutil.ReadAll(r)
}
`

var compilerLine = regexp.MustCompile(`^(?:\./)?(.+?\.go):(\d+):\d+: (.*)$`)

// TestCombineDropsAnImportTheMembersLeaveUnused: two accepted fixes each
// replace one of a file's two ioutil.ReadAll calls with io.ReadAll; each
// builds alone, together they leave io/ioutil unused. The combination
// removes the import and passes, with a note, instead of escalating.
// The validator is the Go compiler, as the types level runs it.
func TestCombineDropsAnImportTheMembersLeaveUnused(t *testing.T) {
	ctx := context.Background()
	wts := worktrees(t, map[string]string{"go.mod": "module example.com/p\n\ngo 1.22\n", "p.go": twoReaders}, "1", "judge")
	wt, judge := wts[0], wts[1]
	mk := func(fn string) []byte {
		src := strings.Replace(twoReaders, "func "+fn+"(r io.Reader) ([]byte, error) {\n\treturn ioutil.ReadAll", "func "+fn+"(r io.Reader) ([]byte, error) {\n\treturn io.ReadAll", 1)
		os.WriteFile(filepath.Join(wt.Dir, "p.go"), []byte(src), 0o644)
		p, err := wt.Diff(ctx, false)
		if err != nil {
			t.Fatal(err)
		}
		wt.Reset(ctx)
		return p
	}
	compile := func(ctx context.Context, p []byte) (*validate.Report, error) {
		defer judge.Reset(ctx)
		if err := gitx.Apply(ctx, judge.Dir, p, gitx.ApplyOptions{}); err != nil {
			return nil, err
		}
		cmd := exec.CommandContext(ctx, "go", "build", "./...")
		cmd.Dir = judge.Dir
		out, err := cmd.CombinedOutput()
		if err == nil {
			return &validate.Report{Accepted: true}, nil
		}
		rep := &validate.Report{RejectedBy: "types", Levels: []validate.Level{{Name: "types", Status: validate.Fail, Detail: string(out)}}}
		for _, line := range strings.Split(string(out), "\n") {
			if m := compilerLine.FindStringSubmatch(line); m != nil {
				n, _ := strconv.Atoi(m[2])
				rep.Findings = append(rep.Findings, validate.Finding{File: m[1], Line: n, Message: line})
			}
		}
		return rep, nil
	}
	a, b := Change{ID: "A", Priority: 2, Patch: mk("A")}, Change{ID: "B", Priority: 1, Patch: mk("B")}
	for _, c := range []Change{a, b} {
		if rep, err := compile(ctx, c.Patch); err != nil || !rep.Accepted {
			t.Fatalf("%s alone does not build: %v %+v", c.ID, err, rep)
		}
	}
	res, err := Patches(ctx, Env{Worktree: wt, Validate: compile, Logf: t.Logf}, []Change{a, b})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(res.Members, ","); got != "A,B" || len(res.LeftOut) != 0 {
		t.Fatalf("members %q, left out %+v", got, res.LeftOut)
	}
	if len(res.Repairs) != 1 || !strings.Contains(res.Repairs[0], `removed the import "io/ioutil" from p.go`) {
		t.Errorf("repairs %q", res.Repairs)
	}
	if strings.Contains(string(res.Patch), "+\treturn ioutil") || strings.Count(string(res.Patch), "+\treturn io.ReadAll") != 2 || !strings.Contains(string(res.Patch), "-\t\"io/ioutil\"") {
		t.Errorf("the combined patch does not drop the import:\n%s", res.Patch)
	}
	if res.Validations != 2 {
		t.Errorf("%d validations, want 2 (together, then together without the import)", res.Validations)
	}
	if st, _ := wt.Git(ctx, "status", "--porcelain"); st != "" {
		t.Errorf("worktree left dirty: %q", st)
	}
}

// TestUnusedImportsReadsOnlyTypesRejections: the import paths come from
// the compiler's message, plain or renamed, and only a types rejection
// is read.
func TestUnusedImportsReadsOnlyTypesRejections(t *testing.T) {
	rep := &validate.Report{RejectedBy: "types", Findings: []validate.Finding{
		{File: "a/a.go", Line: 4, Message: `a/a.go:4:2: "io/ioutil" imported and not used`},
		{File: "a/a.go", Line: 5, Message: `a/a.go:5:2: "strings" imported as str and not used`},
		{File: "a/b.go", Line: 9, Message: `a/b.go:9:2: declared and not used: x`},
	}}
	got := unusedImports(rep)
	if len(got) != 1 || strings.Join(got["a/a.go"], ",") != "io/ioutil,strings" {
		t.Errorf("unusedImports = %v", got)
	}
	rep.RejectedBy = "unit"
	if got := unusedImports(rep); got != nil {
		t.Errorf("a unit rejection gave %v", got)
	}
}
