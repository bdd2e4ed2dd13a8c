package api

import (
	"context"
	"log/slog"

	supportv1 "github.com/supportd/supportd/gen/support/v1"
	"github.com/supportd/supportd/server/domain"
	"github.com/supportd/supportd/server/store"
	"github.com/supportd/supportd/server/ticket"
	"github.com/supportd/supportd/server/token"
)

// Agent implements support.v1.AgentService for agent keys.
type Agent struct {
	supportv1.UnimplementedAgentServiceServer
	tickets     *ticket.Service
	attachments *ticket.Attachments
	watcher     *Watcher
	tokens      *token.Signer
	log         *slog.Logger
}

// NewAgent returns the AgentService handlers.
func NewAgent(tickets *ticket.Service, attachments *ticket.Attachments, watcher *Watcher, tokens *token.Signer, log *slog.Logger) *Agent {
	return &Agent{tickets: tickets, attachments: attachments, watcher: watcher, tokens: tokens, log: log}
}

// ListQueueTickets implements AgentService.ListQueueTickets.
func (a *Agent) ListQueueTickets(ctx context.Context, req *supportv1.ListQueueTicketsRequest) (*supportv1.ListQueueTicketsResponse, error) {
	limit, err := pageSize(req.GetPageSize())
	if err != nil {
		return nil, toStatus(ctx, a.log, err)
	}
	q := queueOf(req.GetQueue())
	scope := token.Scope("ListQueueTickets", q)
	after, err := pageCursor(a.tokens, scope, req.GetPageToken())
	if err != nil {
		return nil, toStatus(ctx, a.log, err)
	}
	resp := &supportv1.ListQueueTicketsResponse{}
	var next string
	// A page cut short by MaxPageBytes is read again with the smaller
	// limit, for the store's cursor after its last ticket.
	for {
		tickets, cursor, err := a.tickets.ListQueue(ctx, q, store.Page{After: after, Limit: limit})
		if err != nil {
			return nil, toStatus(ctx, a.log, err)
		}
		resp.Tickets = resp.Tickets[:0]
		for _, t := range tickets {
			resp.Tickets = append(resp.Tickets, ticketToProto(t))
		}
		if n := fitPage(resp.Tickets); n < len(tickets) {
			limit = n
			continue
		}
		next = cursor
		break
	}
	if next != "" {
		resp.NextPageToken = a.tokens.Sign(scope, []byte(next))
	}
	return resp, nil
}

// AcknowledgeTicket implements AgentService.AcknowledgeTicket.
func (a *Agent) AcknowledgeTicket(ctx context.Context, req *supportv1.AcknowledgeTicketRequest) (*supportv1.AcknowledgeTicketResponse, error) {
	t, err := updateTicket(ctx, a.log, req.GetEtag(), func(c ticket.Caller, v int64) (domain.Ticket, error) {
		return a.tickets.Acknowledge(ctx, c, req.GetTicketId(), req.GetMessage(), v)
	})
	if err != nil {
		return nil, err
	}
	return &supportv1.AcknowledgeTicketResponse{Ticket: t}, nil
}

// SetTicketStatus implements AgentService.SetTicketStatus.
func (a *Agent) SetTicketStatus(ctx context.Context, req *supportv1.SetTicketStatusRequest) (*supportv1.SetTicketStatusResponse, error) {
	t, err := updateTicket(ctx, a.log, req.GetEtag(), func(c ticket.Caller, v int64) (domain.Ticket, error) {
		return a.tickets.SetStatus(ctx, c, req.GetTicketId(), statusOf(req.GetStatus()), req.GetMessage(), v)
	})
	if err != nil {
		return nil, err
	}
	return &supportv1.SetTicketStatusResponse{Ticket: t}, nil
}

// AddAgentNote implements AgentService.AddAgentNote.
func (a *Agent) AddAgentNote(ctx context.Context, req *supportv1.AddAgentNoteRequest) (*supportv1.AddAgentNoteResponse, error) {
	t, err := updateTicket(ctx, a.log, req.GetEtag(), func(c ticket.Caller, v int64) (domain.Ticket, error) {
		return a.tickets.AddNote(ctx, c, req.GetTicketId(), req.GetText(), v)
	})
	if err != nil {
		return nil, err
	}
	return &supportv1.AddAgentNoteResponse{Ticket: t}, nil
}

// ReassignTicket implements AgentService.ReassignTicket.
func (a *Agent) ReassignTicket(ctx context.Context, req *supportv1.ReassignTicketRequest) (*supportv1.ReassignTicketResponse, error) {
	t, err := updateTicket(ctx, a.log, req.GetEtag(), func(c ticket.Caller, v int64) (domain.Ticket, error) {
		return a.tickets.Reassign(ctx, c, req.GetTicketId(), queueOf(req.GetQueue()), v)
	})
	if err != nil {
		return nil, err
	}
	return &supportv1.ReassignTicketResponse{Ticket: t}, nil
}
