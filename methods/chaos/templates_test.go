package chaos

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestTemplatesCompile writes the fuzz targets and the fault tests of a
// package with every shape of function the templates call into a module
// with an old go directive, and vets it: the generated code must build
// (and pass vet) wherever the templates apply.
func TestTemplatesCompile(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command")
	}
	dir, goFiles, testFiles := writePkg(t, map[string]string{
		"go.mod":                "module example.com/shapes\n\ngo 1.18\n",
		"shapes/shapes.go":      templatePkg,
		"shapes/shapes_test.go": templatePkgTest,
	})
	funcs := packageFunctions(goFiles, testFiles)
	targets := fuzzTargets(funcs, declaredNames(append(goFiles, testFiles...)))
	fuzzSrc, err := fuzzFile("shapes", targets)
	if err != nil {
		t.Fatal(err)
	}
	var io []*function
	for _, f := range funcs {
		if f.doesIO() {
			io = append(io, f)
		}
	}
	faultsSrc, err := faultsFile("shapes", io)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"func FuzzParse(f *testing.F)", `f.Add("0x1f", int(10))`, "func FuzzSmall(f *testing.F)", "in8 []byte", "small(in0, in1"} {
		if !strings.Contains(string(fuzzSrc), want) {
			t.Errorf("fuzz targets lack %q:\n%s", want, fuzzSrc)
		}
	}
	for _, want := range []string{
		"func TestOptimizerChaosFaults_Lines(t *testing.T)", "r0, r1 := Lines(r, int(8))",
		"Close(io.NopCloser(r))", `Emit(w, "a b")`,
		"EmitAll(optimizerChaosWriteCloser{w}, r, strings.NewReader(optimizerChaosInput))",
		`optimizerChaosFaults(t, "Close", call, nil, []int{0}, true, false)`,
	} {
		if !strings.Contains(string(faultsSrc), want) {
			t.Errorf("fault tests lack %q:\n%s", want, faultsSrc)
		}
	}
	pkg := filepath.Join(dir, "shapes")
	if err := os.WriteFile(filepath.Join(pkg, fuzzFileName), fuzzSrc, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(pkg, faultsFileName), faultsSrc, 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "vet", "./...")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off", "GOWORK=off")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go vet on the generated tests: %v\n%s\n--- fuzz targets:\n%s\n--- fault tests:\n%s", err, out, fuzzSrc, faultsSrc)
	}
}

func TestFuzzTargetNames(t *testing.T) {
	funcs := []*function{
		{Name: "parse", Params: []param{{Type: "string"}}},
		{Name: "Parse", Params: []param{{Type: "string"}}},
		{Name: "Lines", Params: []param{{Type: "io.Reader", Kind: kindReader}}},
	}
	var names []string
	for _, tg := range fuzzTargets(funcs, map[string]bool{"FuzzParse": true}) {
		names = append(names, tg.fn.Name+"→"+tg.name)
	}
	if got, want := strings.Join(names, " "), "parse→FuzzParse2 Parse→FuzzParse3"; got != want {
		t.Errorf("targets %q, want %q", got, want)
	}
}

func TestCorpusEntry(t *testing.T) {
	tg := &fuzzTarget{fn: &function{Params: []param{{Type: "string"}, {Type: "int"}, {Type: "[]byte"}, {Type: "bool"}}}}
	got := tg.corpusEntry([]string{`"a\\"`, "int(3)", `[]byte("x")`, "true"})
	want := "go test fuzz v1\nstring(\"a\\\\\")\nint(3)\n[]byte(\"x\")\nbool(true)\n"
	if got != want {
		t.Errorf("corpusEntry = %q, want %q", got, want)
	}
}
