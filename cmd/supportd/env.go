package main

import (
	"fmt"
	"strings"

	"github.com/spf13/pflag"
)

// envPrefix prefixes the environment variables of supportd's flags.
const envPrefix = "SUPPORTD_"

// envName is the environment variable of flag name: --metrics-listen is
// SUPPORTD_METRICS_LISTEN.
func envName(name string) string {
	return envPrefix + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
}

// flagsFromEnv sets every flag of fs that was not given on the command line
// from its environment variable (envName), when that is set: flags win over
// the environment, the environment over defaults. It walks the whole flag
// set, so a flag added later is covered without a change here. A value the
// flag rejects is an error naming the variable.
func flagsFromEnv(fs *pflag.FlagSet, lookup func(string) (string, bool)) error {
	var err error
	fs.VisitAll(func(f *pflag.Flag) {
		if err != nil || f.Changed || f.Name == "help" {
			return
		}
		name := envName(f.Name)
		v, ok := lookup(name)
		if !ok {
			return
		}
		if e := fs.Set(f.Name, v); e != nil {
			err = fmt.Errorf("%s=%q: %w", name, v, e)
		}
	})
	return err
}
