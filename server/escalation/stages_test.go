package escalation_test

import (
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/supportd/supportd/server/domain"
	"github.com/supportd/supportd/server/escalation"
)

var (
	created = time.Date(2026, time.March, 2, 10, 0, 0, 0, time.UTC)
	warnAt  = created.Add(90 * time.Minute) // 75 % of a 2 h target
	dueAt   = created.Add(2 * time.Hour)
)

// fresh is a NEW ticket whose SLA clock runs, at escalation level 0.
func fresh() domain.Ticket {
	return domain.Ticket{
		ID: "t1", Status: domain.StatusNew, Queue: domain.QueueAzure, SLAState: domain.SLARunning,
		CreateTime: created, WarnTime: warnAt, ResponseDueTime: dueAt, ResponseTarget: 2 * time.Hour,
	}
}

func TestAdvance(t *testing.T) {
	t.Parallel()
	warned := func(tk *domain.Ticket) { tk.SLAState = domain.SLAWarning }
	tests := []struct {
		name   string
		setup  func(*domain.Ticket)
		now    time.Time
		want   []escalation.Stage
		state  domain.SLAState
		level  int
		dmTier bool
	}{
		{name: "before the warning", now: warnAt.Add(-time.Nanosecond), state: domain.SLARunning},
		{name: "at the warning instant exactly", now: warnAt,
			want: []escalation.Stage{domain.EventSLAWarning}, state: domain.SLAWarning},
		{name: "between warning and deadline", now: dueAt.Add(-time.Nanosecond),
			want: []escalation.Stage{domain.EventSLAWarning}, state: domain.SLAWarning},
		{name: "warned, just before the deadline", setup: warned, now: dueAt.Add(-time.Nanosecond), state: domain.SLAWarning},
		{name: "warned, at the deadline exactly", setup: warned, now: dueAt,
			want:  []escalation.Stage{domain.EventSLABreached, domain.EventEscalated},
			state: domain.SLABreached, level: 1, dmTier: true},
		{name: "both past at once: warning, breach, escalation in order", now: dueAt,
			want:  []escalation.Stage{domain.EventSLAWarning, domain.EventSLABreached, domain.EventEscalated},
			state: domain.SLABreached, level: 1, dmTier: true},
		{name: "long after the deadline", now: dueAt.Add(72 * time.Hour),
			want:  []escalation.Stage{domain.EventSLAWarning, domain.EventSLABreached, domain.EventEscalated},
			state: domain.SLABreached, level: 1, dmTier: true},
		{name: "escalation adds to a partner's escalation",
			setup: func(tk *domain.Ticket) { tk.EscalationLevel = 2 }, now: dueAt,
			want:  []escalation.Stage{domain.EventSLAWarning, domain.EventSLABreached, domain.EventEscalated},
			state: domain.SLABreached, level: 3, dmTier: true},
		{name: "a running clock on an IN_PROGRESS ticket still advances",
			setup: func(tk *domain.Ticket) { tk.Status = domain.StatusWaitingOnPartner }, now: warnAt,
			want: []escalation.Stage{domain.EventSLAWarning}, state: domain.SLAWarning},
		{name: "after the first response",
			setup: func(tk *domain.Ticket) {
				tk.Status, tk.FirstResponseTime, tk.SLAState = domain.StatusInProgress, created.Add(time.Minute), domain.SLAMet
			},
			now: dueAt.Add(time.Hour), state: domain.SLAMet},
		{name: "first response given, state left running",
			setup: func(tk *domain.Ticket) { tk.FirstResponseTime = created.Add(time.Minute) },
			now:   dueAt.Add(time.Hour), state: domain.SLARunning},
		{name: "resolved", setup: func(tk *domain.Ticket) { tk.Status = domain.StatusResolved },
			now: dueAt.Add(time.Hour), state: domain.SLARunning},
		{name: "closed", setup: func(tk *domain.Ticket) { tk.Status = domain.StatusClosed },
			now: dueAt.Add(time.Hour), state: domain.SLARunning},
		{name: "closed while warned", setup: func(tk *domain.Ticket) { tk.Status, tk.SLAState = domain.StatusClosed, domain.SLAWarning },
			now: dueAt.Add(time.Hour), state: domain.SLAWarning},
		{name: "already breached",
			setup: func(tk *domain.Ticket) {
				tk.SLAState, tk.EscalationLevel, tk.DutyManagerTier = domain.SLABreached, 1, true
			},
			now: dueAt.Add(time.Hour), state: domain.SLABreached, level: 1, dmTier: true},
		{name: "met", setup: func(tk *domain.Ticket) { tk.SLAState = domain.SLAMet },
			now: dueAt.Add(time.Hour), state: domain.SLAMet},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tk := fresh()
			if tc.setup != nil {
				tc.setup(&tk)
			}
			before := tk
			got := escalation.Advance(&tk, tc.now)
			if !slices.Equal(got, tc.want) {
				t.Fatalf("Advance = %v, want %v", got, tc.want)
			}
			if tk.SLAState != tc.state || tk.EscalationLevel != tc.level || tk.DutyManagerTier != tc.dmTier {
				t.Fatalf("after Advance: state %s level %d duty-manager %v, want %s %d %v",
					tk.SLAState, tk.EscalationLevel, tk.DutyManagerTier, tc.state, tc.level, tc.dmTier)
			}
			// Nothing but the SLA fields changes.
			rest := tk
			rest.SLAState, rest.EscalationLevel, rest.DutyManagerTier = before.SLAState, before.EscalationLevel, before.DutyManagerTier
			if !reflect.DeepEqual(rest, before) {
				t.Fatalf("Advance changed more than the SLA stage: %+v, was %+v", tk, before)
			}
			// A second call at the same instant fires nothing new.
			if again := escalation.Advance(&tk, tc.now); len(again) != 0 {
				t.Fatalf("Advance called twice at %v fired %v the second time", tc.now, again)
			}
		})
	}
}

// TestAdvanceExactlyOnce walks a ticket through time: each stage fires
// once, in order, however often Advance is called.
func TestAdvanceExactlyOnce(t *testing.T) {
	t.Parallel()
	tk := fresh()
	var fired []escalation.Stage
	for now := created; !now.After(dueAt.Add(2 * time.Hour)); now = now.Add(time.Minute) {
		for range 3 {
			fired = append(fired, escalation.Advance(&tk, now)...)
		}
		if now.Equal(warnAt) && !slices.Equal(fired, []escalation.Stage{domain.EventSLAWarning}) {
			t.Fatalf("at the warning instant fired %v", fired)
		}
	}
	want := []escalation.Stage{domain.EventSLAWarning, domain.EventSLABreached, domain.EventEscalated}
	if !slices.Equal(fired, want) {
		t.Fatalf("fired %v, want %v", fired, want)
	}
	if tk.EscalationLevel != 1 || !tk.DutyManagerTier || tk.SLAState != domain.SLABreached {
		t.Fatalf("ticket after the walk: %+v", tk)
	}
	if _, pending := tk.NextEscalation(); pending {
		t.Fatal("a breached ticket still has a pending escalation")
	}
}

// TestAdvanceNextEscalation checks that the instant the store indexes
// (NextEscalation) is exactly the instant at which Advance fires.
func TestAdvanceNextEscalation(t *testing.T) {
	t.Parallel()
	tk := fresh()
	for _, want := range []time.Time{warnAt, dueAt} {
		at, ok := tk.NextEscalation()
		if !ok || !at.Equal(want) {
			t.Fatalf("NextEscalation = %v, %v; want %v", at, ok, want)
		}
		if got := escalation.Advance(&tk, at.Add(-time.Nanosecond)); len(got) != 0 {
			t.Fatalf("fired %v before its instant", got)
		}
		if got := escalation.Advance(&tk, at); len(got) == 0 {
			t.Fatalf("nothing fired at the instant %v", at)
		}
	}
}
