package action

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
	"time"
)

// TrustWorkspace marks dir (GITHUB_WORKSPACE) as a safe directory for git in
// the global git configuration, unless it already is. A Docker action runs
// as root while the runner checked the repository out as its own user, and
// git refuses to work in a repository owned by someone else ("detected
// dubious ownership"). Call it only in Actions: it changes the user's
// global git configuration.
func TrustWorkspace(ctx context.Context, dir string) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	// --get-all exits 1 when the key is not set at all: not an error here.
	out, _ := exec.CommandContext(ctx, "git", "config", "--global", "--get-all", "safe.directory").Output()
	for _, line := range strings.Split(string(out), "\n") {
		if line == dir || line == "*" {
			return nil
		}
	}
	if out, err := exec.CommandContext(ctx, "git", "config", "--global", "--add", "safe.directory", dir).CombinedOutput(); err != nil {
		return fmt.Errorf("action: mark %s safe for git: %v: %s", dir, err, strings.TrimSpace(string(out)))
	}
	return nil
}
