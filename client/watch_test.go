package client_test

import (
	"context"
	"errors"
	"net"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	"github.com/supportd/supportd/client"
	supportv1 "github.com/supportd/supportd/gen/support/v1"
)

type item struct {
	ev  *supportv1.TicketEvent
	err error
}

// collect runs the watch's iteration in a goroutine and sends what it
// yields on the returned channel (closed at the end).
func collect(w *client.Watch) <-chan item {
	ch := make(chan item, 100)
	go func() {
		defer close(ch)
		for ev, err := range w.Events() {
			ch <- item{ev, err}
		}
	}()
	return ch
}

func next(t *testing.T, ch <-chan item) *supportv1.TicketEvent {
	t.Helper()
	select {
	case it, ok := <-ch:
		if !ok {
			t.Fatal("watch ended")
		}
		if it.err != nil {
			t.Fatalf("watch error: %v", it.err)
		}
		return it.ev
	case <-time.After(10 * time.Second):
		t.Fatal("no event within 10s")
	}
	return nil
}

func expect(t *testing.T, ch <-chan item, want ...supportv1.TicketEventType) []*supportv1.TicketEvent {
	t.Helper()
	var got []*supportv1.TicketEvent
	for _, w := range want {
		ev := next(t, ch)
		if ev.GetType() != w {
			t.Fatalf("event %d: %v (seq %d), want %v", len(got), ev.GetType(), ev.GetSequence(), w)
		}
		got = append(got, ev)
	}
	return got
}

func TestWatchTicketReplayAndLive(t *testing.T) {
	e := start(t)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	tk := mustCreate(t, e.c, "watched")
	if _, err := e.c.AddTicketNote(ctx, tk.GetId(), "one"); err != nil {
		t.Fatal(err)
	}
	checkpoints := make(chan struct{}, 1)
	w := e.c.WatchTicket(ctx, tk.GetId(), "", client.OnCheckpoint(func(*supportv1.Checkpoint) { signal(checkpoints) }))
	ch := collect(w)
	expect(t, ch, supportv1.TicketEventType_TICKET_EVENT_TYPE_CREATED, supportv1.TicketEventType_TICKET_EVENT_TYPE_NOTE_ADDED)
	if _, err := e.c.AddTicketNote(ctx, tk.GetId(), "two"); err != nil {
		t.Fatal(err)
	}
	last := expect(t, ch, supportv1.TicketEventType_TICKET_EVENT_TYPE_NOTE_ADDED)[0]
	if w.LastSequence() != last.GetSequence() {
		t.Errorf("LastSequence = %d, want %d", w.LastSequence(), last.GetSequence())
	}
	select {
	case <-checkpoints:
	case <-time.After(5 * time.Second):
		t.Error("no checkpoint after catching up")
	}
	if w.ResumeToken() == "" {
		t.Error("empty resume token")
	}
	cancel()
	for it := range ch {
		if !errors.Is(it.err, context.Canceled) {
			t.Errorf("after cancel: %v, %v", it.ev, it.err)
		}
	}

	// Resuming from the saved token delivers only what came after.
	if _, err := e.c.AddTicketNote(t.Context(), tk.GetId(), "three"); err != nil {
		t.Fatal(err)
	}
	ctx2, cancel2 := context.WithCancel(t.Context())
	defer cancel2()
	ch2 := collect(e.c.WatchTicket(ctx2, tk.GetId(), w.ResumeToken()))
	ev := expect(t, ch2, supportv1.TicketEventType_TICKET_EVENT_TYPE_NOTE_ADDED)[0]
	if ev.GetSequence() <= last.GetSequence() || ev.GetTicket().GetNoteCount() != 3 {
		t.Fatalf("resumed at %d (%d notes), want after %d", ev.GetSequence(), ev.GetTicket().GetNoteCount(), last.GetSequence())
	}
}

func TestWatchTerminalErrors(t *testing.T) {
	e := start(t)
	tk := mustCreate(t, e.c, "x")
	var it []item
	for ev, err := range e.c.WatchTicket(t.Context(), tk.GetId(), "not-a-token").Events() {
		it = append(it, item{ev, err})
	}
	if len(it) != 1 || client.Code(it[0].err) != codes.InvalidArgument {
		t.Fatalf("malformed token: %+v, want one INVALID_ARGUMENT", it)
	}
	var ce *client.Error
	if !errors.As(it[0].err, &ce) {
		t.Fatalf("error %T is not a *client.Error", it[0].err)
	}
}

// gate makes a dialer refuse while closed.
type gate struct {
	mu     sync.Mutex
	closed bool
	dial   func(context.Context, string) (net.Conn, error)
}

func (g *gate) set(closed bool) {
	g.mu.Lock()
	g.closed = closed
	g.mu.Unlock()
}

func (g *gate) Dial(ctx context.Context, addr string) (net.Conn, error) {
	g.mu.Lock()
	closed := g.closed
	g.mu.Unlock()
	if closed {
		return nil, errors.New("gate closed")
	}
	return g.dial(ctx, addr)
}

// TestWatchResumesAfterRestart stops the server under two open watches,
// changes tickets while the watchers cannot reconnect, then lets them:
// each sees every event once, in order, with nothing missing.
func TestWatchResumesAfterRestart(t *testing.T) {
	e := start(t)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	tk := mustCreate(t, e.c, "survives restarts")

	g := &gate{dial: e.s.Dial}
	var reconnects atomic.Int32
	wc, err := client.New("bufconn", fast(e.keys.Partner, client.WithContextDialer(g.Dial))...)
	if err != nil {
		t.Fatal(err)
	}
	defer wc.Close()
	onReconnect := client.OnReconnect(func(int, time.Duration, error) { reconnects.Add(1) })
	allCaught := make(chan struct{}, 1)
	one := collect(wc.WatchTicket(ctx, tk.GetId(), "", onReconnect))
	all := wc.WatchTickets(ctx, "", "", onReconnect, client.OnCheckpoint(func(*supportv1.Checkpoint) { signal(allCaught) }))
	allCh := collect(all)
	var oneSeqs []int64
	expectOne := func(want ...supportv1.TicketEventType) {
		t.Helper()
		for _, ev := range expect(t, one, want...) {
			oneSeqs = append(oneSeqs, ev.GetSequence())
		}
	}
	expectOne(supportv1.TicketEventType_TICKET_EVENT_TYPE_CREATED)
	select {
	case <-allCaught:
	case <-time.After(10 * time.Second):
		t.Fatal("WatchTickets sent no checkpoint")
	}
	if _, err := e.c.AddTicketNote(ctx, tk.GetId(), "before"); err != nil {
		t.Fatal(err)
	}
	expectOne(supportv1.TicketEventType_TICKET_EVENT_TYPE_NOTE_ADDED)
	expect(t, allCh, supportv1.TicketEventType_TICKET_EVENT_TYPE_NOTE_ADDED)

	for round := range 2 {
		g.set(true)
		e.restart(t)
		// Changes while the watchers are cut off.
		if _, err := e.c.AddTicketNote(ctx, tk.GetId(), "while down"); err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		other := mustCreate(t, e.c, "filed while down")
		if _, err := e.c.ChangeTicketSeverity(ctx, tk.GetId(), []supportv1.Severity{supportv1.Severity_SEVERITY_A, supportv1.Severity_SEVERITY_C}[round], "impact changed"); err != nil {
			t.Fatal(err)
		}
		g.set(false)
		expectOne(supportv1.TicketEventType_TICKET_EVENT_TYPE_NOTE_ADDED, supportv1.TicketEventType_TICKET_EVENT_TYPE_SEVERITY_CHANGED)
		got := expect(t, allCh, supportv1.TicketEventType_TICKET_EVENT_TYPE_NOTE_ADDED, supportv1.TicketEventType_TICKET_EVENT_TYPE_CREATED, supportv1.TicketEventType_TICKET_EVENT_TYPE_SEVERITY_CHANGED)
		if got[1].GetTicketId() != other.GetId() {
			t.Fatalf("CREATED of %s, want %s", got[1].GetTicketId(), other.GetId())
		}
		// And live again after the reconnection.
		if _, err := e.c.AddTicketNote(ctx, tk.GetId(), "after"); err != nil {
			t.Fatal(err)
		}
		expectOne(supportv1.TicketEventType_TICKET_EVENT_TYPE_NOTE_ADDED)
		expect(t, allCh, supportv1.TicketEventType_TICKET_EVENT_TYPE_NOTE_ADDED)
	}
	if reconnects.Load() == 0 {
		t.Error("no reconnection reported")
	}

	// Nothing else was delivered (no duplicates), and the single-ticket
	// stream equals a fresh replay of the ticket's history.
	cancel()
	for it := range one {
		if it.err == nil {
			t.Errorf("extra event %v seq %d", it.ev.GetType(), it.ev.GetSequence())
		}
	}
	for it := range allCh {
		if it.err == nil {
			t.Errorf("extra event %v seq %d", it.ev.GetType(), it.ev.GetSequence())
		}
	}
	rctx, rcancel := context.WithCancel(t.Context())
	defer rcancel()
	replay := collect(e.c.WatchTicket(rctx, tk.GetId(), ""))
	var seqs []int64
	for range 8 {
		seqs = append(seqs, next(t, replay).GetSequence())
	}
	if !slices.Equal(seqs, oneSeqs) {
		t.Fatalf("watched across restarts %v, replay %v", oneSeqs, seqs)
	}
}

// signal notes that something happened at least once since the last
// receive on ch (a channel of capacity 1), without ever blocking the caller.
func signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}
