package edit

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/agentic-optimizer/optimizer/internal/source"
)

// TestApplyAllowsTheFilesOfOtherConfigurations: a change of a function
// that x_gae.go (//go:build appengine || js) and x_ngae.go both define
// must touch both. With the files a method allows (the package's
// SourceFiles, module-relative) the edit of x_gae.go, which the host's
// configuration excludes, applies; a generator beside the package
// (//go:build ignore, package main) stays refused.
func TestApplyAllowsTheFilesOfOtherConfigurations(t *testing.T) {
	const gae = "//go:build appengine || js\n\npackage hum\n\n// Comma formats n.\nfunc Comma(n int) string { return \"\" }\n"
	dir := tree(t, map[string]string{
		"go.mod":    "module example.com/hum\n\ngo 1.22\n",
		"x_gae.go":  gae,
		"x_ngae.go": strings.Replace(gae, "appengine || js", "!appengine && !js", 1),
		"gen.go":    "//go:build ignore\n\npackage main\n\nfunc main() {}\n",
	})
	mod, err := source.Load(context.Background(), dir, append(os.Environ(), "GOOS=linux", "GOARCH=amd64"))
	if err != nil {
		t.Fatal(err)
	}
	var allowed []string
	for _, f := range mod.Package("example.com/hum").SourceFiles() {
		rel, _ := filepath.Rel(dir, f)
		allowed = append(allowed, filepath.ToSlash(rel))
	}
	body := func(path string) Edit {
		return Edit{Path: path, Search: "func Comma(n int) string { return \"\" }\n", Replace: "func Comma(n int) string { return \"0\" }\n"}
	}
	changed, err := Apply(dir, []Edit{body("x_gae.go"), body("x_ngae.go")}, allowed)
	if err != nil || !slices.Equal(changed, []string{"x_gae.go", "x_ngae.go"}) {
		t.Fatalf("Apply(x_gae.go, x_ngae.go) with %v = %v, %v; want both changed", allowed, changed, err)
	}
	_, err = Apply(dir, []Edit{{Path: "gen.go", Search: "func main() {}\n", Replace: "func main() { println() }\n"}}, allowed)
	if !errors.Is(err, ErrForbidden) || !strings.Contains(err.Error(), "not one of the files this task may change") {
		t.Errorf("Apply(gen.go) = %v, want it refused", err)
	}
}
