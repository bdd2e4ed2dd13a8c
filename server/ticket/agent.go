package ticket

import (
	"context"
	"fmt"
	"time"

	"github.com/supportd/supportd/server/domain"
	"github.com/supportd/supportd/server/lifecycle"
	"github.com/supportd/supportd/server/store"
	"github.com/supportd/supportd/server/validate"
)

// ListQueue lists a queue's open tickets: priority first, then by
// response deadline. next is the cursor of the following page ("" at the end).
func (s *Service) ListQueue(ctx context.Context, q domain.Queue, page store.Page) (tickets []domain.Ticket, next string, err error) {
	if err := validate.Present("queue", q != ""); err != nil {
		return nil, "", err
	}
	err = s.st.ReadTx(ctx, func(tx store.Reader) error {
		tickets, next, err = tx.ListQueueTickets(ctx, q, page)
		return err
	})
	return tickets, next, err
}

// respond records support's first response at now: first_response_time
// is set once, and the SLA is MET when the response comes before the
// deadline, BREACHED otherwise (whether or not a sweep has recorded the
// breach yet: the deadline decides, not the sweep's timing; a recorded
// breach stays: lifecycle.NextSLA).
func respond(t *domain.Ticket, now time.Time) {
	t.FirstResponseTime = now
	trigger := lifecycle.SLARespondedLate
	if now.Before(t.ResponseDueTime) {
		trigger = lifecycle.SLARespondedInTime
	}
	t.SLAState, _ = lifecycle.NextSLA(t.SLAState, trigger)
}

// Acknowledge records support's first response on a NEW ticket: the
// message becomes a note, the ticket goes IN_PROGRESS.
func (s *Service) Acknowledge(ctx context.Context, c Caller, ticketID, message string, etag int64) (domain.Ticket, error) {
	if err := validate.Note("message", message, s.notes.maxBytes); err != nil {
		return domain.Ticket{}, err
	}
	return s.mutate(ctx, c, ticketID, etag, func(t *domain.Ticket, now time.Time) ([]change, error) {
		to, err := lifecycle.Acknowledge(t.Status)
		if err != nil {
			return nil, err
		}
		n, err := s.newNote(t, c.Actor, message, now)
		if err != nil {
			return nil, err
		}
		t.Status = to
		respond(t, now)
		return []change{{typ: domain.EventAcknowledged, detail: fmt.Sprintf("first response; SLA %s", t.SLAState), note: n}}, nil
	})
}

// SetStatus moves a ticket along its lifecycle on support's behalf; an
// optional message becomes a note. Moving a NEW ticket IN_PROGRESS is the
// first response, recorded as an acknowledgement (which carries the
// note); another move is a STATUS_CHANGED event followed, when there is a
// message, by the NOTE_ADDED event of its note.
func (s *Service) SetStatus(ctx context.Context, c Caller, ticketID string, status domain.TicketStatus, message string, etag int64) (domain.Ticket, error) {
	if err := validate.StatusChange(status, message, s.notes.maxBytes); err != nil {
		return domain.Ticket{}, err
	}
	return s.mutate(ctx, c, ticketID, etag, func(t *domain.Ticket, now time.Time) ([]change, error) {
		from := t.Status
		to, err := lifecycle.SetStatus(from, status)
		if err != nil {
			return nil, err
		}
		var n *domain.Note
		if message != "" {
			if n, err = s.newNote(t, c.Actor, message, now); err != nil {
				return nil, err
			}
		}
		t.Status = to
		if from == domain.StatusNew && t.FirstResponseTime.IsZero() {
			respond(t, now)
			return []change{{typ: domain.EventAcknowledged, detail: fmt.Sprintf("first response; SLA %s", t.SLAState), note: n}}, nil
		}
		changes := []change{{typ: domain.EventStatusChanged, detail: fmt.Sprintf("status %s -> %s", from, to)}}
		if n != nil {
			changes = append(changes, change{typ: domain.EventNoteAdded, detail: "note added", note: n})
		}
		return changes, nil
	})
}

// Reassign moves an open ticket to another queue.
func (s *Service) Reassign(ctx context.Context, c Caller, ticketID string, q domain.Queue, etag int64) (domain.Ticket, error) {
	if err := validate.Present("queue", q != ""); err != nil {
		return domain.Ticket{}, err
	}
	return s.mutate(ctx, c, ticketID, etag, func(t *domain.Ticket, _ time.Time) ([]change, error) {
		if err := requireNotClosed(t, "reassign"); err != nil {
			return nil, err
		}
		if t.Queue == q {
			return nil, domain.Invalid(domain.FieldViolation{Field: "queue", Description: "the ticket is already in queue " + string(q)})
		}
		from := t.Queue
		t.Queue = q
		return []change{{typ: domain.EventReassigned, detail: fmt.Sprintf("queue %s -> %s", from, q)}}, nil
	})
}
