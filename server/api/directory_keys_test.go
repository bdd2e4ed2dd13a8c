package api_test

import (
	"testing"

	"google.golang.org/grpc/codes"

	supportv1 "github.com/supportd/supportd/gen/support/v1"
	"github.com/supportd/supportd/server/domain"
	"github.com/supportd/supportd/server/internal/testserver"
)

// TestListApiKeysUnknownPartner: listing the keys of a partner that
// does not exist is NOT_FOUND, as ListCustomers and ListContracts are, not
// an empty list.
func TestListApiKeysUnknownPartner(t *testing.T) {
	s := testserver.Start(t)
	s.SeedPartner(t, "adatum")
	dir := s.Directory()
	for _, id := range []string{"nope", "../x'; --"} {
		_, err := dir.ListApiKeys(s.Admin(t), &supportv1.ListApiKeysRequest{PartnerId: id})
		wantCode(t, err, codes.NotFound)
	}
	if _, err := dir.ListApiKeys(s.Admin(t), &supportv1.ListApiKeysRequest{PartnerId: "adatum"}); err != nil {
		t.Fatalf("known partner: %v", err)
	}
}

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
