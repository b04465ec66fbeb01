// Package sandbox runs the code under judgment — a repository's build, vet,
// tests and benchmarks, with a candidate patch that a model wrote applied —
// so that it can neither reach the optimizer's secrets and repository nor
// change the verdict that is made of its results.
//
// Code under test never runs in a git worktree: each worktree it is run
// from gets a tree, a copy without any .git, kept in step with the worktree
// before every command. Every tree has an identity of its own: as root, a
// uid from a range reserved for the run (the base's and each candidate's
// differ, and so do concurrent runs'); and, where the kernel has Landlock,
// a ruleset that lets the command write only its tree and private
// directories and read only them, the toolchain, the module cache and the
// system's directories. Every command gets resource limits and is started
// by a reaper (this program, re-executed) that kills whatever the command
// leaves behind; its environment is an allow-list without credentials.
// What children write and the optimizer reads back is read with ReadFile:
// no symbolic links, regular files only, bounded.
//
// Isolation says truthfully which of these mechanisms are in force; in
// strict mode, New refuses to run anything when one that the platform
// should offer is missing.
package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/agentic-optimizer/optimizer/internal/cleanup"
)

// Isolation records what a Runner achieves; it goes into every report.
type Isolation struct {
	// Mode is strict or best-effort (see Options.Strict).
	Mode        string `json:"mode"`
	EnvScrubbed bool   `json:"env_scrubbed"`
	// Identity says whom the code under test runs as: "per-tree uid"
	// (one uid of the run's range per tree) or "optimizer uid".
	Identity string `json:"identity"`
	// UID is the uid range children run as, or the optimizer's own uid.
	UID string `json:"uid"`
	// Landlock is "ABI N" when every command runs under a Landlock
	// ruleset, else "unavailable".
	Landlock string `json:"landlock"`
	// Network is "namespace" (only loopback), "landlock" (TCP connect
	// only to ephemeral ports, bind only to an ephemeral port) or
	// "unrestricted".
	Network string `json:"network"`
	// Limits are the resource limits of every command.
	Limits string `json:"limits"`
	// Reaper is true when every process a command leaves is killed.
	Reaper bool `json:"reaper"`
	// GitMetadata is "absent": children run on copies without .git; and
	// the repository's own is "hidden" from them (unreadable) or
	// "readable" by path.
	GitMetadata string `json:"git_metadata"`
	// BuildCache is how children share compiled packages.
	BuildCache string `json:"build_cache"`
	// ModuleCache is where children read modules from.
	ModuleCache string `json:"module_cache"`
	// Weaker lists what falls short of what the platform allows, for the
	// job summary to show prominently. Empty when nothing does.
	Weaker []string `json:"weaker,omitempty"`
	// Notes say why something is unavailable.
	Notes []string `json:"notes,omitempty"`
}

// Options choose how strict a Runner is.
type Options struct {
	// Strict refuses to make a Runner when a mechanism that the platform
	// should offer (Landlock; as root, a uid of the children's own) is
	// missing, instead of running with what there is and saying so.
	Strict bool

	// noLandlock makes the Runner act as on a kernel without Landlock,
	// for tests of what strict and best-effort do there.
	noLandlock bool
}

// ErrIsolation is wrapped by New in strict mode when a mechanism is
// missing, and by Runner.Modules and Runner.Need when children could not
// reach what they need without running as the optimizer's uid.
var ErrIsolation = errors.New("isolation unavailable")

// Runner runs commands for validation.
type Runner struct {
	// GoEnv holds the toolchain's settings: GOROOT, GOMODCACHE and the
	// platform.
	GoEnv map[string]string
	// MaxOutput caps the bytes kept of each stream; the rest is dropped
	// and the cut is marked.
	MaxOutput int

	opt     Options
	state   string // the machine's sandbox directory (slot locks, shared build caches)
	root    string // this run's directory: trees, helper, module cache
	helper  string // this program, where children can execute it
	ids     *identities
	shared  string // the build cache layer the base's commands write
	modules string // the module cache children read
	abi     int    // Landlock ABI in force, 0 for none
	netns   bool
	ports   [2]int // ephemeral TCP ports, for Landlock's connect rules
	procs   uint64 // RLIMIT_NPROC for children
	// netRules is the Landlock ruleset for TCP, made once, when there is
	// no network namespace.
	netRules *os.File
	netFlags uint32
	hidden   []hiddenPath
	notes    []string

	mu    sync.Mutex
	trees map[string]*tree // by source root
	next  int

	closeMu    sync.Mutex
	unregister func()
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

// New prepares a Runner: it asks the go command for its locations, makes
// the run's directory (removed by Close) and finds out which isolation the
// platform allows.
func New(ctx context.Context, opt Options) (*Runner, error) {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "env", "-json", "GOROOT", "GOMODCACHE", "GOOS", "GOARCH", "CGO_ENABLED", "GOCACHE", "GOVERSION")
	// The toolchain on PATH itself, as the commands run here use it
	// (GOTOOLCHAIN=local): never one a go.mod asks to download.
	cmd.Env = append(TrustedEnv(), "GOTOOLCHAIN=local")
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("sandbox: go env: %w: %v (install Go and put it on PATH)", ErrToolchain, err)
	}
	env := map[string]string{}
	if err := json.Unmarshal(out, &env); err != nil {
		return nil, fmt.Errorf("sandbox: go env: %w: %v", ErrToolchain, err)
	}
	r := &Runner{GoEnv: env, MaxOutput: 1 << 20, opt: opt, trees: map[string]*tree{}, modules: env["GOMODCACHE"]}
	if err := r.isolate(ctx); err != nil {
		r.Close()
		return nil, err
	}
	r.unregister = cleanup.Register(func(context.Context) { r.Close() })
	return r, nil
}

// Close kills what is left of every tree, removes the run's directory and
// restores the modes of the hidden paths. It is safe to call more than
// once, and from a signal's cleanup while the run winds down.
func (r *Runner) Close() error {
	r.closeMu.Lock()
	defer r.closeMu.Unlock()
	if r.unregister != nil {
		r.unregister()
		r.unregister = nil
	}
	var errs []error
	r.mu.Lock()
	trees := r.trees
	r.trees = map[string]*tree{}
	r.mu.Unlock()
	for _, t := range trees {
		if err := r.drop(t); err != nil {
			errs = append(errs, err)
		}
	}
	for _, h := range r.hidden {
		if err := os.Chmod(h.path, h.mode); err != nil {
			errs = append(errs, fmt.Errorf("sandbox: restore mode of %s: %w", h.path, err))
		}
	}
	r.hidden = nil
	if r.root != "" {
		if err := removeAll(r.root); err != nil {
			errs = append(errs, fmt.Errorf("sandbox: remove %s: %w", r.root, err))
		}
		r.root = ""
	}
	if r.ids != nil {
		r.ids.release()
	}
	if r.netRules != nil {
		r.netRules.Close()
		r.netRules = nil
	}
	return errors.Join(errs...)
}

type hiddenPath struct {
	path string
	mode os.FileMode
}

// GOROOT is the toolchain's root directory.
func (r *Runner) GOROOT() string { return r.GoEnv["GOROOT"] }

// Isolation reports what this Runner achieves.
func (r *Runner) Isolation() Isolation {
	iso := Isolation{
		Mode:        "best-effort",
		EnvScrubbed: true,
		Identity:    "optimizer uid",
		UID:         fmt.Sprint(os.Getuid()),
		Landlock:    "unavailable",
		Network:     "unrestricted",
		Limits:      r.limits(),
		Reaper:      reaperWorks,
		GitMetadata: "absent",
		BuildCache:  "shared layer written only by the base's commands; a private layer per tree",
		ModuleCache: r.modules,
		Notes:       slices.Clone(r.notes),
	}
	if r.opt.Strict {
		iso.Mode = "strict"
	}
	if r.ids != nil {
		iso.Identity = "per-tree uid"
		iso.UID = r.ids.String()
	}
	if r.abi > 0 {
		iso.Landlock = fmt.Sprintf("ABI %d", r.abi)
	}
	switch {
	case r.netns:
		iso.Network = "namespace"
	case r.abi >= 4:
		iso.Network = "landlock: TCP connect only to ephemeral ports (of any address), bind only to port 0; UDP not confined"
	}
	if len(r.hidden) > 0 {
		iso.GitMetadata = "absent; the repository's is hidden"
	} else if r.abi == 0 {
		iso.GitMetadata = "absent; the repository's is readable by path"
	}
	iso.Weaker = r.weaker()
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

// Env is the environment of the go command's package loading on the
// trusted side (analysis, type checks): what children see, less the
// build cache program, which only runs inside a tree.
func (r *Runner) Env() []string {
	return append(r.baseEnv(), "HOME="+os.TempDir(), "TMPDIR="+os.TempDir(), "GOCACHE="+r.GoEnv["GOCACHE"])
}

// baseEnv is what every child's environment starts from: nothing of the
// parent's but PATH. Tokens and API keys never pass. VCS stamping is off:
// the trees have no .git.
func (r *Runner) baseEnv() []string {
	env := []string{
		"PATH=" + os.Getenv("PATH"),
		"LANG=C.UTF-8",
		"GOFLAGS=-mod=readonly -buildvcs=false",
		"GORACE=" + RaceOptions,
		"GOPROXY=off",
		"GOSUMDB=off",
		"GOTOOLCHAIN=local",
		"GOTELEMETRY=off",
		"GIT_TERMINAL_PROMPT=0",
	}
	if v := r.GoEnv["GOROOT"]; v != "" {
		env = append(env, "GOROOT="+v)
	}
	if v := r.GoEnv["CGO_ENABLED"]; v != "" {
		env = append(env, "CGO_ENABLED="+v)
	}
	return append(env, "GOMODCACHE="+r.modules)
}

// Run runs name with args in dir, which must be inside a source tree the
// Runner copies (a worktree; see Path) or inside one of its TempDirs, and
// waits at most timeout. The tree is brought in step with its source
// first. A non-zero exit is not an error: it is in Result.ExitCode. The
// error is for commands that could not run at all.
func (r *Runner) Run(ctx context.Context, dir string, timeout time.Duration, name string, args ...string) (*Result, error) {
	return r.RunEnv(ctx, dir, timeout, nil, name, args...)
}

// ConfigVars are the variables RunEnv may set: a build configuration
// (a cross type-check with cgo off), which says nothing secret and reaches
// nothing the tree's environment does not.
var ConfigVars = []string{"GOOS", "GOARCH", "CGO_ENABLED"}

// RunEnv is Run with env (KEY=value items) set over the tree's
// environment. Only ConfigVars may be set: the environment stays an
// allow-list, whatever the caller passes.
func (r *Runner) RunEnv(ctx context.Context, dir string, timeout time.Duration, env []string, name string, args ...string) (*Result, error) {
	for _, kv := range env {
		if k, _, _ := strings.Cut(kv, "="); !slices.Contains(ConfigVars, k) {
			return nil, fmt.Errorf("sandbox: run %s: %s may not be set for a child (only %s)", name, k, strings.Join(ConfigVars, ", "))
		}
	}
	t, err := r.treeOf(dir)
	if err != nil {
		return nil, err
	}
	return r.run(ctx, t, dir, timeout, env, name, args...)
}

// withEnv returns base with the variables of env set over it: each name
// once, at its place in base or at the end.
func withEnv(base, env []string) []string {
	out := slices.Clone(base)
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		i := slices.IndexFunc(out, func(s string) bool { return strings.HasPrefix(s, k+"=") })
		if i < 0 {
			out = append(out, kv)
		} else {
			out[i] = kv
		}
	}
	return out
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
// before validation (which may need the network to fill the module cache)
// and for git, never for running the repository's code.
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

// removeAll removes dir even where a child left directories without
// write or search permission for their owner.
func removeAll(dir string) error {
	if err := os.RemoveAll(dir); err == nil {
		return nil
	}
	filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if d != nil && d.IsDir() {
			os.Chmod(path, 0o700)
		}
		return nil
	})
	return os.RemoveAll(dir)
}
