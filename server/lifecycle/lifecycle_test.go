package lifecycle

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/supportd/supportd/server/domain"
)

const (
	nw  = domain.StatusNew
	inp = domain.StatusInProgress
	wop = domain.StatusWaitingOnPartner
	res = domain.StatusResolved
	cls = domain.StatusClosed
)

type triple struct {
	from, to domain.TicketStatus
	actor    Actor
}

// allowed is the expected state machine, written independently of the
// package's table.
var allowed = map[triple]bool{
	{nw, cls, ActorPartner}:  true,
	{inp, cls, ActorPartner}: true,
	{wop, cls, ActorPartner}: true,
	{res, cls, ActorPartner}: true,
	{res, inp, ActorPartner}: true,

	{nw, inp, ActorAgent}:  true,
	{inp, wop, ActorAgent}: true,
	{wop, inp, ActorAgent}: true,
	{inp, res, ActorAgent}: true,
	{wop, res, ActorAgent}: true,
	{res, inp, ActorAgent}: true,
	{res, cls, ActorAgent}: true,
}

// TestTransitionExhaustive checks every (from, to, actor) triple, including
// an unknown status and an unknown actor.
func TestTransitionExhaustive(t *testing.T) {
	t.Parallel()
	statuses := append(slices.Clone(Statuses), "BOGUS", "")
	actors := append(slices.Clone(Actors), "admin")
	n := 0
	for _, actor := range actors {
		for _, from := range statuses {
			for _, to := range statuses {
				n++
				tr := triple{from, to, actor}
				want := allowed[tr]
				err := Transition(from, to, actor)
				if got := err == nil; got != want {
					t.Errorf("Transition(%s -> %s, %s) allowed = %v, want %v", from, to, actor, got, want)
				}
				if Allowed(from, to, actor) != want {
					t.Errorf("Allowed(%s -> %s, %s) != %v", from, to, actor, want)
				}
				if err == nil {
					continue
				}
				var ite *IllegalTransitionError
				if !errors.As(err, &ite) || ite.From != from || ite.To != to || ite.Actor != actor {
					t.Errorf("Transition(%s -> %s, %s) error = %#v", from, to, actor, err)
				}
				if !errors.Is(err, ErrIllegalTransition) {
					t.Errorf("error does not match ErrIllegalTransition: %v", err)
				}
				if !strings.Contains(err.Error(), string(from)) {
					t.Errorf("message %q does not name the current status %q", err, from)
				}
			}
		}
	}
	if n != len(actors)*len(statuses)*len(statuses) {
		t.Fatalf("checked %d triples", n)
	}
}

func TestClosedIsFinal(t *testing.T) {
	t.Parallel()
	for _, actor := range Actors {
		if got := Targets(cls, actor); len(got) != 0 {
			t.Errorf("Targets(CLOSED, %s) = %v, want none", actor, got)
		}
	}
	if !IsFinal(cls) {
		t.Error("IsFinal(CLOSED) = false")
	}
	for _, s := range []domain.TicketStatus{nw, inp, wop, res} {
		if IsFinal(s) {
			t.Errorf("IsFinal(%s) = true", s)
		}
	}
}

func TestTargets(t *testing.T) {
	t.Parallel()
	tests := []struct {
		from  domain.TicketStatus
		actor Actor
		want  []domain.TicketStatus
	}{
		{nw, ActorPartner, []domain.TicketStatus{cls}},
		{res, ActorPartner, []domain.TicketStatus{inp, cls}},
		{nw, ActorAgent, []domain.TicketStatus{inp}},
		{inp, ActorAgent, []domain.TicketStatus{wop, res}},
		{wop, ActorAgent, []domain.TicketStatus{inp, res}},
		{res, ActorAgent, []domain.TicketStatus{inp, cls}},
		{inp, ActorSystem, nil},
	}
	for _, tt := range tests {
		if got := Targets(tt.from, tt.actor); !slices.Equal(got, tt.want) {
			t.Errorf("Targets(%s, %s) = %v, want %v", tt.from, tt.actor, got, tt.want)
		}
	}
}

func TestActions(t *testing.T) {
	t.Parallel()
	type action struct {
		name string
		fn   func(domain.TicketStatus) (domain.TicketStatus, error)
	}
	close_ := action{"Close", Close}
	reopen := action{"Reopen", Reopen}
	ack := action{"Acknowledge", Acknowledge}
	tests := []struct {
		a       action
		from    domain.TicketStatus
		want    domain.TicketStatus // "" when illegal
		message string              // substring of the error
	}{
		{close_, nw, cls, ""},
		{close_, inp, cls, ""},
		{close_, wop, cls, ""},
		{close_, res, cls, ""},
		{close_, cls, "", "already CLOSED"},
		{reopen, res, inp, ""},
		{reopen, nw, "", "it is NEW; only a RESOLVED ticket can be reopened"},
		{reopen, inp, "", "it is IN_PROGRESS"},
		{reopen, wop, "", "it is WAITING_ON_PARTNER"},
		{reopen, cls, "", "it is CLOSED"},
		{ack, nw, inp, ""},
		{ack, inp, "", "it is IN_PROGRESS; only a NEW ticket can be acknowledged"},
		{ack, wop, "", "it is WAITING_ON_PARTNER"},
		{ack, res, "", "it is RESOLVED"},
		{ack, cls, "", "it is CLOSED"},
	}
	for _, tt := range tests {
		t.Run(tt.a.name+"/"+string(tt.from), func(t *testing.T) {
			got, err := tt.a.fn(tt.from)
			if tt.want != "" {
				if err != nil || got != tt.want {
					t.Fatalf("= %s, %v; want %s", got, err, tt.want)
				}
				return
			}
			if err == nil || !errors.Is(err, ErrIllegalTransition) || !strings.Contains(err.Error(), tt.message) {
				t.Fatalf("error = %v, want one containing %q", err, tt.message)
			}
			if got != tt.from {
				t.Errorf("status after a refusal = %s, want it unchanged (%s)", got, tt.from)
			}
		})
	}
}

func TestSetStatus(t *testing.T) {
	t.Parallel()
	for _, from := range Statuses {
		for _, to := range Statuses {
			got, err := SetStatus(from, to)
			want := allowed[triple{from, to, ActorAgent}]
			if want && (err != nil || got != to) {
				t.Errorf("SetStatus(%s, %s) = %s, %v; want %s", from, to, got, err, to)
			}
			if !want {
				var ite *IllegalTransitionError
				if !errors.As(err, &ite) || ite.Actor != ActorAgent || ite.Action != ActionSetStatus || got != from {
					t.Errorf("SetStatus(%s, %s) = %s, %v; want an agent IllegalTransitionError", from, to, got, err)
				}
			}
		}
	}
}

func TestErrorMessages(t *testing.T) {
	t.Parallel()
	tests := []struct {
		err  error
		want string
	}{
		{Transition(cls, inp, ActorPartner), "cannot move the ticket to IN_PROGRESS: it is CLOSED, which is final"},
		{Transition(inp, inp, ActorAgent), "cannot move the ticket to IN_PROGRESS: it is already IN_PROGRESS"},
		{Transition(inp, res, ActorPartner), "cannot move the ticket to RESOLVED: it is IN_PROGRESS, and a partner may not make that change"},
		{Transition(nw, res, ActorAgent), "cannot move the ticket to RESOLVED: it is NEW, and an agent may not make that change"},
		{Transition(nw, inp, ActorSystem), "cannot move the ticket to IN_PROGRESS: it is NEW, and the system may not make that change"},
	}
	for _, tt := range tests {
		if tt.err == nil || tt.err.Error() != tt.want {
			t.Errorf("error = %v, want %q", tt.err, tt.want)
		}
	}
}
