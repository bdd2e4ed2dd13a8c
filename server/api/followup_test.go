package api_test

import (
	"context"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	supportv1 "github.com/supportd/supportd/gen/support/v1"
	"github.com/supportd/supportd/server/domain"
	"github.com/supportd/supportd/server/internal/testserver"
)

// TestRevokeIsIdempotent: revoking a revoked key succeeds and records
// nothing more.
func TestRevokeIsIdempotent(t *testing.T) {
	s := testserver.Start(t)
	dir, ctx := s.Directory(), s.Admin(t)
	s.SeedPartner(t, "adatum")
	key, err := dir.CreateApiKey(ctx, &supportv1.CreateApiKeyRequest{Role: supportv1.Role_ROLE_PARTNER, PartnerId: "adatum"})
	if err != nil {
		t.Fatal(err)
	}
	a := newAudit(t, s)
	for range 2 {
		if _, err := dir.RevokeApiKey(ctx, &supportv1.RevokeApiKeyRequest{KeyId: key.GetKeyId()}); err != nil {
			t.Fatal(err)
		}
	}
	a.one(t, domain.AuditAPIKeyRevoked, "apiKeys/"+key.GetKeyId())
}

// TestCheckEntitlementSubmitTimeRange: a preview's submit_time must lie
// between 1970 and 9000, so that every deadline is a valid timestamp.
func TestCheckEntitlementSubmitTimeRange(t *testing.T) {
	s := testserver.Start(t)
	seeded := s.SeedDirectory(t, "adatum")
	ctx := testserver.Auth(context.Background(), seeded.PartnerKey)
	req := func(at time.Time) *supportv1.CheckEntitlementRequest {
		return &supportv1.CheckEntitlementRequest{CustomerId: seeded.EndCustomer.GetId(), Service: supportv1.Service_SERVICE_AZURE,
			SupportTopicId: "azure-vm-connectivity", Severity: supportv1.Severity_SEVERITY_B, Language: "fr-FR",
			SubmitTime: timestamppb.New(at)}
	}
	for _, at := range []time.Time{time.Date(1969, 12, 31, 0, 0, 0, 0, time.UTC), time.Date(9999, 12, 31, 20, 0, 0, 0, time.UTC)} {
		_, err := s.Support().CheckEntitlement(ctx, req(at))
		wantFields(t, err, "submit_time")
	}
	if _, err := s.Support().CheckEntitlement(ctx, req(time.Date(9000, 12, 29, 20, 0, 0, 0, time.UTC))); err != nil {
		t.Fatalf("a submit_time inside the range: %v", err)
	}
}
