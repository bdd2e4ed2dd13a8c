package testserver_test

import (
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	supportv1 "github.com/supportd/supportd/gen/support/v1"
	"github.com/supportd/supportd/server/app"
	"github.com/supportd/supportd/server/domain"
	"github.com/supportd/supportd/server/internal/testserver"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func TestClock(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c := testserver.NewClock(start)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				c.Advance(time.Second)
				_ = c.Now()
			}
		})
	}
	wg.Wait()
	if got := c.Now(); !got.Equal(start.Add(800 * time.Second)) {
		t.Fatalf("Now = %v after 800 advances of 1s", got)
	}
	c.Set(start)
	if !c.Now().Equal(start) {
		t.Fatal("Set")
	}
}

func TestStart(t *testing.T) {
	start := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	var applied bool
	s := testserver.Start(t, testserver.WithStart(start), testserver.WithOptions(func(o *app.Options) {
		applied = o.Store != nil && o.Now != nil
	}))
	if !applied {
		t.Fatal("WithOptions did not see Store and Now")
	}
	p := s.SeedPartner(t, "adatum")
	if !p.GetCreateTime().AsTime().Equal(start) {
		t.Fatalf("the server does not use the clock: %v", p.GetCreateTime().AsTime())
	}
	d := s.SeedDirectory(t, "contoso")
	if len(d.Subscriptions) != 3 || d.PartnerKey == "" || d.Self.GetKind() != supportv1.CustomerKind_CUSTOMER_KIND_PARTNER_SELF {
		t.Fatalf("SeedDirectory = %+v", d)
	}
	s.SeedContract(t, "k1", "contoso", supportv1.ProofKind_PROOF_KIND_MPN, "MPN-1")

	// Keys of each role reach their service only.
	_, err := s.Support().ListSupportTopics(testserver.Auth(t.Context(), d.PartnerKey), &supportv1.ListSupportTopicsRequest{Service: supportv1.Service_SERVICE_AZURE})
	if c := status.Code(err); c == codes.Unauthenticated || c == codes.PermissionDenied {
		t.Fatalf("partner key: %v", err)
	}
	agent := s.NewKey(t, domain.RoleAgent, "")
	_, err = s.Directory().ListPartners(testserver.Auth(t.Context(), agent), &supportv1.ListPartnersRequest{})
	if status.Code(err) != codes.PermissionDenied {
		t.Fatalf("agent key on the directory: %v", err)
	}
	// The seeding is audited (directory changes are not watch events).
	if evs := s.AuditAfter(t, 0); len(evs) == 0 || evs[len(evs)-1].ID != s.LastAuditID(t) || s.LastSequence(t) != 0 {
		t.Fatalf("%d audit events (last id %d), event log at %d", len(evs), s.LastAuditID(t), s.LastSequence(t))
	}

	// More connections.
	conn := s.Dial(t)
	defer conn.Close()
	if _, err := supportv1.NewDirectoryServiceClient(conn).ListPartners(s.Admin(t), &supportv1.ListPartnersRequest{}); err != nil {
		t.Fatal(err)
	}
}

// TestShutdownTwice checks that a test may shut the app down itself before
// the cleanup does.
func TestShutdownTwice(t *testing.T) {
	s := testserver.Start(t)
	s.App.Shutdown(t.Context())
}
