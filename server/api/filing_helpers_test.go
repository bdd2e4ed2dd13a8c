package api_test

import (
	"context"
	"slices"
	"testing"

	"github.com/google/uuid"
	"google.golang.org/grpc/codes"

	supportv1 "github.com/supportd/supportd/gen/support/v1"
	"github.com/supportd/supportd/server/api"
	"github.com/supportd/supportd/server/demo"
	"github.com/supportd/supportd/server/directory"
	"github.com/supportd/supportd/server/domain"
	"github.com/supportd/supportd/server/internal/testserver"
)

// Helpers of the filing_*_test.go files (ListSupportTopics, CheckEntitlement,
// CreateTicket, GetTicket, ListTickets). Their names start with "filing" so
// they do not collide with the helpers of other test files of the package.

// filingEnv is a running server with the directory of the worked
// examples of docs/domain.md (server/demo: partner "adatum", TRIAL with BENEFIT_MPN and the
// domain adatum.example; end customer "litware" with Azure; partner customer
// "fabrikam" with Office 365; own tenant "adatum-self" with Azure; contract
// AZURE_SUPPORT_PLAN "ASP-7") and a second, unrelated partner "contoso"
// (testserver.SeedDirectory: "contoso-end" with Azure and Office 365,
// "contoso-self" with Azure).
type filingEnv struct {
	s       *testserver.Server
	sup     supportv1.SupportServiceClient
	adatum  context.Context // Adatum's partner key
	contoso context.Context // Contoso's partner key
	agent   context.Context // an agent key
	other   testserver.Seeded
}

func startFiling(t *testing.T, opts ...testserver.Option) *filingEnv {
	t.Helper()
	s := testserver.Start(t, opts...)
	keys, err := demo.Seed(t.Context(), directory.New(s.Store, s.Clock.Now, nil, api.AuditJSON))
	if err != nil {
		t.Fatal(err)
	}
	other := s.SeedDirectory(t, "contoso")
	return &filingEnv{
		s:       s,
		sup:     s.Support(),
		adatum:  testserver.Auth(t.Context(), keys.Partner),
		contoso: testserver.Auth(t.Context(), other.PartnerKey),
		agent:   testserver.Auth(t.Context(), keys.Agent),
		other:   other,
	}
}

// filingRequest is a valid, entitled CreateTicket request of Adatum for
// Litware: Azure, technical topic, severity B, English, Adatum's contact.
func filingRequest() *supportv1.CreateTicketRequest {
	return &supportv1.CreateTicketRequest{
		RequestId:              uuid.NewString(),
		CustomerId:             "litware",
		Service:                supportv1.Service_SERVICE_AZURE,
		SupportTopicId:         "azure-vm-connectivity",
		Severity:               supportv1.Severity_SEVERITY_B,
		Title:                  "VM unreachable over RDP",
		Description:            "Since 09:00 the production VM web-01 does not answer on port 3389.",
		Language:               "en-US",
		Contact:                &supportv1.Contact{Name: "Alex Partner", Email: "alex@adatum.example"},
		PreferredContactMethod: supportv1.ContactMethod_CONTACT_METHOD_EMAIL,
	}
}

// filingCheck is the CheckEntitlement request matching filingRequest.
func filingCheck() *supportv1.CheckEntitlementRequest {
	return &supportv1.CheckEntitlementRequest{
		CustomerId:     "litware",
		Service:        supportv1.Service_SERVICE_AZURE,
		SupportTopicId: "azure-vm-connectivity",
		Severity:       supportv1.Severity_SEVERITY_B,
		Language:       "en-US",
	}
}

// filingCreate files req with ctx and fails the test on error.
func (e *filingEnv) filingCreate(t *testing.T, ctx context.Context, req *supportv1.CreateTicketRequest) *supportv1.Ticket {
	t.Helper()
	resp, err := e.sup.CreateTicket(ctx, req)
	if err != nil {
		t.Fatalf("CreateTicket(%s): %v", req.GetRequestId(), err)
	}
	return resp.GetTicket()
}

// filingTicketEvents returns the ticket events of ticketID in the log.
func filingTicketEvents(t *testing.T, s *testserver.Server, ticketID string) []domain.Event {
	t.Helper()
	var out []domain.Event
	for _, e := range s.EventsAfter(t, 0) {
		if e.TicketID == ticketID {
			out = append(out, e)
		}
	}
	return out
}

// filingCountEvents counts the events of type typ in the whole log.
func filingCountEvents(t *testing.T, s *testserver.Server, typ domain.EventType) int {
	t.Helper()
	n := 0
	for _, e := range s.EventsAfter(t, 0) {
		if e.Type == typ {
			n++
		}
	}
	return n
}

// filingPrecondition fails unless err is FAILED_PRECONDITION with an
// ErrorInfo whose reason is reasons[0] and a PreconditionFailure whose
// violation types are exactly reasons, in order.
func filingPrecondition(t *testing.T, err error, reasons ...string) {
	t.Helper()
	st := wantCode(t, err, codes.FailedPrecondition)
	d := testserver.DetailsOf(err)
	info, pf := d.Info, d.Precondition
	if info == nil || pf == nil {
		t.Fatalf("FAILED_PRECONDITION %q lacks ErrorInfo or PreconditionFailure: %v", st.Message(), st.Details())
	}
	if info.GetReason() != reasons[0] {
		t.Errorf("ErrorInfo.reason = %q, want the first violation %q", info.GetReason(), reasons[0])
	}
	var got []string
	for _, v := range pf.GetViolations() {
		if v.GetDescription() == "" {
			t.Errorf("violation %s has no description", v.GetType())
		}
		got = append(got, v.GetType())
	}
	if !slices.Equal(got, reasons) {
		t.Errorf("PreconditionFailure types = %q, want %q", got, reasons)
	}
}

// filingFieldDescription returns the description of the BadRequest
// violation of field in err ("" if none).
func filingFieldDescription(t *testing.T, err error, field string) string {
	t.Helper()
	wantCode(t, err, codes.InvalidArgument)
	return testserver.DetailsOf(err).FieldDescription(field)
}

// filingReasons returns the reason codes of a CheckEntitlement response.
func filingReasons(resp *supportv1.CheckEntitlementResponse) []string {
	var out []string
	for _, v := range resp.GetViolations() {
		out = append(out, v.GetReason())
	}
	return out
}
