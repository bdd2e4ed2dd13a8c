package api_test

import (
	"testing"

	"google.golang.org/grpc/codes"

	supportv1 "github.com/supportd/supportd/gen/support/v1"
	"github.com/supportd/supportd/server/api"
)

// TestSuspendedPartnerMayIsComplete: every SupportService method is
// classified, so that a new RPC is a deliberate choice for suspended
// partners (an unlisted one is refused).
func TestSuspendedPartnerMayIsComplete(t *testing.T) {
	desc := supportv1.SupportService_ServiceDesc
	var methods []string
	for _, m := range desc.Methods {
		methods = append(methods, m.MethodName)
	}
	for _, s := range desc.Streams {
		methods = append(methods, s.StreamName)
	}
	for _, m := range methods {
		if _, ok := api.SuspendedPartnerMay["/"+desc.ServiceName+"/"+m]; !ok {
			t.Errorf("%s is not classified in api.SuspendedPartnerMay", m)
		}
	}
	if len(api.SuspendedPartnerMay) != len(methods) {
		t.Errorf("SuspendedPartnerMay has %d entries for %d methods", len(api.SuspendedPartnerMay), len(methods))
	}
}

// TestSuspendedPartner: a suspended partner keeps reading and watching its
// tickets, may add notes and close them, and is refused (FAILED_PRECONDITION,
// PARTNER_SUSPENDED) filing, severity changes, escalation, reopening and
// uploads; reactivated, it may again.
func TestSuspendedPartner(t *testing.T) {
	s := startWatchServer(t)
	p := s.partner(t, "pa")
	id := s.mustTicket(t, p, "")
	toClose := s.mustTicket(t, p, "")
	att, err := upload(t, p.ctx(), s.Support(), id, "log.txt", []byte("before the suspension"))
	if err != nil {
		t.Fatal(err)
	}
	watch := openKeyStream(t, s, p.key)
	setStatus := func(st supportv1.PartnerStatus) {
		t.Helper()
		if _, err := s.Directory().UpdatePartner(s.Admin(t), &supportv1.UpdatePartnerRequest{
			Partner: &supportv1.Partner{Id: "pa", Status: st}, UpdateMask: mask("status"),
		}); err != nil {
			t.Fatal(err)
		}
	}
	setStatus(supportv1.PartnerStatus_PARTNER_STATUS_SUSPENDED)
	sup, ctx := s.Support(), p.ctx()

	if _, err := sup.GetTicket(ctx, &supportv1.GetTicketRequest{TicketId: id}); err != nil {
		t.Fatalf("GetTicket: %v", err)
	}
	if _, err := sup.ListTickets(ctx, &supportv1.ListTicketsRequest{}); err != nil {
		t.Fatalf("ListTickets: %v", err)
	}
	if _, err := sup.ListTicketNotes(ctx, &supportv1.ListTicketNotesRequest{TicketId: id}); err != nil {
		t.Fatalf("ListTicketNotes: %v", err)
	}
	if _, err := sup.ListAttachments(ctx, &supportv1.ListAttachmentsRequest{TicketId: id}); err != nil {
		t.Fatalf("ListAttachments: %v", err)
	}
	if _, content, _, err := downloadAll(ctx, sup, id, att.GetId()); err != nil || string(content) != "before the suspension" {
		t.Fatalf("DownloadAttachment: %q, %v", content, err)
	}
	s.mustNote(t, p, id, "still here")
	watch.wantEvent(t, id) // the open watch goes on
	if _, err := sup.CloseTicket(ctx, &supportv1.CloseTicketRequest{TicketId: toClose}); err != nil {
		t.Fatalf("CloseTicket: %v", err)
	}
	watch.wantEvent(t, toClose)

	refused := func(what string, err error) {
		t.Helper()
		if err == nil {
			t.Fatalf("%s: succeeded for a suspended partner", what)
		}
		wantInfo(t, err, codes.FailedPrecondition, "PARTNER_SUSPENDED", nil)
	}
	_, err = sup.ChangeTicketSeverity(ctx, &supportv1.ChangeTicketSeverityRequest{TicketId: id, Severity: supportv1.Severity_SEVERITY_A, Reason: "down"})
	refused("ChangeTicketSeverity", err)
	_, err = sup.EscalateTicket(ctx, &supportv1.EscalateTicketRequest{TicketId: id, Reason: supportv1.EscalationReason_ESCALATION_REASON_BUSINESS_IMPACT, Justification: "x"})
	refused("EscalateTicket", err)
	_, err = sup.ReopenTicket(ctx, &supportv1.ReopenTicketRequest{TicketId: toClose})
	refused("ReopenTicket", err)
	_, err = s.createTicket(p, "")
	refused("CreateTicket", err)
	_, err = upload(t, ctx, sup, id, "more.txt", []byte("more"))
	refused("UploadAttachment", err)
	if err := watch.stream.Context().Err(); err != nil {
		t.Fatalf("the watch ended: %v", err)
	}

	setStatus(supportv1.PartnerStatus_PARTNER_STATUS_ACTIVE)
	if _, err := sup.ChangeTicketSeverity(ctx, &supportv1.ChangeTicketSeverityRequest{TicketId: id, Severity: supportv1.Severity_SEVERITY_B, Reason: "worse"}); err != nil {
		t.Fatalf("ChangeTicketSeverity once active again: %v", err)
	}
}
