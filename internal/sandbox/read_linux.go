package sandbox

import (
	"fmt"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// ReadFile reads a file that code under test may have written or replaced
// (a coverage profile, a CPU profile, a fuzz input): no symbolic link is
// followed, only a regular file is read (a FIFO would block the optimizer,
// a link to /proc/<pid>/environ would quote its environment), and at most
// max bytes.
func ReadFile(path string, max int64) ([]byte, error) {
	b, err := readRegular(path, max)
	if err != nil {
		return nil, fmt.Errorf("sandbox: read %s: %w", path, err)
	}
	return b, nil
}

// openRegular opens path for reading without following a final symbolic
// link and without blocking, and checks that it is a regular file.
func openRegular(path string) (*os.File, error) {
	// openat2 refuses a symbolic link anywhere on the path, not only at
	// its end: a child could swap a directory of its own for a link.
	how := &unix.OpenHow{
		Flags:   unix.O_RDONLY | unix.O_NONBLOCK | unix.O_CLOEXEC | unix.O_NOCTTY,
		Resolve: unix.RESOLVE_NO_SYMLINKS | unix.RESOLVE_NO_MAGICLINKS,
	}
	fd, err := unix.Openat2(unix.AT_FDCWD, path, how)
	if err == unix.ENOSYS {
		fd, err = unix.Open(path, unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_NONBLOCK|unix.O_CLOEXEC|unix.O_NOCTTY, 0)
	}
	if err != nil {
		if err == unix.ELOOP {
			return nil, fmt.Errorf("%w: a symbolic link on the path", ErrNotRegular)
		}
		return nil, err
	}
	var st syscall.Stat_t
	if err := syscall.Fstat(fd, &st); err != nil {
		syscall.Close(fd)
		return nil, err
	}
	if st.Mode&syscall.S_IFMT != syscall.S_IFREG {
		syscall.Close(fd)
		return nil, fmt.Errorf("%w (mode %o)", ErrNotRegular, st.Mode&syscall.S_IFMT)
	}
	return os.NewFile(uintptr(fd), path), nil
}
