package client

import (
	"context"
	"iter"

	supportv1 "github.com/supportd/supportd/gen/support/v1"
)

// Agent is the support organisation's side of the API
// (support.v1.AgentService, agent keys). It is safe for concurrent use.
type Agent struct {
	*conn
	svc supportv1.AgentServiceClient
}

// NewAgent connects to the AgentService at addr, with the options of New.
func NewAgent(addr string, opts ...Option) (*Agent, error) {
	c, err := dial(addr, opts)
	if err != nil {
		return nil, err
	}
	return &Agent{conn: c, svc: supportv1.NewAgentServiceClient(c.cc)}, nil
}

// Raw returns the generated stub on the agent's connection.
func (a *Agent) Raw() supportv1.AgentServiceClient { return a.svc }

// ListQueueTickets returns one page of a queue's open tickets.
func (a *Agent) ListQueueTickets(ctx context.Context, req *supportv1.ListQueueTicketsRequest) (*supportv1.ListQueueTicketsResponse, error) {
	resp, err := a.svc.ListQueueTickets(ctx, req)
	return resp, FromError(err)
}

// AllQueueTickets iterates over every ticket of a queue, page after page.
func (a *Agent) AllQueueTickets(ctx context.Context, queue supportv1.Queue) iter.Seq2[*supportv1.Ticket, error] {
	return pages(func(token string) ([]*supportv1.Ticket, string, error) {
		resp, err := a.ListQueueTickets(ctx, &supportv1.ListQueueTicketsRequest{Queue: queue, PageToken: token})
		return resp.GetTickets(), resp.GetNextPageToken(), err
	}, "")
}

// GetAgentTicket returns any partner's ticket.
func (a *Agent) GetAgentTicket(ctx context.Context, ticketID string) (*supportv1.Ticket, error) {
	resp, err := a.svc.GetAgentTicket(ctx, &supportv1.GetAgentTicketRequest{TicketId: ticketID})
	if err != nil {
		return nil, FromError(err)
	}
	return resp.GetTicket(), nil
}

// ListAgentTicketNotes returns one page of any ticket's notes, oldest first.
func (a *Agent) ListAgentTicketNotes(ctx context.Context, req *supportv1.ListAgentTicketNotesRequest) (*supportv1.ListAgentTicketNotesResponse, error) {
	resp, err := a.svc.ListAgentTicketNotes(ctx, req)
	return resp, FromError(err)
}

// AllAgentTicketNotes iterates over any ticket's notes, oldest first, page
// after page. It stops after the first error, which it yields.
func (a *Agent) AllAgentTicketNotes(ctx context.Context, ticketID string) iter.Seq2[*supportv1.Note, error] {
	return pages(func(token string) ([]*supportv1.Note, string, error) {
		resp, err := a.ListAgentTicketNotes(ctx, &supportv1.ListAgentTicketNotesRequest{TicketId: ticketID, PageSize: 500, PageToken: token})
		return resp.GetNotes(), resp.GetNextPageToken(), err
	}, "")
}

// AcknowledgeTicket records the first response, with a message to the partner.
func (a *Agent) AcknowledgeTicket(ctx context.Context, ticketID, message string, opts ...UpdateOption) (*supportv1.Ticket, error) {
	o := update(opts)
	resp, err := a.svc.AcknowledgeTicket(ctx, &supportv1.AcknowledgeTicketRequest{TicketId: ticketID, Message: message, Etag: o.etag}, noRetry)
	if err != nil {
		return nil, FromError(err)
	}
	return resp.GetTicket(), nil
}

// SetTicketStatus moves a ticket to status, with an optional message.
func (a *Agent) SetTicketStatus(ctx context.Context, ticketID string, status supportv1.TicketStatus, message string, opts ...UpdateOption) (*supportv1.Ticket, error) {
	o := update(opts)
	resp, err := a.svc.SetTicketStatus(ctx, &supportv1.SetTicketStatusRequest{TicketId: ticketID, Status: status, Message: message, Etag: o.etag}, noRetry)
	if err != nil {
		return nil, FromError(err)
	}
	return resp.GetTicket(), nil
}

// AddAgentNote adds an agent note.
func (a *Agent) AddAgentNote(ctx context.Context, ticketID, text string, opts ...UpdateOption) (*supportv1.Ticket, error) {
	o := update(opts)
	resp, err := a.svc.AddAgentNote(ctx, &supportv1.AddAgentNoteRequest{TicketId: ticketID, Text: text, Etag: o.etag}, noRetry)
	if err != nil {
		return nil, FromError(err)
	}
	return resp.GetTicket(), nil
}

// ReassignTicket moves a ticket to another queue.
func (a *Agent) ReassignTicket(ctx context.Context, ticketID string, queue supportv1.Queue, opts ...UpdateOption) (*supportv1.Ticket, error) {
	o := update(opts)
	resp, err := a.svc.ReassignTicket(ctx, &supportv1.ReassignTicketRequest{TicketId: ticketID, Queue: queue, Etag: o.etag}, noRetry)
	if err != nil {
		return nil, FromError(err)
	}
	return resp.GetTicket(), nil
}
