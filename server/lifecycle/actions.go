package lifecycle

import "github.com/supportd/supportd/server/domain"

// Close is the partner's CloseTicket: any status but CLOSED -> CLOSED. It
// returns the new status, or an *IllegalTransitionError for a CLOSED ticket.
func Close(from domain.TicketStatus) (domain.TicketStatus, error) {
	return do(ActionClose, from, domain.StatusClosed, ActorPartner)
}

// Reopen is the partner's ReopenTicket: RESOLVED -> IN_PROGRESS only. It
// returns the new status, or an *IllegalTransitionError from any other status.
func Reopen(from domain.TicketStatus) (domain.TicketStatus, error) {
	return do(ActionReopen, from, domain.StatusInProgress, ActorPartner)
}

// Acknowledge is the agent's first response (AcknowledgeTicket): NEW ->
// IN_PROGRESS only. Acknowledging a ticket that is not NEW (already
// acknowledged, resolved or closed) is an *IllegalTransitionError, so a
// ticket has exactly one first response.
func Acknowledge(from domain.TicketStatus) (domain.TicketStatus, error) {
	if from != domain.StatusNew {
		return from, &IllegalTransitionError{From: from, To: domain.StatusInProgress, Actor: ActorAgent, Action: ActionAcknowledge}
	}
	return do(ActionAcknowledge, from, domain.StatusInProgress, ActorAgent)
}

// SetStatus is the agent's SetTicketStatus: it returns to when the agent may
// move the ticket from from to to (see the package documentation), or an
// *IllegalTransitionError. NEW -> IN_PROGRESS through SetStatus is the
// ticket's first response, like Acknowledge.
func SetStatus(from, to domain.TicketStatus) (domain.TicketStatus, error) {
	return do(ActionSetStatus, from, to, ActorAgent)
}

func do(a Action, from, to domain.TicketStatus, actor Actor) (domain.TicketStatus, error) {
	if err := check(a, from, to, actor); err != nil {
		return from, err
	}
	return to, nil
}
