package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"time"

	"github.com/supportd/supportd/server/store/migration"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// migrations returns the embedded migrations in version order.
func migrations() ([]migration.Migration, error) {
	return migration.Load(migrationFiles, "migrations")
}

// SchemaVersion is the highest embedded migration version: the schema a
// freshly migrated database has.
func SchemaVersion() int {
	ms, err := migrations()
	if err != nil {
		return 0
	}
	return migration.Latest(ms)
}

// migrate applies the embedded migrations that the database lacks, each in
// its own transaction, and refuses a database newer than this binary.
func migrate(ctx context.Context, db *sql.DB) error {
	return migrateTo(ctx, db, SchemaVersion())
}

// migrateTo is migrate up to version upTo only (tests build databases of
// an older schema with it).
func migrateTo(ctx context.Context, db *sql.DB, upTo int) error {
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_time INTEGER NOT NULL) STRICT`); err != nil {
		return err
	}
	applied, current, err := appliedMigrations(ctx, db)
	if err != nil {
		return err
	}
	ms, err := migrations()
	if err != nil {
		return err
	}
	if len(ms) > 0 && current > ms[len(ms)-1].Version {
		return fmt.Errorf("database schema version %d is newer than this binary's %d", current, ms[len(ms)-1].Version)
	}
	// Every missing version is applied, not only those above the highest
	// applied one: migrations written in parallel may land out of order.
	for _, m := range ms {
		if applied[m.Version] || m.Version > upTo {
			continue
		}
		if err := applyMigration(ctx, db, m); err != nil {
			return fmt.Errorf("%s: %w", m.Name, err)
		}
	}
	return nil
}

// appliedMigrations returns the versions recorded in schema_migrations and
// the highest of them.
func appliedMigrations(ctx context.Context, db *sql.DB) (map[int]bool, int, error) {
	rows, err := db.QueryContext(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	applied := map[int]bool{}
	current := 0
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			return nil, 0, err
		}
		applied[v] = true
		current = max(current, v)
	}
	return applied, current, rows.Err()
}

func applyMigration(ctx context.Context, db *sql.DB, m migration.Migration) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // no-op after commit
	if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations(version, name, applied_time) VALUES (?, ?, ?)`,
		m.Version, m.Name, time.Now().UnixNano()); err != nil {
		return err
	}
	return tx.Commit()
}
