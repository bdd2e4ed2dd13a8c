package domain

import (
	"testing"
	"time"
)

// TestTicketStatusIsOpen is the table of every status (and values that
// are not statuses): the one definition of an open ticket.
func TestTicketStatusIsOpen(t *testing.T) {
	t.Parallel()
	tests := []struct {
		status TicketStatus
		open   bool
	}{
		{StatusNew, true},
		{StatusInProgress, true},
		{StatusWaitingOnPartner, true},
		{StatusResolved, false},
		{StatusClosed, false},
		{"", false},
		{"BOGUS", false},
		{"new", false},
	}
	for _, tc := range tests {
		if got := tc.status.IsOpen(); got != tc.open {
			t.Errorf("%q.IsOpen() = %v, want %v", tc.status, got, tc.open)
		}
	}
}

// TestNextEscalationFollowsIsOpen checks that an automatic stage is
// pending exactly for open tickets without a first response whose SLA
// clock runs or warned.
func TestNextEscalationFollowsIsOpen(t *testing.T) {
	t.Parallel()
	warn := time.Unix(1_780_000_000, 0).UTC()
	due := warn.Add(time.Hour)
	statuses := []TicketStatus{StatusNew, StatusInProgress, StatusWaitingOnPartner, StatusResolved, StatusClosed, "BOGUS"}
	states := map[SLAState]time.Time{SLARunning: warn, SLAWarning: due, SLABreached: {}, SLAMet: {}}
	for _, st := range statuses {
		for sla, wantAt := range states {
			for _, answered := range []bool{false, true} {
				tk := Ticket{Status: st, SLAState: sla, WarnTime: warn, ResponseDueTime: due}
				if answered {
					tk.FirstResponseTime = warn
				}
				wantOK := st.IsOpen() && !answered && !wantAt.IsZero()
				at, ok := tk.NextEscalation()
				if ok != wantOK || (ok && !at.Equal(wantAt)) {
					t.Errorf("status %s, SLA %s, answered %v: NextEscalation = %v, %v; want %v, %v", st, sla, answered, at, ok, wantAt, wantOK)
				}
			}
		}
	}
}
