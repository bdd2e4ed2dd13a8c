package ticket

import (
	"context"
	"errors"
	"time"

	"github.com/supportd/supportd/server/domain"
	"github.com/supportd/supportd/server/lifecycle"
	"github.com/supportd/supportd/server/store"
	"github.com/supportd/supportd/server/validate"
)

// Caller says who changes a ticket: a partner (scoped to its tickets) or
// support (any ticket).
type Caller struct {
	// PartnerID scopes the call to this partner's tickets; empty for
	// agents and the system.
	PartnerID string
	// Actor is recorded on events and notes ("partner:adatum", "agent:<key>", "system").
	Actor string
}

// sees reports whether c may see a ticket of partnerID: a partner caller
// its own partner's tickets, support (no partner) every ticket.
func (c Caller) sees(partnerID string) bool { return c.PartnerID == "" || c.PartnerID == partnerID }

// visibleTicket reads a ticket the caller may see: another partner's
// ticket is not found, never a hint that it exists.
func visibleTicket(ctx context.Context, tx store.Reader, c Caller, ticketID string) (domain.Ticket, error) {
	t, err := tx.GetTicket(ctx, ticketID)
	if err != nil {
		return t, notFound(err, "ticket", ticketID)
	}
	if !c.sees(t.PartnerID) {
		return domain.Ticket{}, &domain.NotFoundError{Kind: "ticket", ID: ticketID}
	}
	return t, nil
}

// change is one event a mutation emits.
type change struct {
	typ    domain.EventType
	detail string
	// note is the note the change adds (made by Service.newNote): stored
	// with the event, which carries it.
	note *domain.Note
	// attachment is the file an ATTACHMENT_ADDED event carries.
	attachment *domain.Attachment
}

// mutation changes t in place (at instant now) and says which events record it.
type mutation func(t *domain.Ticket, now time.Time) ([]change, error)

// txMutation is a mutation that also writes records of its own (such as
// an attachment) in the ticket's transaction, before the ticket and its
// events are written.
type txMutation func(tx store.ReadWriter, t *domain.Ticket, now time.Time) ([]change, error)

// detailTime is how an event's detail writes an instant: RFC 3339 in UTC
// (the form of the API's timestamps in JSON), whatever zone t carries.
func detailTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// mutate applies m to a ticket inside one write transaction: it reads the
// ticket, checks the caller's scope and the etag version (0: no check),
// applies m, bumps the version, stores the notes the changes add and
// appends one event per change with the ticket after the change. When m
// or any write fails, nothing is kept.
func (s *Service) mutate(ctx context.Context, c Caller, ticketID string, etagVersion int64, m mutation) (domain.Ticket, error) {
	return s.mutateTx(ctx, c, ticketID, etagVersion, func(_ store.ReadWriter, t *domain.Ticket, now time.Time) ([]change, error) {
		return m(t, now)
	})
}

// mutateTx is mutate for a txMutation: the one path of every ticket change.
func (s *Service) mutateTx(ctx context.Context, c Caller, ticketID string, etagVersion int64, m txMutation) (domain.Ticket, error) {
	if err := validate.TicketID(ticketID); err != nil {
		return domain.Ticket{}, err
	}
	var out domain.Ticket
	err := s.st.ReadWriteTx(ctx, func(tx store.ReadWriter) error {
		t, err := visibleTicket(ctx, tx, c, ticketID)
		if err != nil {
			return err
		}
		if etagVersion != 0 && etagVersion != t.Version {
			return &domain.ConflictError{Kind: "ticket", ID: ticketID}
		}
		now := s.now().UTC()
		changes, err := m(tx, &t, now)
		if err != nil {
			return illegal(err, ticketID)
		}
		t.Version++
		t.UpdateTime = now
		if err := tx.UpdateTicket(ctx, t); err != nil {
			if errors.Is(err, store.ErrConflict) {
				return &domain.ConflictError{Kind: "ticket", ID: ticketID}
			}
			return err
		}
		if err := appendChanges(ctx, tx, t, c.Actor, now, changes); err != nil {
			return err
		}
		out = t
		return nil
	})
	return out, err
}

// appendChanges writes each change's note (before its event: the event
// refers to the stored note) and its event.
func appendChanges(ctx context.Context, tx store.ReadWriter, t domain.Ticket, actor string, now time.Time, changes []change) error {
	for _, ch := range changes {
		if ch.note != nil {
			if err := tx.AddNote(ctx, *ch.note); err != nil {
				return err
			}
		}
		snapshot := t
		if _, err := tx.AppendEvent(ctx, domain.Event{Type: ch.typ, TicketID: t.ID, PartnerID: t.PartnerID,
			CustomerID: t.CustomerID, Actor: actor, Time: now, Ticket: &snapshot, Detail: ch.detail, Note: ch.note,
			Attachment: ch.attachment}); err != nil {
			return err
		}
	}
	return nil
}

// illegal turns a lifecycle refusal into a precondition failure naming the
// ticket; other errors pass through.
func illegal(err error, ticketID string) error {
	var it *lifecycle.IllegalTransitionError
	if errors.As(err, &it) {
		return &domain.PreconditionError{Reason: "ILLEGAL_TRANSITION", Subject: "tickets/" + ticketID, Message: it.Error()}
	}
	return err
}

// requireOpen refuses changes to a ticket that is not open.
func requireOpen(t *domain.Ticket, what string) error {
	if t.Status.IsOpen() {
		return nil
	}
	return &domain.PreconditionError{Reason: "TICKET_NOT_OPEN", Subject: "tickets/" + t.ID,
		Message: "cannot " + what + ": the ticket is " + string(t.Status)}
}

// requireNotClosed refuses changes to a ticket in the final status
// (lifecycle.IsFinal: CLOSED).
func requireNotClosed(t *domain.Ticket, what string) error {
	if !lifecycle.IsFinal(t.Status) {
		return nil
	}
	return &domain.PreconditionError{Reason: "TICKET_CLOSED", Subject: "tickets/" + t.ID,
		Message: "cannot " + what + ": the ticket is " + string(t.Status) + ", which is final"}
}
