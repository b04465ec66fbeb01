// Package gitx runs git for the optimizer: it finds the repository, lists the
// files a change touched, creates isolated worktrees that are always removed,
// applies patches after checking them, and renders worktree changes as
// git-style unified diffs.
package gitx

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/agentic-optimizer/optimizer/internal/sandbox"
)

// ErrNotRepo is wrapped by Open when the directory is not inside a git work tree.
var ErrNotRepo = errors.New("not a git repository")

// ErrPatchDoesNotApply is wrapped by ApplyCheck and Apply when git refuses the patch.
var ErrPatchDoesNotApply = errors.New("patch does not apply")

// Repo is a git work tree.
type Repo struct {
	// Root is the absolute path of the work tree's top level.
	Root string
}

// Open finds the git work tree that holds dir.
func Open(ctx context.Context, dir string) (*Repo, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("git: %s: %w", dir, err)
	}
	if st, err := os.Stat(abs); err != nil || !st.IsDir() {
		return nil, fmt.Errorf("git: %s is not a directory (pass --repo with the directory of a git work tree)", dir)
	}
	out, err := run(ctx, abs, nil, "rev-parse", "--show-toplevel")
	if err != nil {
		return nil, fmt.Errorf("git: %s: %w (run the optimizer inside a git work tree, or pass --repo DIR)", dir, ErrNotRepo)
	}
	root := strings.TrimSpace(out)
	// Resolve symlinks so that paths computed from Root and from dir agree.
	if r, err := filepath.EvalSymlinks(root); err == nil {
		root = r
	}
	return &Repo{Root: root}, nil
}

// Git runs a git command in the repository and returns its standard output.
func (r *Repo) Git(ctx context.Context, args ...string) (string, error) {
	return run(ctx, r.Root, nil, args...)
}

// Resolve returns the full commit hash that ref names.
func (r *Repo) Resolve(ctx context.Context, ref string) (string, error) {
	out, err := run(ctx, r.Root, nil, "rev-parse", "--verify", "--quiet", ref+"^{commit}")
	if err != nil {
		if ref == "HEAD" {
			return "", fmt.Errorf("git: the repository has no commit yet (commit your code, then run again)")
		}
		return "", fmt.Errorf("git: %q does not name a commit (pass a branch, tag or commit that exists, e.g. --base origin/main; fetch it first in a shallow clone)", ref)
	}
	return strings.TrimSpace(out), nil
}

// ChangedFiles lists the files that differ between the merge base of base
// and head, and head: the files a pull request from head into base changed.
// Deleted files are left out. Paths are relative to the repository root.
func (r *Repo) ChangedFiles(ctx context.Context, base, head string) ([]string, error) {
	out, err := run(ctx, r.Root, nil, "diff", "--name-only", "--no-renames", "--diff-filter=d", "-z", base+"..."+head)
	if err != nil {
		return nil, fmt.Errorf("git: changed files between %s and %s: %w", base, head, err)
	}
	var files []string
	for _, f := range strings.Split(out, "\x00") {
		if f != "" {
			files = append(files, f)
		}
	}
	return files, nil
}

// ApplyOptions changes how a patch is applied.
type ApplyOptions struct {
	// ThreeWay falls back to a three-way merge when the patch does not apply
	// cleanly because the files moved on since it was made. Beware: git
	// 2.39's `apply --check --3way` passes patches whose merge conflicts,
	// and the apply then leaves conflict markers; a caller that must not
	// leave them saves the files first (as internal/patch does).
	ThreeWay bool
	// Index applies to the index as well as the work tree.
	Index bool
}

// ApplyCheck reports whether patch applies to the work tree at dir, without
// changing anything.
func ApplyCheck(ctx context.Context, dir string, patch []byte, opt ApplyOptions) error {
	args := []string{"apply", "--check"}
	if opt.ThreeWay {
		args = append(args, "--3way")
	}
	if _, err := run(ctx, dir, patch, append(args, "-")...); err != nil {
		return fmt.Errorf("%w: %v", ErrPatchDoesNotApply, err)
	}
	return nil
}

// Apply checks patch and then applies it to the work tree at dir. Nothing is
// changed when the check fails.
func Apply(ctx context.Context, dir string, patch []byte, opt ApplyOptions) error {
	if err := ApplyCheck(ctx, dir, patch, opt); err != nil {
		return err
	}
	args := []string{"apply", "--whitespace=nowarn"}
	if opt.ThreeWay {
		args = append(args, "--3way")
	} else if opt.Index {
		args = append(args, "--index")
	}
	if _, err := run(ctx, dir, patch, append(args, "-")...); err != nil {
		return fmt.Errorf("%w: %v", ErrPatchDoesNotApply, err)
	}
	return nil
}

// run executes git in dir. A failure's error carries git's own message.
//
// git runs only in the repository the user named and in worktrees the
// optimizer made, never in a directory that code under test could write
// (that runs on a copy without .git; see internal/sandbox). Even so, every
// call gets a fixed git: the optimizer's environment less every credential,
// no system or global configuration, no hooks, no fsmonitor, no attribute
// files from outside the repository, and no pager, prompt or external diff.
func run(ctx context.Context, dir string, stdin []byte, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "git", append(fixedConfig(), args...)...)
	cmd.Dir = dir
	cmd.Env = Env()
	cmd.WaitDelay = 5 * time.Second
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = err.Error()
		}
		return stdout.String(), fmt.Errorf("git %s: %s", args[0], msg)
	}
	return stdout.String(), nil
}

// fixedConfig are the -c options of every git call. safe.directory=* on
// the command line (where git honours it, unlike the repository's own
// config) replaces the entry actions/checkout would need in a writable
// global configuration: the checkout belongs to the runner's user while a
// Docker action runs as root.
func fixedConfig() []string {
	return []string{
		"-c", "safe.directory=*",
		"-c", "core.hooksPath=" + os.DevNull,
		"-c", "core.fsmonitor=false",
		"-c", "core.attributesFile=" + os.DevNull,
		"-c", "core.pager=cat",
		"-c", "credential.helper=",
		"-c", "protocol.allow=never",
	}
}

// Env is the environment of every git call: the optimizer's own less each
// variable whose name suggests a credential, with git's own configuration
// sources outside the repository switched off.
func Env() []string {
	env := slices.DeleteFunc(sandbox.TrustedEnv(), func(kv string) bool {
		return strings.HasPrefix(kv, "GIT_") // GIT_DIR, GIT_CONFIG_*, GIT_SSH_COMMAND, ...
	})
	return append(env,
		"GIT_CONFIG_NOSYSTEM=1",
		"GIT_CONFIG_GLOBAL="+os.DevNull,
		"GIT_ATTR_NOSYSTEM=1",
		"GIT_TERMINAL_PROMPT=0",
		"GIT_PAGER=cat",
		"GIT_EXTERNAL_DIFF=",
		"GIT_OPTIONAL_LOCKS=0",
		"LC_ALL=C",
	)
}

// CommonDir returns the absolute path of the repository's git directory:
// the one its worktrees share, which holds its config.
func (r *Repo) CommonDir(ctx context.Context) (string, error) {
	out, err := r.Git(ctx, "rev-parse", "--path-format=absolute", "--git-common-dir")
	if err != nil {
		return "", fmt.Errorf("git: common dir of %s: %w", r.Root, err)
	}
	return strings.TrimSpace(out), nil
}
