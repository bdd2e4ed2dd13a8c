package app_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/uuid"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	supportv1 "github.com/supportd/supportd/gen/support/v1"
	"github.com/supportd/supportd/server/app"
	"github.com/supportd/supportd/server/domain"
	"github.com/supportd/supportd/server/internal/testserver"
	"github.com/supportd/supportd/server/store"
)

// fullDisk is a store whose writes fail with store.ErrStorageFull while
// full is set, as the SQLite store's do on a full disk.
type fullDisk struct {
	store.Store
	full *atomic.Bool
}

func (f fullDisk) ReadWriteTx(ctx context.Context, fn func(tx store.ReadWriter) error) error {
	if f.full.Load() {
		return fmt.Errorf("commit: %w: database or disk is full", store.ErrStorageFull)
	}
	return f.Store.ReadWriteTx(ctx, fn)
}

func filing(customer string) *supportv1.CreateTicketRequest {
	return &supportv1.CreateTicketRequest{
		RequestId: uuid.NewString(), CustomerId: customer, Service: supportv1.Service_SERVICE_AZURE,
		SupportTopicId: "azure-vm-connectivity", Severity: supportv1.Severity_SEVERITY_B, Language: "en-US",
		Title: "VM unreachable", Description: "RDP times out since 10:00",
		Contact: &supportv1.Contact{Name: "Ann Smith", Email: "ann@p1.example"},
	}
}

func TestFullDiskRefusesWritesHonestlyAndRecovers(t *testing.T) {
	var full atomic.Bool
	s := testserver.Start(t, testserver.WithOptions(func(o *app.Options) {
		o.Store = fullDisk{Store: o.Store, full: &full}
	}))
	d := s.SeedDirectory(t, "p1")
	ctx := testserver.Auth(t.Context(), d.PartnerKey)
	created, err := s.Support().CreateTicket(ctx, filing(d.EndCustomer.GetId()))
	if err != nil {
		t.Fatal(err)
	}
	storage := func() healthpb.HealthCheckResponse_ServingStatus {
		t.Helper()
		resp, err := s.Health().Check(t.Context(), &healthpb.HealthCheckRequest{Service: app.StorageHealthService})
		if err != nil {
			t.Fatal(err)
		}
		return resp.GetStatus()
	}
	healthz := func() string {
		rec := httptest.NewRecorder()
		s.App.MetricsHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/healthz", nil))
		if rec.Code != http.StatusOK {
			t.Fatalf("/healthz = %d", rec.Code)
		}
		return rec.Body.String()
	}
	metric := func() string {
		rec := httptest.NewRecorder()
		s.App.MetricsHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
		body, _ := io.ReadAll(rec.Body)
		for line := range strings.SplitSeq(string(body), "\n") {
			if strings.HasPrefix(line, "supportd_storage_full ") {
				return line
			}
		}
		t.Fatal("no supportd_storage_full metric")
		return ""
	}
	if got := storage(); got != healthpb.HealthCheckResponse_SERVING {
		t.Fatalf("storage health before = %v", got)
	}

	full.Store(true)
	_, err = s.Support().CreateTicket(ctx, filing(d.EndCustomer.GetId()))
	st := wantCode(t, err, codes.ResourceExhausted)
	if !strings.Contains(st.Message(), "storage is full") {
		t.Errorf("message %q does not say storage is full", st.Message())
	}
	if reason := testserver.DetailsOf(err).Info.GetReason(); reason != "STORAGE_FULL" {
		t.Errorf("ErrorInfo reason %q, want STORAGE_FULL", reason)
	}
	// Reads go on; health says which part is down.
	if _, err := s.Support().GetTicket(ctx, &supportv1.GetTicketRequest{TicketId: created.GetTicket().GetId()}); err != nil {
		t.Fatalf("read while the disk is full: %v", err)
	}
	if got := storage(); got != healthpb.HealthCheckResponse_NOT_SERVING {
		t.Errorf("storage health while full = %v, want NOT_SERVING", got)
	}
	overall, err := s.Health().Check(t.Context(), &healthpb.HealthCheckRequest{})
	if err != nil || overall.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		t.Errorf("overall health while full = %v, %v; want SERVING (reads work)", overall.GetStatus(), err)
	}
	if body := healthz(); !strings.Contains(body, "storage full") {
		t.Errorf("/healthz while full = %q", body)
	}
	if m := metric(); m != "supportd_storage_full 1" {
		t.Errorf("metric while full: %q", m)
	}

	// Space freed: the next write succeeds and health recovers.
	full.Store(false)
	if _, err := s.Support().CreateTicket(ctx, filing(d.EndCustomer.GetId())); err != nil {
		t.Fatalf("write after space was freed: %v", err)
	}
	if got := storage(); got != healthpb.HealthCheckResponse_SERVING {
		t.Errorf("storage health after = %v, want SERVING", got)
	}
	if body := healthz(); body != "ok\n" {
		t.Errorf("/healthz after = %q", body)
	}
	if m := metric(); m != "supportd_storage_full 0" {
		t.Errorf("metric after: %q", m)
	}
}

// unreachableTickets is a store whose ReadTicket fails with
// store.ErrUnavailable while down is set, as PostgreSQL's does when the
// database cannot be reached.
type unreachableTickets struct {
	store.Store
	down *atomic.Bool
}

func (u unreachableTickets) ReadTicket(ctx context.Context, id string) (domain.Ticket, error) {
	if u.down.Load() {
		return domain.Ticket{}, fmt.Errorf("read ticket: %w: connection refused", store.ErrUnavailable)
	}
	return u.Store.ReadTicket(ctx, id)
}

// TestDatabaseHealthSeesTicketReads: a GetTicket that finds the database
// unreachable (Store.ReadTicket, a transaction of its own on PostgreSQL)
// turns the health service supportd.database NOT_SERVING, as any other
// transaction does.
func TestDatabaseHealthSeesTicketReads(t *testing.T) {
	var down atomic.Bool
	s := testserver.Start(t, testserver.WithOptions(func(o *app.Options) {
		o.Store = unreachableTickets{Store: o.Store, down: &down}
	}))
	d := s.SeedDirectory(t, "p1")
	ctx := testserver.Auth(t.Context(), d.PartnerKey)
	created, err := s.Support().CreateTicket(ctx, filing(d.EndCustomer.GetId()))
	if err != nil {
		t.Fatal(err)
	}
	database := func() healthpb.HealthCheckResponse_ServingStatus {
		t.Helper()
		resp, err := s.Health().Check(t.Context(), &healthpb.HealthCheckRequest{Service: app.DatabaseHealthService})
		if err != nil {
			t.Fatal(err)
		}
		return resp.GetStatus()
	}
	get := &supportv1.GetTicketRequest{TicketId: created.GetTicket().GetId()}

	down.Store(true)
	_, err = s.Support().GetTicket(ctx, get)
	wantCode(t, err, codes.Unavailable)
	if got := database(); got != healthpb.HealthCheckResponse_NOT_SERVING {
		t.Errorf("database health after a failed ticket read = %v, want NOT_SERVING", got)
	}

	down.Store(false)
	if _, err := s.Support().GetTicket(ctx, get); err != nil {
		t.Fatalf("read once the database is back: %v", err)
	}
	if got := database(); got != healthpb.HealthCheckResponse_SERVING {
		t.Errorf("database health after a ticket read succeeded = %v, want SERVING", got)
	}
}
