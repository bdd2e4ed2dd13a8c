// Package migration reads a store backend's embedded schema migrations:
// files named NNNN_description.sql, applied in version order. Each backend
// embeds its own files and applies them its own way (transactions, locks
// and the schema_migrations table are SQL of the backend).
package migration

import (
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
)

// Migration is one schema change.
type Migration struct {
	// Version is the number the file name starts with.
	Version int
	// Name is the file name, e.g. "0004_notes.sql".
	Name string
	// SQL is the file's content.
	SQL string
}

// Load returns the migrations in dir of fsys in version order; a file
// whose name does not start with a version number is an error.
func Load(fsys fs.FS, dir string) ([]Migration, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, err
	}
	var out []Migration
	for _, e := range entries {
		prefix, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(prefix)
		if !ok || err != nil {
			return nil, fmt.Errorf("migration %q: name must start with a version number", e.Name())
		}
		body, err := fs.ReadFile(fsys, path.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		out = append(out, Migration{Version: v, Name: e.Name(), SQL: string(body)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	return out, nil
}

// Latest is the highest version of ms (sorted by Load); 0 when empty.
func Latest(ms []Migration) int {
	if len(ms) == 0 {
		return 0
	}
	return ms[len(ms)-1].Version
}
