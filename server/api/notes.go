package api

import (
	"context"
	"log/slog"
	"strconv"

	supportv1 "github.com/supportd/supportd/gen/support/v1"
	"github.com/supportd/supportd/server/domain"
	"github.com/supportd/supportd/server/ticket"
	"github.com/supportd/supportd/server/token"
)

// notesPage is one page of a ticket's notes and the token of the next.
type notesPage struct {
	notes []*supportv1.Note
	next  string
}

// listNotes serves ListTicketNotes and ListAgentTicketNotes: notes oldest
// first after the page token's note number. The token is bound to the
// method, the caller's partner and the ticket; a page stops early rather
// than exceed MaxPageBytes.
func listNotes(ctx context.Context, log *slog.Logger, tokens *token.Signer, tickets *ticket.Service,
	method, ticketID string, size int32, pageToken string) (notesPage, error) {
	c := callerOf(ctx)
	limit, err := pageSize(size)
	if err != nil {
		return notesPage{}, toStatus(ctx, log, err)
	}
	scope := token.Scope(method, c.PartnerID, ticketID)
	cursor, err := pageCursor(tokens, scope, pageToken)
	if err != nil {
		return notesPage{}, toStatus(ctx, log, err)
	}
	var after int64
	if cursor != "" {
		if after, err = strconv.ParseInt(cursor, 10, 64); err != nil {
			return notesPage{}, toStatus(ctx, log, domain.Invalid(domain.FieldViolation{Field: "page_token", Description: "malformed page token"}))
		}
	}
	notes, err := tickets.Notes(ctx, c, ticketID, after, limit)
	if err != nil {
		return notesPage{}, toStatus(ctx, log, err)
	}
	var page notesPage
	for _, n := range notes {
		page.notes = append(page.notes, noteToProto(n))
	}
	n := fitPage(page.notes)
	if n < len(notes) || n == limit {
		page.notes = page.notes[:n]
		page.next = tokens.Sign(scope, []byte(strconv.FormatInt(notes[n-1].ID, 10)))
	}
	return page, nil
}

// ListTicketNotes implements SupportService.ListTicketNotes.
func (s *Support) ListTicketNotes(ctx context.Context, req *supportv1.ListTicketNotesRequest) (*supportv1.ListTicketNotesResponse, error) {
	p, err := listNotes(ctx, s.log, s.tokens, s.tickets, "ListTicketNotes", req.GetTicketId(), req.GetPageSize(), req.GetPageToken())
	if err != nil {
		return nil, err
	}
	return &supportv1.ListTicketNotesResponse{Notes: p.notes, NextPageToken: p.next}, nil
}

// ListAgentTicketNotes implements AgentService.ListAgentTicketNotes.
func (a *Agent) ListAgentTicketNotes(ctx context.Context, req *supportv1.ListAgentTicketNotesRequest) (*supportv1.ListAgentTicketNotesResponse, error) {
	p, err := listNotes(ctx, a.log, a.tokens, a.tickets, "ListAgentTicketNotes", req.GetTicketId(), req.GetPageSize(), req.GetPageToken())
	if err != nil {
		return nil, err
	}
	return &supportv1.ListAgentTicketNotesResponse{Notes: p.notes, NextPageToken: p.next}, nil
}

// GetAgentTicket implements AgentService.GetAgentTicket.
func (a *Agent) GetAgentTicket(ctx context.Context, req *supportv1.GetAgentTicketRequest) (*supportv1.GetAgentTicketResponse, error) {
	t, err := a.tickets.GetAny(ctx, req.GetTicketId())
	if err != nil {
		return nil, toStatus(ctx, a.log, err)
	}
	return &supportv1.GetAgentTicketResponse{Ticket: ticketToProto(t)}, nil
}
