package api_test

import (
	"testing"

	"google.golang.org/grpc/codes"

	supportv1 "github.com/supportd/supportd/gen/support/v1"
	"github.com/supportd/supportd/server/internal/testserver"
)

// TestReviewListApiKeysUnknownPartner: listing the keys of a partner that
// does not exist is NOT_FOUND, as ListCustomers and ListContracts are, not
// an empty list.
func TestReviewListApiKeysUnknownPartner(t *testing.T) {
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
