package lifecycle

import (
	"errors"
	"fmt"

	"github.com/supportd/supportd/server/domain"
)

// Action names the operation that asked for a transition; it only shapes the
// error message.
type Action string

// Actions.
const (
	ActionTransition  Action = "transition"
	ActionClose       Action = "close"
	ActionReopen      Action = "reopen"
	ActionAcknowledge Action = "acknowledge"
	ActionSetStatus   Action = "set status"
)

// ErrIllegalTransition is matched (errors.Is) by every *IllegalTransitionError.
var ErrIllegalTransition = errors.New("illegal ticket status transition")

// IllegalTransitionError says that Actor may not move a ticket from From to
// To. Its message names the ticket's current status (From); the API layer
// maps it to FAILED_PRECONDITION.
type IllegalTransitionError struct {
	From   domain.TicketStatus
	To     domain.TicketStatus
	Actor  Actor
	Action Action
}

// Is reports whether target is ErrIllegalTransition.
func (e *IllegalTransitionError) Is(target error) bool { return target == ErrIllegalTransition }

// Error describes the refusal, naming the current status.
func (e *IllegalTransitionError) Error() string {
	switch {
	case e.Action == ActionClose && IsFinal(e.From):
		return "cannot close the ticket: it is already CLOSED"
	case e.Action == ActionReopen:
		return fmt.Sprintf("cannot reopen the ticket: it is %s; only a RESOLVED ticket can be reopened", e.From)
	case e.Action == ActionAcknowledge:
		return fmt.Sprintf("cannot acknowledge the ticket: it is %s; only a NEW ticket can be acknowledged", e.From)
	case IsFinal(e.From):
		return fmt.Sprintf("cannot move the ticket to %s: it is %s, which is final", e.To, e.From)
	case e.From == e.To:
		return fmt.Sprintf("cannot move the ticket to %s: it is already %s", e.To, e.From)
	}
	return fmt.Sprintf("cannot move the ticket to %s: it is %s, and %s may not make that change", e.To, e.From, who(e.Actor))
}

func who(a Actor) string {
	switch a {
	case ActorPartner:
		return "a partner"
	case ActorAgent:
		return "an agent"
	case ActorSystem:
		return "the system"
	}
	return fmt.Sprintf("actor %q", string(a))
}
