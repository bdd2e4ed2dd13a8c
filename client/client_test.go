package client_test

import (
	"errors"
	"os/exec"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/supportd/supportd/client"
	supportv1 "github.com/supportd/supportd/gen/support/v1"
)

func TestSupportMethods(t *testing.T) {
	e := start(t)
	ctx := t.Context()
	c := e.c

	topics, err := c.ListSupportTopics(ctx, supportv1.Service_SERVICE_AZURE)
	if err != nil || len(topics) == 0 {
		t.Fatalf("ListSupportTopics = %d topics, %v", len(topics), err)
	}
	for _, tp := range topics {
		if tp.GetService() != supportv1.Service_SERVICE_AZURE {
			t.Errorf("topic %s of service %v", tp.GetId(), tp.GetService())
		}
	}

	check, err := c.CheckEntitlement(ctx, &supportv1.CheckEntitlementRequest{
		CustomerId: "litware", Service: supportv1.Service_SERVICE_AZURE, SupportTopicId: "azure-vm-connectivity",
		Severity: supportv1.Severity_SEVERITY_B, Language: "en-US",
	})
	if err != nil || !check.GetEntitled() {
		t.Fatalf("CheckEntitlement = %v, %v", check, err)
	}

	req := ticketRequest("first")
	tk, err := c.CreateTicket(ctx, req)
	if err != nil {
		t.Fatalf("CreateTicket: %v", err)
	}
	if req.GetRequestId() != "" {
		t.Errorf("CreateTicket modified the caller's request: request_id %q", req.GetRequestId())
	}
	if tk.GetId() == "" || tk.GetStatus() != supportv1.TicketStatus_TICKET_STATUS_NEW {
		t.Fatalf("created ticket %v", tk)
	}
	// Two calls with the same (empty) request are two logical calls: two tickets.
	tk2, err := c.CreateTicket(ctx, req)
	if err != nil || tk2.GetId() == tk.GetId() {
		t.Fatalf("second CreateTicket = %v, %v; want another ticket", tk2.GetId(), err)
	}
	// An explicit request id is idempotent.
	withID := ticketRequest("explicit")
	withID.RequestId = "6f1c3a55-0000-4000-8000-000000000001"
	a, err := c.CreateTicket(ctx, withID)
	if err != nil {
		t.Fatal(err)
	}
	b, err := c.CreateTicket(ctx, withID)
	if err != nil || b.GetId() != a.GetId() {
		t.Fatalf("CreateTicket with the same request id = %v, %v; want %s", b.GetId(), err, a.GetId())
	}

	got, err := c.GetTicket(ctx, tk.GetId())
	if err != nil || got.GetTitle() != "first" {
		t.Fatalf("GetTicket = %v, %v", got, err)
	}

	page, err := c.ListTickets(ctx, &supportv1.ListTicketsRequest{CustomerId: "litware", PageSize: 2})
	if err != nil || len(page.GetTickets()) != 2 || page.GetNextPageToken() == "" {
		t.Fatalf("ListTickets page = %d tickets, token %q, %v", len(page.GetTickets()), page.GetNextPageToken(), err)
	}
	var all []string
	for tk, err := range c.AllTickets(ctx, &supportv1.ListTicketsRequest{PageSize: 1}) {
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, tk.GetId())
	}
	if len(all) != 3 {
		t.Fatalf("AllTickets = %v, want 3 tickets", all)
	}
	n := 0
	for range c.AllTickets(ctx, &supportv1.ListTicketsRequest{PageSize: 1}) {
		n++
		break
	}
	if n != 1 {
		t.Fatalf("break out of AllTickets: %d", n)
	}

	tk, err = c.AddTicketNote(ctx, tk.GetId(), "more logs attached", client.IfMatch(tk.GetEtag()))
	if err != nil || tk.GetNoteCount() != 1 {
		t.Fatalf("AddTicketNote = %v, %v", tk, err)
	}
	notes := notesOf(t, c.AllTicketNotes(ctx, tk.GetId()))
	if len(notes) != 1 || notes[0].GetText() != "more logs attached" || notes[0].GetAuthor() != "partner:adatum" ||
		!notes[0].GetCreateTime().AsTime().Equal(tk.GetUpdateTime().AsTime()) {
		t.Fatalf("notes after AddTicketNote: %v", notes)
	}
	_, err = c.AddTicketNote(ctx, tk.GetId(), "stale", client.IfMatch(got.GetEtag()))
	var ce *client.Error
	if !errors.As(err, &ce) || ce.Code != codes.Aborted || ce.Reason != "ETAG_MISMATCH" {
		t.Fatalf("AddTicketNote with a stale etag: %v", err)
	}

	tk, err = c.ChangeTicketSeverity(ctx, tk.GetId(), supportv1.Severity_SEVERITY_A, "production down")
	if err != nil || tk.GetSeverity() != supportv1.Severity_SEVERITY_A {
		t.Fatalf("ChangeTicketSeverity = %v, %v", tk.GetSeverity(), err)
	}
	tk, err = c.EscalateTicket(ctx, tk.GetId(), supportv1.EscalationReason_ESCALATION_REASON_BUSINESS_IMPACT, "all users blocked")
	if err != nil || tk.GetEscalationLevel() != 1 {
		t.Fatalf("EscalateTicket = %v, %v", tk.GetEscalationLevel(), err)
	}

	// Agent side: acknowledge, note, resolve; partner reopens and closes.
	ag := e.agent
	queue := 0
	for qt, err := range ag.AllQueueTickets(ctx, tk.GetQueue()) {
		if err != nil {
			t.Fatal(err)
		}
		if qt.GetId() == tk.GetId() {
			queue++
		}
	}
	if queue != 1 {
		t.Fatalf("AllQueueTickets(%v) lists the ticket %d times", tk.GetQueue(), queue)
	}
	if _, err := ag.AcknowledgeTicket(ctx, tk.GetId(), "looking into it"); err != nil {
		t.Fatalf("AcknowledgeTicket: %v", err)
	}
	if _, err := ag.AddAgentNote(ctx, tk.GetId(), "checked the NSG"); err != nil {
		t.Fatalf("AddAgentNote: %v", err)
	}
	if _, err := ag.ReassignTicket(ctx, tk.GetId(), supportv1.Queue_QUEUE_AZURE); err != nil && client.Code(err) != codes.FailedPrecondition && client.Code(err) != codes.InvalidArgument {
		t.Fatalf("ReassignTicket: %v", err)
	}
	if _, err := ag.SetTicketStatus(ctx, tk.GetId(), supportv1.TicketStatus_TICKET_STATUS_RESOLVED, "fixed the NSG rule"); err != nil {
		t.Fatalf("SetTicketStatus: %v", err)
	}
	tk, err = c.ReopenTicket(ctx, tk.GetId())
	if err != nil || tk.GetStatus() != supportv1.TicketStatus_TICKET_STATUS_IN_PROGRESS {
		t.Fatalf("ReopenTicket = %v, %v", tk.GetStatus(), err)
	}
	tk, err = c.CloseTicket(ctx, tk.GetId())
	if err != nil || tk.GetStatus() != supportv1.TicketStatus_TICKET_STATUS_CLOSED {
		t.Fatalf("CloseTicket = %v, %v", tk.GetStatus(), err)
	}

	// Directory side.
	p, err := e.dir.GetPartner(ctx, "adatum")
	if err != nil || p.GetId() != "adatum" {
		t.Fatalf("GetPartner = %v, %v", p, err)
	}
	key, err := e.dir.CreateAPIKey(ctx, supportv1.Role_ROLE_PARTNER, "adatum")
	if err != nil || key.GetSecret() == "" {
		t.Fatalf("CreateAPIKey = %v, %v", key, err)
	}
	if err := e.dir.RevokeAPIKey(ctx, key.GetKeyId()); err != nil {
		t.Fatalf("RevokeAPIKey: %v", err)
	}
}

func TestErrors(t *testing.T) {
	e := start(t)
	ctx := t.Context()

	// INVALID_ARGUMENT with field violations by path.
	bad := ticketRequest("")
	bad.Contact.Email = "not-an-email"
	_, err := e.c.CreateTicket(ctx, bad)
	var ce *client.Error
	if !errors.As(err, &ce) || ce.Code != codes.InvalidArgument {
		t.Fatalf("bad request: %v", err)
	}
	if _, ok := ce.Violation("contact.email"); !ok {
		t.Errorf("no violation on contact.email: %+v", ce.FieldViolations)
	}
	if _, ok := ce.Violation("title"); !ok {
		t.Errorf("no violation on title: %+v", ce.FieldViolations)
	}
	if !strings.Contains(err.Error(), "INVALID_ARGUMENT") || !strings.Contains(err.Error(), "contact.email") {
		t.Errorf("message %q lacks the code or the field", err)
	}
	if status.Code(err) != codes.InvalidArgument {
		t.Errorf("status.Code = %v", status.Code(err))
	}

	// FAILED_PRECONDITION with the reason and every violation.
	own := ticketRequest("own tenant")
	own.CustomerId = "adatum-self"
	_, err = e.c.CreateTicket(ctx, own)
	if !errors.As(err, &ce) || ce.Code != codes.FailedPrecondition || ce.Reason != "OWN_SUBSCRIPTION_REQUIRES_PROOF" {
		t.Fatalf("not entitled: %#v", err)
	}
	if len(ce.PreconditionViolations) == 0 || ce.PreconditionViolations[0].Type != "OWN_SUBSCRIPTION_REQUIRES_PROOF" {
		t.Errorf("precondition violations %+v", ce.PreconditionViolations)
	}
	if !errors.Is(err, &client.Error{Code: codes.FailedPrecondition, Reason: "OWN_SUBSCRIPTION_REQUIRES_PROOF"}) {
		t.Errorf("errors.Is by code and reason failed")
	}

	// NOT_FOUND, and errors.Is by code.
	_, err = e.c.GetTicket(ctx, "no-such-ticket")
	if !errors.Is(err, &client.Error{Code: codes.NotFound}) || client.Code(err) != codes.NotFound {
		t.Fatalf("GetTicket(unknown): %v", err)
	}

	// UNAUTHENTICATED with an unknown key, PERMISSION_DENIED with another role.
	other, err := client.New("bufconn", fast("sk_unknown", bufDialer(e.s))...)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if _, err := other.ListSupportTopics(ctx, supportv1.Service_SERVICE_AZURE); client.Code(err) != codes.Unauthenticated {
		t.Fatalf("unknown key: %v", err)
	}
	agentAsPartner, err := client.New("bufconn", fast(e.keys.Agent, bufDialer(e.s))...)
	if err != nil {
		t.Fatal(err)
	}
	defer agentAsPartner.Close()
	if _, err := agentAsPartner.ListSupportTopics(ctx, supportv1.Service_SERVICE_AZURE); client.Code(err) != codes.PermissionDenied {
		t.Fatalf("agent key on SupportService: %v", err)
	}

	if client.FromError(nil) != nil || client.Code(nil) != codes.OK {
		t.Error("nil error decoding")
	}
}

// TestNoServerDependencies enforces architecture rule 1: client/ imports
// the generated code and gRPC only.
func TestNoServerDependencies(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("go tool not found")
	}
	out, err := exec.Command("go", "list", "-deps", "github.com/supportd/supportd/client").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		if strings.Contains(dep, "supportd/server") || strings.Contains(dep, "/server/") || strings.Contains(strings.ToLower(dep), "sqlite") {
			t.Errorf("client depends on %s", dep)
		}
	}
}
