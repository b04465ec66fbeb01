//go:build !linux

package sandbox

import "os/exec"

// Without Linux, children run as the optimizer's uid with its network.
func (r *Runner) isolate() error {
	r.notes = append(r.notes, "uid, network: isolation beyond the environment is only implemented on Linux")
	return nil
}

// Need does nothing: children run as the optimizer's uid.
func (r *Runner) Need(path string) {}

// Hide does nothing: children run as the optimizer's uid.
func (r *Runner) Hide(path string) error { return nil }

func chownTree(dir string, uid, gid int) error { return nil }

func (r *Runner) start(cmd *exec.Cmd) error { return cmd.Start() }
