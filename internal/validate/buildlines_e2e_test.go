package validate_test

import (
	"strings"
	"testing"

	"github.com/agentic-optimizer/optimizer/internal/gitx/gittest"
)

// TestDroppedPlusBuildLineIsACompatibilityBreak: in a module that declares
// go 1.16, a patch that removes a file's // +build line (as go fix's
// buildtag rewrite does) is rejected by types, at the //go:build line;
// in a go 1.17 module the same patch passes, and a file that lacked the
// line on the base is not held against a patch that leaves it so.
func TestDroppedPlusBuildLineIsACompatibilityBreak(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and vets a module")
	}
	const tagged = "//go:build !js\n// +build !js\n\npackage old\n\n// Twice doubles n.\nfunc Twice(n int) int { return n * 2 }\n"
	dropped := strings.Replace(tagged, "// +build !js\n", "", 1)
	module := func(goVersion string) map[string]string {
		return map[string]string{
			"go.mod":      "module example.com/old\n\ngo " + goVersion + "\n",
			"old.go":      tagged,
			"old_test.go": "package old\n\nimport \"testing\"\n\nfunc TestTwice(t *testing.T) {\n\tif Twice(2) != 4 {\n\t\tt.Fatal(Twice(2))\n\t}\n}\n",
			"plain.go":    "//go:build !js\n\npackage old\n\n// Three is 3.\nconst Three = 3\n",
		}
	}
	rep := validateFiles(t, gittest.NewRepo(t, module("1.16")), "quality", map[string]string{"old.go": dropped})
	if rep.RejectedBy != "types" {
		t.Fatalf("go 1.16, // +build dropped: rejected by %q, want types: %+v", rep.RejectedBy, rep.Levels)
	}
	if f := rep.Findings; len(f) != 1 || f[0].File != "old.go" || f[0].Line != 1 || !strings.Contains(f[0].Message, "toolchains before go1.17 read only // +build lines") {
		t.Errorf("findings %+v, want one at old.go:1 saying why", f)
	}

	rep = validateFiles(t, gittest.NewRepo(t, module("1.16")), "quality", map[string]string{"plain.go": strings.Replace(module("1.16")["plain.go"], "3\n", "1 + 2\n", 1)})
	if !rep.Accepted {
		t.Errorf("go 1.16, a file that had no // +build line on the base either: rejected by %s: %+v", rep.RejectedBy, rep.Levels)
	}

	rep = validateFiles(t, gittest.NewRepo(t, module("1.17")), "quality", map[string]string{"old.go": dropped})
	if !rep.Accepted {
		t.Errorf("go 1.17, // +build dropped: rejected by %s: %+v", rep.RejectedBy, rep.Levels)
	}
}
