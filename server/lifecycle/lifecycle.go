// Package lifecycle is the ticket state machine of docs/domain.md §6,
// as explicit data: which actor may move a ticket from which status to which.
// It is pure and holds no state; the caller loads the ticket, asks, and
// writes the new status with its event.
//
//	NEW -> IN_PROGRESS <-> WAITING_ON_PARTNER -> RESOLVED -> CLOSED
//
// Decisions where section 6 is silent:
//   - Partner: may close from every status but CLOSED, and may reopen a
//     RESOLVED ticket (back to IN_PROGRESS). Nothing else: a partner's note
//     on a WAITING_ON_PARTNER ticket does not change its status here.
//   - Agent: NEW -> IN_PROGRESS (the first response, whether through
//     Acknowledge or SetStatus; the caller records it as the first
//     response), IN_PROGRESS <-> WAITING_ON_PARTNER, IN_PROGRESS or
//     WAITING_ON_PARTNER -> RESOLVED, RESOLVED -> IN_PROGRESS (support
//     withdraws its proposed resolution) and RESOLVED -> CLOSED (the last
//     arrow of the main flow). An agent cannot close an unresolved ticket,
//     nor skip the first response (NEW -> WAITING_ON_PARTNER or RESOLVED).
//   - System (SLA monitor, escalation): changes no status; escalation raises
//     a level and moves tiers, never the status.
//   - CLOSED is final for everyone, and a status never "moves" to itself:
//     X -> X is illegal, so a repeated request is reported, not ignored.
//   - Open (domain.TicketStatus.IsOpen, the one definition) means NEW,
//     IN_PROGRESS or WAITING_ON_PARTNER: a RESOLVED ticket awaits the
//     partner's verdict and is not open for escalation.
//
// The ticket's initial-response SLA clock (RUNNING, WARNING, BREACHED,
// MET) is the package's second machine: NextSLA in sla.go is the one
// place that says which SLA state a trigger leads to; the escalation
// sweep, the first response and a severity change all go through it.
package lifecycle

import "github.com/supportd/supportd/server/domain"

// Actor is who asks for a status change.
type Actor string

// Actors.
const (
	ActorPartner Actor = "partner" // the partner that filed the ticket
	ActorAgent   Actor = "agent"   // a support agent (internal service)
	ActorSystem  Actor = "system"  // supportd itself (SLA monitor, escalation)
)

// Actors lists every actor.
var Actors = []Actor{ActorPartner, ActorAgent, ActorSystem}

// Statuses lists every ticket status in lifecycle order.
var Statuses = []domain.TicketStatus{
	domain.StatusNew, domain.StatusInProgress, domain.StatusWaitingOnPartner,
	domain.StatusResolved, domain.StatusClosed,
}

type edge struct{ from, to domain.TicketStatus }

// transitions is the whole state machine: actor -> allowed (from, to) pairs.
var transitions = map[Actor]map[edge]bool{
	ActorPartner: {
		{domain.StatusNew, domain.StatusClosed}:              true,
		{domain.StatusInProgress, domain.StatusClosed}:       true,
		{domain.StatusWaitingOnPartner, domain.StatusClosed}: true,
		{domain.StatusResolved, domain.StatusClosed}:         true,
		{domain.StatusResolved, domain.StatusInProgress}:     true, // reopen
	},
	ActorAgent: {
		{domain.StatusNew, domain.StatusInProgress}:              true, // first response
		{domain.StatusInProgress, domain.StatusWaitingOnPartner}: true,
		{domain.StatusWaitingOnPartner, domain.StatusInProgress}: true,
		{domain.StatusInProgress, domain.StatusResolved}:         true,
		{domain.StatusWaitingOnPartner, domain.StatusResolved}:   true,
		{domain.StatusResolved, domain.StatusInProgress}:         true,
		{domain.StatusResolved, domain.StatusClosed}:             true,
	},
	ActorSystem: {},
}

// Allowed reports whether actor may move a ticket from from to to.
func Allowed(from, to domain.TicketStatus, actor Actor) bool {
	return transitions[actor][edge{from, to}]
}

// Targets returns the statuses actor may move a ticket in from to, in
// lifecycle order (empty for CLOSED and for the system).
func Targets(from domain.TicketStatus, actor Actor) []domain.TicketStatus {
	var out []domain.TicketStatus
	for _, to := range Statuses {
		if Allowed(from, to, actor) {
			out = append(out, to)
		}
	}
	return out
}

// Transition returns nil when actor may move a ticket from from to to, and
// an *IllegalTransitionError (matching ErrIllegalTransition) otherwise.
func Transition(from, to domain.TicketStatus, actor Actor) error {
	return check(ActionTransition, from, to, actor)
}

func check(a Action, from, to domain.TicketStatus, actor Actor) error {
	if Allowed(from, to, actor) {
		return nil
	}
	return &IllegalTransitionError{From: from, To: to, Actor: actor, Action: a}
}

// IsFinal reports whether status is CLOSED, the status nobody leaves.
func IsFinal(status domain.TicketStatus) bool { return status == domain.StatusClosed }
