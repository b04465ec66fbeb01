package sandbox

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"syscall"
)

// The uids children run as, when the optimizer is root: slots of
// slotSize uids from firstUID on. A run holds one slot (an exclusive lock
// on a file) for its whole life, so concurrent runs on a machine never
// share a uid. In a slot, the first uid is the base's and the others go to
// candidate trees in turn. The range lies in what Debian reserves and
// never allocates (65000–65533), below 65536 so that it is mapped in
// user-namespaced containers too.
const (
	firstUID = 65000
	slotSize = 64
	slots    = 8
)

type identities struct {
	first int
	lock  *os.File

	mu   sync.Mutex
	used map[int]bool
	next int
}

// takeSlot locks a free slot in dir.
func takeSlot(dir string) (*identities, error) {
	locks := filepath.Join(dir, "slots")
	if err := os.Mkdir(locks, 0o755); err != nil && !os.IsExist(err) {
		return nil, fmt.Errorf("sandbox: %w", err)
	}
	for s := range slots {
		f, err := os.OpenFile(filepath.Join(locks, fmt.Sprintf("slot-%d.lock", s)), os.O_RDWR|os.O_CREATE|syscall.O_NOFOLLOW, 0o600)
		if err != nil {
			return nil, fmt.Errorf("sandbox: uid slot: %w", err)
		}
		if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
			f.Close()
			continue
		}
		return &identities{first: firstUID + s*slotSize, lock: f, used: map[int]bool{}}, nil
	}
	return nil, fmt.Errorf("sandbox: %w: all %d uid slots are taken by runs on this machine (wait for one to end)", ErrIsolation, slots)
}

func (ids *identities) String() string {
	return fmt.Sprintf("%d-%d", ids.first, ids.first+slotSize-1)
}

// base is the uid of the base's trees.
func (ids *identities) base() int { return ids.first }

// take hands out a candidate uid that no live tree has, in turn.
func (ids *identities) take() int {
	ids.mu.Lock()
	defer ids.mu.Unlock()
	for range slotSize {
		ids.next = ids.next%(slotSize-1) + 1
		uid := ids.first + ids.next
		if !ids.used[uid] {
			ids.used[uid] = true
			return uid
		}
	}
	// Every uid has a live tree: share the least bad way, with the last.
	return ids.first + ids.next
}

func (ids *identities) give(uid int) {
	ids.mu.Lock()
	delete(ids.used, uid)
	ids.mu.Unlock()
}

func (ids *identities) release() {
	ids.lock.Close()
}
