package main

import (
	"github.com/spf13/cobra"

	"github.com/supportd/supportd/internal/buildinfo"
)

// versionCommand prints the build of supportd (release version or module
// version, VCS revision and time, dirty flag, Go version).
func versionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version, VCS revision and Go version of this supportd",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return buildinfo.Print(cmd.OutOrStdout(), "supportd")
		},
	}
}
