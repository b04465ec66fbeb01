// Package sandbox runs commands on untrusted code — the repository's own
// build, vet and tests — with an allow-listed environment, a private HOME and
// TMPDIR, no module downloads, a timeout that kills the whole process group,
// and capped output.
//
// When the optimizer runs as root (as GitHub runs Docker actions), children
// run as an unprivileged uid with no supplementary groups, so that they
// cannot read the optimizer's environment through /proc/<pid>/environ nor
// root-only files, and the repository's git metadata (where actions/checkout
// keeps its token) is made unreadable to them. Where the kernel allows it,
// each child also gets a fresh network namespace with only loopback.
// Isolation says truthfully what a Runner achieves.
package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Isolation records what a Runner achieved; it goes into every report.
type Isolation struct {
	EnvScrubbed bool   `json:"env_scrubbed"`
	Network     string `json:"network"` // namespace | unavailable
	UID         string `json:"uid"`     // the uid children run as
	// GitMetadata is "hidden" when children cannot read the repository's
	// .git directory (its config may hold a token), else "readable".
	GitMetadata string `json:"git_metadata"`
	// Notes say why something is unavailable.
	Notes []string `json:"notes,omitempty"`
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
	// cred is the identity children run as; nil when they run as the
	// optimizer's own uid (it is not root, or dropping was given up).
	cred *syscall.Credential
	// cache is the children's GOCACHE when cred is set: the optimizer's
	// own build cache is not writable by them.
	cache string
	// netns is whether children get a fresh network namespace.
	netns bool
	// hidden are paths made unreadable to children, with the modes that
	// Close restores.
	hidden []hiddenPath
	notes  []string
}

type hiddenPath struct {
	path string
	mode os.FileMode
}

// ChildUID and ChildGID are the identity children run as when the
// optimizer is root: nobody and nogroup on Debian.
const (
	ChildUID = 65534
	ChildGID = 65534
)

// Result is a finished command.
type Result struct {
	Stdout, Stderr []byte
	ExitCode       int
	TimedOut       bool
	Duration       time.Duration
}

// ErrToolchain is wrapped when the go command cannot be found or queried.
var ErrToolchain = errors.New("go toolchain unavailable")

// New prepares a Runner: it asks the go command for its cache locations,
// makes the private home directory (removed by Close) and finds out which
// isolation the platform allows.
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
	r := &Runner{GoEnv: env, MaxOutput: 1 << 20, home: home}
	if err := r.isolate(); err != nil {
		os.RemoveAll(home)
		return nil, err
	}
	return r, nil
}

// Close restores the modes of the hidden paths and removes the private
// home directory.
func (r *Runner) Close() error {
	var errs []error
	for _, h := range r.hidden {
		if err := os.Chmod(h.path, h.mode); err != nil {
			errs = append(errs, fmt.Errorf("sandbox: restore mode of %s: %w", h.path, err))
		}
	}
	r.hidden = nil
	if err := os.RemoveAll(r.home); err != nil {
		errs = append(errs, fmt.Errorf("sandbox: remove private home: %w", err))
	}
	return errors.Join(errs...)
}

// TempDir makes a new directory, removed by Close, where children may write
// what the optimizer reads back (test binaries, coverage profiles): a
// directory of the optimizer's may not be writable by them.
func (r *Runner) TempDir(pattern string) (string, error) {
	dir, err := os.MkdirTemp(r.home, pattern)
	if err != nil {
		return "", fmt.Errorf("sandbox: temporary directory: %w", err)
	}
	if r.cred != nil {
		if err := os.Lchown(dir, int(r.cred.Uid), int(r.cred.Gid)); err != nil {
			return "", fmt.Errorf("sandbox: temporary directory: %w", err)
		}
	}
	return dir, nil
}

// GOROOT is the toolchain's root directory.
func (r *Runner) GOROOT() string { return r.GoEnv["GOROOT"] }

// Isolation reports what this Runner achieves.
func (r *Runner) Isolation() Isolation {
	iso := Isolation{EnvScrubbed: true, Network: "unavailable", UID: strconv.Itoa(os.Getuid()), GitMetadata: "readable", Notes: slices.Clone(r.notes)}
	if r.netns {
		iso.Network = "namespace"
	}
	if r.cred != nil {
		iso.UID = strconv.Itoa(int(r.cred.Uid))
		if len(r.hidden) > 0 {
			iso.GitMetadata = "hidden"
		}
	}
	return iso
}

// RaceOptions is the GORACE every child sees, whatever the optimizer's own
// environment says. The race detector's default atexit_sleep_ms=1000 makes
// every -race test binary sleep a second at exit, so that goroutines that
// outlive the tests can still report a race. 100 ms still catches a
// goroutine that the last test leaked and that races right after it, for
// 0.1 s per process instead of 1 s; a race later than that goes unseen, as
// one later than a second did before. The user's GORACE is not passed:
// exitcode, log_path or halt_on_error would change what a race does to a
// test run, and so the verdict.
const RaceOptions = "atexit_sleep_ms=100"

// Env is the complete environment a child sees: nothing of the parent's but
// PATH and the toolchain's cache locations. Tokens and API keys never pass.
// VCS stamping is off: it runs git, and children cannot read git metadata.
func (r *Runner) Env() []string {
	env := []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + r.home,
		"TMPDIR=" + r.home,
		"LANG=C.UTF-8",
		"GOFLAGS=-mod=readonly -buildvcs=false",
		"GORACE=" + RaceOptions,
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
	if r.cred != nil {
		cmd.SysProcAttr.Credential = r.cred
		cmd.Env = append(cmd.Env, "GOCACHE="+r.cache) // the last value wins
		// The child may write in the directory it runs in (tests write
		// files beside them); the tree is given back afterwards, so that
		// git, run by the optimizer, keeps trusting the worktree.
		if err := chownTree(dir, int(r.cred.Uid), int(r.cred.Gid)); err != nil {
			return nil, fmt.Errorf("sandbox: run %s in %s: %w", name, dir, err)
		}
		defer chownTree(dir, os.Getuid(), os.Getgid())
	}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	stdout := &capped{max: r.MaxOutput}
	stderr := &capped{max: r.MaxOutput}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	start := time.Now()
	err := r.start(cmd)
	if err == nil {
		err = cmd.Wait()
	}
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

// secretName reports whether an environment variable's name suggests a
// credential.
func secretName(name string) bool {
	upper := strings.ToUpper(name)
	for _, s := range secretNames {
		if strings.Contains(upper, s) {
			return true
		}
	}
	return false
}

// TrustedEnv is the optimizer's own environment less every variable whose
// name suggests a credential. It is for the go command's package loading
// before validation (which may need the network to fill the module cache),
// never for running the repository's code.
func TrustedEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if !secretName(name) {
			env = append(env, kv)
		}
	}
	return env
}
