package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// imageBinary builds the optimizer into dir as the image's build stage
// builds it — the Dockerfile's ENV and its RUN go build line, run outside a
// container — with version as a release's VERSION, and returns its path and
// what the build line printed (it ends with `optimizer version`). The tests
// that run the binary use it, so they run what the image holds and share
// one compile.
func imageBinary(t *testing.T, dir, version string) (bin, printed string) {
	t.Helper()
	b, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	env := regexp.MustCompile(`(?m)^ENV (.+)$`).FindSubmatch(b)
	build := regexp.MustCompile(`(?m)^RUN (go build .+)$`).FindSubmatch(b)
	if env == nil || build == nil {
		t.Fatalf("the Dockerfile has no ENV line or no RUN go build line")
	}
	script := strings.ReplaceAll(string(build[1]), "/out/", dir+"/")
	cmd := exec.Command("sh", "-c", script)
	cmd.Env = append(os.Environ(), "VERSION="+version)
	cmd.Env = append(cmd.Env, strings.Fields(string(env[1]))...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", script, err, out)
	}
	return filepath.Join(dir, "optimizer"), string(out)
}

// TestDockerfileBuild: the Dockerfile's build command builds outside a
// container, and a release's binary says its version.
func TestDockerfileBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin, printed := imageBinary(t, t.TempDir(), "v9.8.7")
	if !regexp.MustCompile(`^optimizer v9\.8\.7 `).MatchString(printed) {
		t.Errorf("the release's binary says %q, want its version v9.8.7", printed)
	}
	if _, err := os.Stat(bin); err != nil {
		t.Error(err)
	}
}

// TestReleaseRewritesTheImage runs the release workflow's rewrite of
// action.yml: the released action pulls the pushed image, and changes
// nothing else.
func TestReleaseRewritesTheImage(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(".github", "workflows", "release.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var w workflow
	if err := yaml.Unmarshal(b, &w); err != nil {
		t.Fatal(err)
	}
	var rewrite []string
	for _, st := range w.Jobs["release"].Steps {
		for _, line := range strings.Split(st.Run, "\n") {
			if strings.HasPrefix(strings.TrimSpace(line), "sed -i ") || strings.HasPrefix(strings.TrimSpace(line), "grep -q \"^  image:") {
				rewrite = append(rewrite, line)
			}
		}
	}
	if len(rewrite) != 2 {
		t.Fatalf("release.yml: want its sed of action.yml and the grep that checks it, found %q", rewrite)
	}
	dir := t.TempDir()
	orig, err := os.ReadFile("action.yml")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "action.yml"), orig, 0o644)
	cmd := exec.Command("bash", "-euc", strings.Join(rewrite, "\n"))
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "IMAGE=ghcr.io/agentic-optimizer/optimizer", "VERSION=v1.2.3")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("the rewrite failed: %v\n%s", err, out)
	}
	released, _ := os.ReadFile(filepath.Join(dir, "action.yml"))
	var a struct {
		Runs struct {
			Using, Image string
		}
	}
	if err := yaml.Unmarshal(released, &a); err != nil {
		t.Fatal(err)
	}
	if a.Runs.Using != "docker" || a.Runs.Image != "docker://ghcr.io/agentic-optimizer/optimizer:v1.2.3" {
		t.Errorf("the released action runs %+v, want docker://ghcr.io/agentic-optimizer/optimizer:v1.2.3", a.Runs)
	}
	if strings.Replace(string(orig), "image: Dockerfile", "image: docker://ghcr.io/agentic-optimizer/optimizer:v1.2.3", 1) != string(released) {
		t.Error("the rewrite changed more than the image")
	}
}
