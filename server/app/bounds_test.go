package app_test

import (
	"context"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	supportv1 "github.com/supportd/supportd/gen/support/v1"
	"github.com/supportd/supportd/server/config"
	"github.com/supportd/supportd/server/domain"
	"github.com/supportd/supportd/server/internal/testserver"
)

// notServedWithin is a call on conn that must not be served while a limit
// holds it back: it fails once its short deadline passes. (A broken limit
// would serve it; a slow machine can only make the test pass, never fail.)
func notServedWithin(t *testing.T, conn *grpc.ClientConn) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	_, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{}, grpc.WaitForReady(true))
	if err == nil {
		t.Fatal("served beyond the limit")
	}
}

// TestConnectionsPerListener: beyond limits.max_connections a new
// connection waits to be accepted; it is served once another closes.
func TestConnectionsPerListener(t *testing.T) {
	s := withLimits(t, func(l *config.Limits) { l.MaxConnections = 1 })
	first := s.Dial(t)
	if _, err := healthpb.NewHealthClient(first).Check(t.Context(), &healthpb.HealthCheckRequest{}); err != nil {
		t.Fatal(err)
	}
	second := s.Dial(t)
	defer second.Close()
	notServedWithin(t, second)
	first.Close()
	if _, err := healthpb.NewHealthClient(second).Check(t.Context(), &healthpb.HealthCheckRequest{}, grpc.WaitForReady(true)); err != nil {
		t.Fatalf("not served after the first connection closed: %v", err)
	}
}

// TestStreamsPerConnection: beyond limits.streams_per_connection a call on
// the same connection waits for a stream to end; other connections are
// unaffected.
func TestStreamsPerConnection(t *testing.T) {
	s := withLimits(t, func(l *config.Limits) { l.StreamsPerConnection = 1 })
	s.SeedPartner(t, "adatum")
	key := s.NewKey(t, domain.RolePartner, "adatum")
	conn := s.Dial(t)
	defer conn.Close()
	ctx, cancel := context.WithCancel(testserver.Auth(t.Context(), key))
	stream, err := supportv1.NewSupportServiceClient(conn).WatchTickets(ctx, &supportv1.WatchTicketsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := stream.Header(); err != nil { // the stream is open on the server
		t.Fatal(err)
	}
	notServedWithin(t, conn)
	if _, err := s.Health().Check(t.Context(), &healthpb.HealthCheckRequest{}); err != nil {
		t.Fatalf("another connection: %v", err)
	}
	cancel()
	if _, err := healthpb.NewHealthClient(conn).Check(t.Context(), &healthpb.HealthCheckRequest{}); err != nil {
		t.Fatalf("not served after the stream ended: %v", err)
	}
}

// TestHealthWatchesBounded: beyond limits.health_watches a health Watch is
// refused with RESOURCE_EXHAUSTED (HEALTH_WATCHES); Check still answers,
// and a watch ending frees its slot.
func TestHealthWatchesBounded(t *testing.T) {
	s := withLimits(t, func(l *config.Limits) { l.HealthWatches = 2 })
	var cancels []context.CancelFunc
	defer func() {
		for _, c := range cancels {
			c()
		}
	}()
	watch := func() (healthpb.Health_WatchClient, context.CancelFunc) {
		ctx, cancel := context.WithCancel(t.Context())
		w, err := s.Health().Watch(ctx, &healthpb.HealthCheckRequest{})
		if err != nil {
			t.Fatal(err)
		}
		cancels = append(cancels, cancel)
		return w, cancel
	}
	var first context.CancelFunc
	for i := range 2 {
		w, cancel := watch()
		if _, err := w.Recv(); err != nil {
			t.Fatalf("watch %d: %v", i+1, err)
		}
		if i == 0 {
			first = cancel
		}
	}
	w, _ := watch()
	_, err := w.Recv()
	info, quota, retry := details(wantCode(t, err, codes.ResourceExhausted))
	if info.GetReason() != "HEALTH_WATCHES" || len(quota.GetViolations()) != 1 || retry != nil {
		t.Fatalf("details %v %v %v, want HEALTH_WATCHES with a QuotaFailure and no RetryInfo", info, quota, retry)
	}
	if _, err := s.Health().Check(t.Context(), &healthpb.HealthCheckRequest{}); err != nil {
		t.Fatalf("Check while watches are full: %v", err)
	}
	first()
	// The slot is freed when the server sees the cancellation: retry until
	// then (each attempt is a round trip, bounded by the test's deadline).
	for {
		w, _ := watch()
		_, err := w.Recv()
		if err == nil {
			return
		}
		wantCode(t, err, codes.ResourceExhausted)
	}
}
