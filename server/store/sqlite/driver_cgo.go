//go:build cgo

package sqlite

import (
	"errors"
	"fmt"
	"syscall"

	sqlite3 "github.com/mattn/go-sqlite3"

	"github.com/supportd/supportd/server/store"
)

// cgoEnabled says whether the SQLite driver (C code, through cgo) is in
// this binary.
const cgoEnabled = true

// mapDriverErr maps the driver's constraint and full-disk errors to the
// store's sentinel errors.
func mapDriverErr(err error) error {
	var se sqlite3.Error
	if errors.As(err, &se) {
		switch se.ExtendedCode {
		case sqlite3.ErrConstraintPrimaryKey, sqlite3.ErrConstraintUnique:
			return fmt.Errorf("%w: %v", store.ErrAlreadyExists, err)
		case sqlite3.ErrConstraintForeignKey:
			return fmt.Errorf("%w: parent record: %v", store.ErrNotFound, err)
		}
		if isFull(se) {
			return fmt.Errorf("%w: %w", store.ErrStorageFull, err)
		}
	}
	return err
}

// isFull reports a full disk or quota: SQLITE_FULL, or an I/O error whose
// system errno says no space (SQLite reports some failed writes, e.g. of
// the shared-memory index, as IOERR with errno ENOSPC).
func isFull(se sqlite3.Error) bool {
	return se.Code == sqlite3.ErrFull ||
		(se.Code == sqlite3.ErrIoErr && (se.SystemErrno == syscall.ENOSPC || se.SystemErrno == syscall.EDQUOT))
}

// abortsTx reports an error after which SQLite may have rolled back the
// whole transaction by itself (a full disk, an I/O error, no memory, a
// busy or interrupted statement): the writer must stop using it, since a
// later SAVEPOINT would open a new transaction of its own.
func abortsTx(err error) bool {
	if errors.Is(err, store.ErrStorageFull) {
		return true
	}
	var se sqlite3.Error
	if !errors.As(err, &se) {
		return false
	}
	switch se.Code {
	case sqlite3.ErrFull, sqlite3.ErrIoErr, sqlite3.ErrNomem, sqlite3.ErrBusy, sqlite3.ErrInterrupt, sqlite3.ErrCorrupt:
		return true
	}
	return false
}
