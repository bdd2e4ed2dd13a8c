package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

func TestEnvName(t *testing.T) {
	for flag, want := range map[string]string{
		"listen":         "SUPPORTD_LISTEN",
		"db":             "SUPPORTD_DB",
		"metrics-listen": "SUPPORTD_METRICS_LISTEN",
		"grace-period":   "SUPPORTD_GRACE_PERIOD",
	} {
		if got := envName(flag); got != want {
			t.Errorf("envName(%q) = %q, want %q", flag, got, want)
		}
	}
}

// TestFlagsFromEnv: the environment fills the flags the command line did
// not give; a flag on the command line wins; unset variables keep defaults.
func TestFlagsFromEnv(t *testing.T) {
	env := map[string]string{
		"SUPPORTD_LISTEN":         "0.0.0.0:9000",
		"SUPPORTD_DB":             "/env/supportd.db",
		"SUPPORTD_METRICS_LISTEN": "", // set but empty: turns a listener off
		"SUPPORTD_GRACE_PERIOD":   "3s",
		"SUPPORTD_DEMO":           "true",
	}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	fs := pflag.NewFlagSet("serve", pflag.ContinueOnError)
	listen := fs.String("listen", "127.0.0.1:8443", "")
	db := fs.String("db", "supportd.db", "")
	metrics := fs.String("metrics-listen", "127.0.0.1:9464", "")
	grace := fs.Duration("grace-period", 10*time.Second, "")
	demo := fs.Bool("demo", false, "")
	level := fs.String("log-level", "info", "")
	if err := fs.Parse([]string{"--db", "/flag/supportd.db"}); err != nil {
		t.Fatal(err)
	}
	if err := flagsFromEnv(fs, lookup); err != nil {
		t.Fatal(err)
	}
	if *listen != "0.0.0.0:9000" || *metrics != "" || *grace != 3*time.Second || !*demo {
		t.Errorf("env not applied: listen %q metrics %q grace %v demo %v", *listen, *metrics, *grace, *demo)
	}
	if *db != "/flag/supportd.db" {
		t.Errorf("db = %q: the command line must win over SUPPORTD_DB", *db)
	}
	if *level != "info" {
		t.Errorf("log-level = %q, want the default", *level)
	}
}

func TestFlagsFromEnvRejectsBadValue(t *testing.T) {
	fs := pflag.NewFlagSet("serve", pflag.ContinueOnError)
	fs.Duration("grace-period", time.Second, "")
	err := flagsFromEnv(fs, func(k string) (string, bool) { return "soon", k == "SUPPORTD_GRACE_PERIOD" })
	if err == nil || !strings.Contains(err.Error(), `SUPPORTD_GRACE_PERIOD="soon"`) {
		t.Fatalf("bad duration in the environment: %v, want an error naming the variable", err)
	}
}

// TestEveryFlagHasItsVariable: the root command applies the environment
// to the flag set of whichever subcommand runs, so every flag of serve,
// keys create, migrate, backup and health (today's and tomorrow's) can be
// set as SUPPORTD_<FLAG>.
func TestEveryFlagHasItsVariable(t *testing.T) {
	root := rootCommand(func(string) (string, bool) { return "", false })
	if root.PersistentPreRunE == nil {
		t.Fatal("the root command has no PersistentPreRunE: the environment is not applied")
	}
	var leaves []*cobra.Command
	var walk func(*cobra.Command)
	walk = func(c *cobra.Command) {
		for _, sub := range c.Commands() {
			walk(sub)
		}
		if len(c.Commands()) == 0 {
			leaves = append(leaves, c)
		}
	}
	walk(root)
	for _, cmd := range leaves {
		env := map[string]string{}
		cmd.Flags().VisitAll(func(f *pflag.Flag) { env[envName(f.Name)] = f.DefValue })
		set := map[string]bool{}
		err := flagsFromEnv(cmd.Flags(), func(k string) (string, bool) { set[k] = true; v, ok := env[k]; return v, ok })
		if err != nil {
			t.Fatalf("%s: defaults given back through the environment: %v", cmd.CommandPath(), err)
		}
		for k := range env {
			if !set[k] {
				t.Errorf("%s: %s is not looked up", cmd.CommandPath(), k)
			}
		}
	}
}

// TestKeysCreateReadsDatabaseFromEnvironment: `supportd keys create`
// finds its database in SUPPORTD_DB as serve does, and --db still wins.
func TestKeysCreateReadsDatabaseFromEnvironment(t *testing.T) {
	dir := t.TempDir()
	envDB, flagDB := filepath.Join(dir, "env.db"), filepath.Join(dir, "flag.db")
	lookup := func(k string) (string, bool) {
		switch k {
		case "SUPPORTD_DB":
			return envDB, true
		case "SUPPORTD_ROLE":
			return "admin", true
		}
		return "", false
	}
	for _, args := range [][]string{{"keys", "create"}, {"keys", "create", "--db", flagDB}} {
		root := rootCommand(lookup)
		var out bytes.Buffer
		root.SetOut(&out)
		root.SetErr(&out)
		root.SetArgs(args)
		if err := root.ExecuteContext(t.Context()); err != nil {
			t.Fatalf("supportd %s: %v\n%s", strings.Join(args, " "), err, out.String())
		}
	}
	for _, db := range []string{envDB, flagDB} {
		if _, err := os.Stat(db); err != nil {
			t.Errorf("no key database at %s: %v", db, err)
		}
	}
}
