package main

import (
	"context"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/supportd/supportd/client"

	"github.com/supportd/supportd/server/domain"
)

// slaConfig makes English severity-B tickets (24x7) breach 2 seconds after
// they are filed, the warning at 1 second, and every replica sweep every
// 20 ms: three replicas sweep the same due tickets at once.
const slaConfig = `response_targets:
  B: 2s
escalation:
  warn_at: 0.5
  check_interval: 20ms
`

// TestReplicasFireEachSLAStageOnce files tickets on three replicas that
// all sweep often, while partner notes change the same tickets through
// every replica, and lets their response deadline pass: each ticket gets
// SLA_WARNING, SLA_BREACHED and ESCALATED exactly once, and watchers
// roaming between replicas see each of them once, in order.
func TestReplicasFireEachSLAStageOnce(t *testing.T) {
	const replicas, tickets = 3, 24
	s := startReplicas(t, replicas, slaConfig)
	start, token := watchStart(t, s)
	ws := roamers(s)
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	stop := startRoaming(t, ws, token, seed)
	defer stop()

	ctx := t.Context()
	partners := make([]*client.Client, replicas)
	for i := range partners {
		partners[i] = s.partner(i)
	}
	var wg sync.WaitGroup
	ids := make([]string, tickets)
	for i := range tickets {
		wg.Go(func() {
			tk, err := partners[i%replicas].CreateTicket(ctx, crashFiling(uuid.NewString()))
			if err != nil {
				t.Errorf("create on replica %d: %v", i%replicas, err)
				return
			}
			ids[i] = tk.GetId()
		})
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	// Notes from every replica while the stages come due: the sweeps
	// and the notes change the same tickets at once.
	escalated := waitEscalated(t, s, ids, func(rng *rand.Rand) {
		r := rng.IntN(replicas)
		if _, err := partners[r].AddTicketNote(ctx, ids[rng.IntN(tickets)], "any news?"); err != nil {
			t.Errorf("note on replica %d: %v", r, err)
		}
	}, seed)
	if !escalated {
		t.Fatalf("not every ticket escalated:\n%s", s.logs())
	}
	// A last ticket, filed after, escalated too: every replica has swept
	// many times since the stages fired, and fired nothing more.
	last, err := partners[0].CreateTicket(ctx, crashFiling(uuid.NewString()))
	if err != nil {
		t.Fatal(err)
	}
	if !waitEscalated(t, s, []string{last.GetId()}, nil, seed) {
		t.Fatalf("the last ticket did not escalate:\n%s", s.logs())
	}

	stages := map[string]map[domain.EventType]int{}
	var want []int64
	for _, e := range s.events(start) {
		want = append(want, e.Sequence)
		switch e.Type {
		case domain.EventSLAWarning, domain.EventSLABreached, domain.EventEscalated:
			if stages[e.TicketID] == nil {
				stages[e.TicketID] = map[domain.EventType]int{}
			}
			stages[e.TicketID][e.Type]++
		}
	}
	for _, id := range append(ids, last.GetId()) {
		for _, st := range []domain.EventType{domain.EventSLAWarning, domain.EventSLABreached, domain.EventEscalated} {
			if n := stages[id][st]; n != 1 {
				t.Errorf("ticket %s: %d %s events, want 1", id, n, st)
			}
		}
	}
	wait, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	for _, w := range ws {
		if err := w.waitFor(wait, want[len(want)-1]); err != nil {
			t.Error(err)
		}
	}
	stop()
	for _, w := range ws {
		w.check(t, want)
	}
}

// waitEscalated waits (at most a minute) until every ticket of ids has
// an ESCALATED event in the database, calling meanwhile (when not nil)
// at each check; it reports whether they all did.
func waitEscalated(t *testing.T, s *replicaSet, ids []string, meanwhile func(*rand.Rand), seed uint64) bool {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 7))
	deadline := time.Now().Add(time.Minute)
	for {
		done := map[string]bool{}
		for _, e := range s.events(0) {
			if e.Type == domain.EventEscalated {
				done[e.TicketID] = true
			}
		}
		all := true
		for _, id := range ids {
			all = all && done[id]
		}
		if all {
			return true
		}
		if time.Now().After(deadline) {
			t.Errorf("%d of %d tickets escalated within a minute", len(done), len(ids))
			return false
		}
		if meanwhile != nil {
			meanwhile(rng)
		} else {
			time.Sleep(20 * time.Millisecond) // bounded poll of the database
		}
	}
}
