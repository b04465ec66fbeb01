package source

import (
	"context"
	"os"
	"os/exec"
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
		ExcludedFiles: []string{"/wt/a/mod/p/p_windows.go"},
		Funcs:         []Func{{Name: "F", File: "/wt/a/mod/p/p.go", Line: 3}},
	}}}
	got := mod.Rebase("/wt/b/mod")
	p := got.Package("example.com/m/p")
	if got.Dir != "/wt/b/mod" || p == nil || p.Dir != "/wt/b/mod/p" || p.GoFiles[0] != "/wt/b/mod/p/p.go" ||
		p.TestFiles[0] != "/wt/b/mod/p/p_test.go" || p.ExcludedFiles[0] != "/wt/b/mod/p/p_windows.go" || p.Funcs[0].File != "/wt/b/mod/p/p.go" || p.RelDir != "p" {
		t.Errorf("rebased: %+v %+v", got, p)
	}
	if mod.Packages[0].Dir != "/wt/a/mod/p" || mod.Packages[0].Funcs[0].File != "/wt/a/mod/p/p.go" {
		t.Errorf("Rebase changed the original: %+v", mod.Packages[0])
	}
}

// humanize has a function for each of two configurations (as
// dustin/go-humanize's bigint formatting did for App Engine), a file for
// another GOOS, and files beside the package that no configuration of it
// builds: a generator and a file of another package.
var humanize = map[string]string{
	"go.mod":            "module example.com/hum\n\ngo 1.22\n",
	"x_gae.go":          "//go:build appengine || js\n\npackage hum\n\n// Comma formats n.\nfunc Comma(n int) string { return \"\" }\n",
	"x_ngae.go":         "//go:build !appengine && !js\n\npackage hum\n\n// Comma formats n.\nfunc Comma(n int) string { return \"\" }\n",
	"y_windows.go":      "package hum\n\n// Sep is the path separator.\nconst Sep = '\\\\'\n",
	"y_windows_test.go": "package hum_test\n\nimport \"testing\"\n\nfunc TestSep(t *testing.T) {}\n",
	"gen.go":            "//go:build ignore\n\npackage main\n\nfunc main() {}\n",
	"tool.go":           "//go:build tools\n\npackage tools\n",
}

// TestExcludedFilesAreThePackages: the files that the loading configuration
// (linux/amd64) excludes and another builds are the package's, Resolve
// names the package for one of them, and its non-test ones are among the
// files a change may touch; a generator and a file of another package are
// not.
func TestExcludedFilesAreThePackages(t *testing.T) {
	dir := writeModule(t, humanize)
	m, err := Load(context.Background(), dir, append(os.Environ(), "GOOS=linux", "GOARCH=amd64", "CGO_ENABLED=0"))
	if err != nil {
		t.Fatal(err)
	}
	p := m.Package("example.com/hum")
	if p == nil {
		t.Fatalf("no package example.com/hum in %v", m.Packages)
	}
	rel := func(files []string) []string {
		var out []string
		for _, f := range files {
			r, _ := filepath.Rel(dir, f)
			out = append(out, filepath.ToSlash(r))
		}
		slices.Sort(out)
		return out
	}
	if got, want := rel(p.ExcludedFiles), []string{"x_gae.go", "y_windows.go", "y_windows_test.go"}; !slices.Equal(got, want) {
		t.Errorf("ExcludedFiles = %v, want %v", got, want)
	}
	if got, want := rel(p.SourceFiles()), []string{"x_gae.go", "x_ngae.go", "y_windows.go"}; !slices.Equal(got, want) {
		t.Errorf("SourceFiles = %v, want %v", got, want)
	}
	for _, path := range []string{"x_gae.go", "./y_windows_test.go"} {
		pkgs, err := m.Resolve([]string{path})
		if err != nil || len(pkgs) != 1 || pkgs[0] != p {
			t.Errorf("Resolve(%s) = %v, %v; want the package", path, pkgs, err)
		}
	}
	if _, err := m.Resolve([]string{"gen.go"}); err == nil || !strings.Contains(err.Error(), "names no package") {
		t.Errorf("Resolve(gen.go) = %v, want: names no package", err)
	}
	if got := m.PackagesOfFiles([]string{filepath.Join(dir, "x_gae.go")}); len(got) != 1 || got[0] != p {
		t.Errorf("PackagesOfFiles(x_gae.go) = %v, want the package", got)
	}
}

// TestConfigFor: the configuration that builds a file the host excludes,
// by its constraint and its name, the host's GOOS/GOARCH first.
func TestConfigFor(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		want      string // "" for none
	}{
		{"x_gae.go", "//go:build appengine || js\n\npackage hum\n", "GOOS=linux GOARCH=amd64 CGO_ENABLED=0 -tags appengine"},
		{"x_js.go", "//go:build js && !appengine\n\npackage hum\n", "GOOS=js GOARCH=wasm CGO_ENABLED=0"},
		{"y_windows.go", "package hum\n", "GOOS=windows GOARCH=amd64 CGO_ENABLED=0"},
		{"y_windows_arm64_test.go", "package hum\n", "GOOS=windows GOARCH=arm64 CGO_ENABLED=0"},
		{"z_arm64.go", "package hum\n", "GOOS=linux GOARCH=arm64 CGO_ENABLED=0"},
		{"nocgo.go", "//go:build !cgo\n\npackage hum\n", "GOOS=linux GOARCH=amd64 CGO_ENABLED=0"},
		{"both.go", "//go:build (a && b) || darwin\n\npackage hum\n", "GOOS=linux GOARCH=amd64 CGO_ENABLED=0 -tags a,b"},
		{"old.go", "// +build purego\n\npackage hum\n", "GOOS=linux GOARCH=amd64 CGO_ENABLED=0 -tags purego"},
		{"new_go.go", "//go:build go1.1\n\npackage hum\n", "GOOS=linux GOARCH=amd64 CGO_ENABLED=0"},
		{"gen.go", "//go:build ignore\n\npackage main\n", ""},
		{"zos.go", "//go:build zos\n\npackage hum\n", ""},
		{"future.go", "//go:build !go1.1\n\npackage hum\n", ""},
		{"c.go", "package hum\n\nimport \"C\"\n", ""},
	} {
		c, ok := ConfigFor(tc.name, []byte(tc.src), "linux", "amd64")
		got := ""
		if ok {
			got = c.String()
			if !c.Includes(tc.name, []byte(tc.src)) {
				t.Errorf("%s: %s does not include the file it was chosen for", tc.name, got)
			}
		}
		if got != tc.want {
			t.Errorf("ConfigFor(%s) = %q, want %q", tc.name, got, tc.want)
		}
	}
	if got := Constraint("gen.go", []byte("// Copyright\n\n//go:build ignore\n\n// Command gen generates.\npackage main\n")); got != "//go:build ignore" {
		t.Errorf("Constraint(gen.go) = %q, want //go:build ignore", got)
	}
}

// TestPortsAreTheToolchains: Ports is what go tool dist list prints.
func TestPortsAreTheToolchains(t *testing.T) {
	out, err := exec.Command("go", "tool", "dist", "list").Output()
	if err != nil {
		t.Skipf("go tool dist list: %v", err)
	}
	got := slices.Sorted(slices.Values(Ports))
	want := strings.Fields(string(out))
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("Ports = %v\ngo tool dist list = %v", got, want)
	}
}
