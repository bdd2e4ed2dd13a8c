// Package cli implements supportctl, the command line client of supportd
// for every role (partner, agent, admin), over the client package. Run executes one command line
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
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"google.golang.org/grpc/codes"

	"github.com/supportd/supportd/client"
)

// DefaultAddr is the address used without --addr and SUPPORT_ADDR.
const DefaultAddr = "127.0.0.1:8443"

// Exit codes.
const (
	ExitOK    = 0
	ExitError = 1 // the server answered with an error, or the call failed
	ExitUsage = 2 // bad command line
	// ExitUnreachable: the server could not be reached (connection
	// refused, unknown host, TLS handshake failure, deadline while
	// connecting): nothing was asked, so nothing was refused.
	ExitUnreachable = 3
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
	return RunWithInput(ctx, args, os.Stdin, stdout, stderr, env, opts...)
}

// RunWithInput is RunContext reading standard input (--text-file -) from
// stdin.
func RunWithInput(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, env func(string) string, opts ...client.Option) int {
	if env == nil {
		env = func(string) string { return "" }
	}
	a := &app{stdin: stdin, stdout: stdout, stderr: stderr, env: env, extra: opts}
	root := a.root()
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	a.c.close()
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

// failed marks err as a runtime failure: exit 3 when the server could
// not be reached, 1 otherwise.
func failed(err error) error {
	if err == nil {
		return nil
	}
	if unreachable(err) {
		return &exitError{code: ExitUnreachable, err: err}
	}
	return &exitError{code: ExitError, err: err}
}

// unreachable reports whether err says the connection itself failed. gRPC
// reports those as UNAVAILABLE (or DEADLINE_EXCEEDED while waiting for a
// connection) with the transport's words; a server that answers
// UNAVAILABLE itself (shedding load, shutting down) does not use them.
func unreachable(err error) bool {
	code := client.Code(err)
	if code != codes.Unavailable && code != codes.DeadlineExceeded {
		return false
	}
	// Every status supportd itself sends carries an ErrorInfo: one with a
	// reason is the server's answer (SHUTTING_DOWN, DATABASE_UNAVAILABLE,
	// ...), so the server was reached. Only grpc-go's own statuses, which
	// have no typed form, are told apart by their words below.
	var ce *client.Error
	if errors.As(err, &ce) && ce.Reason != "" {
		return false
	}
	msg := err.Error()
	for _, s := range []string{"while dialing", "connection refused", "no such host", "handshake",
		"waiting for connections to become ready", "connection error", "certificate", "name resolver"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

type app struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	env            func(string) string
	extra          []client.Option

	addr, key, output, ca string
	cert, certKey         string
	insecure, useTLS      bool
	noHeaders             bool
	contextName           string
	timeout               time.Duration

	c conns
}

func (a *app) root() *cobra.Command {
	root := &cobra.Command{
		Use:   "supportctl",
		Short: "The command line client of supportd: partners, agents and operators",
		Long: `supportctl files and follows support tickets through the supportd API.

The server address and the API key come from --addr and --key, or from
the environment variables SUPPORT_ADDR and SUPPORT_KEY, or from a named
context of the credentials file $XDG_CONFIG_HOME/supportctl/config.yaml
(default ~/.config/supportctl/config.yaml; --context NAME, else its
current-context): flags win over the environment, which wins over the
context (default address ` + DefaultAddr + `). The file must not be readable by
group or others (chmod 600). Loopback addresses are reached in plaintext, any other
address over TLS (system roots, or --ca FILE); --tls and --insecure force
either, and --ca or --cert imply TLS. --cert FILE --cert-key FILE present a
client certificate (servers that require mutual TLS).

Output: -o table (default; --no-headers drops the header row), -o json and
-o yaml (the API's own messages, proto field names), -o name (the ids, one
per line). Long text (a note, a description, a justification) is given
inline or with --text-file FILE (- for standard input).

Environment: SUPPORT_ADDR (the server address), SUPPORT_KEY (the API key),
SUPPORT_CONTEXT (the context to use), SUPPORTCTL_CONFIG (the credentials
file itself, instead of the XDG_CONFIG_HOME or HOME path above).

Exit codes: 0 success, 1 the server refused the call or it failed (the
gRPC code, reason and field violations are printed on one line), or
entitlement check answered "not entitled", 2 bad
command line, 3 the server could not be reached (connection refused,
unknown host, TLS handshake failure, deadline while connecting).`,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			if !slices.Contains(outputFormats, a.output) {
				return fmt.Errorf("-o %q: want one of %s", a.output, strings.Join(outputFormats, ", "))
			}
			return nil
		},
	}
	pf := root.PersistentFlags()
	pf.StringVar(&a.addr, "addr", "", "server address host:port (env SUPPORT_ADDR; default "+DefaultAddr+")")
	pf.StringVar(&a.key, "key", "", "API key (env SUPPORT_KEY; prefer a context: the command line is visible in ps)")
	pf.StringVar(&a.contextName, "context", "", "named context of the credentials file (env SUPPORT_CONTEXT; default its current-context)")
	pf.StringVarP(&a.output, "output", "o", "table", "output format: table, json, yaml or name (the resource ids, one per line)")
	pf.BoolVar(&a.noHeaders, "no-headers", false, "tables without their header row")
	pf.BoolVar(&a.insecure, "insecure", false, "plaintext connection (default for loopback addresses)")
	pf.BoolVar(&a.useTLS, "tls", false, "TLS connection (default for non-loopback addresses)")
	pf.StringVar(&a.ca, "ca", "", "PEM file of the CA to trust for TLS (default: the system roots)")
	pf.StringVar(&a.cert, "cert", "", "PEM client certificate to present over TLS (mutual TLS); needs --cert-key")
	pf.StringVar(&a.certKey, "cert-key", "", "PEM private key of --cert")
	pf.DurationVar(&a.timeout, "timeout", 30*time.Second, "deadline of each call (retries included)")
	completeWith(root, "output", outputFormats)
	_ = root.RegisterFlagCompletionFunc("context", a.completeContexts)
	root.MarkFlagsMutuallyExclusive("insecure", "tls")
	root.MarkFlagsMutuallyExclusive("insecure", "ca")
	root.MarkFlagsMutuallyExclusive("insecure", "cert")
	root.MarkFlagsRequiredTogether("cert", "cert-key")
	root.AddCommand(a.topicsCommand(), a.entitlementCommand(), a.ticketsCommand(), a.agentCommand(), a.adminCommand(), a.configCommand())
	root.AddCommand(versionCommand())
	return root
}

// conns are the connections a command opened, closed when it returns.
type conns struct {
	partner *client.Client
	agent   *client.Agent
	dir     *client.Directory
}

func (c *conns) close() {
	if c.partner != nil {
		c.partner.Close()
	}
	if c.agent != nil {
		c.agent.Close()
	}
	if c.dir != nil {
		c.dir.Close()
	}
}

// client returns the partner connection, built on first use.
func (a *app) client() (*client.Client, error) {
	if a.c.partner != nil {
		return a.c.partner, nil
	}
	addr, opts, err := a.dialOptions()
	if err != nil {
		return nil, err
	}
	if a.c.partner, err = client.New(addr, opts...); err != nil {
		return nil, err
	}
	return a.c.partner, nil
}

// agent returns the agent connection, built on first use.
func (a *app) agent() (*client.Agent, error) {
	if a.c.agent != nil {
		return a.c.agent, nil
	}
	addr, opts, err := a.dialOptions()
	if err != nil {
		return nil, err
	}
	if a.c.agent, err = client.NewAgent(addr, opts...); err != nil {
		return nil, err
	}
	return a.c.agent, nil
}

// directory returns the admin connection, built on first use.
func (a *app) directory() (*client.Directory, error) {
	if a.c.dir != nil {
		return a.c.dir, nil
	}
	addr, opts, err := a.dialOptions()
	if err != nil {
		return nil, err
	}
	if a.c.dir, err = client.NewDirectory(addr, opts...); err != nil {
		return nil, err
	}
	return a.c.dir, nil
}

// dialOptions resolves the address, key and transport (flags, then
// environment, then defaults) into client options.
func (a *app) dialOptions() (string, []client.Option, error) {
	if err := a.applyContext(); err != nil {
		return "", nil, failed(err)
	}
	addr := firstNonEmpty(a.addr, a.env("SUPPORT_ADDR"), DefaultAddr)
	key := firstNonEmpty(a.key, a.env("SUPPORT_KEY"))
	if key == "" {
		return "", nil, errors.New("no API key: pass --key, set SUPPORT_KEY or use a context (supportctl config set-context)")
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
				return "", nil, failed(err)
			}
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM(pem) {
				return "", nil, fmt.Errorf("--ca %s: no PEM certificate", a.ca)
			}
			cfg.RootCAs = pool
		}
		opts = append(opts, client.WithTLS(cfg))
		if a.cert != "" {
			opts = append(opts, client.WithClientCertificate(a.cert, a.certKey))
		}
	}
	return addr, append(opts, a.extra...), nil
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
