package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestStagesImportNoLaterStage keeps the pipeline's stages in order: a
// stage imports the stages before it, never one after it. The stages are
// plan and execute (methods, validation), combine (combine), store (patch),
// publish (control, action); report is the schema the pipeline assembles
// at the end, so only the pipeline and the publishing stage import it, and
// control publishes any method's findings without importing a method.
func TestStagesImportNoLaterStage(t *testing.T) {
	const mod = "github.com/agentic-optimizer/optimizer/"
	out, err := exec.Command("go", "list", "-f", "{{.ImportPath}} {{join .Deps \" \"}}", "./internal/...", "./methods/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	later := map[string][]string{
		"methods":           {"internal/report", "internal/control", "internal/action", "internal/pipeline", "internal/patch", "internal/combine", "internal/github"},
		"internal/validate": {"methods", "internal/report", "internal/control", "internal/pipeline", "internal/patch", "internal/combine"},
		"internal/combine":  {"methods", "internal/report", "internal/control", "internal/pipeline", "internal/patch"},
		"internal/patch":    {"methods", "internal/validate", "internal/report", "internal/control", "internal/pipeline"},
		"internal/control":  {"methods/", "internal/pipeline"},
		"internal/report":   {"internal/control", "internal/action", "internal/pipeline"},
	}
	checked := 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		pkg := strings.TrimPrefix(fields[0], mod)
		for stage, banned := range later {
			if pkg != stage && !strings.HasPrefix(pkg, stage+"/") || strings.HasSuffix(pkg, "test") {
				continue // a stage's test helpers (methodstest, …) may use what they like
			}
			checked++
			for _, dep := range fields[1:] {
				dep, ok := strings.CutPrefix(dep, mod)
				if !ok {
					continue
				}
				for _, b := range banned {
					if dep == b || strings.HasPrefix(dep, strings.TrimSuffix(b, "/")+"/") {
						t.Errorf("%s imports %s, a later stage", pkg, dep)
					}
				}
			}
		}
	}
	if checked < 10 {
		t.Errorf("only %d packages checked: the stage table no longer matches the layout", checked)
	}
}
