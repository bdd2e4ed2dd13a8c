// Package dburl opens a store from the --db value of the supportd
// commands: a file path or sqlite:PATH means the embedded SQLite backend,
// postgres://... or postgresql://... the PostgreSQL backend (several
// replicas may share it). Pool size and connection settings of PostgreSQL
// are URL parameters (pool_max_conns=N, sslmode=..., see pgx).
package dburl

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/supportd/supportd/server/store"
	"github.com/supportd/supportd/server/store/postgres"
	"github.com/supportd/supportd/server/store/sqlite"
)

// Kind is a store backend.
type Kind string

// The backends a --db value names.
const (
	SQLite     Kind = "sqlite"
	PostgreSQL Kind = "postgres"
)

// Parse returns the backend db names and what to open it with: the file
// path of SQLite, the URL of PostgreSQL.
func Parse(db string) (Kind, string, error) {
	switch {
	case db == "":
		return "", "", errors.New("--db is empty: give a SQLite file path or a postgres:// URL")
	case strings.HasPrefix(db, "postgres://"), strings.HasPrefix(db, "postgresql://"):
		return PostgreSQL, db, nil
	case strings.HasPrefix(db, "sqlite://"):
		return SQLite, strings.TrimPrefix(db, "sqlite://"), nil
	case strings.HasPrefix(db, "sqlite:"):
		return SQLite, strings.TrimPrefix(db, "sqlite:"), nil
	case strings.Contains(db, "://"):
		return "", "", fmt.Errorf("--db %q: unknown scheme: use a file path, sqlite:PATH or postgres://...", Redact(db))
	}
	return SQLite, db, nil
}

// Options tunes the store Open opens; zero values take defaults.
type Options struct {
	// CachedTickets is the SQLite store's ticket index size
	// (limits.cached_tickets; sqlite.Options.TicketIndex).
	CachedTickets int
	// CachedDirectoryEntries is the SQLite store's directory cache size
	// per kind of record (limits.cached_directory_entries;
	// sqlite.Options.DirectoryCache).
	CachedDirectoryEntries int
}

// Open opens the store db names, applying its pending migrations.
func Open(ctx context.Context, db string, opts Options) (store.Store, error) {
	kind, target, err := Parse(db)
	if err != nil {
		return nil, err
	}
	if kind == PostgreSQL {
		return postgres.Open(ctx, target, postgres.Options{})
	}
	return sqlite.Open(ctx, target, sqlite.Options{TicketIndex: opts.CachedTickets, DirectoryCache: opts.CachedDirectoryEntries})
}

// Migrate applies the pending migrations of the database db names and
// returns its schema version.
func Migrate(ctx context.Context, db string) (int, error) {
	kind, target, err := Parse(db)
	if err != nil {
		return 0, err
	}
	if kind == PostgreSQL {
		return postgres.Migrate(ctx, target)
	}
	st, err := sqlite.Open(ctx, target, sqlite.Options{})
	if err != nil {
		return 0, err
	}
	return sqlite.SchemaVersion(), st.Close()
}

// Redact returns db without the password of a URL, for logs and errors.
func Redact(db string) string {
	scheme, rest, ok := strings.Cut(db, "://")
	if !ok {
		return db
	}
	userinfo, host, ok := strings.Cut(rest, "@")
	if !ok || strings.Contains(userinfo, "/") {
		return db
	}
	if user, _, hasPass := strings.Cut(userinfo, ":"); hasPass {
		return scheme + "://" + user + ":xxxxx@" + host
	}
	return db
}
