// Package escalation holds the automatic escalation rule of
// docs/domain.md §5 as plain Go: which SLA stage a ticket without a
// first response reaches at a given instant. The sweep that applies it to
// stored tickets lives in the ticket service; the loop that runs the sweep
// lives in the server assembly.
package escalation

import (
	"time"

	"github.com/supportd/supportd/server/domain"
	"github.com/supportd/supportd/server/lifecycle"
)

// Stage is what Advance did to a ticket, in the order the events must be
// written.
type Stage = domain.EventType

// Advance moves t through the SLA stages that are due at now and returns
// the events to record, in order: SLA_WARNING once the warning instant has
// passed, then SLA_BREACHED and ESCALATED once the deadline has passed (the
// escalation level is raised and the ticket moves to its queue's
// duty-manager tier). Each stage fires at most once: the SLA state only
// moves forward (lifecycle.NextSLA), so calling Advance again fires
// nothing new. Tickets with a
// first response, and resolved or closed tickets, never advance.
func Advance(t *domain.Ticket, now time.Time) []Stage {
	if _, pending := t.NextEscalation(); !pending {
		return nil
	}
	var out []Stage
	if to, ok := lifecycle.NextSLA(t.SLAState, lifecycle.SLAWarningPassed); ok && !now.Before(t.WarnTime) {
		t.SLAState = to
		out = append(out, domain.EventSLAWarning)
	}
	if to, ok := lifecycle.NextSLA(t.SLAState, lifecycle.SLADeadlinePassed); ok && !now.Before(t.ResponseDueTime) {
		t.SLAState = to
		t.EscalationLevel++
		t.DutyManagerTier = true
		out = append(out, domain.EventSLABreached, domain.EventEscalated)
	}
	return out
}
