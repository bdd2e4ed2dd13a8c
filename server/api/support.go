package api

import (
	"context"
	"fmt"
	"log/slog"

	"google.golang.org/protobuf/types/known/durationpb"

	supportv1 "github.com/supportd/supportd/gen/support/v1"
	"github.com/supportd/supportd/server/auth"
	"github.com/supportd/supportd/server/domain"
	"github.com/supportd/supportd/server/store"
	"github.com/supportd/supportd/server/ticket"
	"github.com/supportd/supportd/server/token"
)

// Support implements support.v1.SupportService for partner keys. Every
// call is scoped to the key's partner.
type Support struct {
	supportv1.UnimplementedSupportServiceServer
	tickets     *ticket.Service
	attachments *ticket.Attachments
	watcher     *Watcher
	tokens      *token.Signer
	log         *slog.Logger
	protos      *TicketMessages
}

// NewSupport returns the SupportService handlers. messages keeps the
// tickets they answer with; the server's codec encodes the responses with
// it (TicketMessages.EncodeResponse).
func NewSupport(tickets *ticket.Service, attachments *ticket.Attachments, watcher *Watcher, tokens *token.Signer, messages *TicketMessages, log *slog.Logger) *Support {
	return &Support{tickets: tickets, attachments: attachments, watcher: watcher, tokens: tokens, log: log, protos: messages}
}

// partnerOfCall returns the calling partner's id (the auth interceptor
// guarantees a partner principal on this service).
func partnerOfCall(ctx context.Context) (auth.Principal, string) {
	p, _ := auth.FromContext(ctx)
	return p, p.PartnerID
}

// ListSupportTopics implements SupportService.ListSupportTopics.
func (s *Support) ListSupportTopics(ctx context.Context, req *supportv1.ListSupportTopicsRequest) (*supportv1.ListSupportTopicsResponse, error) {
	topics, err := s.tickets.Topics(ctx, serviceOf(req.GetService()))
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	resp := &supportv1.ListSupportTopicsResponse{}
	for _, t := range topics {
		resp.Topics = append(resp.Topics, topicToProto(t))
	}
	return resp, nil
}

// CheckEntitlement implements SupportService.CheckEntitlement.
func (s *Support) CheckEntitlement(ctx context.Context, req *supportv1.CheckEntitlementRequest) (*supportv1.CheckEntitlementResponse, error) {
	_, partnerID := partnerOfCall(ctx)
	p := ticket.Preview{
		CustomerID: req.GetCustomerId(), Service: serviceOf(req.GetService()), SupportTopicID: req.GetSupportTopicId(),
		Severity: severityOf(req.GetSeverity()), Language: req.GetLanguage(), Proof: proofOf(req.GetEntitlementProof()),
	}
	if req.GetSubmitTime() != nil {
		if err := req.GetSubmitTime().CheckValid(); err != nil {
			return nil, toStatus(ctx, s.log, domain.Invalid(domain.FieldViolation{Field: "submit_time", Description: err.Error()}))
		}
		p.SubmitTime = req.GetSubmitTime().AsTime()
	}
	c, err := s.tickets.CheckEntitlement(ctx, partnerID, p)
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	d := c.Decision
	resp := &supportv1.CheckEntitlementResponse{
		Entitled: d.Entitled, SupportPlan: planToProto(d.SupportPlan), Fee: feeToProto(d.Fee),
		Category: categoryToProto(c.Category), Queue: queueToProto(d.Queue), Priority: d.Priority,
		ResponseDueTime: timestamp(c.Deadline.Due), BusinessHours: c.Deadline.BusinessHours,
		ResponseTarget: durationpb.New(c.Deadline.Target),
	}
	for _, v := range d.Violations {
		resp.Violations = append(resp.Violations, &supportv1.EntitlementViolation{Reason: v.Reason, Message: v.Message})
	}
	return resp, nil
}

// CreateTicket implements SupportService.CreateTicket.
func (s *Support) CreateTicket(ctx context.Context, req *supportv1.CreateTicketRequest) (*supportv1.CreateTicketResponse, error) {
	principal, partnerID := partnerOfCall(ctx)
	f := ticket.Filing{
		RequestID: req.GetRequestId(), CustomerID: req.GetCustomerId(), Service: serviceOf(req.GetService()),
		SupportTopicID: req.GetSupportTopicId(), Severity: severityOf(req.GetSeverity()), Title: req.GetTitle(),
		Description: req.GetDescription(), Language: req.GetLanguage(), Contact: contactOf(req.GetContact()),
		PreferredContactMethod: knownContactMethodOf(req.GetPreferredContactMethod()), Proof: proofOf(req.GetEntitlementProof()),
	}
	t, err := s.tickets.Create(ctx, partnerID, principal.Actor(), f)
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	return &supportv1.CreateTicketResponse{Ticket: ticketToProto(t)}, nil
}

// GetTicket implements SupportService.GetTicket.
func (s *Support) GetTicket(ctx context.Context, req *supportv1.GetTicketRequest) (*supportv1.GetTicketResponse, error) {
	_, partnerID := partnerOfCall(ctx)
	t, err := s.tickets.Get(ctx, partnerID, req.GetTicketId())
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	return &supportv1.GetTicketResponse{Ticket: s.protos.of(t)}, nil
}

// ListTickets implements SupportService.ListTickets.
func (s *Support) ListTickets(ctx context.Context, req *supportv1.ListTicketsRequest) (*supportv1.ListTicketsResponse, error) {
	_, partnerID := partnerOfCall(ctx)
	limit, err := pageSize(req.GetPageSize())
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	f := store.TicketFilter{CustomerID: req.GetCustomerId(), Service: serviceOf(req.GetService()), Status: statusOf(req.GetStatus())}
	if err := knownFilters(req, f); err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	scope := token.Scope("ListTickets", partnerID, f.CustomerID, f.Service, f.Status)
	after, err := pageCursor(s.tokens, scope, req.GetPageToken())
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	tickets, err := s.tickets.List(ctx, partnerID, f, store.Page{After: after, Limit: limit})
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	resp := &supportv1.ListTicketsResponse{}
	sizes := make([]int, len(tickets))
	for i, t := range tickets {
		msg, size := s.protos.sized(t)
		resp.Tickets, sizes[i] = append(resp.Tickets, msg), size
	}
	n := fitSizes(len(sizes), func(i int) int { return sizes[i] })
	switch {
	case n < len(tickets): // cut short by MaxPageBytes
		resp.Tickets = resp.Tickets[:n]
		resp.NextPageToken = s.tokens.Sign(scope, []byte(tickets[n-1].ID))
	case n > 0:
		resp.NextPageToken = s.tokens.Next(scope, n, limit, tickets[n-1].ID)
	}
	return resp, nil
}

// etagVersion parses an optional etag: 0 when absent.
func etagVersion(etag string) (int64, error) {
	if etag == "" {
		return 0, nil
	}
	v, ok := versionOfEtag(etag)
	if !ok {
		return 0, domain.Invalid(domain.FieldViolation{Field: "etag", Description: "not an etag of this server: use the etag of a ticket you read"})
	}
	return v, nil
}

// callerOf is the ticket caller of a call: a partner key is scoped to its
// partner's tickets; agent keys (no partner) reach every ticket.
func callerOf(ctx context.Context) ticket.Caller {
	p, _ := auth.FromContext(ctx)
	return ticket.Caller{PartnerID: p.PartnerID, Actor: p.Actor()}
}

// updateTicket runs one ticket change with the caller and the request's
// etag and maps the result; partner and agent handlers share it.
func updateTicket(ctx context.Context, log *slog.Logger, etag string, do func(c ticket.Caller, version int64) (domain.Ticket, error)) (*supportv1.Ticket, error) {
	v, err := etagVersion(etag)
	if err != nil {
		return nil, toStatus(ctx, log, err)
	}
	t, err := do(callerOf(ctx), v)
	if err != nil {
		return nil, toStatus(ctx, log, err)
	}
	return ticketToProto(t), nil
}

// AddTicketNote implements SupportService.AddTicketNote.
func (s *Support) AddTicketNote(ctx context.Context, req *supportv1.AddTicketNoteRequest) (*supportv1.AddTicketNoteResponse, error) {
	t, err := updateTicket(ctx, s.log, req.GetEtag(), func(c ticket.Caller, v int64) (domain.Ticket, error) {
		return s.tickets.AddNote(ctx, c, req.GetTicketId(), req.GetText(), v)
	})
	if err != nil {
		return nil, err
	}
	return &supportv1.AddTicketNoteResponse{Ticket: t}, nil
}

// ChangeTicketSeverity implements SupportService.ChangeTicketSeverity.
func (s *Support) ChangeTicketSeverity(ctx context.Context, req *supportv1.ChangeTicketSeverityRequest) (*supportv1.ChangeTicketSeverityResponse, error) {
	t, err := updateTicket(ctx, s.log, req.GetEtag(), func(c ticket.Caller, v int64) (domain.Ticket, error) {
		return s.tickets.ChangeSeverity(ctx, c, req.GetTicketId(), severityOf(req.GetSeverity()), req.GetReason(), v)
	})
	if err != nil {
		return nil, err
	}
	return &supportv1.ChangeTicketSeverityResponse{Ticket: t}, nil
}

// EscalateTicket implements SupportService.EscalateTicket.
func (s *Support) EscalateTicket(ctx context.Context, req *supportv1.EscalateTicketRequest) (*supportv1.EscalateTicketResponse, error) {
	t, err := updateTicket(ctx, s.log, req.GetEtag(), func(c ticket.Caller, v int64) (domain.Ticket, error) {
		return s.tickets.Escalate(ctx, c, req.GetTicketId(), escalationReasonOf(req.GetReason()), req.GetJustification(), v)
	})
	if err != nil {
		return nil, err
	}
	return &supportv1.EscalateTicketResponse{Ticket: t}, nil
}

// CloseTicket implements SupportService.CloseTicket.
func (s *Support) CloseTicket(ctx context.Context, req *supportv1.CloseTicketRequest) (*supportv1.CloseTicketResponse, error) {
	t, err := updateTicket(ctx, s.log, req.GetEtag(), func(c ticket.Caller, v int64) (domain.Ticket, error) {
		return s.tickets.Close(ctx, c, req.GetTicketId(), v)
	})
	if err != nil {
		return nil, err
	}
	return &supportv1.CloseTicketResponse{Ticket: t}, nil
}

// ReopenTicket implements SupportService.ReopenTicket.
func (s *Support) ReopenTicket(ctx context.Context, req *supportv1.ReopenTicketRequest) (*supportv1.ReopenTicketResponse, error) {
	t, err := updateTicket(ctx, s.log, req.GetEtag(), func(c ticket.Caller, v int64) (domain.Ticket, error) {
		return s.tickets.Reopen(ctx, c, req.GetTicketId(), v)
	})
	if err != nil {
		return nil, err
	}
	return &supportv1.ReopenTicketResponse{Ticket: t}, nil
}

// knownContactMethodOf converts a preferred contact method, keeping a number
// this server does not know as a non-empty unknown value: the filing rules
// then reject it (INVALID_ARGUMENT on preferred_contact_method) instead of
// taking it for UNSPECIFIED (e-mail).
func knownContactMethodOf(e supportv1.ContactMethod) domain.ContactMethod {
	if m := contactMethodOf(e); m != "" || e == supportv1.ContactMethod_CONTACT_METHOD_UNSPECIFIED {
		return m
	}
	return domain.ContactMethod(fmt.Sprintf("%d", e))
}

// knownFilters rejects filter enum values this server does not know
// (rather than silently not filtering).
func knownFilters(req *supportv1.ListTicketsRequest, f store.TicketFilter) error {
	var v []domain.FieldViolation
	if req.GetService() != 0 && f.Service == "" {
		v = append(v, domain.FieldViolation{Field: "service", Description: fmt.Sprintf("unknown service %d", req.GetService())})
	}
	if req.GetStatus() != 0 && f.Status == "" {
		v = append(v, domain.FieldViolation{Field: "status", Description: fmt.Sprintf("unknown status %d", req.GetStatus())})
	}
	return domain.Invalid(v...)
}
