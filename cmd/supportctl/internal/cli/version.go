package cli

import (
	"github.com/spf13/cobra"

	"github.com/supportd/supportd/internal/buildinfo"
)

// versionCommand prints the build of supportctl; it needs no server.
func versionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version, VCS revision and Go version of this supportctl",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return buildinfo.Print(cmd.OutOrStdout(), "supportctl")
		},
	}
}
