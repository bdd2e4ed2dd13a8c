package api_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	supportv1 "github.com/supportd/supportd/gen/support/v1"
	"github.com/supportd/supportd/server/app"
	"github.com/supportd/supportd/server/domain"
	"github.com/supportd/supportd/server/internal/testserver"
	"github.com/supportd/supportd/server/store"
)

// Events of several tickets written concurrently arrive live, each once,
// in strictly increasing sequence, with the ticket after the change.
func TestWatchTicketsLiveOrder(t *testing.T) {
	s := startWatchServer(t)
	a := s.partner(t, "pa")
	w := s.watchTickets(t, a.key, &supportv1.WatchTicketsRequest{})
	start := s.LastSequence(t)
	if cp := w.checkpoint(t); cp.GetResumeToken() != s.token(start) {
		t.Fatalf("first checkpoint does not name the log's end %d", start)
	}

	const tickets, notes = 3, 4
	var wg sync.WaitGroup
	errs := make(chan error, tickets*(notes+1))
	for i := range tickets {
		customer := a.customer
		if i == 1 {
			customer = a.other
		}
		wg.Go(func() {
			id, err := s.createTicket(a, customer)
			if err != nil {
				errs <- err
				return
			}
			for n := range notes {
				if err := s.addNote(a, id, fmt.Sprintf("note %d", n)); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	want := s.ticketEvents(t, start, a.id, "", "")
	if len(want) != tickets*(notes+1) {
		t.Fatalf("log has %d ticket events, want %d", len(want), tickets*(notes+1))
	}
	got := w.events(t, len(want))
	s.checkEvents(t, got, want)
	for i := 1; i < len(got); i++ {
		if got[i].GetSequence() <= got[i-1].GetSequence() {
			t.Fatalf("sequence %d after %d", got[i].GetSequence(), got[i-1].GetSequence())
		}
	}
	// The ticket in each event is the ticket after that change.
	seen := map[string]int{}
	for _, e := range got {
		id := e.GetTicketId()
		if e.GetType() == supportv1.TicketEventType_TICKET_EVENT_TYPE_CREATED {
			if seen[id] != 0 {
				t.Fatalf("CREATED of %s after its notes", id)
			}
		} else if int(e.GetTicket().GetNoteCount()) != seen[id] {
			t.Fatalf("event %d: ticket %s has %d notes, want %d", e.GetSequence(), id, e.GetTicket().GetNoteCount(), seen[id])
		}
		seen[id]++
		if e.GetEventTime() == nil || e.GetActor() == "" {
			t.Fatalf("event %d without time or actor", e.GetSequence())
		}
	}
	w.nothingBefore(t, s.barrier(t, a, want[len(want)-1].TicketID))
}

// A partner never sees another partner's tickets, live or from a resume.
func TestWatchIsolation(t *testing.T) {
	s := startWatchServer(t)
	a := s.partner(t, "pa")
	b := s.partner(t, "pb")
	aTicket := s.mustTicket(t, a, "")
	s.mustNote(t, a, aTicket, "before")

	bLive := s.watchTickets(t, b.key, &supportv1.WatchTicketsRequest{})
	bLive.checkpoint(t)
	// From the start of the log: A's earlier events are skipped too.
	bAll := s.watchTickets(t, b.key, &supportv1.WatchTicketsRequest{ResumeToken: s.token(0)})
	bAll.checkpoint(t)
	aOther := s.watchTickets(t, a.key, &supportv1.WatchTicketsRequest{CustomerId: a.other})
	aOther.checkpoint(t)

	s.mustNote(t, a, aTicket, "after")
	otherTicket := s.mustTicket(t, a, a.other)
	bTicket := s.mustTicket(t, b, "")
	s.mustNote(t, b, bTicket, "b's note")
	s.mustNote(t, a, aTicket, "later")

	wantB := s.ticketEvents(t, 0, b.id, "", "")
	if len(wantB) != 2 {
		t.Fatalf("b has %d events, want 2", len(wantB))
	}
	wantOther := s.ticketEvents(t, 0, a.id, a.other, "")
	barB, barOther := s.barrier(t, b, bTicket), s.barrier(t, a, otherTicket)
	for _, w := range []*wStream{bLive, bAll} {
		s.checkEvents(t, w.events(t, 2), wantB)
		w.nothingBefore(t, barB)
	}
	// The customer filter: only the other customer's ticket.
	s.checkEvents(t, aOther.events(t, 1), wantOther)
	aOther.nothingBefore(t, barOther)

	// Another partner's ticket or customer is NOT_FOUND, like a missing one.
	for name, w := range map[string]*wStream{
		"WatchTicket of A's ticket by B":      s.watchTicket(t, b.key, &supportv1.WatchTicketRequest{TicketId: aTicket}),
		"WatchTicket of a missing ticket":     s.watchTicket(t, b.key, &supportv1.WatchTicketRequest{TicketId: "no-such-ticket"}),
		"WatchTickets of A's customer by B":   s.watchTickets(t, b.key, &supportv1.WatchTicketsRequest{CustomerId: a.customer}),
		"WatchTickets of a missing customer":  s.watchTickets(t, b.key, &supportv1.WatchTicketsRequest{CustomerId: "nobody"}),
		"WatchTicket of A's ticket by B, tok": s.watchTicket(t, b.key, &supportv1.WatchTicketRequest{TicketId: aTicket, ResumeToken: s.token(0)}),
	} {
		if err := w.fails(t, watchWait); code(err) != codes.NotFound {
			t.Errorf("%s: %v, want NOT_FOUND", name, err)
		}
	}
}

// WatchTicket without a token replays the ticket's history from CREATED,
// then a checkpoint, then follows it live.
func TestWatchTicketReplayThenLive(t *testing.T) {
	s := startWatchServer(t)
	a := s.partner(t, "pa")
	id := s.mustTicket(t, a, "")
	other := s.mustTicket(t, a, "")
	for i := range 5 {
		s.mustNote(t, a, id, fmt.Sprintf("note %d", i))
		s.mustNote(t, a, other, fmt.Sprintf("other %d", i))
	}
	w := s.watchTicket(t, a.key, &supportv1.WatchTicketRequest{TicketId: id})
	history := s.ticketEvents(t, 0, a.id, "", id)
	got := make([]*supportv1.TicketEvent, len(history))
	for i := range got {
		u := w.update(t)
		if u.GetEvent() == nil {
			t.Fatalf("checkpoint after %d of %d history events", i, len(history))
		}
		got[i] = u.GetEvent()
	}
	s.checkEvents(t, got, history)
	if got[0].GetType() != supportv1.TicketEventType_TICKET_EVENT_TYPE_CREATED {
		t.Fatalf("history starts with %v, want CREATED", got[0].GetType())
	}
	// The checkpoint names a position at or after the last history event
	// (the log's end, unless the hub has not been told of the last commit:
	// the store replies to a write before it notifies the hub).
	cp := w.checkpoint(t)
	named := false
	for q := history[len(history)-1].Sequence; q <= s.LastSequence(t); q++ {
		named = named || cp.GetResumeToken() == s.token(q)
	}
	if !named {
		t.Fatal("the checkpoint after the replay does not name a position after the history")
	}
	s.mustNote(t, a, other, "not this ticket")
	s.mustNote(t, a, id, "live")
	live := w.event(t)
	s.checkEvents(t, []*supportv1.TicketEvent{live}, s.ticketEvents(t, history[len(history)-1].Sequence, a.id, "", id))
	w.nothingBefore(t, s.barrier(t, a, id))
}

// Events committed while a WatchTicket replays arrive exactly once after
// the history: no gap and no repeat where the replay meets the live feed.
func TestWatchTicketReplaySeam(t *testing.T) {
	s := startWatchServer(t)
	a := s.partner(t, "pa")
	id := s.mustTicket(t, a, "")
	other := s.mustTicket(t, a, "")
	for i := range 30 {
		s.mustNote(t, a, id, fmt.Sprintf("before %d", i))
	}
	const live = 30
	for round := range 3 {
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		errs := make(chan error, 2*live)
		wg.Go(func() {
			for i := range live {
				if ctx.Err() != nil {
					return
				}
				if err := s.addNote(a, id, fmt.Sprintf("round %d live %d", round, i)); err != nil {
					errs <- err
				}
				if err := s.addNote(a, other, "noise"); err != nil {
					errs <- err
				}
			}
		})
		// Start while the writer runs: the replay overlaps the commits. The
		// delay varies the overlap from round to round; it is not
		// synchronisation (the order checks below hold for any timing).
		time.Sleep(time.Duration(round) * 5 * time.Millisecond)
		w := s.watchTicket(t, a.key, &supportv1.WatchTicketRequest{TicketId: id})
		var got []*supportv1.TicketEvent
		wg.Wait()
		cancel()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		want := s.ticketEvents(t, 0, a.id, "", id)
		got = append(got, w.events(t, len(want))...)
		s.checkEvents(t, got, want)
		w.nothingBefore(t, s.barrier(t, a, id))
		w.close()
	}
}

// Events committed before the server started are only in the log: a
// resume from the start of the log reads them from there (several reads
// of a batch) and meets the in-memory feed while new events are written,
// without gap or repeat.
func TestWatchTicketsResumeFromLogMeetsLive(t *testing.T) {
	const preloaded = 700 // > 2 stream batches (256)
	s := startWatchServer(t, testserver.WithOptions(func(o *app.Options) {
		ctx := context.Background()
		err := o.Store.ReadWriteTx(ctx, func(tx store.ReadWriter) error {
			for i := range preloaded {
				p := []string{"pa", "pb"}[i%3/2] // two of three for pa
				if _, err := tx.AppendEvent(ctx, domain.Event{Type: domain.EventNoteAdded, PartnerID: p,
					CustomerID: p + "-end", TicketID: fmt.Sprintf("old-%s-%d", p, i%7), Actor: "earlier",
					Time: testserver.DefaultStart.Add(-time.Hour)}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}))
	a := s.partner(t, "pa")
	b := s.partner(t, "pb")
	id := s.mustTicket(t, a, "")
	bid := s.mustTicket(t, b, "")

	var wg sync.WaitGroup
	errs := make(chan error, 100)
	wg.Go(func() {
		for i := range 20 {
			if err := s.addNote(a, id, fmt.Sprintf("live %d", i)); err != nil {
				errs <- err
			}
			if err := s.addNote(b, bid, "b"); err != nil {
				errs <- err
			}
		}
	})
	w := s.watchTickets(t, a.key, &supportv1.WatchTicketsRequest{ResumeToken: s.token(0)})
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	want := s.ticketEvents(t, 0, a.id, "", "")
	if len(want) < preloaded/2 {
		t.Fatalf("only %d events of pa in the log", len(want))
	}
	s.checkEvents(t, w.events(t, len(want)), want)
	w.nothingBefore(t, s.barrier(t, a, id))
}

// WatchTickets without a token starts at the present: no old events.
func TestWatchTicketsStartsAtPresent(t *testing.T) {
	s := startWatchServer(t)
	a := s.partner(t, "pa")
	id := s.mustTicket(t, a, "")
	s.mustNote(t, a, id, "old")
	w := s.watchTickets(t, a.key, &supportv1.WatchTicketsRequest{})
	u := w.update(t)
	if u.GetCheckpoint() == nil {
		t.Fatalf("first message is event %d, want a checkpoint (no old events)", u.GetEvent().GetSequence())
	}
	if u.GetCheckpoint().GetResumeToken() != s.token(s.LastSequence(t)) {
		t.Fatal("the first checkpoint does not name the log's end")
	}
	before := s.LastSequence(t)
	s.mustNote(t, a, id, "new")
	s.checkEvents(t, []*supportv1.TicketEvent{w.event(t)}, s.ticketEvents(t, before, a.id, "", ""))
	w.nothingBefore(t, s.barrier(t, a, id))
}

// Resuming with an event's or a checkpoint's token delivers exactly the
// events after it.
func TestWatchResume(t *testing.T) {
	s := startWatchServer(t, watchConfig(50*time.Millisecond, 0))
	a := s.partner(t, "pa")
	b := s.partner(t, "pb")
	w := s.watchTickets(t, a.key, &supportv1.WatchTicketsRequest{})
	start := s.LastSequence(t)
	w.checkpoint(t)
	id := s.mustTicket(t, a, "")
	other := s.mustTicket(t, a, a.other)
	for i := range 4 {
		s.mustNote(t, a, id, fmt.Sprintf("note %d", i))
	}
	first := w.events(t, 6)
	s.checkEvents(t, first, s.ticketEvents(t, start, a.id, "", ""))
	// The first checkpoint after the last event names it (or later).
	var cp *supportv1.Checkpoint
	for cp == nil {
		cp = w.update(t).GetCheckpoint()
	}
	cpSeq := s.LastSequence(t)
	if cp.GetResumeToken() != s.token(cpSeq) {
		t.Fatalf("checkpoint after the events does not name the log's end %d", cpSeq)
	}
	w.close()

	// While no one watches.
	s.mustNote(t, a, other, "while away")
	s.mustNote(t, b, s.mustTicket(t, b, ""), "b")
	s.mustNote(t, a, id, "while away too")

	// From the third event: events 4..6 and those written while away.
	third := first[2]
	r := s.watchTickets(t, a.key, &supportv1.WatchTicketsRequest{ResumeToken: third.GetResumeToken()})
	want := s.ticketEvents(t, third.GetSequence(), a.id, "", "")
	s.checkEvents(t, r.events(t, len(want)), want)

	// From the checkpoint: only those written while away.
	c := s.watchTickets(t, a.key, &supportv1.WatchTicketsRequest{ResumeToken: cp.GetResumeToken()})
	want = s.ticketEvents(t, cpSeq, a.id, "", "")
	if len(want) != 2 {
		t.Fatalf("%d events after the checkpoint, want 2", len(want))
	}
	s.checkEvents(t, c.events(t, 2), want)

	// With a customer filter.
	f := s.watchTickets(t, a.key, &supportv1.WatchTicketsRequest{CustomerId: a.other, ResumeToken: third.GetResumeToken()})
	want = s.ticketEvents(t, third.GetSequence(), a.id, a.other, "")
	s.checkEvents(t, f.events(t, len(want)), want)

	// WatchTicket with a token: no replay, only that ticket's later events.
	one := s.watchTicket(t, a.key, &supportv1.WatchTicketRequest{TicketId: id, ResumeToken: third.GetResumeToken()})
	want = s.ticketEvents(t, third.GetSequence(), a.id, "", id)
	s.checkEvents(t, one.events(t, len(want)), want)
	// Nothing more before a barrier each of the four must send (the
	// customer filter's on the other customer's ticket).
	bar := s.barrier(t, a, id)
	for _, w := range []*wStream{r, c, one} {
		w.nothingBefore(t, bar)
	}
	f.nothingBefore(t, s.barrier(t, a, other))

	// The last event's token: nothing to replay, live from there.
	last := s.ticketEvents(t, 0, a.id, "", "")
	lastSeq := last[len(last)-1].Sequence
	l := s.watchTickets(t, a.key, &supportv1.WatchTicketsRequest{ResumeToken: s.token(lastSeq)})
	// The next event it sends is the one written after it started (checked
	// below against the log): nothing was replayed.
	s.mustNote(t, a, id, "after all")
	s.checkEvents(t, []*supportv1.TicketEvent{l.event(t)}, s.ticketEvents(t, lastSeq, a.id, "", ""))
}

func TestWatchMalformedToken(t *testing.T) {
	s := startWatchServer(t)
	a := s.partner(t, "pa")
	id := s.mustTicket(t, a, "")
	valid := s.token(s.LastSequence(t))
	tampered := []byte(valid)
	tampered[3] ^= 1
	if tampered[3] == '-' || tampered[3] == '_' { // keep it base64url
		tampered[3] = 'A'
	}
	ahead := s.token(s.LastSequence(t) + 1000)
	for name, tok := range map[string]string{
		"garbage":          "not a token",
		"base64 junk":      "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		"tampered":         string(tampered),
		"truncated":        valid[:len(valid)-2],
		"other scope":      s.signer.Sign("page", []byte{0, 0, 0, 0, 0, 0, 0, 1}),
		"ahead of the log": ahead,
	} {
		t.Run(name, func(t *testing.T) {
			err := s.watchTickets(t, a.key, &supportv1.WatchTicketsRequest{ResumeToken: tok}).fails(t, watchWait)
			wantFields(t, err, "resume_token")
			err = s.watchTicket(t, a.key, &supportv1.WatchTicketRequest{TicketId: id, ResumeToken: tok}).fails(t, watchWait)
			wantFields(t, err, "resume_token")
		})
	}
}

// A token older than the retained log is OUT_OF_RANGE; the oldest position
// still covered by the log is honoured.
func TestWatchTokenOutOfRange(t *testing.T) {
	s := startWatchServer(t)
	a := s.partner(t, "pa")
	id := s.mustTicket(t, a, "")
	old := s.LastSequence(t)
	for i := range 3 {
		s.mustNote(t, a, id, fmt.Sprintf("note %d", i))
	}
	// Retention: drop everything but the newest event.
	ctx := context.Background()
	err := s.Store.ReadWriteTx(ctx, func(tx store.ReadWriter) error {
		_, err := tx.DeleteEventsBefore(ctx, s.Clock.Now().Add(time.Hour))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	last := s.LastSequence(t)
	for _, tok := range []string{s.token(old), s.token(0), s.token(last - 2)} {
		err := s.watchTickets(t, a.key, &supportv1.WatchTicketsRequest{ResumeToken: tok}).fails(t, watchWait)
		wantInfo(t, err, codes.OutOfRange, "RESUME_TOKEN_EXPIRED", nil)
		err = s.watchTicket(t, a.key, &supportv1.WatchTicketRequest{TicketId: id, ResumeToken: tok}).fails(t, watchWait)
		wantInfo(t, err, codes.OutOfRange, "RESUME_TOKEN_EXPIRED", nil)
	}
	// Just before the oldest retained event: it is still there to deliver.
	w := s.watchTickets(t, a.key, &supportv1.WatchTicketsRequest{ResumeToken: s.token(last - 1)})
	s.checkEvents(t, []*supportv1.TicketEvent{w.event(t)}, s.ticketEvents(t, last-1, a.id, "", ""))
	// At the end of the log.
	e := s.watchTickets(t, a.key, &supportv1.WatchTicketsRequest{ResumeToken: s.token(last)})
	if cp := e.checkpoint(t); cp.GetResumeToken() != s.token(last) {
		t.Fatal("checkpoint of a stream resumed at the log's end does not name it")
	}
}

// A checkpoint comes once the stream has caught up, then periodically; its
// token advances past other partners' events.
func TestWatchCheckpoints(t *testing.T) {
	s := startWatchServer(t, watchConfig(50*time.Millisecond, 0))
	a := s.partner(t, "pa")
	b := s.partner(t, "pb")
	w := s.watchTickets(t, b.key, &supportv1.WatchTicketsRequest{})
	start := s.LastSequence(t)
	if cp := w.checkpoint(t); cp.GetResumeToken() != s.token(start) {
		t.Fatal("first checkpoint does not name the log's end")
	}
	// Periodic: several within a second, times not going back.
	var prev time.Time
	for range 4 {
		cp := w.checkpoint(t)
		if ct := cp.GetCheckpointTime().AsTime(); ct.Before(prev) {
			t.Fatalf("checkpoint time %v before %v", ct, prev)
		} else {
			prev = ct
		}
	}
	// A's events pass by: B sees none, but its token moves past them.
	id := s.mustTicket(t, a, "")
	s.mustNote(t, a, id, "a's note")
	end := s.LastSequence(t)
	deadline := time.Now().Add(watchWait)
	for {
		u := w.update(t)
		if u.GetEvent() != nil {
			t.Fatalf("b got a's event %d", u.GetEvent().GetSequence())
		}
		if u.GetCheckpoint().GetResumeToken() == s.token(end) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("checkpoint token did not advance past other partners' events")
		}
	}
	// Resuming from it: nothing to replay, a checkpoint at the same place.
	r := s.watchTickets(t, b.key, &supportv1.WatchTicketsRequest{ResumeToken: s.token(end)})
	if cp := r.checkpoint(t); cp.GetResumeToken() != s.token(end) {
		t.Fatal("resumed stream's first checkpoint moved")
	}

	// A WatchTicket's checkpoints advance past the partner's other tickets.
	tw := s.watchTicket(t, a.key, &supportv1.WatchTicketRequest{TicketId: id})
	tw.events(t, 2)
	tw.checkpoint(t)
	other := s.mustTicket(t, a, "")
	s.mustNote(t, a, other, "other")
	end = s.LastSequence(t)
	for {
		u := tw.update(t)
		if u.GetEvent() != nil {
			t.Fatalf("WatchTicket(%s) got event %d of %s", id, u.GetEvent().GetSequence(), u.GetEvent().GetTicketId())
		}
		if u.GetCheckpoint().GetResumeToken() == s.token(end) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("WatchTicket checkpoint did not advance")
		}
	}
}

// With the default (long) interval, the only checkpoint of an idle stream
// is the caught-up one: the message after it is the next event (a
// barrier), not another checkpoint.
func TestWatchCheckpointOnlyWhenCaughtUp(t *testing.T) {
	s := startWatchServer(t)
	a := s.partner(t, "pa")
	id := s.mustTicket(t, a, "")
	w := s.watchTickets(t, a.key, &supportv1.WatchTicketsRequest{})
	w.checkpoint(t)
	bar := s.barrier(t, a, id)
	if u := w.update(t); u.GetEvent().GetSequence() != bar {
		t.Fatalf("idle stream sent %v before the next event %d", u, bar)
	}
}

// A stream that does not read while many events are committed (flow
// control stops the server's sends) gets them all later, while another
// stream follows live.
func TestWatchSlowReader(t *testing.T) {
	s := startWatchServer(t)
	a := s.partner(t, "pa")
	slow := s.watchTickets(t, a.key, &supportv1.WatchTicketsRequest{})
	fast := s.watchTickets(t, a.key, &supportv1.WatchTicketsRequest{})
	start := s.LastSequence(t)
	slow.checkpoint(t)
	fast.checkpoint(t)
	ids := []string{s.mustTicket(t, a, ""), s.mustTicket(t, a, ""), s.mustTicket(t, a, a.other)}
	fastGot := fast.events(t, 3)
	long := string(make([]byte, 2000)) // big events fill the flow-control window sooner
	for i := range 60 {
		id := ids[i%len(ids)]
		s.mustNote(t, a, id, fmt.Sprintf("note %d %x", i, long[:1000+i]))
		e := fast.event(t) // live: each event before the next commit
		if e.GetTicketId() != id || e.GetSequence() != s.LastSequence(t) {
			t.Fatalf("fast stream got %d of %s, want the last commit %d of %s", e.GetSequence(), e.GetTicketId(), s.LastSequence(t), id)
		}
		fastGot = append(fastGot, e)
	}
	want := s.ticketEvents(t, start, a.id, "", "")
	s.checkEvents(t, fastGot, want)
	s.checkEvents(t, slow.events(t, len(want)), want)
	slow.nothingBefore(t, s.barrier(t, a, ids[0]))
}

// The (N+1)th concurrent watch of a partner is RESOURCE_EXHAUSTED; a
// cancelled stream frees its slot (the server-side stream ended).
func TestWatchStreamLimit(t *testing.T) {
	s := startWatchServer(t, watchConfig(0, 3))
	a := s.partner(t, "pa")
	b := s.partner(t, "pb")
	id := s.mustTicket(t, a, "")
	open := []*wStream{
		s.watchTickets(t, a.key, &supportv1.WatchTicketsRequest{}),
		s.watchTicket(t, a.key, &supportv1.WatchTicketRequest{TicketId: id}),
		s.watchTickets(t, a.key, &supportv1.WatchTicketsRequest{CustomerId: a.customer}),
	}
	open[1].event(t) // the replayed CREATED
	for _, w := range open {
		w.checkpoint(t)
	}
	for range 2 { // a refused stream does not take a slot
		err := s.watchTickets(t, a.key, &supportv1.WatchTicketsRequest{}).fails(t, watchWait)
		wantInfo(t, err, codes.ResourceExhausted, "WATCH_STREAMS_PER_PARTNER", nil)
		err = s.watchTicket(t, a.key, &supportv1.WatchTicketRequest{TicketId: id}).fails(t, watchWait)
		wantInfo(t, err, codes.ResourceExhausted, "WATCH_STREAMS_PER_PARTNER", nil)
	}
	// Another partner has its own slots.
	s.watchTickets(t, b.key, &supportv1.WatchTicketsRequest{}).checkpoint(t)

	// The client cancels one: its slot comes back once the server-side
	// stream has ended. The client cannot observe that end, so the loop
	// retries, bounded by watchWait and 10 ms apart; a refusal is only
	// accepted while the deadline has not passed.
	open[1].close()
	deadline := time.Now().Add(watchWait)
	var again *wStream
	for again == nil {
		w := s.watchTickets(t, a.key, &supportv1.WatchTicketsRequest{})
		u, err, ok := w.next(watchWait)
		switch {
		case !ok:
			t.Fatal("no answer")
		case err == nil && u.GetCheckpoint() != nil:
			again = w
		case code(err) == codes.ResourceExhausted && time.Now().Before(deadline):
			w.close()
			time.Sleep(10 * time.Millisecond)
		default:
			t.Fatalf("after a cancel: %v, %v", u, err)
		}
	}
	// Only one slot came back.
	err := s.watchTickets(t, a.key, &supportv1.WatchTicketsRequest{}).fails(t, watchWait)
	wantCode(t, err, codes.ResourceExhausted)
	// The streams still open work.
	s.mustNote(t, a, id, "still there")
	for _, w := range []*wStream{open[0], open[2], again} {
		if e := w.event(t); e.GetTicketId() != id {
			t.Fatalf("event of %s, want %s", e.GetTicketId(), id)
		}
	}
}

// Server shutdown ends open streams with UNAVAILABLE instead of holding
// them for the grace period that bounds unary calls: with a grace period of
// an hour and a shutdown context that never ends, the streams still end (and
// so Shutdown returns) within the test's wait.
func TestWatchShutdown(t *testing.T) {
	s := startWatchServer(t, testserver.WithOptions(func(o *app.Options) {
		o.GracePeriod = time.Hour
	}))
	a := s.partner(t, "pa")
	id := s.mustTicket(t, a, "")
	streams := []*wStream{
		s.watchTickets(t, a.key, &supportv1.WatchTicketsRequest{}),
		s.watchTicket(t, a.key, &supportv1.WatchTicketRequest{TicketId: id}),
	}
	streams[0].checkpoint(t)
	streams[1].event(t)
	streams[1].checkpoint(t)
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.App.Shutdown(context.Background())
	}()
	for _, w := range streams {
		wantInfo(t, w.fails(t, watchWait), codes.Unavailable, "SHUTTING_DOWN", nil)
	}
	select {
	case <-done:
	case <-time.After(watchWait):
		t.Fatal("Shutdown still waiting: open streams held it towards the grace period")
	}
}

// A stream still catching up on a long backlog ends at shutdown instead of
// first sending the whole backlog.
func TestWatchShutdownWhileCatchingUp(t *testing.T) {
	const preloaded = 5000
	s := startWatchServer(t, testserver.WithOptions(func(o *app.Options) {
		ctx := context.Background()
		err := o.Store.ReadWriteTx(ctx, func(tx store.ReadWriter) error {
			for i := range preloaded {
				if _, err := tx.AppendEvent(ctx, domain.Event{Type: domain.EventNoteAdded, PartnerID: "pa",
					CustomerID: "pa-end", TicketID: fmt.Sprintf("old-%d", i%7), Actor: "earlier",
					Time: testserver.DefaultStart.Add(-time.Hour)}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}))
	a := s.partner(t, "pa")
	w := s.watchTickets(t, a.key, &supportv1.WatchTicketsRequest{ResumeToken: s.token(0)})
	w.event(t)
	// The client pauses (flow control holds the server back) while the
	// server shuts down, then reads on.
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.App.Shutdown(context.Background())
	}()
	// Shutdown has cancelled the streams and reached its graceful stop
	// once new calls are refused.
	s.AwaitRefusing(t)
	n := 1
	for {
		_, err, ok := w.next(watchWait)
		if !ok {
			t.Fatal("stream still open")
		}
		if err != nil {
			if code(err) != codes.Unavailable {
				t.Errorf("stream ended with %v, want UNAVAILABLE", err)
			}
			break
		}
		n++
	}
	if n >= preloaded {
		t.Errorf("the stream sent its whole backlog (%d events) after shutdown began", n)
	}
	<-done
}
