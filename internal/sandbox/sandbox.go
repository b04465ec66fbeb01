// Package sandbox runs commands on untrusted code — the repository's own
// build, vet and tests — with an allow-listed environment, a private HOME and
// TMPDIR, no module downloads, a timeout that kills the whole process group,
// and capped output.
//
// This is the first cut: environment scrubbing, process-group timeouts and
// output caps. Dropping to an unprivileged uid and a network namespace come
// with the full sandbox; Isolation says truthfully what a Runner achieves.
package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Isolation records what a Runner achieved; it goes into every report.
type Isolation struct {
	EnvScrubbed bool   `json:"env_scrubbed"`
	Network     string `json:"network"` // none | namespace | unavailable
	UID         string `json:"uid"`
}

// Runner runs commands for validation.
type Runner struct {
	// GoEnv holds the toolchain's settings that children keep: the shared
	// build and module caches, so that worktrees reuse each other's work.
	GoEnv map[string]string
	// MaxOutput caps the bytes kept of each stream; the rest is dropped
	// and the cut is marked.
	MaxOutput int
	// home is a private directory used as HOME and TMPDIR.
	home string
}

// Result is a finished command.
type Result struct {
	Stdout, Stderr []byte
	ExitCode       int
	TimedOut       bool
	Duration       time.Duration
}

// ErrToolchain is wrapped when the go command cannot be found or queried.
var ErrToolchain = errors.New("go toolchain unavailable")

// New prepares a Runner: it asks the go command for its cache locations and
// makes the private home directory (removed by Close).
func New(ctx context.Context) (*Runner, error) {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, "go", "env", "-json", "GOROOT", "GOCACHE", "GOMODCACHE", "GOPATH", "GOOS", "GOARCH", "CGO_ENABLED").Output()
	if err != nil {
		return nil, fmt.Errorf("sandbox: go env: %w: %v (install Go and put it on PATH)", ErrToolchain, err)
	}
	env := map[string]string{}
	if err := json.Unmarshal(out, &env); err != nil {
		return nil, fmt.Errorf("sandbox: go env: %w: %v", ErrToolchain, err)
	}
	home, err := os.MkdirTemp("", "optimizer-sandbox-")
	if err != nil {
		return nil, fmt.Errorf("sandbox: private home: %w", err)
	}
	return &Runner{GoEnv: env, MaxOutput: 1 << 20, home: home}, nil
}

// Close removes the private home directory.
func (r *Runner) Close() error { return os.RemoveAll(r.home) }

// GOROOT is the toolchain's root directory.
func (r *Runner) GOROOT() string { return r.GoEnv["GOROOT"] }

// Isolation reports what this Runner achieves.
func (r *Runner) Isolation() Isolation {
	return Isolation{EnvScrubbed: true, Network: "unavailable", UID: strconv.Itoa(os.Getuid())}
}

// Env is the complete environment a child sees: nothing of the parent's but
// PATH and the toolchain's cache locations. Tokens and API keys never pass.
func (r *Runner) Env() []string {
	env := []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + r.home,
		"TMPDIR=" + r.home,
		"LANG=C.UTF-8",
		"GOFLAGS=-mod=readonly",
		"GOPROXY=off",
		"GOSUMDB=off",
		"GOTOOLCHAIN=local",
		"GOTELEMETRY=off",
		"GIT_TERMINAL_PROMPT=0",
	}
	for _, k := range []string{"GOROOT", "GOCACHE", "GOMODCACHE", "GOPATH", "CGO_ENABLED"} {
		if v := r.GoEnv[k]; v != "" {
			env = append(env, k+"="+v)
		}
	}
	return env
}

// Run runs name with args in dir and waits at most timeout. On timeout or
// cancellation the whole process group is killed, so a test binary's
// children cannot outlive it. A non-zero exit is not an error: it is in
// Result.ExitCode. The error is for commands that could not run at all.
func (r *Runner) Run(ctx context.Context, dir string, timeout time.Duration, name string, args ...string) (*Result, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = r.Env()
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	stdout := &capped{max: r.MaxOutput}
	stderr := &capped{max: r.MaxOutput}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	start := time.Now()
	err := cmd.Run()
	res := &Result{Stdout: stdout.Bytes(), Stderr: stderr.Bytes(), Duration: time.Since(start)}
	if ctx.Err() != nil {
		res.TimedOut = true
		res.ExitCode = -1
		return res, nil
	}
	var exit *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit):
		res.ExitCode = exit.ExitCode()
	default:
		return res, fmt.Errorf("sandbox: run %s %s: %w", name, strings.Join(args, " "), err)
	}
	return res, nil
}

// capped keeps the first max bytes written to it.
type capped struct {
	buf bytes.Buffer
	max int
	cut bool
}

func (c *capped) Write(p []byte) (int, error) {
	if room := c.max - c.buf.Len(); room > 0 {
		if len(p) > room {
			c.buf.Write(p[:room])
			c.cut = true
		} else {
			c.buf.Write(p)
		}
	} else if len(p) > 0 {
		c.cut = true
	}
	return len(p), nil
}

func (c *capped) Bytes() []byte {
	if c.cut {
		return append(c.buf.Bytes(), "\n[output cut]\n"...)
	}
	return c.buf.Bytes()
}

// secretNames are parts of environment variable names that hold
// credentials.
var secretNames = []string{"TOKEN", "SECRET", "PASSWORD", "PASSWD", "API_KEY", "APIKEY", "PRIVATE_KEY", "CREDENTIAL", "ACTIONS_", "AUTH"}

// TrustedEnv is the optimizer's own environment less every variable whose
// name suggests a credential. It is for the go command's package loading
// before validation (which may need the network to fill the module cache),
// never for running the repository's code.
func TrustedEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		upper := strings.ToUpper(name)
		secret := false
		for _, s := range secretNames {
			if strings.Contains(upper, s) {
				secret = true
				break
			}
		}
		if !secret {
			env = append(env, kv)
		}
	}
	return env
}
