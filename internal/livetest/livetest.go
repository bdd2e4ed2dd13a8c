// Package livetest runs a complete supportd in-process for the tests of
// the client side (client/, cmd/supportctl): the real app.App on a SQLite
// file behind a bufconn listener, seeded with the demo directory, and
// restartable on the same database to test reconnection and resumption.
// StartExample runs one for a runnable example, on a loopback TCP port.
//
// It exists because server/internal/testserver cannot be imported from
// outside server/. Only test files import it: it is not a dependency of
// the client package.
package livetest

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/test/bufconn"

	"github.com/supportd/supportd/server/api"
	"github.com/supportd/supportd/server/app"
	"github.com/supportd/supportd/server/config"
	"github.com/supportd/supportd/server/demo"
	"github.com/supportd/supportd/server/directory"
	"github.com/supportd/supportd/server/store/sqlite"
)

// Now is the fixed clock of the server: a Monday, 10:00 UTC (business hours).
var Now = time.Date(2026, time.March, 2, 10, 0, 0, 0, time.UTC)

// Server is a running (or stopped) in-process supportd.
type Server struct {
	// DBPath is the SQLite file; it survives Stop.
	DBPath string
	// Keys are the demo keys (partner adatum, agent, admin).
	Keys demo.Keys

	t      reporter
	tcp    bool // listen on loopback TCP instead of bufconn
	tls    *tls.Config
	addr   string // the TCP address, kept across restarts
	mu     sync.Mutex
	lis    net.Listener
	buf    *bufconn.Listener // lis when !tcp
	app    *app.App
	st     *sqlite.Store
	served chan error
}

// reporter is what the server needs of a testing.TB.
type reporter interface {
	Helper()
	Errorf(format string, args ...any)
	Fatalf(format string, args ...any)
	Output() io.Writer
}

// Start runs a server seeded with the demo directory; t.Cleanup stops it.
func Start(t testing.TB) *Server {
	t.Helper()
	s := start(t, t.TempDir(), false)
	t.Cleanup(s.Stop)
	return s
}

// StartTLS runs a server like Start that speaks TLS with cfg (e.g. an
// app.CertReloader's ServerConfig).
func StartTLS(t testing.TB, cfg *tls.Config) *Server {
	t.Helper()
	s := &Server{t: t, tls: cfg, DBPath: filepath.Join(t.TempDir(), "supportd.db")}
	s.seed()
	t.Cleanup(s.Stop)
	return s
}

// StartExample runs a server seeded with the demo directory for a runnable
// example, which has no testing.TB: it listens on a loopback TCP port, so
// the example's client dials addr like any partner (in plaintext), and
// partnerKey is the API key of the demo partner adatum. It panics when the
// server fails; stop shuts it down and removes its database.
func StartExample() (addr, partnerKey string, stop func()) {
	dir, err := os.MkdirTemp("", "livetest-")
	if err != nil {
		panic(fmt.Sprintf("livetest: %v", err))
	}
	s := start(panicReporter{}, dir, true)
	return s.Addr(), s.Keys.Partner, func() {
		s.Stop()
		os.RemoveAll(dir)
	}
}

// panicReporter reports the failures of an example server by panicking,
// which fails the example.
type panicReporter struct{}

func (panicReporter) Helper()                           {}
func (panicReporter) Errorf(format string, args ...any) { panic(fmt.Sprintf(format, args...)) }
func (panicReporter) Fatalf(format string, args ...any) { panic(fmt.Sprintf(format, args...)) }
func (panicReporter) Output() io.Writer                 { return os.Stderr }

func start(r reporter, dir string, tcp bool) *Server {
	r.Helper()
	s := &Server{t: r, tcp: tcp, DBPath: filepath.Join(dir, "supportd.db")}
	s.seed()
	return s
}

// seed starts the server and seeds the demo directory.
func (s *Server) seed() {
	r := s.t
	s.Restart()
	keys, err := demo.Seed(context.Background(), directory.New(s.st, func() time.Time { return Now }, nil, api.AuditJSON))
	if err != nil {
		s.Stop()
		r.Fatalf("livetest: demo seed: %v", err)
	}
	s.Keys = keys
}

// Addr is the server's TCP address (StartExample); empty on bufconn.
func (s *Server) Addr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addr
}

// Restart starts the server again on the same database (a no-op when it
// runs). Clients reconnect through Dialer.
func (s *Server) Restart() {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.app != nil {
		return
	}
	ctx := context.Background()
	st, err := sqlite.Open(ctx, s.DBPath, sqlite.Options{})
	if err != nil {
		s.t.Fatalf("livetest: open store: %v", err)
	}
	logger := slog.New(slog.NewTextHandler(s.t.Output(), &slog.HandlerOptions{Level: slog.LevelError}))
	// The clock stands still, so a rate limit would never refill: lift it.
	cfg := config.Default()
	cfg.Limits.RequestsPerSecond, cfg.Limits.Burst = 1e9, 1e9
	a, err := app.New(ctx, app.Options{Store: st, Logger: logger, Now: func() time.Time { return Now }, Config: cfg, GracePeriod: time.Second, TLS: s.tls})
	if err != nil {
		st.Close()
		s.t.Fatalf("livetest: app.New: %v", err)
	}
	if s.tcp {
		addr := s.addr
		if addr == "" {
			addr = "127.0.0.1:0"
		}
		l, err := net.Listen("tcp", addr)
		if err != nil {
			a.Shutdown(ctx)
			st.Close()
			s.t.Fatalf("livetest: listen: %v", err)
		}
		s.lis, s.addr = l, l.Addr().String()
	} else {
		s.buf = bufconn.Listen(1 << 20)
		s.lis = s.buf
	}
	s.st, s.app = st, a
	s.served = make(chan error, 1)
	go func(l net.Listener, served chan error) { served <- a.Serve(l) }(s.lis, s.served)
}

// Stop shuts the server down (open streams end with UNAVAILABLE or a
// dropped connection) and closes the store; Restart brings it back.
func (s *Server) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.app == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s.app.Shutdown(ctx)
	if err := <-s.served; err != nil && !errors.Is(err, grpc.ErrServerStopped) {
		s.t.Errorf("livetest: serve: %v", err)
	}
	s.lis.Close()
	if err := s.st.Close(); err != nil {
		s.t.Errorf("livetest: close store: %v", err)
	}
	s.app, s.st, s.lis, s.buf = nil, nil, nil, nil
}

// ErrDown is the dial error while the server is stopped.
var ErrDown = errors.New("livetest: server stopped")

// Dial connects to the server as it runs now; it is the dialer to give
// clients (client.WithContextDialer(s.Dial)).
func (s *Server) Dial(ctx context.Context, _ string) (net.Conn, error) {
	s.mu.Lock()
	l, b, addr := s.lis, s.buf, s.addr
	s.mu.Unlock()
	switch {
	case l == nil:
		return nil, ErrDown
	case b == nil:
		var d net.Dialer
		return d.DialContext(ctx, "tcp", addr)
	}
	return b.DialContext(ctx)
}
