//go:build !unix

package sqlite

// acquireLock does not lock on systems without flock (Windows): there the
// operator must keep to one server per database file.
func acquireLock(string) (*fileLock, error) { return nil, nil }
