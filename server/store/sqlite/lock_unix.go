//go:build unix

package sqlite

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"syscall"

	"github.com/supportd/supportd/server/store"
)

// acquireLock takes the lock of the database at path without waiting;
// store.ErrInUse if another open holds it (in this process or another).
func acquireLock(path string) (*fileLock, error) {
	name := lockPath(path)
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE, 0o600)
	if errors.Is(err, os.ErrPermission) {
		// A lock file left by another user (keys create run as root):
		// flock needs no write access, only the pid note does.
		f, err = os.Open(name)
	}
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", name, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		holder := readHolder(f)
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("%w: %s is open in another process (%slock file %s)", store.ErrInUse, path, holder, name)
		}
		return nil, fmt.Errorf("lock %s: %w", name, err)
	}
	// The holder's pid, for the message of the next one who tries.
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return &fileLock{f: f}, nil
}
