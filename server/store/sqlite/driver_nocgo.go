//go:build !cgo

package sqlite

// Without cgo, mattn/go-sqlite3 is a stub that cannot open a database:
// Open refuses at once with ErrNoCgo, so nothing else here runs.
const cgoEnabled = false

func mapDriverErr(err error) error { return err }

func abortsTx(error) bool { return false }
