//go:build !linux

package sandbox

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"time"
)

// Off Linux, children run as the optimizer's uid with its network, without
// Landlock, limits or reaper: isolation beyond the environment and the
// copy without .git is only implemented on Linux.

const reaperWorks = false

type identities struct{ first int }

func (ids *identities) base() int           { return -1 }
func (ids *identities) take() int           { return -1 }
func (ids *identities) give(int)            {}
func (ids *identities) release()            {}
func (ids *identities) String() string      { return "" }
func (r *Runner) limits() string            { return "none" }
func (r *Runner) Need(path string) error    { return nil }
func (r *Runner) Hide(path string) error    { return nil }
func (r *Runner) sweep(t *tree)             {}
func (r *Runner) start(cmd *exec.Cmd) error { return cmd.Start() }

func (r *Runner) Modules(ctx context.Context, moduleDir string) error { return nil }

func (r *Runner) weaker() []string {
	return []string{"isolation beyond the environment and a copy without .git is only implemented on Linux"}
}

func (r *Runner) isolate(ctx context.Context) error {
	dir, err := os.MkdirTemp("", "optimizer-sandbox-")
	if err != nil {
		return err
	}
	r.root, r.state, r.shared = dir, dir, dir
	r.notes = append(r.notes, "uid, network, landlock: only implemented on Linux")
	if r.opt.Strict {
		return errors.New("sandbox: isolation: strict needs Linux (set isolation: best-effort)")
	}
	return nil
}

func (r *Runner) run(ctx context.Context, t *tree, dir string, timeout time.Duration, name string, args ...string) (*Result, error) {
	return nil, errors.New("sandbox: running code under test is only implemented on Linux")
}

func (r *Runner) treeEnv(t *tree) []string { return r.baseEnv() }

func ReadFile(path string, max int64) ([]byte, error) { return readRegular(path, max) }

func openRegular(path string) (*os.File, error) { return os.Open(path) }
