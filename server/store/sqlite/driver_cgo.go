//go:build cgo

package sqlite

import (
	"errors"
	"fmt"

	sqlite3 "github.com/mattn/go-sqlite3"

	"github.com/supportd/supportd/server/store"
)

// cgoEnabled says whether the SQLite driver (C code, through cgo) is in
// this binary.
const cgoEnabled = true

// mapDriverErr maps the driver's constraint errors to the store's
// sentinel errors.
func mapDriverErr(err error) error {
	var se sqlite3.Error
	if errors.As(err, &se) {
		switch se.ExtendedCode {
		case sqlite3.ErrConstraintPrimaryKey, sqlite3.ErrConstraintUnique:
			return fmt.Errorf("%w: %v", store.ErrAlreadyExists, err)
		case sqlite3.ErrConstraintForeignKey:
			return fmt.Errorf("%w: parent record: %v", store.ErrNotFound, err)
		}
	}
	return err
}
