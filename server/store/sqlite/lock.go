package sqlite

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"

	"github.com/supportd/supportd/server/store"
)

// fileLock is the exclusive lock of a database: an flock on the sidecar
// file PATH.lock, held from Open to Close. SQLite's own locks only guard
// single transactions; this one keeps a second server (or `keys create`)
// off a database a server has open, whose watchers and sweeps would
// otherwise never see the other process's writes. The kernel releases it
// when the process dies, so a crash leaves no stale lock. The file itself
// stays: removing it would let two processes lock two different inodes.
type fileLock struct {
	f *os.File
}

// lockPath is the sidecar lock file of the database at path.
func lockPath(path string) string { return path + ".lock" }

// acquireLock takes the lock of the database at path without waiting;
// store.ErrInUse if another open holds it (in this process or another).
func acquireLock(path string) (*fileLock, error) {
	name := lockPath(path)
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE, 0o600)
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

// readHolder describes the pid written by the lock's holder, if any.
func readHolder(f *os.File) string {
	buf := make([]byte, 32)
	n, _ := f.ReadAt(buf, 0)
	pid := strings.TrimSpace(string(buf[:n]))
	if _, err := strconv.Atoi(pid); err != nil {
		return ""
	}
	return "pid " + pid + "; "
}

// release drops the lock (closing the file releases the flock).
func (l *fileLock) release() error {
	if l == nil {
		return nil
	}
	return l.f.Close()
}
