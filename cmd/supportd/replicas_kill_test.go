package main

import (
	"context"
	"math"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/supportd/supportd/client"
	supportv1 "github.com/supportd/supportd/gen/support/v1"
)

// TestReplicasSurviveAKilledReplica files tickets through three replicas
// from concurrent clients, with watchers roaming between them, and kills
// one replica with SIGKILL in the middle. Then: every create acknowledged
// before the kill is read on another replica; each create the kill cut
// off, retried with its request id on a survivor (twice), files exactly
// one ticket; the survivors' writers never failed; the watchers, whose
// streams on the killed replica broke, resume on the survivors with their
// tokens and miss nothing; and the killed replica, restarted, serves
// again (a ticket filed on it is read elsewhere, watchers resume on it).
func TestReplicasSurviveAKilledReplica(t *testing.T) {
	const (
		replicas      = 3
		writersPer    = 3  // per replica
		killAfterAcks = 90 // creates acknowledged before the kill
		victim        = 1
	)
	s := startReplicas(t, replicas, "")
	start, token := watchStart(t, s)
	ws := roamers(s)
	var killed atomic.Bool
	for _, w := range ws {
		w.alive = func(r int) bool { return r != victim || !killed.Load() }
	}
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	stop := startRoaming(t, ws, token, seed)
	defer stop()
	// One more watcher stays on the victim until the kill breaks its
	// stream, then resumes on a survivor with its token.
	pinned := newRoamer("watcher on the killed replica", replicas, ws[0].open)
	pinned.alive = ws[0].alive
	broken := make(chan struct{})
	var brokenOnce sync.Once
	pctx, pcancel := context.WithCancel(t.Context())
	defer pcancel()
	pinnedWatch := s.partner(victim).WatchTickets(pctx, "", token, client.OnReconnect(func(int, time.Duration, error) {
		brokenOnce.Do(func() { close(broken) })
	}))
	pinnedDone := make(chan struct{})
	go func() {
		defer close(pinnedDone)
		for ev, err := range pinnedWatch.Events() {
			if err != nil {
				return
			}
			pinned.record(ev)
		}
	}()

	type create struct {
		replica   int
		requestID string
	}
	var (
		mu      sync.Mutex
		acked   = map[string]string{} // request id -> ticket id
		ackedBy = map[string]int{}    // request id -> replica that answered
		cutOff  []create
		acks    atomic.Int64
		kill    = make(chan struct{}) // killAfterAcks creates acknowledged
		enough  = make(chan struct{}) // killAfterAcks more after the kill
		// enoughAt is the count of acknowledged creates that closes
		// enough: set at the kill, unreachable before.
		enoughAt   atomic.Int64
		enoughOnce sync.Once
		done       = make(chan struct{})
		wg         sync.WaitGroup
	)
	enoughAt.Store(math.MaxInt64)
	ctx := t.Context()
	for r := range replicas {
		c := s.partner(r)
		for range writersPer {
			wg.Go(func() {
				for {
					select {
					case <-done:
						return
					default:
					}
					rid := uuid.NewString()
					tk, err := c.CreateTicket(ctx, crashFiling(rid))
					mu.Lock()
					if err == nil {
						acked[rid], ackedBy[rid] = tk.GetId(), r
					} else {
						cutOff = append(cutOff, create{r, rid})
					}
					mu.Unlock()
					if err != nil {
						if r != victim || !killed.Load() {
							t.Errorf("create on replica %d: %v", r, err)
						}
						return
					}
					n := acks.Add(1)
					if n == killAfterAcks {
						close(kill)
					}
					if n >= enoughAt.Load() {
						enoughOnce.Do(func() { close(enough) })
					}
				}
			})
		}
	}
	select {
	case <-kill:
	case <-time.After(2 * time.Minute):
		t.Errorf("only %d creates acknowledged in 2 minutes", acks.Load())
	}
	// The pinned watcher must be mid-stream when the kill breaks it, so
	// that it resumes from a token of its own. Its stream is established
	// and fed concurrently with the writers: on a loaded machine it may
	// not have received anything yet after killAfterAcks creates, so wait
	// (the writers go on) for its first event.
	firstEvent, cancelFirst := context.WithTimeout(ctx, 2*time.Minute)
	err := pinned.waitFor(firstEvent, start+1)
	cancelFirst()
	if err != nil {
		t.Fatalf("before the kill, the watcher on replica %d: %v", victim, err)
	}
	// Marked before the kill: a call it cuts off is expected to fail.
	killed.Store(true)
	killTime := time.Now()
	s.replicas[victim].kill()
	// The survivors go on for killAfterAcks more creates, however many
	// were acknowledged while waiting for the watcher.
	enoughAt.Store(acks.Load() + killAfterAcks)
	select {
	case <-broken:
	case <-time.After(time.Minute):
		t.Fatal("the kill did not break the stream on the killed replica")
	}
	pcancel()
	<-pinnedDone
	t.Logf("the watcher on the killed replica had received up to sequence %d: resuming on replica %d", pinned.last.Load(), (victim+1)%replicas)
	pinnedStopped := make(chan struct{})
	rctx, stopPinned := context.WithCancel(ctx)
	defer stopPinned()
	go func() {
		defer close(pinnedStopped)
		pinned.run(rctx, t, rand.New(rand.NewPCG(seed, 99)), (victim+1)%replicas, pinnedWatch.ResumeToken())
	}()
	ws = append(ws, pinned)
	// The survivors go on for killAfterAcks more creates, then all stop.
	select {
	case <-enough:
	case <-time.After(2 * time.Minute):
		t.Errorf("only %d creates acknowledged in 2 minutes", acks.Load())
	}
	close(done)
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	t.Logf("%d creates acknowledged, %d cut off by the kill", len(acked), len(cutOff))

	// Every acknowledged create is there, read through another replica.
	survivors := []int{}
	for r := range replicas {
		if r != victim {
			survivors = append(survivors, r)
		}
	}
	readers := map[int]*client.Client{}
	for _, r := range survivors {
		readers[r] = s.partner(r)
	}
	for rid, id := range acked {
		r := survivors[0]
		if ackedBy[rid] == r {
			r = survivors[1]
		}
		tk, err := readers[r].GetTicket(ctx, id)
		if err != nil || tk.GetTitle() != "crash "+rid {
			t.Fatalf("ticket %s acknowledged by replica %d, read on replica %d: %q, %v", id, ackedBy[rid], r, tk.GetTitle(), err)
		}
	}
	// Each cut-off create, retried on a survivor, files one ticket.
	retried := map[string]string{}
	committedBefore := 0
	for i, c := range cutOff {
		r := survivors[i%len(survivors)]
		var first string
		for attempt := range 2 {
			tk, err := readers[r].CreateTicket(ctx, crashFiling(c.requestID))
			if err != nil {
				t.Fatalf("retry %d of a create cut off on replica %d, on replica %d: %v", attempt, c.replica, r, err)
			}
			if attempt == 0 {
				first = tk.GetId()
				if tk.GetCreateTime().AsTime().Before(killTime) {
					committedBefore++ // committed, its answer lost with the replica
				}
			} else if tk.GetId() != first {
				t.Fatalf("request %s filed twice: %s and %s", c.requestID, first, tk.GetId())
			}
		}
		retried[c.requestID] = first
	}
	t.Logf("of the %d creates cut off, %d had committed before the kill", len(cutOff), committedBefore)
	perRequest := map[string]int{}
	for tk, err := range readers[survivors[0]].AllTickets(ctx, &supportv1.ListTicketsRequest{CustomerId: "litware"}) {
		if err != nil {
			t.Fatal(err)
		}
		if rid, ok := strings.CutPrefix(tk.GetTitle(), "crash "); ok {
			perRequest[rid]++
		}
	}
	for rid, n := range perRequest {
		_, a := acked[rid]
		_, r := retried[rid]
		if n != 1 || !(a || r) {
			t.Errorf("request %s: %d tickets (acknowledged %v, retried %v)", rid, n, a, r)
		}
	}

	// The killed replica comes back and serves: a ticket filed on it is
	// read on another, and the watchers may roam onto it again.
	s.restart(victim)
	killed.Store(false)
	tk, err := s.partner(victim).CreateTicket(ctx, crashFiling(uuid.NewString()))
	if err != nil {
		t.Fatalf("create on the restarted replica: %v", err)
	}
	if _, err := readers[survivors[0]].GetTicket(ctx, tk.GetId()); err != nil {
		t.Fatalf("ticket filed on the restarted replica, read on replica %d: %v", survivors[0], err)
	}

	last := s.lastSequence()
	var want []int64
	for _, e := range s.events(start) {
		want = append(want, e.Sequence)
	}
	wait, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	for _, w := range ws {
		if err := w.waitFor(wait, last); err != nil {
			t.Error(err)
		}
	}
	stop()
	stopPinned()
	<-pinnedStopped
	for _, w := range ws {
		w.check(t, want)
	}
}
