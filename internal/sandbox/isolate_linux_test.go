package sandbox

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

const planted = "ghp_plantedplantedplantedplantedplanted"

func requireRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("not root: children run as the optimizer's own uid, so they can read what it can (Isolation says so)")
	}
}

// gitRepo makes a repository whose config holds a token the way
// actions/checkout persists it, and a worktree of it, as the pipeline
// does; it returns the repository and the worktree.
func gitRepo(t *testing.T) (repo, worktree string) {
	t.Helper()
	base := workDir(t)
	repo = filepath.Join(base, "repo")
	worktree = filepath.Join(base, "worktree")
	git := func(dir string, args ...string) {
		t.Helper()
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.invalid", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.invalid", "GIT_CONFIG_NOSYSTEM=1")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	if err := os.Mkdir(repo, 0o755); err != nil {
		t.Fatal(err)
	}
	git(repo, "init", "-q")
	git(repo, "config", "http.https://github.com/.extraheader", "AUTHORIZATION: basic "+planted)
	if err := os.WriteFile(filepath.Join(repo, "go.mod"), []byte("module example.com/m\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	git(repo, "add", ".")
	git(repo, "commit", "-q", "-m", "init")
	git(repo, "worktree", "add", "-q", "--detach", worktree)
	return repo, worktree
}

// TestChildCannotReadSecrets runs commands that try to reach a token
// planted in the optimizer's environment and in the repository's git
// config, from a worktree of that repository.
func TestChildCannotReadSecrets(t *testing.T) {
	requireRoot(t)
	t.Setenv("GITHUB_TOKEN", planted)
	t.Setenv("INPUT_TOKEN", planted)
	repo, worktree := gitRepo(t)
	r := newRunner(t)
	if err := r.Hide(filepath.Join(repo, ".git")); err != nil {
		t.Fatal(err)
	}
	if iso := r.Isolation(); iso.UID != "65534" || iso.GitMetadata != "hidden" {
		t.Fatalf("Isolation = %+v, want uid 65534 and hidden git metadata", iso)
	}
	// control runs the same probes as root, to show that they would
	// find the token if the sandbox let them.
	control := newRunner(t)
	control.cred = nil
	// /proc/<pid>/environ shows a process's environment as it was
	// exec'ed, so t.Setenv does not reach it: a process started with the
	// token stands for the optimizer in the action.
	holder := exec.Command("sleep", "300")
	holder.Env = append(os.Environ(), "INPUT_TOKEN="+planted)
	if err := holder.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { holder.Process.Kill(); holder.Wait() })
	tests := []struct {
		name   string
		script string
		secret string
		// asRoot: whether the probe finds the secret without the uid drop.
		asRoot bool
	}{
		{"environment", "env", planted, false},
		{"parent's environ", "cat /proc/$PPID/environ", "PATH=", true},
		{"environ of a process with the token", fmt.Sprintf("cat /proc/%d/environ", holder.Process.Pid), planted, true},
		{"every process's environ", "cat /proc/[0-9]*/environ", planted, true},
		{"git config", "cat " + repo + "/.git/config", planted, true},
		{"git config through the worktree", `cat "$(sed 's/^gitdir: //' .git)/../../config"`, planted, true},
		{"git itself", "git config --get-all http.https://github.com/.extraheader", planted, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, run := range []struct {
				r    *Runner
				leak bool
			}{{r, false}, {control, tt.asRoot}} {
				res, err := run.r.Run(context.Background(), worktree, time.Minute, "sh", "-c", tt.script)
				if err != nil {
					t.Fatal(err)
				}
				out := string(res.Stdout) + string(res.Stderr)
				if leaked := strings.Contains(out, tt.secret); leaked != run.leak {
					t.Errorf("as uid %s: %q read = %v, want %v:\n%.2000s", run.r.Isolation().UID, tt.secret, leaked, run.leak, out)
				}
			}
		})
	}
	// Go builds without the git metadata (no VCS stamping).
	if res, err := r.Run(context.Background(), worktree, 5*time.Minute, "go", "build", "./..."); err != nil || res.ExitCode != 0 {
		t.Errorf("go build in the worktree: %v %+v\n%s", err, res, res.Stderr)
	}
	// The optimizer's own git keeps working, and Close gives the
	// directory its mode back.
	if out, err := exec.Command("git", "-C", worktree, "status", "--porcelain").CombinedOutput(); err != nil {
		t.Errorf("git status in the worktree after the children ran: %v\n%s", err, out)
	}
	before, _ := os.Stat(filepath.Join(repo, ".git"))
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if after, _ := os.Stat(filepath.Join(repo, ".git")); after.Mode().Perm()&0o005 != 0o005 || before.Mode().Perm()&0o007 != 0 {
		t.Errorf(".git mode while hidden %v, after Close %v", before.Mode(), after.Mode())
	}
}

// TestChildWritesOnlyWhereAllowed checks that a child can write in the
// directory it runs in, its HOME and TMPDIR, and nowhere else.
func TestChildWritesOnlyWhereAllowed(t *testing.T) {
	requireRoot(t)
	r := newRunner(t)
	dir := workDir(t)
	if err := os.Mkdir(filepath.Join(dir, "pkg"), 0o755); err != nil {
		t.Fatal(err)
	}
	outside := workDir(t) // root's, mode 0755
	out, err := r.TempDir("out-")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		path  string
		write bool
	}{
		{"its directory", filepath.Join(dir, "f"), true},
		{"a subdirectory", filepath.Join(dir, "pkg", "f"), true},
		{"HOME", "$HOME/f", true},
		{"TMPDIR", "$TMPDIR/f", true},
		{"a Runner.TempDir", filepath.Join(out, "f"), true},
		{"a directory of root", filepath.Join(outside, "f"), false},
		{"root's home", "/root/f", false},
		{"/etc", "/etc/optimizer-sandbox-test", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := r.Run(context.Background(), dir, time.Minute, "sh", "-c", "echo x > "+tt.path)
			if err != nil {
				t.Fatal(err)
			}
			if got := res.ExitCode == 0; got != tt.write {
				t.Errorf("writing %s: exit %d (%s), want success %v", tt.path, res.ExitCode, res.Stderr, tt.write)
			}
		})
	}
	// The tree is given back to the optimizer after each command.
	fi, err := os.Stat(filepath.Join(dir, "pkg", "f"))
	if err != nil {
		t.Fatal(err)
	}
	if uid := fi.Sys().(*syscall.Stat_t).Uid; uid != uint32(os.Getuid()) {
		t.Errorf("a file the child wrote belongs to uid %d after the command, want %d", uid, os.Getuid())
	}
}

// TestGoWorksInTheSandbox builds, vets and tests a small module as the
// unprivileged uid; its test writes beside itself and uses loopback.
func TestGoWorksInTheSandbox(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a module")
	}
	r := newRunner(t)
	dir := workDir(t)
	files := map[string]string{
		"go.mod": "module example.com/tiny\n\ngo 1.22\n",
		"tiny.go": `package tiny

func Double(x int) int { return 2 * x }
`,
		"tiny_test.go": `package tiny

import (
	"net"
	"os"
	"testing"
)

func TestDouble(t *testing.T) {
	if Double(2) != 4 {
		t.Fatal("Double(2) != 4")
	}
	if err := os.WriteFile("written-by-test", []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(t.TempDir()+"/f", []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		if c, err := ln.Accept(); err == nil {
			c.Close()
		}
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
}
`,
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, args := range [][]string{{"build", "./..."}, {"vet", "./..."}, {"test", "-count=1", "./..."}} {
		res, err := r.Run(context.Background(), dir, 5*time.Minute, "go", args...)
		if err != nil {
			t.Fatal(err)
		}
		if res.ExitCode != 0 {
			t.Fatalf("go %s: exit %d\n%s%s", strings.Join(args, " "), res.ExitCode, res.Stdout, res.Stderr)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "written-by-test")); err != nil {
		t.Errorf("the test could not write in its package directory: %v", err)
	}
}

// TestNetworkNamespace checks that a child cannot reach a listener of the
// optimizer's network namespace, and that the test itself would notice.
func TestNetworkNamespace(t *testing.T) {
	r := newRunner(t)
	if !r.netns {
		t.Skipf("no network namespace here: %v", r.Isolation().Notes)
	}
	if r.Isolation().Network != "namespace" {
		t.Fatalf("Isolation = %+v, want network namespace", r.Isolation())
	}
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("needs bash for /dev/tcp")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	port := ln.Addr().(*net.TCPAddr).Port
	for _, netns := range []bool{true, false} {
		t.Run(fmt.Sprint("namespace=", netns), func(t *testing.T) {
			r.netns = netns
			res, err := r.Run(context.Background(), workDir(t), time.Minute, "bash", "-c", fmt.Sprintf("echo > /dev/tcp/127.0.0.1/%d", port))
			if err != nil {
				t.Fatal(err)
			}
			if connected := res.ExitCode == 0; connected == netns {
				t.Errorf("connected = %v with namespace = %v (%s)", connected, netns, res.Stderr)
			}
		})
	}
}

// TestNeedGivesUpTheUID checks that a directory the unprivileged uid
// cannot reach makes children run as the optimizer's uid, and says why.
func TestNeedGivesUpTheUID(t *testing.T) {
	requireRoot(t)
	private := t.TempDir() // its parent is mode 0700
	tests := []struct {
		path    string
		wantUID string
	}{
		{"/usr", "65534"},
		{filepath.Join(os.TempDir(), "optimizer-not-there-yet", "worktrees"), "65534"},
		{private, "0"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			r := newRunner(t)
			r.Need(tt.path)
			iso := r.Isolation()
			if iso.UID != tt.wantUID {
				t.Errorf("uid = %s, want %s", iso.UID, tt.wantUID)
			}
			if tt.wantUID == "0" && !strings.Contains(strings.Join(iso.Notes, "\n"), "not readable by uid 65534") {
				t.Errorf("notes do not say why: %q", iso.Notes)
			}
		})
	}
}
