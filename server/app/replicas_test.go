package app_test

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/test/bufconn"

	supportv1 "github.com/supportd/supportd/gen/support/v1"
	"github.com/supportd/supportd/internal/pgtest"
	"github.com/supportd/supportd/server/api"
	"github.com/supportd/supportd/server/app"
	"github.com/supportd/supportd/server/auth"
	"github.com/supportd/supportd/server/config"
	"github.com/supportd/supportd/server/directory"
	"github.com/supportd/supportd/server/domain"
	"github.com/supportd/supportd/server/internal/testserver"
	"github.com/supportd/supportd/server/store"
	"github.com/supportd/supportd/server/store/postgres"
)

// keyReadCounter is a PostgreSQL store that counts the API keys its read
// transactions look up (embedding keeps its other methods, the key
// change notifications among them).
type keyReadCounter struct {
	*postgres.Store
	keyReads atomic.Int64
}

func (c *keyReadCounter) ReadTx(ctx context.Context, fn func(tx store.Reader) error) error {
	return c.Store.ReadTx(ctx, func(tx store.Reader) error { return fn(countingReader{tx, c}) })
}

type countingReader struct {
	store.Reader
	c *keyReadCounter
}

func (r countingReader) GetAPIKey(ctx context.Context, id string) (store.APIKey, error) {
	r.c.keyReads.Add(1)
	return r.Reader.GetAPIKey(ctx, id)
}

// pgReplica is a supportd server over a PostgreSQL store, served over
// bufconn: one of the replicas of a test.
type pgReplica struct {
	app  *app.App
	st   *keyReadCounter
	conn *grpc.ClientConn
}

// startReplica runs a replica over the database at url, reading clock.
func startReplica(t *testing.T, url string, clock *testserver.Clock) *pgReplica {
	t.Helper()
	ctx := context.Background()
	pg, err := postgres.Open(ctx, url, postgres.Options{MaxConns: 4, PollInterval: 100 * time.Millisecond,
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	st := &keyReadCounter{Store: pg}
	t.Cleanup(func() { _ = st.Close() })
	cfg := config.Default()
	// The fake clock stands still: no call may wait for a token.
	cfg.Limits.RequestsPerSecond, cfg.Limits.Burst = 1e9, 1e9
	// The sweep is the probe by which health sees the database back.
	cfg.Escalation.CheckInterval = 20 * time.Millisecond
	a, err := app.New(ctx, app.Options{Store: st, Config: cfg, Now: clock.Now, Wait: func(context.Context, time.Duration) {},
		GracePeriod: 2 * time.Second, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatalf("app.New: %v", err)
	}
	lis := bufconn.Listen(1 << 20)
	served := make(chan error, 1)
	go func() { served <- a.Serve(lis) }()
	conn, err := grpc.NewClient("passthrough:///bufconn", grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = conn.Close()
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		a.Shutdown(sctx)
		if err := <-served; err != nil && !errors.Is(err, grpc.ErrServerStopped) {
			t.Errorf("serve: %v", err)
		}
	})
	return &pgReplica{app: a, st: st, conn: conn}
}

func (r *pgReplica) directory() supportv1.DirectoryServiceClient {
	return supportv1.NewDirectoryServiceClient(r.conn)
}

// listPartners makes one authenticated call with secret.
func (r *pgReplica) listPartners(ctx context.Context, secret string) error {
	_, err := r.directory().ListPartners(testserver.Auth(ctx, secret), &supportv1.ListPartnersRequest{})
	return err
}

// adminKey creates an admin key in st directly and returns its secret.
func adminKey(t *testing.T, st store.Store, clock *testserver.Clock) (store.APIKey, string) {
	t.Helper()
	rec, secret, err := directory.New(st, clock.Now, nil, api.AuditJSON).CreateAPIKey(t.Context(), testserver.Actor, domain.RoleAdmin, "", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	return rec, secret
}

// keyEvents registers a function on st's key notifications (creations or
// revocations) and returns the channel of the ids it is told.
func keyEvents(register func(func(string))) <-chan string {
	ids := make(chan string, 64)
	register(func(id string) {
		select {
		case ids <- id:
		default: // the test reads what it waits for; no notification blocks
		}
	})
	return ids
}

// waitKeyEvent waits for id on ids.
func waitKeyEvent(t *testing.T, ids <-chan string, id string) {
	t.Helper()
	for {
		select {
		case got := <-ids:
			if got == id {
				return
			}
		case <-t.Context().Done():
			t.Fatalf("no notification of key %q", id)
		}
	}
}

// TestUnknownKeysAcrossReplicas: on two replicas over one PostgreSQL
// database, a flood of calls with an unknown key reads the database once,
// a key created on one replica works at once on the other, and a replica
// that had found a key id unknown accepts it once the key's creation is
// notified.
func TestUnknownKeysAcrossReplicas(t *testing.T) {
	url := pgtest.NewDatabase(t)
	clock := testserver.NewClock(testserver.DefaultStart)
	a, b := startReplica(t, url, clock), startReplica(t, url, clock)
	ctx := t.Context()
	createdOnB := keyEvents(b.st.OnKeyCreated)
	adminRec, admin := adminKey(t, a.st, clock)
	// Settled first: a notice arriving mid-call keeps that call's miss out
	// of the cache (what it read may predate the change).
	waitKeyEvent(t, createdOnB, adminRec.ID)

	_, bad := auth.NewKey(domain.RoleAdmin, "", clock.Now())
	before := b.st.keyReads.Load()
	for range 200 {
		wantCode(t, b.listPartners(ctx, bad), codes.Unauthenticated)
	}
	if n := b.st.keyReads.Load() - before; n != 1 {
		t.Fatalf("200 calls with one unknown key read the database %d times, want 1", n)
	}

	// A key created on A works on B at once: B never found its id unknown.
	created, err := a.directory().CreateApiKey(testserver.Auth(ctx, admin), &supportv1.CreateApiKeyRequest{Role: supportv1.Role_ROLE_ADMIN})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.listPartners(ctx, created.GetSecret()); err != nil {
		t.Fatalf("a key created on A, used on B at once: %v", err)
	}

	// B found an id unknown (the secret was tried before the key existed);
	// once the key's creation on A is notified, B accepts it.
	rec, early := auth.NewKey(domain.RoleAdmin, "", clock.Now())
	wantCode(t, b.listPartners(ctx, early), codes.Unauthenticated)
	if err := a.st.ReadWriteTx(ctx, func(tx store.ReadWriter) error { return tx.CreateAPIKey(ctx, rec) }); err != nil {
		t.Fatal(err)
	}
	waitKeyEvent(t, createdOnB, rec.ID)
	if err := b.listPartners(ctx, early); err != nil {
		t.Fatalf("B after the creation notice: %v", err)
	}
}

// TestPostgresRestart stops the PostgreSQL server under two replicas and
// starts it again: meanwhile calls fail with UNAVAILABLE
// (DATABASE_UNAVAILABLE) and the health service supportd.database says
// NOT_SERVING; afterwards each replica recovers by itself: health SERVING,
// calls served, its listener back (a key revoked on the other replica is
// refused), the commits of the other replica heard of. Not parallel: the
// cluster is the test binary's.
func TestPostgresRestart(t *testing.T) {
	url := pgtest.NewDatabase(t)
	clock := testserver.NewClock(testserver.DefaultStart)
	a, b := startReplica(t, url, clock), startReplica(t, url, clock)
	ctx := t.Context()
	createdOnA := keyEvents(a.st.OnKeyCreated)
	adminRec, admin := adminKey(t, a.st, clock)
	doomed, doomedSecret := adminKey(t, a.st, clock)
	// A's own creation notices forget the keys: cache them after those.
	waitKeyEvent(t, createdOnA, adminRec.ID)
	waitKeyEvent(t, createdOnA, doomed.ID)
	for _, secret := range []string{admin, doomedSecret} {
		if err := a.listPartners(ctx, secret); err != nil { // cached on A
			t.Fatal(err)
		}
	}
	revokedOnA := keyEvents(a.st.OnKeyRevoked)
	commitsOnA := a.st.SubscribeCommits()
	defer commitsOnA.Close()
	health, err := healthpb.NewHealthClient(a.conn).Watch(ctx, &healthpb.HealthCheckRequest{Service: app.DatabaseHealthService})
	if err != nil {
		t.Fatal(err)
	}
	wantHealth := func(want healthpb.HealthCheckResponse_ServingStatus) {
		t.Helper()
		for {
			m, err := health.Recv()
			if err != nil {
				t.Fatalf("health watch: %v", err)
			}
			if m.GetStatus() == want {
				return
			}
		}
	}
	wantHealth(healthpb.HealthCheckResponse_SERVING)

	pgtest.Stop(t)
	_, unchecked := auth.NewKey(domain.RoleAdmin, "", clock.Now())
	st := wantCode(t, a.listPartners(ctx, unchecked), codes.Unavailable)
	if info, _, _ := details(st); info.GetReason() != "DATABASE_UNAVAILABLE" {
		t.Errorf("key check while PostgreSQL is down: ErrorInfo %v, want reason DATABASE_UNAVAILABLE", info)
	}
	st = wantCode(t, a.listPartners(ctx, admin), codes.Unavailable)
	if info, _, _ := details(st); info.GetReason() != "DATABASE_UNAVAILABLE" {
		t.Errorf("read while PostgreSQL is down: ErrorInfo %v, want reason DATABASE_UNAVAILABLE", info)
	}
	_, err = a.directory().CreatePartner(testserver.Auth(ctx, admin), &supportv1.CreatePartnerRequest{Partner: newPartner("p-down")})
	st = wantCode(t, err, codes.Unavailable)
	if info, _, _ := details(st); info.GetReason() != "DATABASE_UNAVAILABLE" {
		t.Errorf("write while PostgreSQL is down: ErrorInfo %v, want reason DATABASE_UNAVAILABLE", info)
	}
	wantHealth(healthpb.HealthCheckResponse_NOT_SERVING)

	pgtest.Start(t)
	wantHealth(healthpb.HealthCheckResponse_SERVING)
	if err := a.listPartners(ctx, admin); err != nil {
		t.Fatalf("read once PostgreSQL is back: %v", err)
	}
	if _, err := a.directory().CreatePartner(testserver.Auth(ctx, admin), &supportv1.CreatePartnerRequest{Partner: newPartner("p-back")}); err != nil {
		t.Fatalf("write once PostgreSQL is back: %v", err)
	}
	// A's listener is back (it tells that key changes may have been
	// missed once it listens again): B's revocation reaches A.
	waitKeyEvent(t, revokedOnA, "")
	if _, err := b.directory().RevokeApiKey(testserver.Auth(ctx, admin), &supportv1.RevokeApiKeyRequest{KeyId: doomed.ID}); err != nil {
		t.Fatal(err)
	}
	waitKeyEvent(t, revokedOnA, doomed.ID)
	wantCode(t, a.listPartners(ctx, doomedSecret), codes.Unauthenticated)
	// B's commits reach A's watchers.
	if _, err := b.directory().CreatePartner(testserver.Auth(ctx, admin), &supportv1.CreatePartnerRequest{Partner: newPartner("p-on-b")}); err != nil {
		t.Fatal(err)
	}
	var last int64
	if err := b.st.ReadTx(ctx, func(tx store.Reader) (err error) { last, err = tx.LastSequence(ctx); return err }); err != nil {
		t.Fatal(err)
	}
	for commitsOnA.Notified() < last {
		select {
		case <-commitsOnA.Ready():
			commitsOnA.Take(nil)
		case <-ctx.Done():
			t.Fatalf("A was not told of B's commit %d (notified up to %d)", last, commitsOnA.Notified())
		}
	}
}

// newPartner is a valid partner to create.
func newPartner(id string) *supportv1.Partner {
	return &supportv1.Partner{Id: id, DisplayName: "Partner " + id, Status: supportv1.PartnerStatus_PARTNER_STATUS_ACTIVE,
		VerifiedDomains: []string{id + ".example"}}
}
