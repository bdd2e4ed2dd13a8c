package client

import (
	"context"
	"iter"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"

	supportv1 "github.com/supportd/supportd/gen/support/v1"
)

// Client is the partner side of the API (support.v1.SupportService). It is
// safe for concurrent use.
type Client struct {
	*conn
	svc supportv1.SupportServiceClient
}

// New connects to the SupportService at addr. The connection is lazy: New
// fails only on bad options, and calls wait for the connection.
func New(addr string, opts ...Option) (*Client, error) {
	c, err := dial(addr, opts)
	if err != nil {
		return nil, err
	}
	return &Client{conn: c, svc: supportv1.NewSupportServiceClient(c.cc)}, nil
}

// Raw returns the generated stub on the client's connection.
func (c *Client) Raw() supportv1.SupportServiceClient { return c.svc }

// UpdateOption refines a ticket update.
type UpdateOption func(*updateOptions)

type updateOptions struct{ etag string }

// IfMatch makes the update fail with ABORTED (reason ETAG_MISMATCH) unless
// the ticket's etag is still etag.
func IfMatch(etag string) UpdateOption { return func(o *updateOptions) { o.etag = etag } }

func update(opts []UpdateOption) updateOptions {
	var o updateOptions
	for _, f := range opts {
		f(&o)
	}
	return o
}

// ListSupportTopics lists the topics of a service, featured first.
func (c *Client) ListSupportTopics(ctx context.Context, service supportv1.Service) ([]*supportv1.SupportTopic, error) {
	resp, err := c.svc.ListSupportTopics(ctx, &supportv1.ListSupportTopicsRequest{Service: service})
	if err != nil {
		return nil, FromError(err)
	}
	return resp.GetTopics(), nil
}

// CheckEntitlement previews what CreateTicket would decide.
func (c *Client) CheckEntitlement(ctx context.Context, req *supportv1.CheckEntitlementRequest) (*supportv1.CheckEntitlementResponse, error) {
	resp, err := c.svc.CheckEntitlement(ctx, req)
	return resp, FromError(err)
}

// CreateTicket files a ticket. When req.RequestId is empty, a UUID is
// generated once for this call (req is not modified) and every retry of the
// call sends the same one, so a retried call can never file twice. Pass
// your own request id to make a call idempotent across process restarts.
func (c *Client) CreateTicket(ctx context.Context, req *supportv1.CreateTicketRequest) (*supportv1.Ticket, error) {
	if req == nil {
		req = &supportv1.CreateTicketRequest{}
	}
	if req.GetRequestId() == "" {
		req = proto.CloneOf(req)
		req.RequestId = uuid.NewString()
	}
	resp, err := c.svc.CreateTicket(ctx, req)
	if err != nil {
		return nil, FromError(err)
	}
	return resp.GetTicket(), nil
}

// GetTicket returns one ticket.
func (c *Client) GetTicket(ctx context.Context, ticketID string) (*supportv1.Ticket, error) {
	resp, err := c.svc.GetTicket(ctx, &supportv1.GetTicketRequest{TicketId: ticketID})
	if err != nil {
		return nil, FromError(err)
	}
	return resp.GetTicket(), nil
}

// ListTickets returns one page of tickets, newest first.
func (c *Client) ListTickets(ctx context.Context, req *supportv1.ListTicketsRequest) (*supportv1.ListTicketsResponse, error) {
	resp, err := c.svc.ListTickets(ctx, req)
	return resp, FromError(err)
}

// AllTickets iterates over every ticket matching req's filters, page after
// page, starting at req.PageToken. It stops after the first error, which
// it yields.
func (c *Client) AllTickets(ctx context.Context, req *supportv1.ListTicketsRequest) iter.Seq2[*supportv1.Ticket, error] {
	return pages(func(token string) ([]*supportv1.Ticket, string, error) {
		r := proto.CloneOf(req)
		if r == nil {
			r = &supportv1.ListTicketsRequest{}
		}
		r.PageToken = token
		resp, err := c.ListTickets(ctx, r)
		return resp.GetTickets(), resp.GetNextPageToken(), err
	}, req.GetPageToken())
}

// ListTicketNotes returns one page of a ticket's notes, oldest first.
func (c *Client) ListTicketNotes(ctx context.Context, req *supportv1.ListTicketNotesRequest) (*supportv1.ListTicketNotesResponse, error) {
	resp, err := c.svc.ListTicketNotes(ctx, req)
	return resp, FromError(err)
}

// AllTicketNotes iterates over a ticket's notes, oldest first, page after
// page; notes added meanwhile come last. It stops after the first error,
// which it yields.
func (c *Client) AllTicketNotes(ctx context.Context, ticketID string) iter.Seq2[*supportv1.Note, error] {
	return pages(func(token string) ([]*supportv1.Note, string, error) {
		resp, err := c.ListTicketNotes(ctx, &supportv1.ListTicketNotesRequest{TicketId: ticketID, PageSize: 500, PageToken: token})
		return resp.GetNotes(), resp.GetNextPageToken(), err
	}, "")
}

// pages iterates over the items of a paged listing from token on.
func pages[T any](fetch func(token string) ([]T, string, error), token string) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		for {
			items, next, err := fetch(token)
			if err != nil {
				var zero T
				yield(zero, err)
				return
			}
			for _, it := range items {
				if !yield(it, nil) {
					return
				}
			}
			if next == "" {
				return
			}
			token = next
		}
	}
}

// AddTicketNote adds a partner note. Not retried (a retry could add it twice).
func (c *Client) AddTicketNote(ctx context.Context, ticketID, text string, opts ...UpdateOption) (*supportv1.Ticket, error) {
	o := update(opts)
	resp, err := c.svc.AddTicketNote(ctx, &supportv1.AddTicketNoteRequest{TicketId: ticketID, Text: text, Etag: o.etag}, noRetry)
	if err != nil {
		return nil, FromError(err)
	}
	return resp.GetTicket(), nil
}

// ChangeTicketSeverity changes the severity, with the business reason.
func (c *Client) ChangeTicketSeverity(ctx context.Context, ticketID string, severity supportv1.Severity, reason string, opts ...UpdateOption) (*supportv1.Ticket, error) {
	o := update(opts)
	resp, err := c.svc.ChangeTicketSeverity(ctx, &supportv1.ChangeTicketSeverityRequest{TicketId: ticketID, Severity: severity, Reason: reason, Etag: o.etag}, noRetry)
	if err != nil {
		return nil, FromError(err)
	}
	return resp.GetTicket(), nil
}

// EscalateTicket escalates an open ticket. Not retried (a retry could
// escalate twice).
func (c *Client) EscalateTicket(ctx context.Context, ticketID string, reason supportv1.EscalationReason, justification string, opts ...UpdateOption) (*supportv1.Ticket, error) {
	o := update(opts)
	resp, err := c.svc.EscalateTicket(ctx, &supportv1.EscalateTicketRequest{TicketId: ticketID, Reason: reason, Justification: justification, Etag: o.etag}, noRetry)
	if err != nil {
		return nil, FromError(err)
	}
	return resp.GetTicket(), nil
}

// CloseTicket closes a ticket.
func (c *Client) CloseTicket(ctx context.Context, ticketID string, opts ...UpdateOption) (*supportv1.Ticket, error) {
	o := update(opts)
	resp, err := c.svc.CloseTicket(ctx, &supportv1.CloseTicketRequest{TicketId: ticketID, Etag: o.etag}, noRetry)
	if err != nil {
		return nil, FromError(err)
	}
	return resp.GetTicket(), nil
}

// ReopenTicket puts a RESOLVED ticket back IN_PROGRESS.
func (c *Client) ReopenTicket(ctx context.Context, ticketID string, opts ...UpdateOption) (*supportv1.Ticket, error) {
	o := update(opts)
	resp, err := c.svc.ReopenTicket(ctx, &supportv1.ReopenTicketRequest{TicketId: ticketID, Etag: o.etag}, noRetry)
	if err != nil {
		return nil, FromError(err)
	}
	return resp.GetTicket(), nil
}
