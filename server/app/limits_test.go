package app_test

import (
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	supportv1 "github.com/supportd/supportd/gen/support/v1"
	"github.com/supportd/supportd/server/app"
	"github.com/supportd/supportd/server/internal/testserver"
)

// TestMessageSizeLimit: a request larger than app.MaxRecvMsgSize is refused
// with RESOURCE_EXHAUSTED before any handler runs, and the server keeps
// serving.
func TestMessageSizeLimit(t *testing.T) {
	s := testserver.Start(t)
	ctx := s.Admin(t)
	huge := &supportv1.Partner{Id: "big", DisplayName: strings.Repeat("x", app.MaxRecvMsgSize+1)}
	_, err := s.Directory().CreatePartner(ctx, &supportv1.CreatePartnerRequest{Partner: huge})
	if status.Code(err) != codes.ResourceExhausted {
		t.Fatalf("oversized request: %v, want RESOURCE_EXHAUSTED", err)
	}
	if _, err := s.Directory().ListPartners(ctx, &supportv1.ListPartnersRequest{}); err != nil {
		t.Fatalf("the server stopped serving after an oversized request: %v", err)
	}
}
