package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/supportd/supportd/server/store/dburl"
	"github.com/supportd/supportd/server/store/postgres"
	"github.com/supportd/supportd/server/store/sqlite"
)

func backupCommand() *cobra.Command {
	var db, out string
	cmd := &cobra.Command{
		Use:   "backup",
		Short: "Write a consistent, checked copy of a database, also while a server runs on it",
		Long: `Write a consistent copy of the SQLite database --db to the new file --out.

The copy is one committed state of the database, taken while a server may be
running and writing (it reads a snapshot; it needs no lock and stops nothing).
It must pass SQLite's integrity check before it is given its name. --out must
not exist.

Restore: stop the server, replace the database file with the copy, remove the
database's -wal and -shm files, start the server.

A PostgreSQL database (--db postgres://...) is backed up with PostgreSQL's own
tools: pg_dump (or a streaming replica and pg_basebackup).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			kind, path, err := dburl.Parse(db)
			if err != nil {
				return err
			}
			if kind != dburl.SQLite {
				return postgres.ErrNoBackup
			}
			if err := sqlite.Backup(cmd.Context(), path, out); err != nil {
				return err
			}
			fi, err := os.Stat(out)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "backup of %s written to %s (%d bytes, integrity check ok)\n", db, out, fi.Size())
			return nil
		},
	}
	cmd.Flags().StringVar(&db, "db", "supportd.db", "SQLite database file (or sqlite:PATH) to copy")
	cmd.Flags().StringVar(&out, "out", "", "new file to write the copy to")
	_ = cmd.MarkFlagRequired("out")
	return cmd
}
