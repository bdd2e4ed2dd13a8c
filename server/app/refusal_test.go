package app_test

import (
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"

	supportv1 "github.com/supportd/supportd/gen/support/v1"
	"github.com/supportd/supportd/server/api"
	"github.com/supportd/supportd/server/domain"
	"github.com/supportd/supportd/server/internal/testserver"
)

// TestRefusalsCarryErrorInfo: calls the interceptors refuse carry an
// ErrorInfo whose reason tells the causes apart without parsing messages.
func TestRefusalsCarryErrorInfo(t *testing.T) {
	s := testserver.Start(t)
	s.SeedPartner(t, "adatum")
	partner := s.NewKey(t, domain.RolePartner, "adatum")
	revoked := s.NewKey(t, domain.RoleAgent, "")
	if _, err := s.Directory().RevokeApiKey(s.Admin(t), &supportv1.RevokeApiKeyRequest{KeyId: strings.Split(revoked, "_")[1]}); err != nil {
		t.Fatal(err)
	}
	listPartners := func(md ...string) error {
		ctx := metadata.AppendToOutgoingContext(t.Context(), md...)
		_, err := s.Directory().ListPartners(ctx, &supportv1.ListPartnersRequest{})
		return err
	}
	for _, tc := range []struct {
		name   string
		err    error
		code   codes.Code
		reason string
	}{
		{"no key", listPartners(), codes.Unauthenticated, "MISSING_API_KEY"},
		{"not a bearer key", listPartners("authorization", "Basic x"), codes.Unauthenticated, "MISSING_API_KEY"},
		{"malformed key", listPartners("authorization", "Bearer nope"), codes.Unauthenticated, "INVALID_API_KEY"},
		{"unknown key", listPartners("authorization", "Bearer sk_0123456789abcdef_"+strings.Repeat("x", 43)), codes.Unauthenticated, "INVALID_API_KEY"},
		{"revoked key", listPartners("authorization", "Bearer "+revoked), codes.Unauthenticated, "API_KEY_REVOKED"},
		{"partner key on the directory", listPartners("authorization", "Bearer "+partner), codes.PermissionDenied, "WRONG_ROLE"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			info, _, _ := details(wantCode(t, tc.err, tc.code))
			if info == nil || info.GetReason() != tc.reason || info.GetDomain() != api.ErrorDomain {
				t.Fatalf("ErrorInfo %v, want reason %s in %s", info, tc.reason, api.ErrorDomain)
			}
		})
	}
}
