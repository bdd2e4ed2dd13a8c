package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/supportd/supportd/client"
	supportv1 "github.com/supportd/supportd/gen/support/v1"
)

// roamer is a watcher that hops between replicas: it follows a stream on
// one replica for a random while, cancels it, and resumes with the last
// resume token on another replica. It records every event it is given.
type roamer struct {
	name  string
	open  func(replica int, ctx context.Context, token string) *client.Watch
	n     int // replicas to roam over
	alive func(replica int) bool

	mu       sync.Mutex
	seqs     []int64 // sequences received, in order
	hops     int
	last     atomic.Int64
	progress chan struct{} // cap 1: an event arrived
	ended    chan struct{} // closed when run returns
}

func newRoamer(name string, replicas int, open func(int, context.Context, string) *client.Watch) *roamer {
	return &roamer{name: name, open: open, n: replicas, progress: make(chan struct{}, 1), ended: make(chan struct{}),
		alive: func(int) bool { return true }}
}

// run follows the log from token, starting on replica first, until ctx
// ends; a stream that fails otherwise than by a cancellation fails t.
func (w *roamer) run(ctx context.Context, t *testing.T, rng *rand.Rand, first int, token string) {
	defer close(w.ended)
	at := first
	for ctx.Err() == nil {
		token = w.follow(ctx, t, rng, at, token)
		if token == "" {
			return
		}
		// Resume on another replica that runs.
		next := at
		for next == at || !w.alive(next) {
			next = rng.IntN(w.n)
		}
		at = next
		w.mu.Lock()
		w.hops++
		w.mu.Unlock()
	}
}

// follow runs one stream on replica at and returns the token to resume
// from ("" when the watch failed or ctx ended). The stream is cancelled
// after a random number of events (0: at once) or at a random instant,
// whichever comes first: a cancellation can cut the stream anywhere.
func (w *roamer) follow(ctx context.Context, t *testing.T, rng *rand.Rand, at int, token string) string {
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	events := rng.IntN(25)
	if events == 0 {
		cancel()
	}
	stop := time.AfterFunc(time.Duration(rng.IntN(300))*time.Millisecond, cancel)
	defer stop.Stop()
	watch := w.open(at, sctx, token)
	got := 0
	for ev, err := range watch.Events() {
		if err != nil {
			if ctx.Err() != nil {
				return ""
			}
			if sctx.Err() != nil {
				break // our own cancellation
			}
			t.Errorf("%s on replica %d: %v", w.name, at, err)
			return ""
		}
		w.record(ev)
		if got++; got == events {
			break
		}
	}
	return watch.ResumeToken()
}

// record notes an event received.
func (w *roamer) record(ev *supportv1.TicketEvent) {
	w.mu.Lock()
	w.seqs = append(w.seqs, ev.GetSequence())
	w.mu.Unlock()
	w.last.Store(ev.GetSequence())
	select {
	case w.progress <- struct{}{}:
	default:
	}
}

// waitFor waits until the roamer received sequence last, ended, or ctx
// ended.
func (w *roamer) waitFor(ctx context.Context, last int64) error {
	for w.last.Load() < last {
		select {
		case <-w.progress:
		case <-w.ended:
			return fmt.Errorf("%s ended at sequence %d, want %d", w.name, w.last.Load(), last)
		case <-ctx.Done():
			return fmt.Errorf("%s received up to sequence %d, want %d", w.name, w.last.Load(), last)
		}
	}
	return nil
}

// check fails t unless the roamer received exactly the sequences want,
// once each, in order.
func (w *roamer) check(t *testing.T, want []int64) {
	t.Helper()
	w.mu.Lock()
	defer w.mu.Unlock()
	if !slices.Equal(w.seqs, want) {
		t.Errorf("%s (%d hops) received %d events, want %d:\n%s", w.name, w.hops, len(w.seqs), len(want), seqDiff(w.seqs, want))
		return
	}
	t.Logf("%s: %d events once each, in order, over %d hops between replicas", w.name, len(w.seqs), w.hops)
}

// seqDiff describes how got departs from want: the first position where
// they differ, duplicates and missing sequences.
func seqDiff(got, want []int64) string {
	i := 0
	for i < len(got) && i < len(want) && got[i] == want[i] {
		i++
	}
	seen := map[int64]int{}
	var dups, missing []int64
	for _, s := range got {
		if seen[s]++; seen[s] == 2 {
			dups = append(dups, s)
		}
	}
	for _, s := range want {
		if seen[s] == 0 {
			missing = append(missing, s)
		}
	}
	return fmt.Sprintf("first difference at index %d; duplicates %v; missing %v", i, dups, missing)
}

// watchStart files a barrier ticket on replica 0 and returns the
// sequence and resume token of its CREATED event: watchers started from
// that token must see exactly the events after it.
func watchStart(t *testing.T, s *replicaSet) (int64, string) {
	t.Helper()
	c := s.partner(0)
	barrier := crashFiling(uuid.NewString())
	barrier.Title = "barrier" // not one of the tests' creates
	tk, err := c.CreateTicket(t.Context(), barrier)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	for ev, err := range c.WatchTicket(ctx, tk.GetId(), "").Events() {
		if err != nil {
			t.Fatalf("watching the barrier ticket: %v", err)
		}
		return ev.GetSequence(), ev.GetResumeToken()
	}
	panic("unreachable")
}

// roamers returns, for each replica, a partner watcher (WatchTickets)
// and an agent watcher (WatchQueueTickets, every queue), which then roam.
func roamers(s *replicaSet) []*roamer {
	n := len(s.replicas)
	partners, agents := make([]*client.Client, n), make([]*client.Agent, n)
	for i := range n {
		partners[i], agents[i] = s.partner(i), s.agent(i)
	}
	var out []*roamer
	for i := range n {
		out = append(out,
			newRoamer(fmt.Sprintf("partner watcher %d", i), n, func(r int, ctx context.Context, token string) *client.Watch {
				return partners[r].WatchTickets(ctx, "", token)
			}),
			newRoamer(fmt.Sprintf("agent watcher %d", i), n, func(r int, ctx context.Context, token string) *client.Watch {
				return agents[r].WatchQueueTickets(ctx, supportv1.Queue_QUEUE_UNSPECIFIED, token)
			}))
	}
	return out
}

// startRoaming runs the roamers from token, roamer k starting on replica
// k/2 (two per replica); stop ends them and waits.
func startRoaming(t *testing.T, ws []*roamer, token string, seed uint64) (stop func()) {
	ctx, cancel := context.WithCancel(t.Context())
	var wg sync.WaitGroup
	for k, w := range ws {
		wg.Go(func() { w.run(ctx, t, rand.New(rand.NewPCG(seed, uint64(k))), k/2, token) })
	}
	return func() {
		cancel()
		wg.Wait()
	}
}

// TestReplicasWatchersSeeEveryEventOnce runs three replicas over one
// PostgreSQL database with concurrent clients writing through all of them
// (creates with request ids, partner notes, agent notes and status
// changes, on shared tickets, so that replicas change the same ticket at
// once), while on each replica a partner watcher (WatchTickets) and an
// agent watcher (WatchQueueTickets) follow the log, cancel at random
// points and resume with their last token on another replica. Each
// watcher must receive every committed event exactly once, in sequence
// order, with no gap; the log itself must be gap-free.
func TestReplicasWatchersSeeEveryEventOnce(t *testing.T) {
	const (
		replicas = 3
		writers  = 6  // concurrent writing clients
		ops      = 25 // operations per writer
	)
	s := startReplicas(t, replicas, "")
	start, token := watchStart(t, s)
	ws := roamers(s)
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	stop := startRoaming(t, ws, token, seed)
	defer stop()

	runWriters(t, s, writers, ops, seed)
	last := s.lastSequence()
	want := make([]int64, 0, last-start)
	for _, e := range s.events(start) {
		want = append(want, e.Sequence)
	}
	wait, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	for _, w := range ws {
		if err := w.waitFor(wait, last); err != nil {
			t.Error(err)
		}
	}
	stop()
	for _, w := range ws {
		w.check(t, want)
	}
	if t.Failed() {
		t.Log(s.logs())
	}
}

// runWriters runs writers concurrent clients, each making ops random
// changes through random replicas: file a ticket (with a request id), add
// a partner note or an agent note to any writer's ticket, acknowledge one
// of its own tickets or move it between IN_PROGRESS and
// WAITING_ON_PARTNER (each writer changes the status of its own tickets
// only, so that every call is legal). Every call must succeed: a change
// that a caller did not condition on a version must not be refused
// because another replica changed the same ticket at the same time.
func runWriters(t *testing.T, s *replicaSet, writers, ops int, seed uint64) {
	t.Helper()
	n := len(s.replicas)
	partners, agents := make([]*client.Client, n), make([]*client.Agent, n)
	for i := range n {
		partners[i], agents[i] = s.partner(i), s.agent(i)
	}
	var (
		mu      sync.Mutex
		tickets []string
		wg      sync.WaitGroup
	)
	pick := func(rng *rand.Rand) string {
		mu.Lock()
		defer mu.Unlock()
		return tickets[rng.IntN(len(tickets))]
	}
	ctx := t.Context()
	for w := range writers {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(seed, uint64(1000+w)))
			mine := map[string]supportv1.TicketStatus{} // this writer's tickets
			var own []string
			for i := range ops {
				r := rng.IntN(n)
				var err error
				what := "CreateTicket"
				switch op := rng.IntN(4); {
				case i == 0 || op == 0: // first, so that the pool is never empty
					var tk *supportv1.Ticket
					if tk, err = partners[r].CreateTicket(ctx, crashFiling(uuid.NewString())); err == nil {
						mine[tk.GetId()] = supportv1.TicketStatus_TICKET_STATUS_NEW
						own = append(own, tk.GetId())
						mu.Lock()
						tickets = append(tickets, tk.GetId())
						mu.Unlock()
					}
				case op == 1:
					what = "AddTicketNote"
					_, err = partners[r].AddTicketNote(ctx, pick(rng), fmt.Sprintf("partner note %d/%d", w, i))
				case op == 2:
					what = "AddAgentNote"
					_, err = agents[r].AddAgentNote(ctx, pick(rng), fmt.Sprintf("agent note %d/%d", w, i))
				default:
					id := own[rng.IntN(len(own))]
					switch mine[id] {
					case supportv1.TicketStatus_TICKET_STATUS_NEW:
						what = "AcknowledgeTicket"
						_, err = agents[r].AcknowledgeTicket(ctx, id, "on it")
						mine[id] = supportv1.TicketStatus_TICKET_STATUS_IN_PROGRESS
					case supportv1.TicketStatus_TICKET_STATUS_IN_PROGRESS:
						what = "SetTicketStatus"
						_, err = agents[r].SetTicketStatus(ctx, id, supportv1.TicketStatus_TICKET_STATUS_WAITING_ON_PARTNER, "")
						mine[id] = supportv1.TicketStatus_TICKET_STATUS_WAITING_ON_PARTNER
					default:
						what = "SetTicketStatus"
						_, err = agents[r].SetTicketStatus(ctx, id, supportv1.TicketStatus_TICKET_STATUS_IN_PROGRESS, "")
						mine[id] = supportv1.TicketStatus_TICKET_STATUS_IN_PROGRESS
					}
				}
				if err != nil {
					t.Errorf("writer %d, %s on replica %d: %v", w, what, r, err)
				}
			}
		})
	}
	wg.Wait()
}
