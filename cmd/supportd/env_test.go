package main

import (
	"strings"
	"testing"
	"time"

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

// TestEveryServeFlagHasItsVariable: the serve command applies the
// environment to its whole flag set, so every flag (today's and tomorrow's)
// can be set as SUPPORTD_<FLAG>.
func TestEveryServeFlagHasItsVariable(t *testing.T) {
	cmd := serveCommand()
	env := map[string]string{}
	cmd.Flags().VisitAll(func(f *pflag.Flag) { env[envName(f.Name)] = f.DefValue })
	set := map[string]bool{}
	err := flagsFromEnv(cmd.Flags(), func(k string) (string, bool) { set[k] = true; v, ok := env[k]; return v, ok })
	if err != nil {
		t.Fatalf("defaults given back through the environment: %v", err)
	}
	for k := range env {
		if !set[k] {
			t.Errorf("%s is not looked up", k)
		}
	}
	if cmd.PreRunE == nil {
		t.Fatal("serve has no PreRunE: the environment is not applied")
	}
}
