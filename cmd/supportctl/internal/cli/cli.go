// Package cli implements supportctl, the partner command line client of
// supportd, over the client package. Run executes one command line
// in-process (main and the tests both call it).
package cli

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/supportd/supportd/client"
)

// DefaultAddr is the address used without --addr and SUPPORT_ADDR.
const DefaultAddr = "127.0.0.1:8443"

// Exit codes.
const (
	ExitOK    = 0
	ExitError = 1 // the server answered with an error, or the call failed
	ExitUsage = 2 // bad command line
)

// Run runs supportctl with args (without the program name) and returns the
// exit code. env looks up environment variables (os.Getenv in main).
func Run(args []string, stdout, stderr io.Writer, env func(string) string) int {
	return RunContext(context.Background(), args, stdout, stderr, env)
}

// RunContext is Run with a context (cancelled on SIGINT by main; a watch
// stops cleanly when it ends) and extra client options (tests dial an
// in-process server with client.WithContextDialer).
func RunContext(ctx context.Context, args []string, stdout, stderr io.Writer, env func(string) string, opts ...client.Option) int {
	if env == nil {
		env = func(string) string { return "" }
	}
	a := &app{stdout: stdout, stderr: stderr, env: env, extra: opts}
	root := a.root()
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if a.c != nil {
		a.c.Close()
	}
	if err == nil {
		return ExitOK
	}
	fmt.Fprintln(stderr, "supportctl:", printable(err.Error()))
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	return ExitUsage
}

// exitError is an error with its exit code; errors without one are usage
// errors (cobra's own included).
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// failed marks err as a runtime failure (exit 1).
func failed(err error) error {
	if err == nil {
		return nil
	}
	return &exitError{code: ExitError, err: err}
}

type app struct {
	stdout, stderr io.Writer
	env            func(string) string
	extra          []client.Option

	addr, key, output, ca string
	cert, certKey         string
	insecure, useTLS      bool
	timeout               time.Duration

	c *client.Client
}

func (a *app) root() *cobra.Command {
	root := &cobra.Command{
		Use:   "supportctl",
		Short: "The partner command line client of supportd",
		Long: `supportctl files and follows support tickets through the supportd API.

The server address and the partner API key come from --addr and --key, or
from the environment variables SUPPORT_ADDR and SUPPORT_KEY (default address
` + DefaultAddr + `). Loopback addresses are reached in plaintext, any other
address over TLS (system roots, or --ca FILE); --tls and --insecure force
either, and --ca or --cert imply TLS. --cert FILE --cert-key FILE present a
client certificate (servers that require mutual TLS). -o json prints the API's own JSON (protojson, proto field names).

Exit codes: 0 success, 1 the server refused the call or it failed (the
gRPC code, reason and field violations are printed on one line), 2 bad
command line.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			if a.output != "table" && a.output != "json" {
				return fmt.Errorf("-o %q: want table or json", a.output)
			}
			return nil
		},
	}
	pf := root.PersistentFlags()
	pf.StringVar(&a.addr, "addr", "", "server address host:port (env SUPPORT_ADDR; default "+DefaultAddr+")")
	pf.StringVar(&a.key, "key", "", "partner API key (env SUPPORT_KEY)")
	pf.StringVarP(&a.output, "output", "o", "table", "output format: table or json")
	pf.BoolVar(&a.insecure, "insecure", false, "plaintext connection (default for loopback addresses)")
	pf.BoolVar(&a.useTLS, "tls", false, "TLS connection (default for non-loopback addresses)")
	pf.StringVar(&a.ca, "ca", "", "PEM file of the CA to trust for TLS (default: the system roots)")
	pf.StringVar(&a.cert, "cert", "", "PEM client certificate to present over TLS (mutual TLS); needs --cert-key")
	pf.StringVar(&a.certKey, "cert-key", "", "PEM private key of --cert")
	pf.DurationVar(&a.timeout, "timeout", 30*time.Second, "deadline of each call (retries included)")
	root.MarkFlagsMutuallyExclusive("insecure", "tls")
	root.MarkFlagsMutuallyExclusive("insecure", "ca")
	root.MarkFlagsMutuallyExclusive("insecure", "cert")
	root.MarkFlagsRequiredTogether("cert", "cert-key")
	root.AddCommand(a.topicsCommand(), a.entitlementCommand(), a.ticketsCommand())
	root.AddCommand(versionCommand())
	return root
}

// client returns the connection, built on first use.
func (a *app) client() (*client.Client, error) {
	if a.c != nil {
		return a.c, nil
	}
	addr := firstNonEmpty(a.addr, a.env("SUPPORT_ADDR"), DefaultAddr)
	key := firstNonEmpty(a.key, a.env("SUPPORT_KEY"))
	if key == "" {
		return nil, errors.New("no API key: pass --key or set SUPPORT_KEY")
	}
	opts := []client.Option{client.WithAPIKey(key), client.WithTimeout(a.timeout), client.WithUserAgent("supportctl/1")}
	tlsMaterial := a.ca != "" || a.cert != ""
	plaintext := a.insecure || (!a.useTLS && !tlsMaterial && isLoopback(addr))
	if plaintext {
		opts = append(opts, client.WithInsecure())
	} else {
		cfg := &tls.Config{MinVersion: tls.VersionTLS12}
		if a.ca != "" {
			pem, err := os.ReadFile(a.ca)
			if err != nil {
				return nil, failed(err)
			}
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM(pem) {
				return nil, fmt.Errorf("--ca %s: no PEM certificate", a.ca)
			}
			cfg.RootCAs = pool
		}
		opts = append(opts, client.WithTLS(cfg))
		if a.cert != "" {
			opts = append(opts, client.WithClientCertificate(a.cert, a.certKey))
		}
	}
	c, err := client.New(addr, append(opts, a.extra...)...)
	if err != nil {
		return nil, err
	}
	a.c = c
	return c, nil
}

func isLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = addr
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
