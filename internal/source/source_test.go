package source

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func writeModule(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

var module = map[string]string{
	"go.mod":         "module example.com/m\n\ngo 1.21\n",
	"base/b.go":      "package base\n\ntype T struct{}\n\nfunc (T) M() {}\nfunc (*T) P() {}\n\nfunc F() int { return 1 }\n",
	"base/b_test.go": "package base\n\nimport \"testing\"\n\nfunc TestF(t *testing.T) {}\nfunc Testlower(t *testing.T) {}\nfunc BenchmarkF(b *testing.B) {}\nfunc helper(t *testing.T) {}\n",
	"mid/m.go":       "package mid\n\nimport \"example.com/m/base\"\n\nfunc G() int { return base.F() }\n",
	"top/t.go":       "package top\n\nimport \"example.com/m/mid\"\n\nfunc H() int { return mid.G() }\n",
	// other imports base only from its external test package.
	"other/o.go":      "package other\n\nfunc I() {}\n",
	"other/o_test.go": "package other_test\n\nimport (\n\t\"testing\"\n\n\t\"example.com/m/base\"\n)\n\nfunc TestI(t *testing.T) { base.F() }\n",
	"alone/a.go":      "package alone\n\nfunc J() {}\n",
}

func TestLoadDescribesPackages(t *testing.T) {
	dir := writeModule(t, module)
	m, err := Load(context.Background(), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if m.Path != "example.com/m" || m.GoVersion != "1.21" {
		t.Fatalf("module = %s go %s", m.Path, m.GoVersion)
	}
	var paths []string
	for _, p := range m.Packages {
		paths = append(paths, p.ImportPath)
	}
	want := []string{"example.com/m/alone", "example.com/m/base", "example.com/m/mid", "example.com/m/other", "example.com/m/top"}
	if !slices.Equal(paths, want) {
		t.Fatalf("packages = %v, want %v", paths, want)
	}
	base := m.Package("example.com/m/base")
	if !slices.Equal(base.Tests, []string{"TestF"}) || !slices.Equal(base.Benchmarks, []string{"BenchmarkF"}) {
		t.Errorf("base tests = %v, benchmarks = %v", base.Tests, base.Benchmarks)
	}
	var funcs []string
	for _, f := range base.Funcs {
		if !f.Test {
			funcs = append(funcs, f.Name)
		}
	}
	if !slices.Equal(funcs, []string{"T.M", "T.P", "F"}) {
		t.Errorf("base funcs = %v", funcs)
	}
	if base.Pattern() != "./base" || len(base.GoFiles) != 1 || len(base.TestFiles) != 1 {
		t.Errorf("base: pattern %s, files %v %v", base.Pattern(), base.GoFiles, base.TestFiles)
	}
}

func TestAffectedFollowsReverseDependenciesAndTests(t *testing.T) {
	m, err := Load(context.Background(), writeModule(t, module), nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range m.Affected([]string{"example.com/m/base"}) {
		got = append(got, p.Pattern())
	}
	if want := []string{"./base", "./mid", "./other", "./top"}; !slices.Equal(got, want) {
		t.Fatalf("Affected(base) = %v, want %v", got, want)
	}
	got = nil
	for _, p := range m.Affected([]string{"example.com/m/alone"}) {
		got = append(got, p.Pattern())
	}
	if want := []string{"./alone"}; !slices.Equal(got, want) {
		t.Fatalf("Affected(alone) = %v, want %v", got, want)
	}
}

func TestResolve(t *testing.T) {
	dir := writeModule(t, module)
	m, err := Load(context.Background(), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		paths []string
		want  []string
	}{
		{[]string{"./base"}, []string{"./base"}},
		{[]string{"base"}, []string{"./base"}},
		{[]string{"example.com/m/top"}, []string{"./top"}},
		{[]string{"mid/m.go"}, []string{"./mid"}},
		{[]string{"./..."}, []string{"./alone", "./base", "./mid", "./other", "./top"}},
		{[]string{"./base", "./base/b_test.go"}, []string{"./base"}},
	} {
		pkgs, err := m.Resolve(tc.paths)
		if err != nil {
			t.Errorf("Resolve(%v): %v", tc.paths, err)
			continue
		}
		var got []string
		for _, p := range pkgs {
			got = append(got, p.Pattern())
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("Resolve(%v) = %v, want %v", tc.paths, got, tc.want)
		}
	}
	if _, err := m.Resolve([]string{"./nope"}); err == nil || !strings.Contains(err.Error(), "./base") {
		t.Errorf("Resolve(./nope) = %v, want an error listing the packages", err)
	}
	files := m.PackagesOfFiles([]string{filepath.Join(dir, "top", "t.go"), filepath.Join(dir, "README")})
	if len(files) != 1 || files[0].Pattern() != "./top" {
		t.Errorf("PackagesOfFiles = %v", files)
	}
}

func TestLoadRefusesDirectoryWithoutModule(t *testing.T) {
	if _, err := Load(context.Background(), t.TempDir(), nil); err == nil || !strings.Contains(err.Error(), "no go.mod") {
		t.Fatalf("Load(no module) = %v", err)
	}
}

func TestRebase(t *testing.T) {
	mod := &Module{Path: "example.com/m", Dir: "/wt/a/mod", Packages: []*Package{{
		ImportPath: "example.com/m/p", Dir: "/wt/a/mod/p", RelDir: "p",
		GoFiles: []string{"/wt/a/mod/p/p.go"}, TestFiles: []string{"/wt/a/mod/p/p_test.go"},
		Funcs: []Func{{Name: "F", File: "/wt/a/mod/p/p.go", Line: 3}},
	}}}
	got := mod.Rebase("/wt/b/mod")
	p := got.Package("example.com/m/p")
	if got.Dir != "/wt/b/mod" || p == nil || p.Dir != "/wt/b/mod/p" || p.GoFiles[0] != "/wt/b/mod/p/p.go" ||
		p.TestFiles[0] != "/wt/b/mod/p/p_test.go" || p.Funcs[0].File != "/wt/b/mod/p/p.go" || p.RelDir != "p" {
		t.Errorf("rebased: %+v %+v", got, p)
	}
	if mod.Packages[0].Dir != "/wt/a/mod/p" || mod.Packages[0].Funcs[0].File != "/wt/a/mod/p/p.go" {
		t.Errorf("Rebase changed the original: %+v", mod.Packages[0])
	}
}
