package postgres

import (
	"context"
	"embed"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/supportd/supportd/server/store/migration"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// migrationLock is the advisory lock key that makes replicas starting
// together apply the migrations one at a time ("supportd" in ASCII).
const migrationLock = 0x737570706f727464

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

// migrate applies the embedded migrations the database lacks, all in one
// transaction under an advisory lock (a replica starting meanwhile waits,
// then finds them applied), and refuses a database newer than this binary.
// Every missing version is applied, not only those above the highest
// applied one: migrations written in parallel may land out of order.
func migrate(ctx context.Context, pool *pgxpool.Pool) error {
	ms, err := migrations()
	if err != nil {
		return err
	}
	return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(migrationLock)); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_time BIGINT NOT NULL)`); err != nil {
			return err
		}
		applied, current, err := appliedMigrations(ctx, tx)
		if err != nil {
			return err
		}
		if len(ms) > 0 && current > ms[len(ms)-1].Version {
			return fmt.Errorf("database schema version %d is newer than this binary's %d", current, ms[len(ms)-1].Version)
		}
		for _, m := range ms {
			if applied[m.Version] {
				continue
			}
			if _, err := tx.Exec(ctx, m.SQL, pgx.QueryExecModeSimpleProtocol); err != nil {
				return fmt.Errorf("%s: %w", m.Name, err)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations(version, name, applied_time)
				VALUES ($1, $2, (extract(epoch FROM clock_timestamp()) * 1e9)::BIGINT)`, m.Version, m.Name); err != nil {
				return fmt.Errorf("%s: %w", m.Name, err)
			}
		}
		return nil
	})
}

// appliedMigrations returns the versions recorded in schema_migrations and
// the highest of them.
func appliedMigrations(ctx context.Context, tx pgx.Tx) (map[int]bool, int, error) {
	rows, err := tx.Query(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return nil, 0, err
	}
	versions, err := pgx.CollectRows(rows, pgx.RowTo[int32])
	if err != nil {
		return nil, 0, err
	}
	applied := map[int]bool{}
	current := 0
	for _, v := range versions {
		applied[int(v)] = true
		current = max(current, int(v))
	}
	return applied, current, nil
}
