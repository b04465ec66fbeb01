package sandbox

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"unsafe"
)

// isolate finds out what the platform allows: as root, children drop to
// ChildUID with a private HOME and build cache of their own; a fresh network
// namespace where unshare works.
func (r *Runner) isolate() error {
	r.netns = netnsWorks()
	if !r.netns {
		r.notes = append(r.notes, "network: no network namespace (unshare(CLONE_NEWNET) is not permitted here)")
	}
	if os.Geteuid() != 0 {
		r.notes = append(r.notes, "uid: the optimizer is not root, so children run as its own uid")
		return nil
	}
	cred := &syscall.Credential{Uid: ChildUID, Gid: ChildGID, Groups: []uint32{}}
	if err := os.Chown(r.home, ChildUID, ChildGID); err != nil {
		return fmt.Errorf("sandbox: private home: %w", err)
	}
	cache, err := childCache()
	if err != nil {
		return err
	}
	r.cred, r.cache = cred, cache
	r.Need(r.GOROOT())
	return nil
}

// childCache returns the children's build cache, shared by every Runner
// of the machine so that it stays warm across runs: a directory in the
// temporary directory owned by ChildUID. One that is not a plain directory
// owned by root or ChildUID is not trusted.
func childCache() (string, error) {
	dir := filepath.Join(os.TempDir(), fmt.Sprintf("optimizer-gocache-%d", ChildUID))
	if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
		return "", fmt.Errorf("sandbox: build cache: %w", err)
	}
	fi, err := os.Lstat(dir)
	if err != nil {
		return "", fmt.Errorf("sandbox: build cache: %w", err)
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !fi.IsDir() || !ok || st.Uid != 0 && st.Uid != ChildUID {
		return "", fmt.Errorf("sandbox: build cache %s is not a directory of root or uid %d; remove it", dir, ChildUID)
	}
	if err := os.Lchown(dir, ChildUID, ChildGID); err != nil {
		return "", fmt.Errorf("sandbox: build cache: %w", err)
	}
	return dir, nil
}

// Need tells the Runner that children must be able to read path (a
// directory: the worktree base, the module cache). If the unprivileged uid
// cannot reach it, children run as the optimizer's own uid instead, and
// Isolation says why: a sandbox that fails every build would reject every
// candidate.
func (r *Runner) Need(path string) {
	if r.cred == nil || path == "" {
		return
	}
	if err := reachable(path, r.cred.Uid, r.cred.Gid); err != nil {
		r.cred = nil
		r.notes = append(r.notes, fmt.Sprintf("uid: children run as uid %d: %v", os.Getuid(), err))
	}
}

// Hide makes path (the repository's git directory) unreadable to children
// until Close, by clearing its permission bits for others (and for its
// group, when that is the children's group). Owner and group keep their
// access, so git, run by the optimizer, is unaffected. Without a dropped
// uid it does nothing: the children could read it anyway.
func (r *Runner) Hide(path string) error {
	if r.cred == nil {
		return nil
	}
	fi, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("sandbox: hide %s: %w", path, err)
	}
	hidden := fi.Mode().Perm() &^ 0o007
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		if st.Uid == r.cred.Uid {
			return fmt.Errorf("sandbox: hide %s: it belongs to uid %d, the children's", path, st.Uid)
		}
		if st.Gid == r.cred.Gid {
			hidden &^= 0o070
		}
	}
	if err := os.Chmod(path, fi.Mode()&^fs.ModePerm|hidden); err != nil {
		return fmt.Errorf("sandbox: hide %s: %w", path, err)
	}
	r.hidden = append(r.hidden, hiddenPath{path: path, mode: fi.Mode()})
	return nil
}

// reachable reports whether uid/gid (with no supplementary groups) can
// search every directory on the way to path and read path. Directories
// that do not exist yet are fine: root creates them with mode 0755.
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

// chownTree gives dir and everything below it to uid and gid. It works on
// file descriptors, never following a symbolic link, so a child that left
// links behind cannot make it change files elsewhere; files with more than
// one link are left alone for the same reason.
func chownTree(dir string, uid, gid int) error {
	fd, err := syscall.Open(dir, syscall.O_RDONLY|syscall.O_DIRECTORY|syscall.O_NOFOLLOW|syscall.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open %s: %w", dir, err)
	}
	if err := syscall.Fchown(fd, uid, gid); err != nil {
		syscall.Close(fd)
		return fmt.Errorf("chown %s: %w", dir, err)
	}
	return chownBelow(fd, uid, gid)
}

// chownBelow changes the owner of the entries of the directory open as fd,
// recursively, and closes fd.
func chownBelow(fd, uid, gid int) error {
	f := os.NewFile(uintptr(fd), "")
	defer f.Close()
	entries, err := f.ReadDir(-1)
	if err != nil {
		return err
	}
	for _, e := range entries {
		switch t := e.Type(); {
		case t&fs.ModeSymlink != 0:
			continue
		case t.IsDir():
			sub, err := syscall.Openat(fd, e.Name(), syscall.O_RDONLY|syscall.O_DIRECTORY|syscall.O_NOFOLLOW|syscall.O_CLOEXEC, 0)
			if err != nil {
				continue
			}
			if err := syscall.Fchown(sub, uid, gid); err != nil {
				syscall.Close(sub)
				return err
			}
			if err := chownBelow(sub, uid, gid); err != nil {
				return err
			}
		case t.IsRegular():
			file, err := syscall.Openat(fd, e.Name(), syscall.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0)
			if err != nil {
				continue
			}
			var st syscall.Stat_t
			if syscall.Fstat(file, &st) == nil && st.Nlink == 1 {
				// A file that stays the optimizer's is only not
				// writable by the child: that is not worth failing for.
				_ = syscall.Fchown(file, uid, gid)
			}
			syscall.Close(file)
		}
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
