package sqlite

import (
	"os"
	"strconv"
	"strings"
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
