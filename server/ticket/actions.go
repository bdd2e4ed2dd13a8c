package ticket

import (
	"context"
	"fmt"
	"time"

	"github.com/supportd/supportd/server/domain"
	"github.com/supportd/supportd/server/lifecycle"
	"github.com/supportd/supportd/server/routing"
	"github.com/supportd/supportd/server/validate"
)

// AddNote adds a note to a ticket that is not closed.
func (s *Service) AddNote(ctx context.Context, c Caller, ticketID, text string, etag int64) (domain.Ticket, error) {
	if err := validate.Note("text", text, s.notes.maxBytes); err != nil {
		return domain.Ticket{}, err
	}
	return s.mutate(ctx, c, ticketID, etag, func(t *domain.Ticket, now time.Time) ([]change, error) {
		if err := requireNotClosed(t, "add a note"); err != nil {
			return nil, err
		}
		n, err := s.newNote(t, c.Actor, text, now)
		if err != nil {
			return nil, err
		}
		return []change{{typ: domain.EventNoteAdded, detail: "note added", note: n}}, nil
	})
}

// ChangeSeverity changes an open ticket's severity. The response deadline
// is recomputed from the creation time with the new severity, and priority
// follows the severity. While no first response has been given, the
// pending SLA stages move with the deadline: a warning already given stays
// given unless the new warning point is still ahead (then it fires again
// for the new deadline); a breach is never undone.
func (s *Service) ChangeSeverity(ctx context.Context, c Caller, ticketID string, sev domain.Severity, reason string, etag int64) (domain.Ticket, error) {
	if err := validate.SeverityChange(sev, reason); err != nil {
		return domain.Ticket{}, err
	}
	return s.mutate(ctx, c, ticketID, etag, func(t *domain.Ticket, now time.Time) ([]change, error) {
		if err := requireOpen(t, "change the severity"); err != nil {
			return nil, err
		}
		if t.Severity == sev {
			return nil, domain.Invalid(domain.FieldViolation{Field: "severity", Description: "the ticket already has severity " + string(sev)})
		}
		d, err := s.policy.Target(t.Category, sev, t.Language, t.CreateTime)
		if err != nil {
			return nil, err
		}
		old := t.Severity
		oldDue := t.ResponseDueTime
		t.Severity = sev
		_, t.Priority = routing.Route(t.Service, t.Category, sev)
		t.ResponseTarget, t.BusinessHours, t.CalendarID = d.Target, d.BusinessHours, d.CalendarID
		t.ResponseDueTime, t.WarnTime = d.Due.UTC(), d.Warn.UTC()
		if t.FirstResponseTime.IsZero() && now.Before(t.WarnTime) {
			t.SLAState, _ = lifecycle.NextSLA(t.SLAState, lifecycle.SLAWarningWithdrawn)
		}
		detail := fmt.Sprintf("severity %s -> %s (%s); response due %s -> %s", old, sev, reason,
			detailTime(oldDue), detailTime(t.ResponseDueTime))
		return []change{{typ: domain.EventSeverityChanged, detail: detail}}, nil
	})
}

// Escalate raises an open ticket's escalation level on the partner's request.
func (s *Service) Escalate(ctx context.Context, c Caller, ticketID string, reason domain.EscalationReason, justification string, etag int64) (domain.Ticket, error) {
	if err := validate.Escalation(reason, justification); err != nil {
		return domain.Ticket{}, err
	}
	return s.mutate(ctx, c, ticketID, etag, func(t *domain.Ticket, now time.Time) ([]change, error) {
		if err := requireOpen(t, "escalate"); err != nil {
			return nil, err
		}
		t.EscalationLevel++
		return []change{{typ: domain.EventEscalated, detail: fmt.Sprintf("escalated by the partner to level %d: %s: %s", t.EscalationLevel, reason, justification)}}, nil
	})
}

// Close closes a ticket in any state but CLOSED.
func (s *Service) Close(ctx context.Context, c Caller, ticketID string, etag int64) (domain.Ticket, error) {
	return s.mutate(ctx, c, ticketID, etag, func(t *domain.Ticket, _ time.Time) ([]change, error) {
		return setStatus(t, lifecycle.Close)
	})
}

// Reopen puts a RESOLVED ticket back IN_PROGRESS.
func (s *Service) Reopen(ctx context.Context, c Caller, ticketID string, etag int64) (domain.Ticket, error) {
	return s.mutate(ctx, c, ticketID, etag, func(t *domain.Ticket, _ time.Time) ([]change, error) {
		return setStatus(t, lifecycle.Reopen)
	})
}

func setStatus(t *domain.Ticket, move func(domain.TicketStatus) (domain.TicketStatus, error)) ([]change, error) {
	from := t.Status
	to, err := move(from)
	if err != nil {
		return nil, err
	}
	t.Status = to
	return []change{{typ: domain.EventStatusChanged, detail: fmt.Sprintf("status %s -> %s", from, to)}}, nil
}
