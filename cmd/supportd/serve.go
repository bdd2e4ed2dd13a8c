package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/supportd/supportd/server/app"
	"github.com/supportd/supportd/server/config"
	"github.com/supportd/supportd/server/demo"
	"github.com/supportd/supportd/server/directory"
	"github.com/supportd/supportd/server/store"
	"github.com/supportd/supportd/server/store/sqlite"
	"github.com/supportd/supportd/server/watch"
)

// serveFlags are the flags of `supportd serve`.
type serveFlags struct {
	listen      string
	db          string
	config      string
	demo        bool
	logLevel    string
	logFormat   string
	metricsAddr string
	pprofAddr   string
	grace       time.Duration
}

func serveCommand() *cobra.Command {
	var f serveFlags
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the gRPC server",
		Long: `Run the gRPC server.

Every flag can also be set in the environment as SUPPORTD_<FLAG>, upper
case with dashes as underscores (SUPPORTD_LISTEN, SUPPORTD_DB,
SUPPORTD_METRICS_LISTEN); a flag on the command line wins.`,
		Args: cobra.NoArgs,
		// The environment is read after parsing, so it only fills flags the
		// command line did not set.
		PreRunE: func(cmd *cobra.Command, _ []string) error {
			return flagsFromEnv(cmd.Flags(), os.LookupEnv)
		},
		RunE: func(cmd *cobra.Command, _ []string) error {
			return serve(cmd.Context(), f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.listen, "listen", "127.0.0.1:8443", "gRPC listen address")
	fl.StringVar(&f.db, "db", "supportd.db", "SQLite database file (created if missing)")
	fl.StringVar(&f.config, "config", "", "YAML configuration file (response targets, escalation, calendars)")
	fl.BoolVar(&f.demo, "demo", false, "seed a demo directory into an empty database and print demo API keys")
	fl.StringVar(&f.logLevel, "log-level", "info", "log level: debug, info, warn, error")
	fl.StringVar(&f.logFormat, "log-format", "text", "log format: text or json")
	fl.StringVar(&f.metricsAddr, "metrics-listen", defaultMetricsAddr, "address of /metrics and /healthz (empty: off)")
	fl.DurationVar(&f.grace, "grace-period", 10*time.Second, "how long shutdown waits for in-flight calls")
	fl.StringVar(&f.pprofAddr, "pprof-listen", "", "address of /debug/pprof/ for profiling (empty: off)")
	_ = fl.MarkHidden("pprof-listen")
	return cmd
}

// newLogger returns the logger of level and format writing to out.
func newLogger(level, format string, out *bufferedLog) (*slog.Logger, error) {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level %q: want debug, info, warn or error", level)
	}
	opts := &slog.HandlerOptions{Level: lvl}
	switch strings.ToLower(format) {
	case "text":
		return slog.New(flushingHandler{Handler: slog.NewTextHandler(out, opts), out: out}), nil
	case "json":
		return slog.New(flushingHandler{Handler: slog.NewJSONHandler(out, opts), out: out}), nil
	}
	return nil, fmt.Errorf("--log-format %q: want text or json", format)
}

func serve(ctx context.Context, f serveFlags) error {
	logOut := newBufferedLog(os.Stderr)
	defer logOut.Close()
	log, err := newLogger(f.logLevel, f.logFormat, logOut)
	if err != nil {
		return err
	}
	cfg := config.Default()
	if f.config != "" {
		if cfg, err = config.Load(f.config); err != nil {
			return err
		}
	}
	ctx, stopSignals := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stopSignals()

	notifier := &watch.Notifier{}
	st, err := sqlite.Open(ctx, f.db, sqlite.Options{OnCommit: notifier.Notify})
	if err != nil {
		return err
	}
	defer st.Close()

	a, err := app.New(ctx, app.Options{Store: st, Logger: log, Config: cfg, Notifier: notifier, GracePeriod: f.grace})
	if err != nil {
		return err
	}
	lis, err := net.Listen("tcp", f.listen)
	if err != nil {
		return err
	}
	// Bind every listener before seeding the demo: a port in use stops the
	// start before any key is printed.
	metricsAddr := f.metricsAddr
	if metricsAddr != "" {
		var stopMetrics func()
		metricsAddr, stopMetrics, err = serveMetrics(metricsAddr, a.MetricsHandler(), log)
		if err != nil {
			lis.Close()
			return err
		}
		defer stopMetrics()
	}
	if f.demo {
		if err := seedDemo(ctx, st, lis.Addr().String()); err != nil {
			lis.Close()
			return err
		}
	}
	if f.pprofAddr != "" {
		stopPprof, err := servePprof(f.pprofAddr, log)
		if err != nil {
			return err
		}
		defer stopPprof()
	}
	log.Info("supportd serving", "addr", lis.Addr().String(), "db", f.db, "metrics", metricsAddr)
	logOut.Flush() // at once: scripts and tests wait for this line
	served := make(chan error, 1)
	go func() { served <- a.Serve(lis) }()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down", "grace_period", f.grace)
	a.Shutdown(context.Background())
	<-served
	log.Info("stopped")
	return nil
}

// seedDemo prepares the demo directory (see demo.Ensure) and prints the
// demo keys.
func seedDemo(ctx context.Context, st store.Store, addr string) error {
	keys, err := demo.Ensure(ctx, directory.New(st, time.Now, nil))
	if errors.Is(err, demo.ErrNotDemo) {
		fmt.Fprintln(os.Stdout, "supportd: --demo:", err)
		return nil
	}
	if err != nil {
		return err
	}
	demo.PrintWelcome(os.Stdout, addr, keys)
	return nil
}
