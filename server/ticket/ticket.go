// Package ticket is the ticket domain service: it files tickets (filing
// rules, entitlement, routing, SLA deadline, idempotency) and reads them
// within a partner's scope. It combines the pure rule packages with the
// store; it knows nothing of gRPC. Every change writes its event in the
// same store transaction.
//
// Each operation checks its request in the order of the rule layers
// (docs/api.md, "Where each kind of rule is checked"): the field rules
// first (server/filing, server/validate), before any read; then, on what
// it reads from the store, the references (the ticket exists and the
// caller sees it, the topic belongs to the service, the etag is current),
// the entitlement (server/entitlement) and the lifecycle
// (server/lifecycle); limits that count stored things (the notes and
// attachments of a ticket) are checked on the ticket as read as well.
package ticket

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"

	"github.com/supportd/supportd/server/config"
	"github.com/supportd/supportd/server/domain"
	"github.com/supportd/supportd/server/sla"
	"github.com/supportd/supportd/server/store"
	"github.com/supportd/supportd/server/validate"
)

// IdempotencyRetention is how long request ids are remembered (at least
// the 24 hours the API promises).
const IdempotencyRetention = 7 * 24 * time.Hour

// Service is the ticket domain service.
type Service struct {
	st     store.Store
	policy *sla.Policy
	now    func() time.Time
	notes  noteLimits
}

// Option configures a Service.
type Option func(*Service)

// New returns a ticket service over st with the SLA policy and clock.
// Limits not set by an option take the defaults of package config.
func New(st store.Store, policy *sla.Policy, now func() time.Time, opts ...Option) *Service {
	s := &Service{st: st, policy: policy, now: now,
		notes: noteLimits{maxBytes: config.DefaultNoteBytes, perTicket: config.DefaultNotesPerTicket}}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Policy returns the SLA policy the service computes deadlines with.
func (s *Service) Policy() *sla.Policy { return s.policy }

// newID returns the id of a new ticket or attachment: a UUIDv7, so that
// ids sort by creation time (list pages and index locality follow it).
func newID() (string, error) {
	id, err := uuid.NewV7()
	if err != nil {
		return "", err
	}
	return id.String(), nil
}

// notFound maps store.ErrNotFound to a NotFoundError of kind/id.
func notFound(err error, kind, id string) error {
	if errors.Is(err, store.ErrNotFound) {
		return &domain.NotFoundError{Kind: kind, ID: id}
	}
	return err
}

// Topics lists the catalogue of one service: featured first.
func (s *Service) Topics(ctx context.Context, service domain.Service) ([]domain.Topic, error) {
	if err := validate.Present("service", service != ""); err != nil {
		return nil, err
	}
	var out []domain.Topic
	err := s.st.ReadTx(ctx, func(tx store.Reader) error {
		var err error
		out, err = tx.ListTopics(ctx, service)
		return err
	})
	return out, err
}

// Get returns one of the partner's tickets; another partner's ticket is
// not found.
func (s *Service) Get(ctx context.Context, partnerID, ticketID string) (domain.Ticket, error) {
	t, err := s.GetAny(ctx, ticketID)
	if err != nil {
		return t, err
	}
	if t.PartnerID != partnerID {
		return domain.Ticket{}, &domain.NotFoundError{Kind: "ticket", ID: ticketID}
	}
	return t, nil
}

// GetAny returns any partner's ticket: support's view.
func (s *Service) GetAny(ctx context.Context, ticketID string) (domain.Ticket, error) {
	if err := validate.TicketID(ticketID); err != nil {
		return domain.Ticket{}, err
	}
	t, err := s.st.ReadTicket(ctx, ticketID)
	return t, notFound(err, "ticket", ticketID)
}

// RequireCustomer checks that customerID is one of the partner's
// customers; another partner's customer is not found.
func (s *Service) RequireCustomer(ctx context.Context, partnerID, customerID string) error {
	return s.st.ReadTx(ctx, func(tx store.Reader) error {
		return requireCustomer(ctx, tx, partnerID, customerID)
	})
}

func requireCustomer(ctx context.Context, tx store.Reader, partnerID, customerID string) error {
	c, err := tx.GetCustomer(ctx, customerID)
	if err != nil {
		return notFound(err, "customer", customerID)
	}
	if c.PartnerID != partnerID {
		return &domain.NotFoundError{Kind: "customer", ID: customerID}
	}
	return nil
}

// List lists the partner's tickets newest first. f.PartnerID is set from
// partnerID; a customer filter naming another partner's customer is not
// found.
func (s *Service) List(ctx context.Context, partnerID string, f store.TicketFilter, page store.Page) ([]domain.Ticket, error) {
	f.PartnerID = partnerID
	var out []domain.Ticket
	err := s.st.ReadTx(ctx, func(tx store.Reader) error {
		if f.CustomerID != "" {
			if err := requireCustomer(ctx, tx, partnerID, f.CustomerID); err != nil {
				return err
			}
		}
		var err error
		out, err = tx.ListTickets(ctx, f, page)
		return err
	})
	return out, err
}
