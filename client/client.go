// Package client is the Go client of supportd: typed methods over the
// generated gRPC stubs of support.v1, with API-key authentication, default
// timeouts, safe retries, self-resuming watches and decoded errors.
//
//	c, err := client.New("support.example.com:443", client.WithAPIKey(key))
//	if err != nil { ... }
//	defer c.Close()
//	t, err := c.CreateTicket(ctx, &supportv1.CreateTicketRequest{...})
//
// New returns the partner side (SupportService), NewAgent the agent side
// (AgentService) and NewDirectory the admin side (DirectoryService); all
// three take the same options.
//
// The package depends on the generated code and gRPC only: it never imports
// the server.
package client

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/grpc-ecosystem/go-grpc-middleware/v2/interceptors/retry"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
)

// Defaults of the connection options.
const (
	DefaultTimeout      = 30 * time.Second
	DefaultMaxAttempts  = 5
	DefaultRetryBackoff = 100 * time.Millisecond
	DefaultMaxBackoff   = 5 * time.Second
	DefaultUserAgent    = "supportd-go-client/1"
)

// Option configures a connection (New, NewAgent, NewDirectory).
type Option func(*options)

type options struct {
	apiKey        string
	tlsConfig     *tls.Config
	insecure      bool
	certFile      string
	keyFile       string
	timeout       time.Duration
	userAgent     string
	dialOpts      []grpc.DialOption
	dialer        func(context.Context, string) (net.Conn, error)
	maxAttempts   uint
	retryBackoff  time.Duration
	maxBackoff    time.Duration
	watchBackoff  time.Duration
	watchMaxDelay time.Duration
}

// WithAPIKey sends "authorization: Bearer <key>" on every call (per-RPC
// credentials; also over WithInsecure, for loopback and tests).
func WithAPIKey(key string) Option { return func(o *options) { o.apiKey = key } }

// WithTLS connects over TLS with cfg (nil: the system roots). TLS is the
// default when neither WithTLS nor WithInsecure is given.
func WithTLS(cfg *tls.Config) Option {
	return func(o *options) {
		if cfg == nil {
			cfg = &tls.Config{MinVersion: tls.VersionTLS12}
		}
		o.tlsConfig, o.insecure = cfg, false
	}
}

// WithInsecure connects in plaintext (h2c). Meant for loopback addresses
// and tests; the API key then travels unencrypted.
func WithInsecure() Option { return func(o *options) { o.insecure, o.tlsConfig = true, nil } }

// WithClientCertificate presents the certificate of the PEM files certFile
// (chain, leaf first) and keyFile to the server, for servers that require
// client certificates (mutual TLS). It adds to the TLS configuration of
// WithTLS (or the default one); with WithInsecure, New fails. The files
// are read once, by New.
func WithClientCertificate(certFile, keyFile string) Option {
	return func(o *options) { o.certFile, o.keyFile = certFile, keyFile }
}

// WithTimeout sets the deadline given to each unary call whose context has
// none (DefaultTimeout; 0 disables). It bounds the call with its retries.
// Watches are never given a deadline.
func WithTimeout(d time.Duration) Option { return func(o *options) { o.timeout = d } }

// WithUserAgent sets the user agent prefix (DefaultUserAgent).
func WithUserAgent(ua string) Option { return func(o *options) { o.userAgent = ua } }

// WithDialOptions appends gRPC dial options (keepalive, interceptors, ...).
func WithDialOptions(opts ...grpc.DialOption) Option {
	return func(o *options) { o.dialOpts = append(o.dialOpts, opts...) }
}

// WithContextDialer dials with f instead of TCP (e.g. an in-process
// bufconn listener in tests); the address is passed through unresolved.
func WithContextDialer(f func(ctx context.Context, addr string) (net.Conn, error)) Option {
	return func(o *options) { o.dialer = f }
}

// WithRetry sets how safe unary calls are retried when the server answers
// UNAVAILABLE: at most maxAttempts attempts in all (1 disables retries),
// waiting an exponentially growing, jittered delay starting at base and
// capped at max. Calls that change state are only retried when they carry
// a request id (CreateTicket).
//
// Any call the server refuses with RESOURCE_EXHAUSTED and a RetryInfo (its
// per-key rate limit) is retried after the delay the server told, at most
// maxAttempts attempts in all and never past the call's deadline: such a
// call was refused before it ran, so even a call that changes state is
// safe to send again.
func WithRetry(maxAttempts uint, base, max time.Duration) Option {
	return func(o *options) {
		o.maxAttempts, o.retryBackoff, o.maxBackoff = maxAttempts, base, max
	}
}

// WithWatchBackoff sets the delays between the reconnections of a watch:
// exponential with jitter from base, capped at max (defaults 100ms, 5s).
func WithWatchBackoff(base, max time.Duration) Option {
	return func(o *options) { o.watchBackoff, o.watchMaxDelay = base, max }
}

func buildOptions(opts []Option) options {
	o := options{
		timeout:       DefaultTimeout,
		userAgent:     DefaultUserAgent,
		maxAttempts:   DefaultMaxAttempts,
		retryBackoff:  DefaultRetryBackoff,
		maxBackoff:    DefaultMaxBackoff,
		watchBackoff:  DefaultRetryBackoff,
		watchMaxDelay: DefaultMaxBackoff,
	}
	for _, f := range opts {
		f(&o)
	}
	if o.maxAttempts == 0 {
		o.maxAttempts = 1
	}
	if o.retryBackoff <= 0 {
		o.retryBackoff = DefaultRetryBackoff
	}
	if o.maxBackoff < o.retryBackoff {
		o.maxBackoff = o.retryBackoff
	}
	if o.watchBackoff <= 0 {
		o.watchBackoff = DefaultRetryBackoff
	}
	if o.watchMaxDelay < o.watchBackoff {
		o.watchMaxDelay = o.watchBackoff
	}
	return o
}

// conn is the connection and options shared by Client, Agent and Directory.
type conn struct {
	cc   *grpc.ClientConn
	opts options
}

// apiKeyCreds are the per-RPC credentials of WithAPIKey.
type apiKeyCreds struct {
	key        string
	requireTLS bool
}

func (c apiKeyCreds) GetRequestMetadata(context.Context, ...string) (map[string]string, error) {
	return map[string]string{"authorization": "Bearer " + c.key}, nil
}

func (c apiKeyCreds) RequireTransportSecurity() bool { return c.requireTLS }

// noRetry marks a call that must not be retried.
var noRetry = retry.Disable()

func dial(addr string, opts []Option) (*conn, error) {
	if addr == "" {
		return nil, errors.New("client: empty address")
	}
	o := buildOptions(opts)
	var dopts []grpc.DialOption
	if o.insecure {
		if o.certFile != "" || o.keyFile != "" {
			return nil, errors.New("client: a client certificate needs TLS, not WithInsecure")
		}
		dopts = append(dopts, grpc.WithTransportCredentials(insecure.NewCredentials()))
	} else {
		cfg, err := o.clientTLS()
		if err != nil {
			return nil, err
		}
		dopts = append(dopts, grpc.WithTransportCredentials(credentials.NewTLS(cfg)))
	}
	if o.apiKey != "" {
		dopts = append(dopts, grpc.WithPerRPCCredentials(apiKeyCreds{key: o.apiKey, requireTLS: !o.insecure}))
	}
	if o.userAgent != "" {
		dopts = append(dopts, grpc.WithUserAgent(o.userAgent))
	}
	target := addr
	if o.dialer != nil {
		dopts = append(dopts, grpc.WithContextDialer(o.dialer))
		target = "passthrough:///" + addr
	}
	dopts = append(dopts, grpc.WithChainUnaryInterceptor(
		timeoutInterceptor(o.timeout),
		waitAsTold(o.maxAttempts),
		retry.UnaryClientInterceptor(
			retry.WithMax(o.maxAttempts),
			retry.WithCodes(codes.Unavailable),
			retry.WithBackoff(retry.BackoffExponentialWithJitterBounded(o.retryBackoff, 0.2, o.maxBackoff)),
		),
	))
	dopts = append(dopts, o.dialOpts...)
	cc, err := grpc.NewClient(target, dopts...)
	if err != nil {
		return nil, err
	}
	return &conn{cc: cc, opts: o}, nil
}

// clientTLS is the TLS configuration of WithTLS (or the default), with the
// certificate of WithClientCertificate.
func (o options) clientTLS() (*tls.Config, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if o.tlsConfig != nil {
		cfg = o.tlsConfig.Clone() // the caller's config is not changed
	}
	if o.certFile == "" && o.keyFile == "" {
		return cfg, nil
	}
	cert, err := tls.LoadX509KeyPair(o.certFile, o.keyFile)
	if err != nil {
		return nil, fmt.Errorf("client: certificate %s with key %s: %w", o.certFile, o.keyFile, err)
	}
	cfg.Certificates = append(cfg.Certificates, cert)
	return cfg, nil
}

// timeoutInterceptor gives a call without a deadline one of d.
func timeoutInterceptor(d time.Duration) grpc.UnaryClientInterceptor {
	return func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		if _, ok := ctx.Deadline(); !ok && d > 0 {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, d)
			defer cancel()
		}
		return invoker(ctx, method, req, reply, cc, opts...)
	}
}

// Conn returns the underlying connection (for other services or raw stubs).
func (c *conn) Conn() *grpc.ClientConn { return c.cc }

// Close closes the connection.
func (c *conn) Close() error { return c.cc.Close() }
