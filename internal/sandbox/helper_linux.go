package sandbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/landlock-lsm/go-landlock/landlock"
	llsys "github.com/landlock-lsm/go-landlock/landlock/syscall"
	"golang.org/x/sys/unix"
)

// helperArg is os.Args[1] of a process started as the sandbox's helper:
// the optimizer's own binary (or a test binary that imports this package),
// run again as the first process of every sandboxed command.
const helperArg = "__optimizer-sandbox"

// The helper is entered from init, before main or TestMain parse flags: a
// process started as the helper must never run the optimizer itself. It
// does nothing in any other process.
func init() {
	if len(os.Args) > 2 && os.Args[1] == helperArg {
		os.Exit(helperMain(os.Args[2], os.Args[3:]))
	}
	if len(os.Args) > 3 && os.Args[1] == cacheProgArg {
		os.Exit(cacheProgMain(os.Args[2], os.Args[3]))
	}
}

// helperSpec is what a command's helper is told, as JSON in its argv.
type helperSpec struct {
	// Stage 1 stays outside every restriction: it is the reaper that
	// kills what the command leaves. Stage 2 applies the limits and
	// Landlock, then becomes the command.
	Stage   int
	Timeout time.Duration
	// Landlock rules; Landlock is off when ABI is 0.
	ABI       int
	ReadExec  []string // read and execute
	ReadWrite []string // everything, execution included
	Devices   []string // read and write, single files
	// NetFD is the descriptor of a ruleset for TCP that the Runner made
	// once (it has a rule per allowed port: too many to make per
	// command), stacked under the paths' ruleset; -1 for none.
	NetFD    int
	NetFlags uint32
	// Limits (setrlimit); 0 leaves a limit as it is.
	Procs, Files, FileSize, CPUSeconds uint64
}

// exitHelper is the exit code of a helper that could not start the
// command: the Runner reports it as an error, never as a test result.
const exitHelper = 125

// helperMain runs one stage of the helper and returns its exit code.
func helperMain(specJSON string, argv []string) int {
	var spec helperSpec
	if err := json.Unmarshal([]byte(specJSON), &spec); err != nil || len(argv) == 0 {
		fmt.Fprintf(os.Stderr, "optimizer sandbox: bad helper invocation: %v\n", err)
		return exitHelper
	}
	if spec.Stage == 1 {
		return reaper(spec, argv)
	}
	// Stage 2 enforces Landlock on this thread only and then execs: the
	// restriction passes to the command, and no other thread matters.
	runtime.LockOSThread()
	if err := confineSelf(spec); err != nil {
		fmt.Fprintf(os.Stderr, "optimizer sandbox: %v\n", err)
		return exitHelper
	}
	path, err := exec.LookPath(argv[0])
	if err != nil {
		fmt.Fprintf(os.Stderr, "optimizer sandbox: %v\n", err)
		return exitHelper
	}
	err = syscall.Exec(path, argv, os.Environ())
	fmt.Fprintf(os.Stderr, "optimizer sandbox: exec %s: %v\n", path, err)
	return exitHelper
}

// reaper is stage 1: a child subreaper that starts stage 2, waits for it
// (at most spec.Timeout), and then kills every process left below it,
// however it detached (setsid, double fork): orphans are re-parented to
// the nearest subreaper, which is this process.
func reaper(spec helperSpec, argv []string) int {
	if _, _, err := syscall.RawSyscall(syscall.SYS_PRCTL, prSetChildSubreaper, 1, 0); err != 0 {
		fmt.Fprintf(os.Stderr, "optimizer sandbox: subreaper: %v\n", err)
		return exitHelper
	}
	signal.Ignore(syscall.SIGINT, syscall.SIGQUIT, syscall.SIGHUP) // the Runner decides when to stop
	term := make(chan os.Signal, 1)
	signal.Notify(term, syscall.SIGTERM)
	spec.Stage = 2
	js, _ := json.Marshal(spec)
	cmd := exec.Command("/proc/self/exe", append([]string{helperArg, string(js)}, argv...)...)
	cmd.Args[0] = argv[0]
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	if spec.NetFD >= 0 {
		cmd.ExtraFiles = []*os.File{os.NewFile(uintptr(spec.NetFD), "landlock-net")}
	}
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(os.Stderr, "optimizer sandbox: start: %v\n", err)
		return exitHelper
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	// If the optimizer dies (killed, or quit at once), the command ends
	// with it: this process is re-parented, and notices.
	parent := os.Getppid()
	go func() {
		for range time.Tick(200 * time.Millisecond) {
			if os.Getppid() != parent {
				term <- syscall.SIGTERM
				return
			}
		}
	}()
	timer := time.NewTimer(spec.Timeout)
	code := 0
	select {
	case err := <-done:
		code = exitCode(err)
	case <-timer.C:
		code = exitTimedOut
	case <-term:
		code = exitTimedOut
	}
	killDescendants()
	return code
}

// exitTimedOut is the helper's exit code when the command ran out of time.
const exitTimedOut = 124

const prSetChildSubreaper = 36

func exitCode(err error) int {
	var exit *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &exit):
		if ws, ok := exit.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return 128 + int(ws.Signal())
		}
		return exit.ExitCode()
	}
	return exitHelper
}

// killDescendants kills every process below this one until none is left.
// A process that forks while it is being killed leaves a child that is
// re-parented here and found in the next round.
func killDescendants() {
	self := os.Getpid()
	for round := 0; round < 200; round++ {
		pids := descendants(self)
		for _, pid := range pids {
			syscall.Kill(pid, syscall.SIGKILL)
		}
		for { // reap whatever has become a zombie child of ours
			var ws syscall.WaitStatus
			pid, err := syscall.Wait4(-1, &ws, syscall.WNOHANG, nil)
			if pid <= 0 || err != nil {
				break
			}
		}
		if len(pids) == 0 {
			return
		}
		time.Sleep(time.Millisecond)
	}
}

// descendants lists the processes below pid, from /proc.
func descendants(pid int) []int {
	children := map[int][]int{}
	for _, p := range procPIDs() {
		if ppid, ok := parentOf(p); ok {
			children[ppid] = append(children[ppid], p)
		}
	}
	var out []int
	queue := []int{pid}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		for _, c := range children[p] {
			out = append(out, c)
			queue = append(queue, c)
		}
	}
	return out
}

// procPIDs lists the process ids in /proc.
func procPIDs() []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var pids []int
	for _, e := range entries {
		if pid, err := strconv.Atoi(e.Name()); err == nil {
			pids = append(pids, pid)
		}
	}
	return pids
}

// parentOf reads a process's parent id from /proc/<pid>/stat; the name in
// parentheses may hold spaces and parentheses itself, so the fields are
// counted after its last ')'.
func parentOf(pid int) (int, bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, false
	}
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return 0, false
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 2 {
		return 0, false
	}
	ppid, err := strconv.Atoi(f[1])
	return ppid, err == nil
}

// uidOf reads a process's real uid from /proc/<pid>/status.
func uidOf(pid int) (int, bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, false
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "Uid:"); ok {
			f := strings.Fields(rest)
			if len(f) > 0 {
				uid, err := strconv.Atoi(f[0])
				return uid, err == nil
			}
		}
	}
	return 0, false
}

// confineSelf is stage 2's restriction of itself, kept across exec: the
// resource limits, no core dumps, and Landlock.
func confineSelf(spec helperSpec) error {
	limits := []struct {
		res int
		val uint64
	}{
		{syscall.RLIMIT_CORE, 0},
		{rlimitNproc, spec.Procs},
		{syscall.RLIMIT_NOFILE, spec.Files},
		{syscall.RLIMIT_FSIZE, spec.FileSize},
		{syscall.RLIMIT_CPU, spec.CPUSeconds},
	}
	for _, l := range limits {
		if l.val == 0 && l.res != syscall.RLIMIT_CORE {
			continue
		}
		var cur syscall.Rlimit
		if err := syscall.Getrlimit(l.res, &cur); err != nil {
			return fmt.Errorf("getrlimit %d: %w", l.res, err)
		}
		v := min(l.val, cur.Max)
		if err := syscall.Setrlimit(l.res, &syscall.Rlimit{Cur: v, Max: v}); err != nil {
			return fmt.Errorf("setrlimit %d to %d: %w", l.res, v, err)
		}
	}
	if spec.ABI == 0 {
		return nil
	}
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		return fmt.Errorf("no_new_privs: %w", err)
	}
	if spec.NetFD >= 0 {
		err := llsys.LandlockRestrictSelf(spec.NetFD, spec.NetFlags)
		unix.Close(spec.NetFD)
		if err != nil {
			return fmt.Errorf("landlock (network): %w", err)
		}
	}
	fd, flags, err := pathConfig(spec.ABI).NewRulesetFD(
		landlock.RODirs(spec.ReadExec...).IgnoreIfMissing(),
		// From ABI 9 on, connecting to a UNIX socket by path is governed
		// too: only sockets in the command's own directories.
		landlock.RWDirs(spec.ReadWrite...).WithRefer().WithResolveUnix().IgnoreIfMissing(),
		landlock.RWFiles(spec.Devices...).WithIoctlDev().IgnoreIfMissing(),
	)
	if err != nil {
		return fmt.Errorf("landlock: %w", err)
	}
	defer unix.Close(fd)
	if err := llsys.LandlockRestrictSelf(fd, flags); err != nil {
		return fmt.Errorf("landlock: %w", err)
	}
	return nil
}

// netRuleset makes the ruleset that confines TCP where there is no network
// namespace: bind only to an ephemeral port (port 0), connect only to the
// ephemeral range, where the listeners of tests are; the machine's services
// (an IPFS API, a metadata endpoint) listen below it.
func netRuleset(abi int, ports [2]int) (fd int, flags uint32, err error) {
	cfg := configFor(abi)
	cfg.HandledAccessFS, cfg.Scoped = 0, 0
	rules := []landlock.Rule{landlock.BindTCP(0)}
	for p := ports[0]; p > 0 && p <= ports[1]; p++ {
		rules = append(rules, landlock.ConnectTCP(uint16(p)))
	}
	return cfg.NewRulesetFD(rules...)
}

const rlimitNproc = 6 // RLIMIT_NPROC on Linux

// configFor is the strictest configuration the kernel's ABI allows.
func configFor(abi int) landlock.Config {
	configs := []landlock.Config{landlock.V1, landlock.V2, landlock.V3, landlock.V4, landlock.V5, landlock.V6, landlock.V7, landlock.V8, landlock.V9}
	return configs[min(abi, len(configs))-1]
}

// pathConfig handles files and the IPC scopes (signals and abstract
// sockets to processes outside the command's domain); TCP is netRuleset's.
func pathConfig(abi int) landlock.Config {
	cfg := configFor(abi)
	cfg.HandledAccessNet = 0
	return cfg
}

// landlockABI is the kernel's Landlock ABI version, 0 when there is none.
func landlockABI() int {
	v, err := llsys.LandlockGetABIVersion()
	if err != nil {
		return 0
	}
	return v
}
