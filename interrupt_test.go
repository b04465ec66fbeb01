package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/agentic-optimizer/optimizer/internal/cleanup"
	"github.com/agentic-optimizer/optimizer/internal/gitx/gittest"
)

// TestInterruptCleansUp sends SIGINT (and, in a second run, SIGTERM) to a
// real optimizer process while it validates, and checks that it removes
// its worktrees, writes the report for what it finished, and leaves no
// half-written file behind.
func TestInterruptCleansUp(t *testing.T) {
	bin := buildOptimizer(t)
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			cmd, repo, wtBase, _, stderr, seen := startDemoRun(t, bin)
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			rest, _ := io.ReadAll(stderr)
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case err := <-done:
				var exit *exec.ExitError
				if !errors.As(err, &exit) || exit.ExitCode() != 1 {
					t.Errorf("exit after %v = %v, want status 1", sig, err)
				}
			case <-time.After(2 * time.Minute):
				cmd.Process.Kill()
				t.Fatal("the optimizer did not stop within 2 minutes of the signal")
			}
			log := strings.Join(seen, "\n") + "\n" + string(rest)
			if list := gittest.Git(t, repo, "worktree", "list"); strings.Count(list, "\n") != 1 {
				t.Errorf("worktrees left after %v:\n%s\nlog:\n%s", sig, list, log)
			}
			if entries, _ := os.ReadDir(wtBase); len(entries) != 0 {
				t.Errorf("worktree base not empty after %v: %v", sig, entries)
			}
			var rep struct {
				Notes []string
				Tasks []struct {
					Status     string
					Candidates []struct {
						Validation *struct{ Interrupted bool }
					}
				}
			}
			b, err := os.ReadFile(filepath.Join(repo, ".optimizer", "report.json"))
			if err != nil {
				t.Fatalf("no report after %v: %v\nlog:\n%s", sig, err, log)
			}
			if err := json.Unmarshal(b, &rep); err != nil {
				t.Fatalf("report is not JSON: %v", err)
			}
			if len(rep.Tasks) != 3 || !strings.Contains(strings.Join(rep.Notes, " "), "interrupted") {
				t.Errorf("report after %v: tasks %v, notes %v", sig, rep.Tasks, rep.Notes)
			}
			// The candidate in validation when the signal came is in the
			// report, interrupted, not missing; the summary says what was
			// left undone.
			statuses, inFlight := map[string]int{}, 0
			for _, task := range rep.Tasks {
				statuses[task.Status]++
				for _, c := range task.Candidates {
					if c.Validation != nil && c.Validation.Interrupted {
						inFlight++
					}
				}
			}
			if statuses["interrupted"] != 1 || inFlight != 1 || statuses["interrupted"]+statuses["not_run"]+statuses["accepted"]+statuses["rejected"]+statuses["no_candidates"] != 3 {
				t.Errorf("after %v: task statuses %v and %d candidates interrupted, want one interrupted task with its candidate in flight", sig, statuses, inFlight)
			}
			if !strings.Contains(log, "left undone: ") || !strings.Contains(log, "1 interrupted (") {
				t.Errorf("the summary after %v does not say what was left undone:\n%s", sig, log)
			}
			filepath.Walk(filepath.Join(repo, ".optimizer"), func(path string, info os.FileInfo, err error) error {
				if err == nil && strings.Contains(info.Name(), ".tmp") {
					t.Errorf("half-written file left: %s", path)
				}
				return nil
			})
			if st := gittest.Git(t, repo, "status", "--porcelain", "--untracked-files=no"); st != "" {
				t.Errorf("the run changed tracked files: %s", st)
			}
		})
	}
}

// TestSecondInterruptQuitsAtOnce sends SIGINT twice: the second ends the
// run at once (exit 130), within seconds, and still removes the worktrees
// and the sandbox's processes.
func TestSecondInterruptQuitsAtOnce(t *testing.T) {
	cmd, repo, _, _, stderr, _ := startDemoRun(t, buildOptimizer(t))
	// Back to back: the run may wind down faster than a test could wait
	// for the first signal's message and send the second.
	start := time.Now()
	cmd.Process.Signal(syscall.SIGINT)
	cmd.Process.Signal(syscall.SIGINT)
	go io.Copy(io.Discard, stderr)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		// 130 when the second signal ended the run; 1 when the first
		// one's wind-down had already finished (the demo's is quick).
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != 130 && exit.ExitCode() != 1 {
			t.Errorf("exit after a second SIGINT = %v, want status 130 (or 1, wound down first)", err)
		}
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		t.Fatal("the optimizer did not quit within 30 s of a second SIGINT")
	}
	t.Logf("quit %v after the second SIGINT", time.Since(start))
	if list := gittest.Git(t, repo, "worktree", "list"); strings.Count(list, "\n") != 1 {
		t.Errorf("worktrees left after a second SIGINT:\n%s", list)
	}
}

// startDemoRun starts bin on a fresh git repository of
// the demo and returns once a validation is under way, with the process,
// the rest of its stderr and the lines seen so far.
// TestSecondSignalExits130 drives the handler itself: the first signal
// cancels, the second runs the registered cleanup and exits 130.
func TestSecondSignalExits130(t *testing.T) {
	sigs := make(chan os.Signal, 2)
	cancelled, cleaned := false, false
	defer cleanup.Register(func(context.Context) { cleaned = true })()
	exited := make(chan int, 1)
	sigs <- syscall.SIGINT
	sigs <- syscall.SIGTERM
	var log strings.Builder
	handleSignals(sigs, func() { cancelled = true }, &log, func(code int) { exited <- code })
	if code := <-exited; code != 130 || !cancelled || !cleaned {
		t.Errorf("exit %d, cancelled %v, cleaned %v; want 130 after both\n%s", code, cancelled, cleaned, log.String())
	}
}

func startDemoRun(t *testing.T, bin string) (cmd *exec.Cmd, repo, wtBase string, sc *bufio.Scanner, stderr io.Reader, seen []string) {
	t.Helper()
	repo = t.TempDir()
	copyDir(t, filepath.Join("examples", "demo"), repo)
	gittest.Git(t, repo, "init", "-q")
	gittest.Git(t, repo, "add", "-A")
	gittest.Git(t, repo, "commit", "-qm", "demo")
	wtBase = filepath.Join(t.TempDir(), "worktrees")
	cmd = exec.Command(bin, "run", "--repo", repo, "--max-agents", "1", "--worktree-base", wtBase)
	cmd.Env = append(os.Environ(), "GITHUB_ACTIONS=") // in CI: not the action, whose outputs are CI's
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc = bufio.NewScanner(stderr)
	for sc.Scan() {
		seen = append(seen, sc.Text())
		if strings.Contains(sc.Text(), ": validate ") {
			break
		}
	}
	return cmd, repo, wtBase, sc, stderr, seen
}

// buildOptimizer builds the binary for the tests that signal it.
func buildOptimizer(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin, _ := imageBinary(t, t.TempDir(), "")
	return bin
}

func copyDir(t testing.TB, from, to string) {
	t.Helper()
	err := filepath.Walk(from, func(path string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, path)
		if info.IsDir() && info.Name() == ".optimizer" {
			return filepath.SkipDir
		}
		if info.IsDir() {
			return os.MkdirAll(filepath.Join(to, rel), 0o755)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(to, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}
