// Command supportd is the partner support ticketing server.
//
//	supportd serve --listen ADDR --db PATH [--config FILE] [--demo]
//	supportd keys create --db PATH --role admin|agent|partner [--partner ID]
//	supportd backup --db PATH --out FILE
//	supportd migrate --db PATH|URL
//	supportd version
//	supportd health [--addr ADDR]
//
// Every flag of every subcommand can also be set in the environment as
// SUPPORTD_<FLAG> (see flagsFromEnv).
package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"
)

func main() {
	if err := rootCommand(os.LookupEnv).Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "supportd:", err)
		os.Exit(1)
	}
}

// rootCommand is supportd with its subcommands; lookup reads the
// environment that fills the flags the command line did not set.
func rootCommand(lookup func(string) (string, bool)) *cobra.Command {
	root := &cobra.Command{
		Use:   "supportd",
		Short: "The partner support ticketing server",
		Long: `The partner support ticketing server.

Every flag of every subcommand can also be set in the environment as
SUPPORTD_<FLAG>, upper case with dashes as underscores (SUPPORTD_LISTEN,
SUPPORTD_DB, SUPPORTD_METRICS_LISTEN); a flag on the command line wins.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		// The environment is read after parsing, so it only fills flags
		// the command line did not set; as the root's persistent hook it
		// runs for every subcommand (serve, keys create, migrate, backup,
		// health).
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			return flagsFromEnv(cmd.Flags(), lookup)
		},
	}
	root.AddCommand(serveCommand(), keysCommand(), backupCommand(), migrateCommand())
	root.AddCommand(versionCommand(), healthCommand())
	return root
}
