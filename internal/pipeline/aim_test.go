package pipeline

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/agentic-optimizer/optimizer/internal/source"
)

func loadModule(t *testing.T, files map[string]string) *source.Module {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	mod, err := source.Load(context.Background(), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	return mod
}

// TestAimAt: --paths FILE narrows the package's tasks to that file,
// FILE:FUNC to that function; a package also named as a whole is not
// narrowed; an unknown function is an error that lists the file's.
func TestAimAt(t *testing.T) {
	mod := loadModule(t, map[string]string{
		"go.mod":        "module example.com/m\n\ngo 1.22\n",
		"comma.go":      "package m\n\n// Comma formats n.\nfunc Comma(n int) string { return \"\" }\n",
		"bytes.go":      "package m\n\n// Bytes formats n.\nfunc Bytes(n int) string { return \"\" }\n\ntype T struct{}\n\n// M is a method.\nfunc (T) M() {}\n",
		"sub/sub.go":    "package sub\n\n// S is s.\nfunc S() {}\n",
		"comma_test.go": "package m\n\nimport \"testing\"\n\nfunc TestComma(t *testing.T) {}\n",
	})
	for _, tc := range []struct {
		name         string
		paths        []string
		files, funcs []string // of the root package's aim; nil for none
		err          string
	}{
		{"a file", []string{"comma.go"}, []string{"comma.go"}, nil, ""},
		{"a function", []string{"./comma.go:Comma"}, []string{"comma.go"}, []string{"Comma"}, ""},
		{"a method and a file", []string{"bytes.go:T.M", "comma.go"}, []string{"bytes.go", "comma.go"}, []string{"T.M"}, ""},
		{"the package as well", []string{"comma.go:Comma", "."}, nil, nil, ""},
		{"another package's file", []string{"sub/sub.go", "comma.go"}, []string{"comma.go"}, nil, ""},
		{"an unknown function", []string{"comma.go:Nope"}, nil, nil, `"comma.go:Nope": comma.go declares no function Nope (it declares: Comma)`},
		{"a test function is not a target", []string{"comma_test.go:TestComma"}, nil, nil, "declares no function TestComma"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pkgs, aims, err := aimAt(mod, tc.paths)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want one holding %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			root := mod.Package("example.com/m")
			if !slices.Contains(pkgs, root) {
				t.Fatalf("packages %v lack the root", pkgs)
			}
			a := aims[root]
			if tc.files == nil {
				if a != nil {
					t.Errorf("aim %+v, want the whole package", a)
				}
				return
			}
			if a == nil || !slices.Equal(a.files, tc.files) || !slices.Equal(a.funcs, tc.funcs) {
				t.Errorf("aim %+v, want files %v funcs %v", a, tc.files, tc.funcs)
			}
		})
	}
}
