package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// Backup writes a consistent copy of the database at path to the new file
// out, while a server may be writing to it: VACUUM INTO copies one read
// snapshot (a committed state, WAL included) into a compact file. The copy
// must pass SQLite's integrity check before it appears under its name (it
// is written beside out and renamed, then synced); out must not exist.
//
// Backup does not take the database's lock (see Open): a reader never
// disturbs the server, and the server's writes go on during the copy.
func Backup(ctx context.Context, path, out string) error {
	if !cgoEnabled {
		return ErrNoCgo
	}
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("backup source: %w", err)
	}
	if _, err := os.Lstat(out); err == nil {
		return fmt.Errorf("backup %s: the file exists; give a new file name", out)
	}
	tmp, err := os.CreateTemp(filepath.Dir(out), "."+filepath.Base(out)+".partial-")
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	tmpName := tmp.Name()
	tmp.Close()
	// VACUUM INTO needs an absent or empty file; the empty one reserves the name.
	defer os.Remove(tmpName) // a no-op after the rename
	if err := vacuumInto(ctx, path, tmpName); err != nil {
		return err
	}
	if err := CheckIntegrity(ctx, tmpName); err != nil {
		return fmt.Errorf("backup copy failed its check, not kept: %w", err)
	}
	if err := syncFile(tmpName); err != nil {
		return err
	}
	if err := os.Link(tmpName, out); err != nil { // unlike rename, never replaces out
		if errors.Is(err, os.ErrExist) {
			return fmt.Errorf("backup %s: the file exists; give a new file name", out)
		}
		// A file system without hard links: rename (out was absent above).
		if err := os.Rename(tmpName, out); err != nil {
			return fmt.Errorf("backup: %w", err)
		}
	}
	return syncFile(filepath.Dir(out))
}

// vacuumInto copies the database at path into the empty file dst, through
// a read-only connection.
func vacuumInto(ctx context.Context, path, dst string) error {
	db, err := sql.Open("sqlite3", readOnlyDSN(path))
	if err != nil {
		return fmt.Errorf("backup source %s: %w", path, err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, "VACUUM INTO ?", dst); err != nil {
		return fmt.Errorf("backup of %s: %w", path, mapErr(err))
	}
	return nil
}

// CheckIntegrity runs PRAGMA integrity_check on the database at path,
// read-only; it returns the problems found, if any.
func CheckIntegrity(ctx context.Context, path string) error {
	if !cgoEnabled {
		return ErrNoCgo
	}
	db, err := sql.Open("sqlite3", readOnlyDSN(path))
	if err != nil {
		return err
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, "PRAGMA integrity_check")
	if err != nil {
		return fmt.Errorf("integrity check of %s: %w", path, err)
	}
	defer rows.Close()
	var problems []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return err
		}
		if line != "ok" {
			problems = append(problems, line)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("integrity check of %s: %w", path, err)
	}
	if len(problems) > 0 {
		return errors.New("integrity check of " + path + ": " + strings.Join(problems, "; "))
	}
	return nil
}

// readOnlyDSN opens an existing database for reading only, waiting for
// the server's write locks like the store's readers do.
func readOnlyDSN(path string) string {
	q := url.Values{}
	q.Set("mode", "ro")
	q.Set("_busy_timeout", "10000")
	return "file:" + path + "?" + q.Encode()
}

func syncFile(name string) error {
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", name, err)
	}
	return nil
}
