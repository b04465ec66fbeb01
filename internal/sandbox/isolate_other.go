//go:build !linux

package sandbox

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
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

// run runs the command on t's copy with the scrubbed environment (env set
// over it; see RunEnv) and a timeout, and nothing more.
func (r *Runner) run(ctx context.Context, t *tree, dir string, timeout time.Duration, env []string, name string, args ...string) (*Result, error) {
	t.mu.Lock()
	err := t.sync()
	t.mu.Unlock()
	if err != nil {
		return nil, err
	}
	abs, _ := filepath.Abs(dir)
	if within(abs, t.src) {
		rel, _ := filepath.Rel(t.src, abs)
		abs = filepath.Join(t.dir, rel)
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir, cmd.Env = abs, withEnv(r.treeEnv(t), env)
	cmd.WaitDelay = 5 * time.Second
	stdout, stderr := &capped{max: r.MaxOutput}, &capped{max: r.MaxOutput}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	start := time.Now()
	err = cmd.Run()
	res := &Result{Stdout: t.unmap(stdout.Bytes()), Stderr: t.unmap(stderr.Bytes()), Duration: time.Since(start)}
	var exit *exec.ExitError
	switch {
	case ctx.Err() != nil:
		res.TimedOut, res.ExitCode = true, -1
	case err == nil:
	case errors.As(err, &exit):
		res.ExitCode = exit.ExitCode()
	default:
		return res, err
	}
	return res, nil
}

func (r *Runner) treeEnv(t *tree) []string {
	return append(r.baseEnv(), "HOME="+t.home, "TMPDIR="+filepath.Join(t.home, "tmp"), "GOCACHE="+r.GoEnv["GOCACHE"])
}

func ReadFile(path string, max int64) ([]byte, error) { return readRegular(path, max) }

func openRegular(path string) (*os.File, error) { return os.Open(path) }

// fileID off Linux: no inode; the modification time stands in for the
// status-change time.
func fileID(fi fs.FileInfo) (ino uint64, ctime int64) { return 0, fi.ModTime().UnixNano() }
