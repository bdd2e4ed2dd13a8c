// Command supportd is the partner support ticketing server.
//
//	supportd serve --listen ADDR --db PATH [--config FILE] [--demo]
//	supportd keys create --db PATH --role admin|agent|partner [--partner ID]
//	supportd backup --db PATH --out FILE
//	supportd version
//	supportd health [--addr ADDR]
package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"
)

func main() {
	root := &cobra.Command{
		Use:           "supportd",
		Short:         "The partner support ticketing server",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(serveCommand(), keysCommand(), backupCommand(), migrateCommand())
	root.AddCommand(versionCommand(), healthCommand())
	if err := root.Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "supportd:", err)
		os.Exit(1)
	}
}
