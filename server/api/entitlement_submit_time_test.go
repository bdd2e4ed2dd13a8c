package api_test

import (
	"context"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	supportv1 "github.com/supportd/supportd/gen/support/v1"
	"github.com/supportd/supportd/server/internal/testserver"
)

// TestCheckEntitlementSubmitTimeExtremes previews filings at the edges
// of the Timestamp range, on the 24x7 clock and on business calendars: the
// answer is OK or INVALID_ARGUMENT, promptly, never INTERNAL or a hang.
func TestCheckEntitlementSubmitTimeExtremes(t *testing.T) {
	w := startWorking(t)
	times := []time.Time{
		time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC),
		time.Date(9999, 12, 31, 16, 0, 0, 0, time.UTC),
	}
	for _, lang := range []string{"en", "fr-FR", "ja"} {
		for _, at := range times {
			ctx, cancel := context.WithTimeout(w.partner(t), 5*time.Second)
			req := &supportv1.CheckEntitlementRequest{
				CustomerId: w.dir.EndCustomer.GetId(), Service: supportv1.Service_SERVICE_AZURE,
				SupportTopicId: "azure-vm-connectivity", Severity: supportv1.Severity_SEVERITY_C,
				Language: lang, SubmitTime: timestamppb.New(at),
			}
			_, err := w.s.Support().CheckEntitlement(ctx, req)
			cancel()
			if c := status.Code(err); c != codes.OK && c != codes.InvalidArgument {
				t.Errorf("CheckEntitlement(%s at %s) = %v, want OK or INVALID_ARGUMENT", lang, at, err)
			}
		}
	}
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
