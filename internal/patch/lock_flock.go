//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package patch

import (
	"errors"
	"os"
	"syscall"
)

// lockDir takes an exclusive lock on the directory dir, waiting for it, and
// returns the function that releases it. The lock excludes other processes
// and other goroutines alike, since each call opens the directory anew.
func lockDir(dir string) (unlock func(), err error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, err
	}
	for {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX)
		if !errors.Is(err, syscall.EINTR) {
			break
		}
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}
