package validate

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/agentic-optimizer/optimizer/internal/gitx"
	"github.com/agentic-optimizer/optimizer/internal/source"
)

// trimmedCandidate is a candidate for module example.com/m in directory
// sub of a worktree at /wt.
func trimmedCandidate() *candidate {
	return &candidate{
		v:      &Validator{ModuleDir: "sub"},
		wt:     &gitx.Worktree{Dir: "/wt"},
		modDir: "/wt/sub",
		mod:    &source.Module{Path: "example.com/m"},
	}
}

func TestRepoPath(t *testing.T) {
	c := trimmedCandidate()
	tests := []struct {
		name, want string
		ok         bool
	}{
		{"/wt/sub/a/a.go", "sub/a/a.go", true},
		{"example.com/m/a/a_test.go", "sub/a/a_test.go", true}, // -trimpath
		{"example.com/m/root.go", "sub/root.go", true},
		{"example.com/mx/a.go", "", false}, // another module that shares a prefix
		{"testing/testing.go", "", false},  // the standard library under -trimpath
		{"/usr/local/go/src/runtime/map.go", "", false},
		{"golang.org/x/sync@v0.1.0/errgroup/errgroup.go", "", false},
	}
	for _, tc := range tests {
		got, ok := c.repoPath(tc.name)
		if ok != tc.ok || ok && got != tc.want {
			t.Errorf("repoPath(%q) = %q, %v; want %q, %v", tc.name, got, ok, tc.want, tc.ok)
		}
	}
}

// TestTrimmedRaceReport reads a race report from a -trimpath binary: the
// standard library's frames say nothing about the repository, the
// module's frames are findings at repository paths.
func TestTrimmedRaceReport(t *testing.T) {
	out := strings.Join([]string{
		`{"Action":"run","Package":"example.com/m/a","Test":"TestRace"}`,
		`{"Action":"output","Package":"example.com/m/a","Test":"TestRace","Output":"WARNING: DATA RACE\n"}`,
		`{"Action":"output","Package":"example.com/m/a","Test":"TestRace","Output":"Write at 0x00c0000941d8 by goroutine 10:\n"}`,
		`{"Action":"output","Package":"example.com/m/a","Test":"TestRace","Output":"  runtime.mapassign_faststr()\n"}`,
		`{"Action":"output","Package":"example.com/m/a","Test":"TestRace","Output":"      internal/runtime/maps/runtime_faststr.go:263 +0x0\n"}`,
		`{"Action":"output","Package":"example.com/m/a","Test":"TestRace","Output":"  example.com/m/a.Put()\n"}`,
		`{"Action":"output","Package":"example.com/m/a","Test":"TestRace","Output":"      example.com/m/a/a.go:9 +0x33\n"}`,
		`{"Action":"output","Package":"example.com/m/a","Test":"TestRace","Output":"\n"}`,
		`{"Action":"output","Package":"example.com/m/a","Test":"TestRace","Output":"Previous write at 0x00c0000941d8 by goroutine 9:\n"}`,
		`{"Action":"output","Package":"example.com/m/a","Test":"TestRace","Output":"  testing.tRunner()\n"}`,
		`{"Action":"output","Package":"example.com/m/a","Test":"TestRace","Output":"      testing/testing.go:2036 +0x116\n"}`,
		`{"Action":"output","Package":"example.com/m/a","Test":"TestRace","Output":"\n"}`,
		`{"Action":"fail","Package":"example.com/m/a","Test":"TestRace","Elapsed":0.01}`,
	}, "\n")
	c := &pass{candidate: trimmedCandidate()}
	got := c.describeFailure(parseTestEvents([]byte(out)), "example.com/m/a.TestRace")
	want := "example.com/m/a.TestRace: data race: write at sub/a/a.go:9 in example.com/m/a.Put(), previous write at testing.go:2036 in testing.tRunner()"
	if got != want {
		t.Errorf("describeFailure = %q\nwant             %q", got, want)
	}
	if f := c.findings; len(f) != 1 || f[0].File != "sub/a/a.go" || f[0].Line != 9 {
		t.Errorf("findings = %+v, want one at sub/a/a.go:9", f)
	}
}

func TestTrimsPath(t *testing.T) {
	dir := t.TempDir()
	write := func(name, src string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	plain := write("a.go", "package a\n\nfunc A() {}\n")
	caller := write("a_test.go", "package a\n\nimport \"runtime\"\n\nfunc dir() string { _, f, _, _ := runtime.Caller(0); return f }\n")
	mod := &source.Module{Packages: []*source.Package{{GoFiles: []string{plain}}}}
	if !trimsPath(mod) {
		t.Error("trimsPath = false for a module that never calls runtime.Caller")
	}
	mod.Packages[0].TestFiles = []string{caller}
	if trimsPath(mod) {
		t.Error("trimsPath = true for a module whose test calls runtime.Caller")
	}
}
