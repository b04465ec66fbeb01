package sandbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unsafe"
)

// abiResolveUnix is the first Landlock ABI that governs connecting to
// UNIX sockets by path.
const abiResolveUnix = 9

// reaperWorks: every command is started by the reaper (helper_linux.go).
const reaperWorks = true

// Resource limits of every command. Processes count threads too, per uid;
// the go command runs a compiler per core with a few dozen threads each.
const (
	limitFiles    = 16384
	limitFileSize = 4 << 30
	limitCPUMin   = 600 // seconds of CPU per process, at least
)

func (r *Runner) limits() string {
	return fmt.Sprintf("processes %d, open files %d, file size %d GiB, CPU %d s per process or 4× the timeout, no core dumps; memory not limited (no delegated cgroup; address-space limits break the race detector)",
		r.procs, limitFiles, limitFileSize>>30, limitCPUMin)
}

// isolate finds out what the platform allows and sets the run up: the
// run's directory, the helper, the uid range as root, Landlock, a network
// namespace. A probe command checks that the mechanisms really work.
func (r *Runner) isolate(ctx context.Context) error {
	if err := r.makeDirs(); err != nil {
		return err
	}
	r.netns = netnsWorks()
	if !r.netns {
		r.notes = append(r.notes, "network: no network namespace (unshare(CLONE_NEWNET) is not permitted here)")
	}
	r.abi = landlockABI()
	if r.opt.noLandlock {
		r.abi = 0
	}
	if r.abi == 0 {
		r.notes = append(r.notes, "landlock: the kernel has no Landlock (Linux 5.13 or later with landlock in lsm=)")
	}
	if !r.netns && r.abi >= 4 {
		r.ports = ephemeralPorts()
		fd, flags, err := netRuleset(r.abi, r.ports)
		if err != nil {
			return fmt.Errorf("sandbox: landlock network ruleset: %w", err)
		}
		r.netRules, r.netFlags = os.NewFile(uintptr(fd), "landlock-net"), flags
	}
	if os.Geteuid() == 0 {
		ids, err := takeSlot(r.state)
		if err != nil {
			return err
		}
		r.ids = ids
		r.procs = 4096 + 256*uint64(runtime.NumCPU())
		if err := r.Need(r.GOROOT()); err != nil {
			return err
		}
	} else {
		r.notes = append(r.notes, "uid: the optimizer is not root, so children run as its own uid; Landlock keeps them from its files, and the optimizer is not dumpable, so /proc/<pid>/environ of it is closed to them")
		// This process's /proc files become root's: a child with the same
		// uid cannot read its environment or memory.
		syscall.RawSyscall(syscall.SYS_PRCTL, syscall.PR_SET_DUMPABLE, 0, 0)
		r.procs = uint64(countThreads(os.Getuid())) + 4096 + 256*uint64(runtime.NumCPU())
	}
	if err := r.sharedCache(); err != nil {
		return err
	}
	if r.opt.Strict {
		if w := r.weaker(); len(w) > 0 {
			return fmt.Errorf("sandbox: %w: %s (isolation: strict refuses to run code under test so; fix the platform, or set isolation: best-effort to run with what there is)", ErrIsolation, strings.Join(w, "; "))
		}
	}
	return r.probe(ctx)
}

// weaker lists the mechanisms missing that this kind of platform should
// offer: Landlock everywhere (GitHub's runners have it); as root, the
// drop to a uid of the run's own.
func (r *Runner) weaker() []string {
	var w []string
	if r.abi == 0 {
		w = append(w, "no Landlock: code under test can read every file its uid can, and write outside its tree")
	}
	if os.Geteuid() == 0 && r.ids == nil {
		w = append(w, "code under test runs as root")
	}
	if os.Geteuid() != 0 && r.abi == 0 {
		w = append(w, "code under test runs as the optimizer's uid without Landlock: it can read /proc of the optimizer's parent processes and the files of that uid")
	}
	if os.Geteuid() != 0 && r.abi > 0 && r.abi < abiResolveUnix {
		if groups, _ := os.Getgroups(); len(groups) > 0 {
			w = append(w, fmt.Sprintf("code under test keeps the optimizer's supplementary groups %v, and this kernel's Landlock (ABI %d) cannot keep it from their UNIX sockets (a docker group's /var/run/docker.sock is root on the machine): run as root (the Docker action), or without those groups", groups, r.abi))
		}
	}
	if os.Geteuid() != 0 && r.abi > 0 && r.abi < 6 {
		w = append(w, fmt.Sprintf("Landlock ABI %d does not scope signals: code under test can signal the optimizer's processes", r.abi))
	}
	return w
}

// makeDirs makes the machine's sandbox directory (kept between runs: the
// slots and the shared build caches) and this run's directory in it, and
// puts this program where children can execute it.
func (r *Runner) makeDirs() error {
	tmp, err := filepath.EvalSymlinks(os.TempDir())
	if err != nil {
		return fmt.Errorf("sandbox: temporary directory: %w", err)
	}
	if os.Geteuid() == 0 && reachable(tmp, firstUID, firstUID) != nil {
		// The children's uids must reach the run's directory: a private
		// TMPDIR (a test's, a user's) gives way to the machine's.
		tmp = ""
		for _, d := range []string{"/tmp", "/var/tmp"} {
			if reachable(d, firstUID, firstUID) == nil {
				tmp = d
				break
			}
		}
		if tmp == "" {
			return fmt.Errorf("sandbox: %w: neither TMPDIR (%s) nor /tmp is reachable by the children's uids (set TMPDIR to a directory every user can search)", ErrIsolation, os.TempDir())
		}
	}
	if strings.ContainsAny(tmp, " \t\n") {
		return fmt.Errorf("sandbox: the temporary directory %q holds white space, which GOCACHEPROG cannot carry (set TMPDIR to a path without)", tmp)
	}
	r.state = filepath.Join(tmp, fmt.Sprintf("optimizer-sandbox-%d", os.Geteuid()))
	if err := os.Mkdir(r.state, 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("sandbox: %w", err)
	}
	if err := ownedDir(r.state); err != nil {
		return err
	}
	if r.root, err = os.MkdirTemp(r.state, "run-"); err != nil {
		return fmt.Errorf("sandbox: %w", err)
	}
	if err := os.Chmod(r.root, 0o755); err != nil {
		return fmt.Errorf("sandbox: %w", err)
	}
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("sandbox: own executable: %w", err)
	}
	bin := filepath.Join(r.root, "bin")
	if err := os.Mkdir(bin, 0o755); err != nil {
		return fmt.Errorf("sandbox: %w", err)
	}
	// The children's uid must be able to execute it: a link where the
	// file already lets everyone do so (its directory may not: go run and
	// go test build in private directories), else a copy.
	r.helper = filepath.Join(bin, "optimizer")
	if fi, err := os.Stat(exe); err != nil || fi.Mode().Perm()&0o005 != 0o005 || os.Link(exe, r.helper) != nil {
		if err := copyFile(exe, r.helper, 0o755); err != nil {
			return fmt.Errorf("sandbox: copy of %s for the children: %w", exe, err)
		}
	}
	return nil
}

// ownedDir checks that dir is a real directory of this uid that no one
// else may write: a directory in /tmp could have been made by anyone.
func ownedDir(dir string) error {
	fi, err := os.Lstat(dir)
	if err != nil {
		return fmt.Errorf("sandbox: %w", err)
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !fi.IsDir() || !ok || int(st.Uid) != os.Geteuid() || fi.Mode().Perm()&0o022 != 0 {
		return fmt.Errorf("sandbox: %s is not a directory of uid %d that only it may write; remove it", dir, os.Geteuid())
	}
	return nil
}

func copyFile(src, dst string, perm fs.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	_, err = io.Copy(out, in)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	return err
}

// sharedCache makes the shared build cache layer: one per slot, kept
// between runs so that it stays warm, owned by the slot's base uid.
func (r *Runner) sharedCache() error {
	name := "buildcache"
	uid := -1
	if r.ids != nil {
		uid = r.ids.base()
		name = fmt.Sprintf("buildcache-%d", uid)
	}
	r.shared = filepath.Join(r.state, name)
	if err := os.Mkdir(r.shared, 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("sandbox: build cache: %w", err)
	}
	fi, err := os.Lstat(r.shared)
	if err != nil {
		return fmt.Errorf("sandbox: build cache: %w", err)
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	want := os.Geteuid()
	if uid >= 0 {
		want = uid
	}
	if !fi.IsDir() || !ok || int(st.Uid) != want && int(st.Uid) != os.Geteuid() {
		return fmt.Errorf("sandbox: build cache %s is not a directory of uid %d; remove it", r.shared, want)
	}
	if uid >= 0 && int(st.Uid) != uid {
		return os.Lchown(r.shared, uid, uid)
	}
	return nil
}

// Need checks that children can read path (a directory: the toolchain).
// As root, a path the run's uids cannot reach is an error: the children
// never fall back to the optimizer's own uid.
func (r *Runner) Need(path string) error {
	if r.ids == nil || path == "" {
		return nil
	}
	if err := reachable(path, uint32(r.ids.first), uint32(r.ids.first)); err != nil {
		return fmt.Errorf("sandbox: %w: code under test runs as uid %d and cannot read %s: %v (install Go where every user can read it, as the official image and setup-go do)", ErrIsolation, r.ids.first, path, err)
	}
	return nil
}

// Modules makes the modules that the module at moduleDir needs readable
// by children. As root, when the module cache is out of the run's uids'
// reach (root's own, under a 0700 home), the needed modules are copied
// from it into a module cache of the run's, through the go command with
// the cache as a file proxy: nothing is downloaded and the checksums in
// go.sum are checked as usual.
func (r *Runner) Modules(ctx context.Context, moduleDir string) error {
	orig := r.GoEnv["GOMODCACHE"]
	if r.ids == nil || orig == "" || reachable(orig, uint32(r.ids.first), uint32(r.ids.first)) == nil {
		return nil
	}
	if r.modules != orig {
		return nil // made already
	}
	dir := filepath.Join(r.root, "modcache")
	ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	// First fill the optimizer's own cache, as the package loading would
	// (it makes no request when everything is there); its failure shows
	// in the copy's.
	fill := exec.CommandContext(ctx, "go", "mod", "download")
	fill.Dir, fill.Env = moduleDir, append(TrustedEnv(), "GOFLAGS=-mod=mod", "GOWORK=off")
	fill.Run()
	cmd := exec.CommandContext(ctx, "go", "mod", "download")
	cmd.Dir = moduleDir
	cmd.Env = append(TrustedEnv(),
		"GOMODCACHE="+dir,
		"GOPROXY=file://"+filepath.Join(orig, "cache", "download"),
		"GOSUMDB=off", "GOFLAGS=-mod=mod", "GOTOOLCHAIN=local", "GOWORK=off")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("sandbox: %w: the module cache %s is out of reach of the children's uids, and copying the modules %s needs failed: %v: %s (make the module cache readable by every user, e.g. GOMODCACHE=/var/cache/go-mod, or run go mod download first)",
			ErrIsolation, orig, moduleDir, err, strings.TrimSpace(string(out)))
	}
	r.modules = dir
	r.notes = append(r.notes, fmt.Sprintf("modules: %s is out of reach of the children's uids; the modules this module needs were copied to a read-only cache of the run's", orig))
	return nil
}

// Hide makes path (the repository's git directory) unreadable to children
// until Close, by clearing its permission bits for others. Children run on
// copies without .git; this closes the path by which they could still open
// the original where Landlock does not confine their reads (no Landlock,
// or the repository below a system directory they may read). Without a
// uid of their own it can only say so in the notes: they would be its
// owner.
func (r *Runner) Hide(path string) error {
	readable := r.abi == 0
	for _, d := range systemDirs() {
		if within(path, d) {
			readable = true // Landlock lets children read below d
		}
	}
	if !readable {
		return nil
	}
	if r.ids == nil {
		r.notes = append(r.notes, fmt.Sprintf("git: %s is readable by the code under test, which runs as the optimizer's uid (check out with persist-credentials: false)", path))
		return nil
	}
	fi, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("sandbox: hide %s: %w", path, err)
	}
	hidden := fi.Mode().Perm() &^ 0o007
	if err := os.Chmod(path, fi.Mode()&^fs.ModePerm|hidden); err != nil {
		return fmt.Errorf("sandbox: hide %s: %w", path, err)
	}
	r.hidden = append(r.hidden, hiddenPath{path: path, mode: fi.Mode()})
	return nil
}

// reachable reports whether uid/gid (with no supplementary groups) can
// search every directory on the way to path and read path.
func reachable(path string, uid, gid uint32) error {
	abs, err := filepath.Abs(path)
	if err != nil {
		return err
	}
	cur := "/"
	parts := strings.Split(strings.TrimPrefix(abs, "/"), "/")
	for i, part := range append([]string{""}, parts...) {
		cur = filepath.Join(cur, part)
		fi, err := os.Stat(cur)
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		} else if err != nil {
			return err
		}
		st, ok := fi.Sys().(*syscall.Stat_t)
		if !ok {
			return nil
		}
		perm := uint32(fi.Mode().Perm())
		switch {
		case st.Uid == uid:
			perm >>= 6
		case st.Gid == gid:
			perm >>= 3
		}
		want := uint32(0o1) // search
		if i == len(parts) {
			want = 0o5 // read and search
		}
		if perm&want != want {
			return fmt.Errorf("%s (mode %v) is not readable by uid %d", cur, fi.Mode().Perm(), uid)
		}
	}
	return nil
}

// run runs one command of tree t: the tree is synced when no other command
// of it runs, the command is started by the reaper as the tree's identity,
// and when the last command of the tree ends, every process of its uid is
// killed and what it left in shared temporary directories removed. env
// is set over the tree's environment (see RunEnv).
func (r *Runner) run(ctx context.Context, t *tree, dir string, timeout time.Duration, env []string, name string, args ...string) (*Result, error) {
	t.mu.Lock()
	if t.running == 0 {
		if err := t.sync(); err != nil {
			t.mu.Unlock()
			return nil, err
		}
	}
	t.running++
	t.mu.Unlock()
	defer func() {
		t.mu.Lock()
		t.running--
		if t.running == 0 {
			r.sweep(t)
		}
		t.mu.Unlock()
	}()
	abs, _ := filepath.Abs(dir)
	if within(abs, t.src) {
		rel, _ := filepath.Rel(t.src, abs)
		abs = filepath.Join(t.dir, rel)
	}
	spec := r.spec(t, timeout)
	// The parent's deadline is a backstop: the reaper ends the command at
	// the timeout itself and kills what it left.
	ctx, cancel := context.WithTimeout(ctx, timeout+10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, r.helper, append([]string{helperArg, "", name}, args...)...)
	cmd.Args[0] = name
	cmd.Dir = abs
	cmd.Env = withEnv(r.treeEnv(t), env)
	if r.netRules != nil {
		cmd.ExtraFiles = []*os.File{r.netRules} // fd 3 in the helper
		spec.NetFD, spec.NetFlags = 3, r.netFlags
	}
	js, err := json.Marshal(spec)
	if err != nil {
		return nil, err
	}
	cmd.Args[2] = string(js)
	// A session of its own: no controlling terminal, so no keystrokes to
	// read and none to inject (TIOCSTI) into the shell that started us.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if t.uid >= 0 {
		cmd.SysProcAttr.Credential = &syscall.Credential{Uid: uint32(t.uid), Gid: uint32(t.uid), Groups: []uint32{}}
	}
	// First ask the reaper to end the command and clean up; kill the group
	// if it does not.
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 5 * time.Second
	stdout := &capped{max: r.MaxOutput}
	stderr := &capped{max: r.MaxOutput}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	start := time.Now()
	err = r.start(cmd)
	if err == nil {
		err = cmd.Wait()
	}
	if cmd.Process != nil {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
	// Paths in the output name the copy; callers know the source. (The
	// go command prints the absolute paths of panics, of test2json's
	// build output and of -json events.)
	res := &Result{Stdout: t.unmap(stdout.Bytes()), Stderr: t.unmap(stderr.Bytes()), Duration: time.Since(start)}
	var exit *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit):
		res.ExitCode = exit.ExitCode()
	case ctx.Err() != nil:
		res.ExitCode = exitTimedOut
	default:
		return res, fmt.Errorf("sandbox: run %s %s: %w", name, strings.Join(args, " "), err)
	}
	switch res.ExitCode {
	case exitTimedOut:
		if res.Duration >= timeout || ctx.Err() != nil {
			res.TimedOut, res.ExitCode = true, -1
		}
	case exitHelper:
		if msg := helperMessage(res.Stderr); msg != "" {
			return res, fmt.Errorf("sandbox: run %s: %s", name, msg)
		}
	}
	return res, nil
}

// helperMessage is the helper's own complaint in a command's stderr.
func helperMessage(stderr []byte) string {
	for _, line := range strings.Split(string(stderr), "\n") {
		if msg, ok := strings.CutPrefix(line, "optimizer sandbox: "); ok {
			return msg
		}
	}
	return ""
}

// treeEnv is the environment of t's commands.
func (r *Runner) treeEnv(t *tree) []string {
	private := filepath.Join(t.home, "layer")
	if t.role == Base {
		private = r.shared
	}
	return append(r.baseEnv(),
		"HOME="+t.home,
		"TMPDIR="+filepath.Join(t.home, "tmp"),
		"GOPATH="+filepath.Join(t.home, "gopath"),
		"GOCACHE="+filepath.Join(t.home, "gocache"),
		"GOCACHEPROG="+strings.Join([]string{r.helper, cacheProgArg, r.shared, private}, " "),
	)
}

// spec is the helper's instructions for a command of t.
func (r *Runner) spec(t *tree, timeout time.Duration) helperSpec {
	s := helperSpec{
		Stage:      1,
		NetFD:      -1,
		Timeout:    timeout,
		ABI:        r.abi,
		Procs:      r.procs,
		Files:      limitFiles,
		FileSize:   limitFileSize,
		CPUSeconds: uint64(max(limitCPUMin, 4*int(timeout.Seconds()))),
	}
	if r.abi == 0 {
		return s
	}
	for _, d := range append(systemDirs(), r.GOROOT(), r.modules, filepath.Dir(r.helper), r.shared) {
		// Landlock opens each path as the child: one it cannot open
		// would fail the ruleset, and it could not read it anyway.
		if t.uid >= 0 && reachable(d, uint32(t.uid), uint32(t.uid)) == nil || t.uid < 0 && openable(d) {
			s.ReadExec = append(s.ReadExec, d)
		}
	}
	s.ReadWrite = []string{t.dir, t.home}
	if t.role == Base {
		s.ReadWrite = append(s.ReadWrite, r.shared)
	}
	s.Devices = []string{"/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom"}
	return s
}

// openable reports whether this process can open path, or path does not
// exist (Landlock's rule then ignores it).
func openable(path string) bool {
	f, err := os.Open(path)
	if err == nil {
		f.Close()
		return true
	}
	return errors.Is(err, fs.ErrNotExist)
}

// systemDirs are the directories every command may read and execute: the
// system's programs and libraries (a C compiler for cgo and -race),
// configuration, and the directories of PATH that are not a home.
//
// /proc is among them because programs read their own files there: the
// race detector takes GORACE from /proc/self/environ (without it every
// -race test binary sleeps its default second at exit), and the Go runtime
// sizes GOMAXPROCS from /proc/self/cgroup. What /proc holds of other
// processes stays closed: their environ, memory, fds and root are behind
// the kernel's ptrace check, which the run's own uid fails (as root) and
// Landlock fails for every process outside the command's domain.
func systemDirs() []string {
	dirs := []string{"/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc", "/sys", "/proc"}
	home, _ := os.UserHomeDir()
	for _, d := range filepath.SplitList(os.Getenv("PATH")) {
		if d == "" || !filepath.IsAbs(d) || d == "/" || home != "" && (within(home, d) || within(d, home)) {
			continue
		}
		dirs = append(dirs, d)
	}
	return dirs
}

// sweep kills every process of t's uid and removes what the uid left in
// the machine's shared temporary directories. The caller holds t.mu and no
// command of t runs.
func (r *Runner) sweep(t *tree) {
	if t.uid < 0 {
		return
	}
	for range 100 {
		n := 0
		for _, pid := range procPIDs() {
			if uid, ok := uidOf(pid); ok && uid == t.uid {
				syscall.Kill(pid, syscall.SIGKILL)
				n++
			}
		}
		if n == 0 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	for _, dir := range []string{"/dev/shm", os.TempDir(), "/var/tmp"} {
		entries, err := os.ReadDir(dir)
		if err != nil {
			continue
		}
		for _, e := range entries {
			fi, err := e.Info()
			if err != nil {
				continue
			}
			if st, ok := fi.Sys().(*syscall.Stat_t); ok && int(st.Uid) == t.uid {
				removeAll(filepath.Join(dir, e.Name()))
			}
		}
	}
}

// countThreads counts the threads of uid's processes: RLIMIT_NPROC counts
// them all, so a non-root limit must leave room for what already runs.
func countThreads(uid int) int {
	n := 0
	for _, pid := range procPIDs() {
		if u, ok := uidOf(pid); ok && u == uid {
			if b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status"); err == nil {
				for _, line := range strings.Split(string(b), "\n") {
					if v, ok := strings.CutPrefix(line, "Threads:"); ok {
						k, _ := strconv.Atoi(strings.TrimSpace(v))
						n += k
					}
				}
			}
		}
	}
	return n
}

// ephemeralPorts is the kernel's range of ports for outgoing connections
// and port-0 listeners: what tests that start a server on 127.0.0.1:0 and
// dial it use.
func ephemeralPorts() [2]int {
	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err == nil {
		f := strings.Fields(string(b))
		if len(f) == 2 {
			lo, err1 := strconv.Atoi(f[0])
			hi, err2 := strconv.Atoi(f[1])
			if err1 == nil && err2 == nil && 0 < lo && lo <= hi && hi < 65536 {
				return [2]int{lo, hi}
			}
		}
	}
	return [2]int{32768, 60999}
}

// probe runs one command through the whole machinery, so that a mechanism
// that the platform refuses fails here, with its reason, rather than as a
// test failure of every candidate.
func (r *Runner) probe(ctx context.Context) error {
	dir, err := r.Scratch("probe-")
	if err != nil {
		return err
	}
	defer r.Release(dir)
	res, err := r.Run(ctx, dir, time.Minute, "go", "env", "GOROOT")
	if err != nil {
		return fmt.Errorf("sandbox: the platform refused the sandbox: %w", err)
	}
	if res.ExitCode != 0 {
		return fmt.Errorf("sandbox: the go command fails in the sandbox (exit %d): %s", res.ExitCode, strings.TrimSpace(string(res.Stderr)))
	}
	return nil
}

// start starts cmd, in a fresh network namespace when the Runner has one:
// the namespace is made on a locked thread that starts the child and then
// ends with its goroutine, so no other goroutine ever runs in it.
func (r *Runner) start(cmd *exec.Cmd) error {
	if !r.netns {
		return cmd.Start()
	}
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread ends with us
		if err := syscall.Unshare(syscall.CLONE_NEWNET); err != nil {
			errc <- fmt.Errorf("network namespace: %w", err)
			return
		}
		if err := loopbackUp(); err != nil {
			errc <- fmt.Errorf("network namespace: %w", err)
			return
		}
		errc <- cmd.Start()
	}()
	return <-errc
}

// netnsWorks reports whether this process may make network namespaces.
func netnsWorks() bool {
	ok := make(chan bool, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread ends with us
		ok <- syscall.Unshare(syscall.CLONE_NEWNET) == nil && loopbackUp() == nil
	}()
	return <-ok
}

// loopbackUp brings up lo in the calling thread's network namespace, so
// that tests can still listen on and dial 127.0.0.1.
func loopbackUp() error {
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_DGRAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("loopback: %w", err)
	}
	defer syscall.Close(fd)
	var req struct {
		name  [syscall.IFNAMSIZ]byte
		flags uint16
		_     [22]byte
	}
	copy(req.name[:], "lo")
	if _, _, errno := syscall.Syscall(syscall.SYS_IOCTL, uintptr(fd), syscall.SIOCGIFFLAGS, uintptr(unsafe.Pointer(&req))); errno != 0 {
		return fmt.Errorf("loopback: %w", errno)
	}
	req.flags |= syscall.IFF_UP
	if _, _, errno := syscall.Syscall(syscall.SYS_IOCTL, uintptr(fd), syscall.SIOCSIFFLAGS, uintptr(unsafe.Pointer(&req))); errno != 0 {
		return fmt.Errorf("loopback: %w", errno)
	}
	return nil
}

// fileID is a file's inode and status-change time: a file a child
// rewrote, even to the same size and modification time, changes both or
// the latter, which no one can set back.
func fileID(fi fs.FileInfo) (ino uint64, ctime int64) {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return st.Ino, st.Ctim.Nano()
	}
	return 0, fi.ModTime().UnixNano()
}
