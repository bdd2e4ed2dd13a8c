package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/supportd/supportd/server/store/dburl"
)

// dbUsage is the help of every --db flag that opens a store.
const dbUsage = "the database: a SQLite file path (created if missing) or sqlite:PATH, " +
	"or a PostgreSQL URL postgres://USER:PASSWORD@HOST:5432/DB?sslmode=require&pool_max_conns=16"

func migrateCommand() *cobra.Command {
	var db string
	cmd := &cobra.Command{
		Use:   "migrate",
		Short: "Apply the database's pending schema migrations, and exit",
		Long: `Apply the schema migrations the database --db lacks, and exit.

supportd serve applies them too when it starts; run this first to upgrade the
schema of a PostgreSQL database shared by several replicas in a step of its
own (replicas starting together apply them one at a time, under a lock).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			version, err := dburl.Migrate(cmd.Context(), db)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s is at schema version %d\n", dburl.Redact(db), version)
			return nil
		},
	}
	cmd.Flags().StringVar(&db, "db", "supportd.db", dbUsage)
	return cmd
}
