package main

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/supportd/supportd/server/directory"
	"github.com/supportd/supportd/server/domain"
	"github.com/supportd/supportd/server/store"
	"github.com/supportd/supportd/server/store/sqlite"
)

func keysCommand() *cobra.Command {
	keys := &cobra.Command{Use: "keys", Short: "Manage API keys on a database without a running server"}
	var db, role, partner string
	create := &cobra.Command{
		Use:   "create",
		Short: "Create an API key; prints the secret alone on the last line",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			r := domain.Role(strings.ToUpper(role))
			st, err := sqlite.Open(cmd.Context(), db, sqlite.Options{})
			if errors.Is(err, store.ErrInUse) {
				return fmt.Errorf("%w: a running server holds it; create the key through its API "+
					"(DirectoryService.CreateApiKey with an admin key), or stop the server first", err)
			}
			if err != nil {
				return err
			}
			defer st.Close()
			k, secret, err := directory.New(st, time.Now, nil).CreateAPIKey(cmd.Context(), "cli", r, partner)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "created %s key %s (the secret is shown once)\n", strings.ToLower(string(k.Role)), k.ID)
			fmt.Fprintln(out, secret)
			return nil
		},
	}
	create.Flags().StringVar(&db, "db", "supportd.db", "SQLite database file (created if missing)")
	create.Flags().StringVar(&role, "role", "", "admin, agent or partner")
	create.Flags().StringVar(&partner, "partner", "", "the partner id of a partner key")
	_ = create.MarkFlagRequired("role")
	keys.AddCommand(create)
	return keys
}
