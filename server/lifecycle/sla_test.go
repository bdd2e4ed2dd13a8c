package lifecycle

import (
	"testing"

	"github.com/supportd/supportd/server/domain"
)

// TestNextSLA is the table of every (state, trigger) pair: the legal SLA
// transitions and that every other pair changes nothing.
func TestNextSLA(t *testing.T) {
	t.Parallel()
	const (
		run  = domain.SLARunning
		warn = domain.SLAWarning
		brch = domain.SLABreached
		met  = domain.SLAMet
		none = domain.SLAState("") // no transition
	)
	want := map[domain.SLAState]map[SLATrigger]domain.SLAState{
		run:  {SLAWarningPassed: warn, SLADeadlinePassed: none, SLAWarningWithdrawn: none, SLARespondedInTime: met, SLARespondedLate: brch},
		warn: {SLAWarningPassed: none, SLADeadlinePassed: brch, SLAWarningWithdrawn: run, SLARespondedInTime: met, SLARespondedLate: brch},
		brch: {SLAWarningPassed: none, SLADeadlinePassed: none, SLAWarningWithdrawn: none, SLARespondedInTime: brch, SLARespondedLate: brch},
		met:  {SLAWarningPassed: none, SLADeadlinePassed: none, SLAWarningWithdrawn: none, SLARespondedInTime: none, SLARespondedLate: none},
		"":   {SLAWarningPassed: none, SLADeadlinePassed: none, SLAWarningWithdrawn: none, SLARespondedInTime: none, SLARespondedLate: none},
	}
	for _, from := range append(SLAStates, "") {
		for _, tr := range SLATriggers {
			w, listed := want[from][tr]
			if !listed {
				t.Fatalf("table misses (%s, %s)", from, tr)
			}
			got, ok := NextSLA(from, tr)
			switch {
			case w == none && (ok || got != from):
				t.Errorf("NextSLA(%q, %s) = %s, %v; want no transition (%q, false)", from, tr, got, ok, from)
			case w != none && (!ok || got != w):
				t.Errorf("NextSLA(%q, %s) = %s, %v; want %s, true", from, tr, got, ok, w)
			}
		}
	}
	if InitialSLA != run {
		t.Errorf("InitialSLA = %s, want RUNNING", InitialSLA)
	}
}
