package sandbox

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/mod/module"
	modzip "golang.org/x/mod/zip"
)

// The attack suite: each test plays code under test that tries to break one
// promise of the sandbox, with the scripts in testdata/attacks. .ci/run runs
// it as root, as root with only Docker's default capabilities, and as a
// non-root user; a test that a mode cannot hold says so and skips only
// where Isolation reports the weaker mode.

const planted = "ghp_plantedplantedplantedplantedplanted"

// attack runs testdata/attacks/<name>.sh with args in src through r.
func attack(t *testing.T, r *Runner, src, name string, args ...string) *Result {
	t.Helper()
	script, err := os.ReadFile(filepath.Join("testdata", "attacks", name+".sh"))
	if err != nil {
		t.Fatal(err)
	}
	res, err := r.Run(context.Background(), src, time.Minute, "bash", append([]string{"-c", string(script), name}, args...)...)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	t.Logf("%s: exit %d\nstdout:\n%s\nstderr:\n%s", name, res.ExitCode, res.Stdout, res.Stderr)
	return res
}

// gitRepo makes a repository whose config holds a token the way
// actions/checkout persists it, and a worktree of it, as the pipeline
// does; it returns both.
func gitRepo(t *testing.T) (repo, worktree string) {
	t.Helper()
	base := workDir(t)
	repo = filepath.Join(base, "repo")
	worktree = filepath.Join(base, "worktree")
	git := func(dir string, args ...string) {
		t.Helper()
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.invalid", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.invalid", "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null")
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

// holder starts a process with the planted token in its environment: it
// stands for the optimizer's parent (the runner's shell, which got the
// secrets of the step), whose /proc/<pid>/environ shows them.
func holder(t *testing.T) int {
	t.Helper()
	// It also holds the token in a file it keeps open, in a directory
	// private to the optimizer's uid that is its working directory: what
	// /proc/<pid>/fd and /proc/<pid>/cwd would open.
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "token"), []byte(planted), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("sh", "-c", "exec 3<token; exec sleep 300")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "INPUT_TOKEN="+planted)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	return cmd.Process.Pid
}

// Class 1: code under test finds no .git to replace, cannot read the
// repository's by path, and what it plants never reaches a git run.
func TestAttackGitMetadata(t *testing.T) {
	repo, worktree := gitRepo(t)
	r := newRunner(t)
	if err := r.Hide(filepath.Join(repo, ".git")); err != nil {
		t.Fatal(err)
	}
	mark := filepath.Join(workDir(t), "pwned")
	res := attack(t, r, worktree, "git-metadata", repo, mark)
	if bytes.Contains(res.Stdout, []byte(planted)) || bytes.Contains(res.Stderr, []byte(planted)) {
		t.Errorf("the token in %s/.git/config reached the code under test", repo)
	}
	if bytes.Contains(res.Stdout, []byte(".git\n")) {
		t.Errorf("the tree the code runs in holds a .git")
	}
	fi, err := os.Lstat(filepath.Join(worktree, ".git"))
	if err != nil || !fi.Mode().IsRegular() {
		t.Fatalf("the worktree's .git changed: %v %v", fi, err)
	}
	cfg, err := os.ReadFile(filepath.Join(repo, ".git", "config"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(cfg, []byte("fsmonitor")) {
		t.Errorf("the code under test wrote the repository's git config:\n%s", cfg)
	}
	// The optimizer's git runs in the worktree as it always does.
	cmd := exec.Command("git", "status", "--porcelain")
	cmd.Dir = worktree
	cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null")
	if out, err := cmd.CombinedOutput(); err != nil || len(out) != 0 {
		t.Errorf("git status in the worktree = %q, %v; want clean", out, err)
	}
	if _, err := os.Stat(mark); err == nil {
		t.Errorf("a hook or fsmonitor planted by the code under test ran")
	}
}

// Class 3: nothing a command starts outlives it, however it detaches.
func TestAttackOutlive(t *testing.T) {
	r := newRunner(t)
	res := attack(t, r, workDir(t), "outlive")
	if res.ExitCode != 0 {
		t.Fatalf("exit %d", res.ExitCode)
	}
	for _, arg := range []string{"3331", "3332", "3333"} {
		if pids := sleepers(arg); len(pids) > 0 {
			t.Errorf("sleep %s outlived its command: pids %v", arg, pids)
			for _, p := range pids {
				syscall.Kill(p, syscall.SIGKILL)
			}
		}
	}
}

// sleepers lists the processes running "sleep arg".
func sleepers(arg string) []int {
	var out []int
	for _, pid := range procPIDs() {
		b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
		if err == nil && string(b) == "sleep\x00"+arg+"\x00" {
			out = append(out, pid)
		}
	}
	return out
}

// Class 3 and the timeout: a command that hangs and leaves a detached
// process is ended at its timeout, with the process.
func TestAttackTimeoutKillsDetached(t *testing.T) {
	r := newRunner(t)
	start := time.Now()
	res, err := r.Run(context.Background(), workDir(t), 500*time.Millisecond, "sh", "-c", "setsid sleep 3334 & trap '' TERM; sleep 3335")
	if err != nil {
		t.Fatal(err)
	}
	if !res.TimedOut {
		t.Errorf("result %+v, want a timeout", res)
	}
	if d := time.Since(start); d > 15*time.Second {
		t.Errorf("Run took %v after a 500ms timeout", d)
	}
	for _, arg := range []string{"3334", "3335"} {
		if pids := sleepers(arg); len(pids) > 0 {
			t.Errorf("sleep %s outlived its command's timeout: pids %v", arg, pids)
		}
	}
}

// Class 4 and 9: what the optimizer reads back is never a link, a FIFO or
// an unbounded file, and reading it never blocks.
func TestAttackReadBack(t *testing.T) {
	r := newRunner(t)
	src := workDir(t)
	tmp, err := r.TempDir(src, "cover-")
	if err != nil {
		t.Fatal(err)
	}
	attack(t, r, src, "readback", tmp, strconv.Itoa(holder(t)))
	done := make(chan struct{})
	go func() {
		defer close(done)
		for _, name := range []string{"cover.out", "fifo.out", "linkdir/environ"} {
			b, err := ReadFile(filepath.Join(tmp, name), 1<<20)
			if err == nil {
				t.Errorf("ReadFile(%s) = %q, want an error", name, b)
			}
			if bytes.Contains(b, []byte(planted)) {
				t.Errorf("ReadFile(%s) read the planted secret", name)
			}
		}
		if _, err := ReadFile(filepath.Join(tmp, "big.out"), 1<<20); err == nil {
			t.Errorf("ReadFile of a 2 MB file with a 1 MiB limit succeeded")
		}
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("ReadFile blocked on a file the code under test made")
	}
}

// Class 5: a candidate can neither write the base's files nor the shared
// build cache, nor signal the base's processes; as root they run as
// different uids.
func TestAttackTamperWithBase(t *testing.T) {
	r := newRunner(t)
	if r.abi == 0 && r.ids == nil {
		t.Skip("not root and no Landlock: the base and candidates share the optimizer's uid with nothing between them (Isolation lists it under weaker)")
	}
	baseSrc, candSrc := workDir(t), workDir(t)
	if err := r.Tree(baseSrc, Base); err != nil {
		t.Fatal(err)
	}
	baseTmp, err := r.TempDir(baseSrc, "base-bench-")
	if err != nil {
		t.Fatal(err)
	}
	binary := filepath.Join(baseTmp, "pkg.test")
	res, err := r.Run(context.Background(), baseSrc, time.Minute, "sh", "-c", "echo base > "+binary+"; id -u")
	if err != nil || res.ExitCode != 0 {
		t.Fatalf("base: %v %+v", err, res)
	}
	baseUID := strings.TrimSpace(string(res.Stdout))
	// A base command that is still running while the candidate attacks.
	running := make(chan *Result, 1)
	go func() {
		res, _ := r.Run(context.Background(), baseSrc, 30*time.Second, "sh", "-c", "echo $$ > "+filepath.Join(baseTmp, "pid")+"; sleep 5; echo survived")
		running <- res
	}()
	var pid string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if b, err := os.ReadFile(filepath.Join(baseTmp, "pid")); err == nil && len(b) > 1 {
			pid = strings.TrimSpace(string(b))
			break
		}
	}
	if pid == "" {
		t.Fatal("the base command did not start")
	}
	res = attack(t, r, candSrc, "tamper", binary, r.shared, pid)
	if r.ids != nil && strings.HasPrefix(string(res.Stdout), baseUID+"\n") {
		t.Errorf("the candidate runs as the base's uid %s", baseUID)
	}
	if b, _ := os.ReadFile(binary); string(b) != "base\n" {
		t.Errorf("the candidate rewrote the base's benchmark binary: %q", b)
	}
	if _, err := os.Stat(filepath.Join(r.shared, "ff", "forged-a")); err == nil {
		t.Errorf("the candidate wrote an entry into the shared build cache")
	}
	if base := <-running; base == nil || !strings.Contains(string(base.Stdout), "survived") {
		t.Errorf("the candidate killed the base's command: %+v", base)
	}
}

// Class 8: every command has resource limits, and what it leaves in the
// machine's shared temporary directories is gone after it.
func TestAttackLimitsAndLeftovers(t *testing.T) {
	r := newRunner(t)
	tag := strconv.Itoa(os.Getpid())
	res := attack(t, r, workDir(t), "limits", tag)
	want := fmt.Sprintf("procs %d files %d fsize %d core 0", r.procs, limitFiles, limitFileSize/1024)
	if got := strings.TrimSpace(string(res.Stdout)); got != want {
		t.Errorf("limits = %q, want %q", got, want)
	}
	for _, dir := range []string{"/dev/shm", os.TempDir(), "/var/tmp"} {
		f := filepath.Join(dir, "optimizer-attack-"+tag)
		if _, err := os.Stat(f); err == nil {
			os.Remove(f)
			if r.abi > 0 || r.ids != nil {
				t.Errorf("%s outlived the command", f)
			} else {
				t.Logf("%s outlived the command: not root and no Landlock (weaker)", f)
			}
		}
	}
}

// The optimizer's terminal: a command runs in a session of its own,
// without a controlling terminal, and Landlock does not open /dev/tty.
func TestAttackTerminal(t *testing.T) {
	r := newRunner(t)
	res := attack(t, r, workDir(t), "tty")
	if got := strings.TrimSpace(string(res.Stdout)); got != "terminal: none" {
		t.Errorf("%s, want none", got)
	}
}

// Class 10 (and the root case): no environment of the optimizer or its
// ancestors is readable through /proc.
func TestAttackProcEnviron(t *testing.T) {
	r := newRunner(t)
	if r.abi == 0 && r.ids == nil {
		t.Skip("not root and no Landlock: /proc of the optimizer's ancestors is readable by its uid (Isolation lists it under weaker)")
	}
	res := attack(t, r, workDir(t), "environ", strconv.Itoa(holder(t)), strconv.Itoa(os.Getpid()))
	if bytes.Contains(res.Stdout, []byte(planted)) || bytes.Contains(res.Stderr, []byte(planted)) {
		t.Errorf("the code under test read the planted token from /proc")
	}
}

// The network: a service listening on the machine outside the ephemeral
// range is out of reach.
func TestAttackNetwork(t *testing.T) {
	r := newRunner(t)
	if !r.netns && r.abi < 4 {
		t.Skip("no network namespace and no Landlock ABI 4: the network is unrestricted (Isolation says so)")
	}
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	if !r.netns && port >= r.ports[0] && port <= r.ports[1] {
		// Pick a port below the ephemeral range, where services live.
		ln.Close()
		for p := 5001; p < r.ports[0]; p++ {
			if ln, err = net.Listen("tcp4", "127.0.0.1:"+strconv.Itoa(p)); err == nil {
				port = p
				defer ln.Close()
				break
			}
		}
	}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	res, err := r.Run(context.Background(), workDir(t), time.Minute, "bash", "-c", "if (echo probe > /dev/tcp/127.0.0.1/"+strconv.Itoa(port)+") 2>/dev/null; then echo connected; else echo refused; fi")
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(string(res.Stdout)); got != "refused" {
		t.Errorf("connecting to the machine's port %d: %q, want refused", port, got)
	}
}

// Issue 22: as root, a module whose dependencies sit in a module cache
// under a 0700 home is built and tested as a uid of the run's own, from a
// read-only copy of what it needs; never as root.
func TestModulesOutOfReachAreCopied(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("not root: children run as the optimizer's uid and read its module cache")
	}
	home := t.TempDir()
	if err := os.Chmod(home, 0o700); err != nil { // like /root
		t.Fatal(err)
	}
	proxy := filepath.Join(workDir(t), "proxy")
	writeProxyModule(t, proxy, "example.com/dep", "v1.0.0", map[string]string{
		"dep.go": "package dep\n\nfunc Answer() int { return 42 }\n",
	})
	mod := workDir(t)
	writeFiles(t, mod, map[string]string{
		"go.mod":    "module example.com/m\n\ngo 1.22\n\nrequire example.com/dep v1.0.0\n",
		"m.go":      "package m\n\nimport \"example.com/dep\"\n\nfunc Twice() int { return 2 * dep.Answer() }\n",
		"m_test.go": "package m\n\nimport (\n\t\"os\"\n\t\"testing\"\n)\n\nfunc TestTwice(t *testing.T) {\n\tif Twice() != 84 {\n\t\tt.Fatal(Twice())\n\t}\n\tif os.Getuid() == 0 {\n\t\tt.Fatal(\"running as root\")\n\t}\n}\n",
	})
	gomodcache := filepath.Join(home, "go", "pkg", "mod")
	for _, args := range [][]string{{"mod", "tidy"}, {"mod", "download"}} {
		cmd := exec.Command("go", args...)
		cmd.Dir = mod
		cmd.Env = append(os.Environ(), "GOMODCACHE="+gomodcache, "GOPROXY=file://"+proxy, "GOSUMDB=off", "GOFLAGS=-mod=mod")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	t.Setenv("GOMODCACHE", gomodcache)
	t.Setenv("GOPROXY", "off")
	r := newRunner(t)
	if err := r.Modules(context.Background(), mod); err != nil {
		t.Fatal(err)
	}
	// A base tree: its compiled standard library serves the next runs.
	if err := r.Tree(mod, Base); err != nil {
		t.Fatal(err)
	}
	if r.modules == gomodcache {
		t.Fatalf("children read %s, which their uid cannot reach", gomodcache)
	}
	res, err := r.Run(context.Background(), mod, 5*time.Minute, "go", "test", "-count=1", "./...")
	if err != nil {
		t.Fatal(err)
	}
	if res.ExitCode != 0 {
		t.Fatalf("go test in the sandbox: exit %d\n%s%s", res.ExitCode, res.Stdout, res.Stderr)
	}
	if iso := r.Isolation(); iso.Identity != "per-tree uid" || len(iso.Weaker) > 0 && r.abi > 0 {
		t.Errorf("Isolation = %+v", iso)
	}
}

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// writeProxyModule lays out a module version as a GOPROXY=file:// serves it.
func writeProxyModule(t *testing.T, proxy, path, version string, files map[string]string) {
	t.Helper()
	dir := filepath.Join(proxy, filepath.FromSlash(path), "@v")
	src := filepath.Join(t.TempDir(), "src")
	writeFiles(t, src, files)
	gomod := "module " + path + "\n\ngo 1.22\n"
	writeFiles(t, src, map[string]string{"go.mod": gomod})
	writeFiles(t, dir, map[string]string{
		"list":            version + "\n",
		version + ".info": `{"Version":"` + version + `","Time":"2024-01-01T00:00:00Z"}`,
		version + ".mod":  gomod,
	})
	f, err := os.Create(filepath.Join(dir, version+".zip"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := modzip.CreateFromDir(f, module.Version{Path: path, Version: version}, src); err != nil {
		t.Fatal(err)
	}
}
