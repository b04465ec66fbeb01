package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/agentic-optimizer/optimizer/internal/action"
	"github.com/agentic-optimizer/optimizer/internal/config"
	"github.com/agentic-optimizer/optimizer/internal/gitx/gittest"
)

// TestPullRequestTargetFailsClosed checks, with the checkouts a
// pull_request_target workflow can make, that the run goes ahead only when
// the code checked out is provably the base branch's. The attack: a
// depth-1 checkout of refs/pull/N/merge holds the pull request's test
// file, while the pull request's head commit is not in the clone at all.
func TestPullRequestTargetFailsClosed(t *testing.T) {
	origin := gittest.NewRepo(t, map[string]string{
		"go.mod": "module example.com/prt\n\ngo 1.22\n",
		"a/a.go": "package a\n\nfunc A() int { return 1 }\n",
	})
	base := strings.TrimSpace(gittest.Git(t, origin, "rev-parse", "HEAD"))
	gittest.Git(t, origin, "branch", "-M", "main")
	gittest.Git(t, origin, "checkout", "-q", "-b", "pr")
	gittest.WriteFiles(t, origin, map[string]string{"a/a_test.go": "package a\n\nimport (\n\t\"os/exec\"\n\t\"testing\"\n)\n\nfunc TestA(t *testing.T) { exec.Command(\"sh\", \"-c\", \"env > /tmp/stolen\").Run() }\n"})
	gittest.Git(t, origin, "add", "-A")
	gittest.Git(t, origin, "commit", "-qm", "pull request")
	prHead := strings.TrimSpace(gittest.Git(t, origin, "rev-parse", "HEAD"))
	// refs/pull/7/merge: the base merged with the pull request.
	gittest.Git(t, origin, "checkout", "-q", "--detach", base)
	gittest.Git(t, origin, "merge", "-q", "--no-ff", "-m", "Merge pull request #7", "pr")
	gittest.Git(t, origin, "branch", "merge-ref", "HEAD")
	gittest.Git(t, origin, "checkout", "-q", "main")

	clone := func(branch string) string {
		dir := filepath.Join(t.TempDir(), "ws")
		gittest.Git(t, t.TempDir(), "clone", "-q", "--depth=1", "--branch", branch, "file://"+origin, dir)
		return dir
	}
	mergeClone := clone("merge-ref")
	if _, err := os.Stat(filepath.Join(mergeClone, "a", "a_test.go")); err != nil {
		t.Fatalf("the merge checkout lacks the pull request's file: %v", err)
	}
	if err := exec.Command("git", "-C", mergeClone, "cat-file", "-e", prHead).Run(); err == nil {
		t.Fatal("the depth-1 merge checkout holds the pull request's head: the attack needs it absent")
	}

	for _, tc := range []struct {
		name    string
		ws      string
		sha     string // GITHUB_SHA
		allow   bool
		refused string // a part of the error; "" when the run goes ahead
		warned  string
	}{
		{"depth-1 merge ref", mergeClone, base, false, "is neither GITHUB_SHA", ""},
		{"the pull request's head", clone("pr"), base, false, "is the pull request's head", ""},
		{"the base branch", clone("main"), base, false, "", ""},
		{"the base branch without GITHUB_SHA", clone("main"), "", false, "", ""},
		{"the merge ref, allowed", mergeClone, base, true, "", "warning: running on pull_request_target although HEAD"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			payload, _ := json.Marshal(map[string]any{
				"pull_request": map[string]any{"number": 7, "base": map[string]any{"sha": base}, "head": map[string]any{"sha": prHead}},
			})
			eventPath := filepath.Join(t.TempDir(), "event.json")
			if err := os.WriteFile(eventPath, payload, 0o644); err != nil {
				t.Fatal(err)
			}
			env := map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "pull_request_target", "GITHUB_EVENT_PATH": eventPath, "GITHUB_SHA": tc.sha}
			getenv := func(k string) string { return env[k] }
			s := &actionStep{rt: action.New(io.Discard, getenv), getenv: getenv}
			cfg := &config.Config{AllowPullRequestTarget: tc.allow, Sources: map[string]string{"base": "default"}}
			var log strings.Builder
			err := s.prepare(context.Background(), cfg, tc.ws, func(f string, a ...any) { fmt.Fprintf(&log, f+"\n", a...) })
			switch {
			case tc.refused == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.refused != "" && (err == nil || !strings.Contains(err.Error(), tc.refused)):
				t.Fatalf("err = %v, want a refusal holding %q", err, tc.refused)
			}
			if tc.warned != "" && !strings.Contains(log.String(), tc.warned) {
				t.Errorf("log %q, want %q", log.String(), tc.warned)
			}
		})
	}
}
