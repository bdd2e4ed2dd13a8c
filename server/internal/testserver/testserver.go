// Package testserver runs a complete supportd server in-process for tests:
// a SQLite store in a temporary directory, the real app.App (services,
// interceptors, health, reflection) behind a bufconn listener, a client
// connection to it, a settable clock and a bootstrap admin key.
//
//	s := testserver.Start(t)
//	dir := supportv1.NewDirectoryServiceClient(s.Conn)
//	_, err := dir.CreatePartner(testserver.Auth(ctx, s.AdminKey), req)
//
// Everything is shut down by t.Cleanup.
package testserver

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/test/bufconn"

	supportv1 "github.com/supportd/supportd/gen/support/v1"
	"github.com/supportd/supportd/internal/fakeclock"
	"github.com/supportd/supportd/server/api"
	"github.com/supportd/supportd/server/app"
	supportconfig "github.com/supportd/supportd/server/config"
	"github.com/supportd/supportd/server/directory"
	"github.com/supportd/supportd/server/domain"
	"github.com/supportd/supportd/server/store"
	"github.com/supportd/supportd/server/store/sqlite"
)

// DefaultStart is the clock's initial time: a Monday, 10:00 UTC, inside the
// business hours of every default calendar but Tokyo's.
var DefaultStart = time.Date(2026, time.March, 2, 10, 0, 0, 0, time.UTC)

// Clock is the settable fake clock of the server's tests (fakeclock).
type Clock = fakeclock.Clock

// NewClock returns a clock reading t.
func NewClock(t time.Time) *Clock { return fakeclock.New(t) }

// Server is a running in-process supportd.
type Server struct {
	App      *app.App
	Store    *sqlite.Store
	Conn     *grpc.ClientConn
	AdminKey string
	Clock    *Clock
	// DBPath is the SQLite file of Store.
	DBPath string
	// Listener is the bufconn listener the server accepts on; Dial opens
	// more client connections to it.
	Listener *bufconn.Listener
}

// Option configures Start.
type Option func(*config)

type config struct {
	appOpts        []func(*app.Options)
	storeOpts      sqlite.Options
	start          time.Time
	logger         *slog.Logger
	keepRateLimits bool
}

// KeepRateLimits keeps the configured per-key rate limit. By default Start
// lifts limits.requests_per_second and limits.burst: the limiter reads the
// fake clock, which stands still, and tests of other subjects make
// hundreds of calls with one key at one instant.
func KeepRateLimits() Option {
	return func(c *config) { c.keepRateLimits = true }
}

// WithOptions tweaks the app.Options before app.New (Store, Logger, Now,
// Wait (returns at once) are already set; a function may wrap
// or replace them).
func WithOptions(f func(*app.Options)) Option {
	return func(c *config) { c.appOpts = append(c.appOpts, f) }
}

// WithStoreOptions sets the options of the SQLite store.
func WithStoreOptions(o sqlite.Options) Option {
	return func(c *config) { c.storeOpts = o }
}

// WithStart sets the clock's initial time (DefaultStart otherwise).
func WithStart(t time.Time) Option {
	return func(c *config) { c.start = t }
}

// WithLogger sets the server's logger. By default warnings and errors go
// to the test's output and the rest is dropped.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) { c.logger = l }
}

// Start runs a server for the test; t.Cleanup shuts it down (App.Shutdown,
// client connection close, store close).
func Start(t testing.TB, opts ...Option) *Server {
	t.Helper()
	cfg := config{start: DefaultStart}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.logger == nil {
		cfg.logger = slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	ctx := context.Background()
	s := &Server{Clock: NewClock(cfg.start), DBPath: filepath.Join(t.TempDir(), "supportd.db")}

	st, err := sqlite.Open(ctx, s.DBPath, cfg.storeOpts)
	if err != nil {
		t.Fatalf("testserver: open store: %v", err)
	}
	s.Store = st
	t.Cleanup(func() {
		if err := st.Close(); err != nil {
			t.Errorf("testserver: close store: %v", err)
		}
	})

	// Rate-limited calls are refused without the hold: the clock stands still.
	noWait := func(context.Context, time.Duration) {}
	appOpts := app.Options{Store: st, Logger: cfg.logger, Now: s.Clock.Now, Wait: noWait, GracePeriod: 2 * time.Second}
	for _, f := range cfg.appOpts {
		f(&appOpts)
	}
	if !cfg.keepRateLimits {
		appOpts.Config = liftRateLimits(appOpts.Config)
	}
	a, err := app.New(ctx, appOpts)
	if err != nil {
		t.Fatalf("testserver: app.New: %v", err)
	}
	s.App = a

	s.Listener = bufconn.Listen(1 << 20)
	served := make(chan error, 1)
	go func() { served <- a.Serve(s.Listener) }()
	t.Cleanup(func() {
		// Runs before the store's cleanup (cleanups run last first).
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		a.Shutdown(sctx)
		if err := <-served; err != nil && !errors.Is(err, grpc.ErrServerStopped) {
			t.Errorf("testserver: serve: %v", err)
		}
		if s.Conn != nil {
			if err := s.Conn.Close(); err != nil {
				t.Errorf("testserver: close client connection: %v", err)
			}
		}
	})

	s.Conn = s.Dial(t)
	s.AdminKey = s.NewKey(t, domain.RoleAdmin, "")
	return s
}

// liftRateLimits returns a copy of c (config.Default() when nil) whose
// per-key rate limit no test reaches.
func liftRateLimits(c *supportconfig.Config) *supportconfig.Config {
	if c == nil {
		c = supportconfig.Default()
	}
	lifted := *c
	lifted.Limits.RequestsPerSecond, lifted.Limits.Burst = 1e9, 1e9
	return &lifted
}

// Dial opens another client connection to the server; the caller closes
// it (Start's own Conn is closed by the cleanup).
func (s *Server) Dial(t testing.TB, opts ...grpc.DialOption) *grpc.ClientConn {
	t.Helper()
	all := append([]grpc.DialOption{
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) {
			return s.Listener.DialContext(ctx)
		}),
		grpc.WithTransportCredentials(insecure.NewCredentials()),
	}, opts...)
	conn, err := grpc.NewClient("passthrough:///bufconn", all...)
	if err != nil {
		t.Fatalf("testserver: dial: %v", err)
	}
	return conn
}

// Actor is the audit trail's actor of the keys NewKey creates.
const Actor = "operator:testserver"

// NewKey creates an API key directly through the directory service (not
// over gRPC) and returns its secret. partnerID is for partner keys.
func (s *Server) NewKey(t testing.TB, role domain.Role, partnerID string) string {
	t.Helper()
	return s.NewExpiringKey(t, role, partnerID, time.Time{})
}

// NewExpiringKey is NewKey for a key that expires at expire (zero: never).
func (s *Server) NewExpiringKey(t testing.TB, role domain.Role, partnerID string, expire time.Time) string {
	t.Helper()
	_, secret, err := directory.New(s.Store, s.Clock.Now, nil, api.AuditJSON).CreateAPIKey(context.Background(), Actor, role, partnerID, expire)
	if err != nil {
		t.Fatalf("testserver: create %s key: %v", role, err)
	}
	return secret
}

// Auth returns ctx with the outgoing metadata "authorization: Bearer <secret>".
func Auth(ctx context.Context, secret string) context.Context {
	return metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+secret)
}

// Admin returns the test's context authenticated with the admin key.
func (s *Server) Admin(t testing.TB) context.Context {
	return Auth(t.Context(), s.AdminKey)
}

// Directory returns a DirectoryService client on Conn.
func (s *Server) Directory() supportv1.DirectoryServiceClient {
	return supportv1.NewDirectoryServiceClient(s.Conn)
}

// Support returns a SupportService client on Conn.
func (s *Server) Support() supportv1.SupportServiceClient {
	return supportv1.NewSupportServiceClient(s.Conn)
}

// Agent returns an AgentService client on Conn.
func (s *Server) Agent() supportv1.AgentServiceClient {
	return supportv1.NewAgentServiceClient(s.Conn)
}

// Health returns a grpc.health.v1 client on Conn.
func (s *Server) Health() healthpb.HealthClient {
	return healthpb.NewHealthClient(s.Conn)
}

// LastSequence returns the highest committed event sequence.
func (s *Server) LastSequence(t testing.TB) int64 {
	t.Helper()
	var seq int64
	err := s.Store.ReadTx(context.Background(), func(tx store.Reader) error {
		var err error
		seq, err = tx.LastSequence(context.Background())
		return err
	})
	if err != nil {
		t.Fatalf("testserver: last sequence: %v", err)
	}
	return seq
}

// EventsAfter returns every event (ticket and audit) with a sequence above
// after, in order.
func (s *Server) EventsAfter(t testing.TB, after int64) []domain.Event {
	t.Helper()
	return s.Events(t, after, store.EventFilter{})
}

// Events returns every event f selects with a sequence above after, in
// order, read in one snapshot.
func (s *Server) Events(t testing.TB, after int64, f store.EventFilter) []domain.Event {
	t.Helper()
	var out []domain.Event
	err := s.Store.ReadTx(context.Background(), func(tx store.Reader) error {
		for {
			page, err := tx.ListEvents(context.Background(), after, f, 500)
			if err != nil {
				return err
			}
			out = append(out, page...)
			if len(page) < 500 {
				return nil
			}
			after = page[len(page)-1].Sequence
		}
	})
	if err != nil {
		t.Fatalf("testserver: list events: %v", err)
	}
	return out
}

// AuditAfter returns the audit events with an id above after, oldest
// first.
func (s *Server) AuditAfter(t testing.TB, after int64) []domain.AuditEvent {
	t.Helper()
	var newest []domain.AuditEvent
	err := s.Store.ReadTx(context.Background(), func(tx store.Reader) error {
		page := store.Page{Limit: 500}
		for {
			evs, err := tx.ListAuditEvents(context.Background(), store.AuditFilter{}, page)
			if err != nil {
				return err
			}
			for _, e := range evs {
				if e.ID <= after {
					return nil
				}
				newest = append(newest, e)
			}
			if len(evs) < page.Limit {
				return nil
			}
			page.After = strconv.FormatInt(evs[len(evs)-1].ID, 10)
		}
	})
	if err != nil {
		t.Fatalf("testserver: list audit events: %v", err)
	}
	slices.Reverse(newest)
	return newest
}

// LastAuditID returns the id of the newest audit event (0 if none).
func (s *Server) LastAuditID(t testing.TB) int64 {
	t.Helper()
	var last int64
	err := s.Store.ReadTx(context.Background(), func(tx store.Reader) error {
		evs, err := tx.ListAuditEvents(context.Background(), store.AuditFilter{}, store.Page{Limit: 1})
		if len(evs) > 0 {
			last = evs[0].ID
		}
		return err
	})
	if err != nil {
		t.Fatalf("testserver: last audit event: %v", err)
	}
	return last
}
