package api_test

import (
	"context"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"

	supportv1 "github.com/supportd/supportd/gen/support/v1"
)

// TestUnknownEnumValuesAreInvalid sends valid requests with one enum
// field set to a number this server does not know: each must fail with
// INVALID_ARGUMENT naming that field, never be accepted as if unset.
func TestUnknownEnumValuesAreInvalid(t *testing.T) {
	w := startWorking(t)
	tk := w.file(t, supportv1.Severity_SEVERITY_B)
	const bad = 99
	sup, ag, dir := w.s.Support(), w.s.Agent(), w.s.Directory()
	cases := []struct {
		name  string
		field string
		call  func(ctx context.Context) error
		ctx   func() context.Context
	}{
		{"CreateTicket/preferred_contact_method", "preferred_contact_method", func(ctx context.Context) error {
			req := w.fileReq(supportv1.Severity_SEVERITY_B)
			req.PreferredContactMethod = bad
			_, err := sup.CreateTicket(ctx, req)
			return err
		}, func() context.Context { return w.partner(t) }},
		{"CreateTicket/service", "service", func(ctx context.Context) error {
			req := w.fileReq(supportv1.Severity_SEVERITY_B)
			req.Service = bad
			_, err := sup.CreateTicket(ctx, req)
			return err
		}, func() context.Context { return w.partner(t) }},
		{"CreateTicket/severity", "severity", func(ctx context.Context) error {
			_, err := sup.CreateTicket(ctx, w.fileReq(bad))
			return err
		}, func() context.Context { return w.partner(t) }},
		{"ListSupportTopics/service", "service", func(ctx context.Context) error {
			_, err := sup.ListSupportTopics(ctx, &supportv1.ListSupportTopicsRequest{Service: bad})
			return err
		}, func() context.Context { return w.partner(t) }},
		{"ListTickets/status", "status", func(ctx context.Context) error {
			_, err := sup.ListTickets(ctx, &supportv1.ListTicketsRequest{Status: bad})
			return err
		}, func() context.Context { return w.partner(t) }},
		{"ChangeTicketSeverity/severity", "severity", func(ctx context.Context) error {
			_, err := sup.ChangeTicketSeverity(ctx, &supportv1.ChangeTicketSeverityRequest{TicketId: tk.GetId(), Severity: bad, Reason: "r"})
			return err
		}, func() context.Context { return w.partner(t) }},
		{"EscalateTicket/reason", "reason", func(ctx context.Context) error {
			_, err := sup.EscalateTicket(ctx, &supportv1.EscalateTicketRequest{TicketId: tk.GetId(), Reason: bad, Justification: "j"})
			return err
		}, func() context.Context { return w.partner(t) }},
		{"ListQueueTickets/queue", "queue", func(ctx context.Context) error {
			_, err := ag.ListQueueTickets(ctx, &supportv1.ListQueueTicketsRequest{Queue: bad})
			return err
		}, func() context.Context { return w.agent(t) }},
		{"SetTicketStatus/status", "status", func(ctx context.Context) error {
			_, err := ag.SetTicketStatus(ctx, &supportv1.SetTicketStatusRequest{TicketId: tk.GetId(), Status: bad})
			return err
		}, func() context.Context { return w.agent(t) }},
		{"ReassignTicket/queue", "queue", func(ctx context.Context) error {
			_, err := ag.ReassignTicket(ctx, &supportv1.ReassignTicketRequest{TicketId: tk.GetId(), Queue: bad})
			return err
		}, func() context.Context { return w.agent(t) }},
		{"CreatePartner/benefits", "partner.benefits[0]", func(ctx context.Context) error {
			_, err := dir.CreatePartner(ctx, &supportv1.CreatePartnerRequest{Partner: &supportv1.Partner{
				Id: "p1", DisplayName: "P", Status: supportv1.PartnerStatus_PARTNER_STATUS_ACTIVE, Benefits: []supportv1.Benefit{bad}}})
			return err
		}, func() context.Context { return w.s.Admin(t) }},
		{"CreateCustomer/kind", "customer.kind", func(ctx context.Context) error {
			_, err := dir.CreateCustomer(ctx, &supportv1.CreateCustomerRequest{Customer: &supportv1.Customer{
				Id: "c1", PartnerId: "adatum", DisplayName: "C", Kind: bad}})
			return err
		}, func() context.Context { return w.s.Admin(t) }},
		{"CreateSubscription/service", "subscription.service", func(ctx context.Context) error {
			_, err := dir.CreateSubscription(ctx, &supportv1.CreateSubscriptionRequest{Subscription: &supportv1.Subscription{
				Id: "s1", CustomerId: "adatum-end", Service: bad, State: supportv1.SubscriptionState_SUBSCRIPTION_STATE_ACTIVE}})
			return err
		}, func() context.Context { return w.s.Admin(t) }},
		{"RegisterContract/kind", "contract.kind", func(ctx context.Context) error {
			_, err := dir.RegisterContract(ctx, &supportv1.RegisterContractRequest{Contract: &supportv1.Contract{
				Id: "k1", PartnerId: "adatum", Kind: bad, Reference: "R"}})
			return err
		}, func() context.Context { return w.s.Admin(t) }},
		{"CreateApiKey/role", "role", func(ctx context.Context) error {
			_, err := dir.CreateApiKey(ctx, &supportv1.CreateApiKeyRequest{Role: bad})
			return err
		}, func() context.Context { return w.s.Admin(t) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := w.s.LastSequence(t)
			err := c.call(c.ctx())
			st := wantCode(t, err, codes.InvalidArgument)
			if !strings.Contains(st.Message(), c.field) {
				t.Errorf("message %q does not name %s", st.Message(), c.field)
			}
			if w.s.LastSequence(t) != before {
				t.Errorf("rejected call appended events")
			}
		})
	}
}
