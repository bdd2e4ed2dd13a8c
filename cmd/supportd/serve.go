package main

import (
	"context"
	"crypto/tls"
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

	"github.com/supportd/supportd/server/api"
	"github.com/supportd/supportd/server/app"
	"github.com/supportd/supportd/server/config"
	"github.com/supportd/supportd/server/demo"
	"github.com/supportd/supportd/server/directory"
	"github.com/supportd/supportd/server/store"
	"github.com/supportd/supportd/server/store/dburl"
)

// serveFlags are the flags of `supportd serve`.
type serveFlags struct {
	listen      string
	httpListen  string
	db          string
	config      string
	demo        bool
	logLevel    string
	logFormat   string
	metricsAddr string
	pprofAddr   string
	grace       time.Duration

	tlsCert, tlsKey, tlsClientCA string
	insecurePlaintext            bool
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
		RunE: func(cmd *cobra.Command, _ []string) error {
			return serve(cmd.Context(), f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.listen, "listen", "127.0.0.1:8443", "gRPC listen address")
	fl.StringVar(&f.httpListen, "http-listen", "127.0.0.1:8080", "HTTP listen address: REST/JSON, Connect, gRPC-Web and /openapi.json, same TLS as --listen (empty: off)")
	fl.StringVar(&f.db, "db", "supportd.db", dbUsage)
	fl.StringVar(&f.config, "config", "", "YAML configuration file (response targets, escalation, calendars)")
	fl.BoolVar(&f.demo, "demo", false, "seed a demo directory into an empty database and print demo API keys")
	fl.StringVar(&f.logLevel, "log-level", "info", "log level: debug, info, warn, error")
	fl.StringVar(&f.logFormat, "log-format", "text", "log format: text or json")
	fl.StringVar(&f.metricsAddr, "metrics-listen", defaultMetricsAddr, "address of /metrics and /healthz (empty: off)")
	fl.DurationVar(&f.grace, "grace-period", 10*time.Second, "how long shutdown waits for in-flight calls")
	fl.StringVar(&f.tlsCert, "tls-cert", "", "PEM certificate chain: serve TLS (reloaded when the file changes)")
	fl.StringVar(&f.tlsKey, "tls-key", "", "PEM private key of --tls-cert")
	fl.StringVar(&f.tlsClientCA, "tls-client-ca", "", "PEM CA bundle: require client certificates signed by it (mutual TLS)")
	fl.BoolVar(&f.insecurePlaintext, "insecure-plaintext", false, "allow plaintext on a non-loopback address (API keys cross the network in clear)")
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
	tlsConfig, metricsTLS, err := transport(f, log)
	if err != nil {
		return err
	}
	ctx, stopSignals := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stopSignals()

	st, err := dburl.Open(ctx, f.db, dburl.Options{CachedTickets: cfg.Limits.CachedTickets, CachedDirectoryEntries: cfg.Limits.CachedDirectoryEntries})
	if errors.Is(err, store.ErrInUse) {
		return fmt.Errorf("%w: one server per database file; stop the other one or pass another --db", err)
	}
	if err != nil {
		return err
	}
	defer st.Close()

	a, err := app.New(ctx, app.Options{Store: st, Logger: log, Config: cfg, GracePeriod: f.grace, TLS: tlsConfig})
	if err != nil {
		return err
	}
	lis, err := net.Listen("tcp", f.listen)
	if err != nil {
		return err
	}
	// Bind every listener before seeding the demo: a port in use stops the
	// start before any key is printed.
	var httpLis net.Listener
	if f.httpListen != "" {
		if httpLis, err = net.Listen("tcp", f.httpListen); err != nil {
			lis.Close()
			return fmt.Errorf("--http-listen %s: %w", f.httpListen, err)
		}
	}
	closeAll := func() {
		lis.Close()
		if httpLis != nil {
			httpLis.Close()
		}
	}
	metricsAddr := f.metricsAddr
	if metricsAddr != "" {
		var stopMetrics func()
		metricsAddr, stopMetrics, err = serveMetrics(metricsAddr, a.MetricsHandler(), metricsTLS, log)
		if err != nil {
			closeAll()
			return err
		}
		defer stopMetrics()
	}
	if f.demo {
		if err := seedDemo(ctx, st, lis.Addr().String(), grpcurlTransport(f)); err != nil {
			closeAll()
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
	httpAddr := ""
	served := make(chan error, 2)
	servers := 1
	if httpLis != nil {
		httpAddr = httpLis.Addr().String()
		servers++
		go func() { served <- a.ServeHTTP(httpLis) }()
	}
	log.Info("supportd serving", "addr", lis.Addr().String(), "http", httpAddr, "db", dburl.Redact(f.db), "metrics", metricsAddr, "tls", tlsConfig != nil, "mtls", f.tlsClientCA != "")
	logOut.Flush() // at once: scripts and tests wait for this line
	go func() { served <- a.Serve(lis) }()
	select {
	case err := <-served:
		servers--
		if err != nil {
			a.Shutdown(context.Background())
			for ; servers > 0; servers-- {
				<-served
			}
			return err
		}
	case <-ctx.Done():
	}
	log.Info("shutting down", "grace_period", f.grace)
	a.Shutdown(context.Background())
	for ; servers > 0; servers-- {
		<-served
	}
	log.Info("stopped")
	return nil
}

// transport checks the listen addresses against the TLS flags and loads
// the certificates: the gRPC and metrics TLS configurations, both nil
// when serving plaintext (refused on a non-loopback address without
// --insecure-plaintext).
func transport(f serveFlags, log *slog.Logger) (grpcTLS, metricsTLS *tls.Config, err error) {
	if f.tlsCert == "" && f.tlsKey == "" {
		if f.tlsClientCA != "" {
			return nil, nil, errors.New("--tls-client-ca needs --tls-cert and --tls-key (client certificates are verified over TLS)")
		}
		if err := app.CheckPlaintext("--listen", f.listen, f.insecurePlaintext); err != nil {
			return nil, nil, err
		}
		if f.metricsAddr != "" {
			if err := app.CheckPlaintext("--metrics-listen", f.metricsAddr, f.insecurePlaintext); err != nil {
				return nil, nil, err
			}
		}
		if f.httpListen != "" {
			if err := app.CheckPlaintext("--http-listen", f.httpListen, f.insecurePlaintext); err != nil {
				return nil, nil, err
			}
		}
		return nil, nil, nil
	}
	certs, err := app.NewCertReloader(app.TLSFiles{Cert: f.tlsCert, Key: f.tlsKey, ClientCA: f.tlsClientCA}, log)
	if err != nil {
		return nil, nil, err
	}
	return certs.ServerConfig(), certs.MetricsConfig(), nil
}

// grpcurlTransport is grpcurl's transport flags for the server of f, for
// the demo's examples (the CA file is the operator's to fill in).
func grpcurlTransport(f serveFlags) string {
	switch {
	case f.tlsCert == "":
		return "-plaintext"
	case f.tlsClientCA != "":
		return "-cacert CA.pem -cert CLIENT.pem -key CLIENT-KEY.pem"
	}
	return "-cacert CA.pem"
}

// seedDemo prepares the demo directory (see demo.Ensure) and prints the
// demo keys.
func seedDemo(ctx context.Context, st store.Store, addr, transport string) error {
	keys, err := demo.Ensure(ctx, directory.New(st, time.Now, nil, api.AuditJSON))
	if errors.Is(err, demo.ErrNotDemo) {
		fmt.Fprintln(os.Stdout, "supportd: --demo:", err)
		return nil
	}
	if err != nil {
		return err
	}
	demo.PrintWelcome(os.Stdout, addr, transport, keys)
	return nil
}
