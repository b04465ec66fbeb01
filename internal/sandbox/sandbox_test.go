package sandbox

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func newRunner(t *testing.T) *Runner {
	t.Helper()
	r, err := New(context.Background(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

// workDir returns a new empty directory that children can reach: the
// parent that t.TempDir makes is private to root.
func workDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.Chmod(filepath.Dir(dir), 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestChildSeesNoSecrets(t *testing.T) {
	t.Setenv("GITHUB_TOKEN", "ghp_secretsecretsecretsecretsecretsecret")
	t.Setenv("OPTIMIZER_GITHUB_TOKEN", "secret2")
	t.Setenv("OPENAI_API_KEY", "sk-secret3")
	t.Setenv("ACTIONS_RUNTIME_TOKEN", "secret4")
	r := newRunner(t)
	res, err := r.Run(context.Background(), workDir(t), time.Minute, "env")
	if err != nil {
		t.Fatal(err)
	}
	env := string(res.Stdout)
	for _, leak := range []string{"secret", "GITHUB_TOKEN", "API_KEY", "ACTIONS_"} {
		if strings.Contains(env, leak) {
			t.Errorf("child environment holds %q:\n%s", leak, env)
		}
	}
	for _, want := range []string{"GOPROXY=off", "GOFLAGS=-mod=readonly -buildvcs=false", "HOME=" + r.root, "TMPDIR=" + r.root, "GOCACHEPROG=" + r.helper} {
		if !strings.Contains(env, want) {
			t.Errorf("child environment lacks %q", want)
		}
	}
	iso := r.Isolation()
	wantID := "optimizer uid"
	if os.Geteuid() == 0 {
		wantID = "per-tree uid"
	}
	if !iso.EnvScrubbed || iso.Identity != wantID || !strings.HasPrefix(iso.GitMetadata, "absent") {
		t.Errorf("Isolation = %+v, want env_scrubbed, identity %s, git_metadata absent", iso, wantID)
	}
}

// TestChildRaceOptions checks that children see the sandbox's GORACE and
// not the optimizer's: exitcode=0 would let a race pass, and the default
// atexit_sleep_ms=1000 costs a second per -race test binary. They see it
// where the race detector reads it, /proc/self/environ: a sandbox that
// closes /proc leaves the race detector on its defaults.
func TestChildRaceOptions(t *testing.T) {
	t.Setenv("GORACE", "exitcode=0 atexit_sleep_ms=5000")
	r := newRunner(t)
	res, err := r.Run(context.Background(), workDir(t), time.Minute, "cat", "/proc/self/environ")
	if err != nil {
		t.Fatal(err)
	}
	if res.ExitCode != 0 {
		t.Fatalf("cat /proc/self/environ: exit %d: %s", res.ExitCode, res.Stderr)
	}
	var got []string
	for _, kv := range strings.Split(string(res.Stdout), "\x00") {
		if strings.HasPrefix(kv, "GORACE=") {
			got = append(got, kv)
		}
	}
	if len(got) != 1 || got[0] != "GORACE="+RaceOptions || !strings.Contains(RaceOptions, "atexit_sleep_ms=") {
		t.Errorf("child's GORACE = %q, want exactly GORACE=%s, which sets atexit_sleep_ms", got, RaceOptions)
	}
}

func TestTrustedEnvDropsSecrets(t *testing.T) {
	t.Setenv("GITHUB_TOKEN", "x")
	t.Setenv("ANTHROPIC_API_KEY", "x")
	t.Setenv("MY_PASSWORD", "x")
	t.Setenv("GOFLAGS", "-v")
	env := strings.Join(TrustedEnv(), "\n")
	for _, name := range []string{"GITHUB_TOKEN=", "ANTHROPIC_API_KEY=", "MY_PASSWORD="} {
		if strings.Contains(env, name) {
			t.Errorf("TrustedEnv keeps %s", name)
		}
	}
	if !strings.Contains(env, "GOFLAGS=-v") {
		t.Error("TrustedEnv dropped an ordinary variable")
	}
}

func TestTimeoutKillsTheProcessGroup(t *testing.T) {
	r := newRunner(t)
	dir := workDir(t)
	// The shell starts a grandchild that would outlive a plain kill of
	// the shell, and records its pid.
	start := time.Now()
	res, err := r.Run(context.Background(), dir, 300*time.Millisecond, "sh", "-c", "sleep 60 & echo $! > pid; wait")
	if err != nil {
		t.Fatal(err)
	}
	if !res.TimedOut || res.ExitCode != -1 {
		t.Fatalf("result = %+v, want a timeout", res)
	}
	if d := time.Since(start); d > 20*time.Second {
		t.Fatalf("Run took %v after a 300ms timeout", d)
	}
	b, err := os.ReadFile(r.Path(dir) + "/pid")
	if err != nil {
		t.Fatal(err)
	}
	var pid int
	for _, c := range strings.TrimSpace(string(b)) {
		pid = pid*10 + int(c-'0')
	}
	// The group was sent SIGKILL; give the kernel a moment to reap.
	deadline := time.Now().Add(5 * time.Second)
	for syscall.Kill(pid, 0) == nil {
		if time.Now().After(deadline) {
			t.Fatalf("grandchild %d still alive after the timeout", pid)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestOutputIsCapped(t *testing.T) {
	r := newRunner(t)
	r.MaxOutput = 100
	res, err := r.Run(context.Background(), workDir(t), time.Minute, "sh", "-c", "yes | head -c 10000; echo err >&2; exit 3")
	if err != nil {
		t.Fatal(err)
	}
	if res.ExitCode != 3 {
		t.Errorf("exit code = %d, want 3", res.ExitCode)
	}
	if !strings.HasSuffix(string(res.Stdout), "[output cut]\n") || len(res.Stdout) > 120 {
		t.Errorf("stdout not capped: %d bytes", len(res.Stdout))
	}
	if string(res.Stderr) != "err\n" {
		t.Errorf("stderr = %q", res.Stderr)
	}
}

func TestMissingCommandIsAnError(t *testing.T) {
	r := newRunner(t)
	if _, err := r.Run(context.Background(), workDir(t), time.Minute, "no-such-command-here"); err == nil {
		t.Fatal("running a missing command succeeded")
	}
}

// TestStrictRefusesWithoutLandlock: in strict mode a platform without
// Landlock runs nothing; best-effort runs and lists what falls short.
func TestStrictRefusesWithoutLandlock(t *testing.T) {
	_, err := New(context.Background(), Options{Strict: true, noLandlock: true})
	if !errors.Is(err, ErrIsolation) || !strings.Contains(err.Error(), "isolation: best-effort") {
		t.Fatalf("strict without Landlock: %v, want ErrIsolation that names the way out", err)
	}
	r, err := New(context.Background(), Options{noLandlock: true})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	iso := r.Isolation()
	if iso.Mode != "best-effort" || iso.Landlock != "unavailable" || len(iso.Weaker) == 0 {
		t.Errorf("best-effort without Landlock: %+v, want it listed under weaker", iso)
	}
	full := newRunner(t)
	if w := full.Isolation().Weaker; full.abi > 0 && len(w) > 0 {
		t.Errorf("with Landlock, weaker = %q", w)
	}
}

// TestRunEnvSetsOnlyConfigVars: RunEnv sets a build configuration over the
// tree's environment, once each, and refuses any other variable.
func TestRunEnvSetsOnlyConfigVars(t *testing.T) {
	r := newRunner(t)
	dir := workDir(t)
	res, err := r.RunEnv(context.Background(), dir, time.Minute, []string{"GOOS=js", "GOARCH=wasm", "CGO_ENABLED=0"}, "env")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(res.Stdout), "\n")
	for _, want := range []string{"GOOS=js", "GOARCH=wasm", "CGO_ENABLED=0"} {
		name, _, _ := strings.Cut(want, "=")
		var got []string
		for _, l := range lines {
			if strings.HasPrefix(l, name+"=") {
				got = append(got, l)
			}
		}
		if len(got) != 1 || got[0] != want {
			t.Errorf("child's %s: %q, want exactly %s", name, got, want)
		}
	}
	if _, err := r.RunEnv(context.Background(), dir, time.Minute, []string{"GOFLAGS=-toolexec=evil"}, "env"); err == nil || !strings.Contains(err.Error(), "GOFLAGS may not be set") {
		t.Errorf("RunEnv with GOFLAGS: err = %v, want a refusal naming it", err)
	}
}
