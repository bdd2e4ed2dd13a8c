package watch

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/supportd/supportd/server/domain"
	"github.com/supportd/supportd/server/store"
	"github.com/supportd/supportd/server/store/sqlite"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// --- helpers ---------------------------------------------------------------

// payload is what the test Encode builds: the event's sequence and a
// unique build number (a ring entry keeps the loader's build; a log read
// builds a new one).
type payload struct {
	seq   int64
	build int64
}

type fixture struct {
	st     *sqlite.Store
	builds atomic.Int64
	// logOnly, when set, gets every commit of f.commit without its events
	// (as another process's commit would come): the stores that wrap
	// f.st in log-only tests hand it to the hub instead of f.st's feed.
	logOnly *store.CommitFeed
}

// openStore opens a SQLite store.
func openStore(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{}
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "watch.db"), sqlite.Options{})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() {
		if err := st.Close(); err != nil {
			t.Errorf("close store: %v", err)
		}
	})
	f.st = st
	return f
}

// hub starts a hub over the fixture's store, closed by t.Cleanup (before the store: cleanups run last first).
func (f *fixture) hub(t *testing.T, opts Options) *Hub {
	t.Helper()
	opts.Encode = func(e domain.Event) any {
		return &payload{seq: e.Sequence, build: f.builds.Add(1)}
	}
	h, err := NewHub(context.Background(), f.st, opts)
	if err != nil {
		t.Fatalf("NewHub: %v", err)
	}
	t.Cleanup(h.Close)
	return h
}

// ticketEvent is a NOTE_ADDED event of ticket "<partner>-t<n>".
func ticketEvent(partner string, n int) domain.Event {
	return domain.Event{Type: domain.EventNoteAdded, PartnerID: partner, CustomerID: partner + "-c",
		TicketID: fmt.Sprintf("%s-t%d", partner, n), Actor: "test", Time: time.Now()}
}

// commit appends evs in one transaction and returns their sequences.
func (f *fixture) commit(t *testing.T, evs ...domain.Event) []int64 {
	t.Helper()
	var seqs []int64
	err := f.st.ReadWriteTx(context.Background(), func(tx store.ReadWriter) error {
		seqs = seqs[:0]
		for _, e := range evs {
			seq, err := tx.AppendEvent(context.Background(), e)
			if err != nil {
				return err
			}
			seqs = append(seqs, seq)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("commit: %v", err)
	}
	if f.logOnly != nil && len(seqs) > 0 {
		f.logOnly.Publish(store.Commit{Last: seqs[len(seqs)-1]})
	}
	return seqs
}

// waitLoaded waits until the hub has loaded sequence seq. The hub loads
// commits on its own goroutine and signals only subscribers, so this polls
// Last, 1 ms apart and bounded at 5 s; it waits for a condition and asserts
// nothing about timing.
func waitLoaded(t *testing.T, h *Hub, seq int64) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for h.Last() < seq {
		if time.Now().After(deadline) {
			t.Fatalf("hub loaded up to %d, want %d", h.Last(), seq)
		}
		time.Sleep(time.Millisecond)
	}
}

func seqsOf(entries []*Entry) []int64 {
	out := make([]int64, len(entries))
	for i, en := range entries {
		out[i] = en.Event.Sequence
	}
	return out
}

func span(from, to int64) []int64 {
	var out []int64
	for q := from; q <= to; q++ {
		out = append(out, q)
	}
	return out
}

func equalSeqs(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// inRing reports whether en is the very entry the ring holds for its
// sequence (same payload pointer: not rebuilt from the log).
func inRing(h *Hub, en *Entry) bool {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return h.ring[int(en.Event.Sequence%int64(len(h.ring)))].Payload == en.Payload
}

// --- tests -----------------------------------------------------------------

func TestWatchHubStartsAtTheLogsEnd(t *testing.T) {
	f := openStore(t)
	f.commit(t, ticketEvent("p1", 1), ticketEvent("p1", 2), ticketEvent("p1", 3))
	h := f.hub(t, Options{RingSize: 4})
	if h.Last() != 3 || h.first != 4 {
		t.Fatalf("new hub: last %d first %d, want 3 and 4 (empty ring at the log's end)", h.Last(), h.first)
	}
	// Events from before the hub are not in the ring: they come from the log.
	if _, _, ok := h.fromRing(0, store.EventFilter{}, 10); ok {
		t.Fatal("fromRing(0) served events the hub never loaded")
	}
	if out, scanned, ok := h.fromRing(3, store.EventFilter{}, 10); !ok || len(out) != 0 || scanned != 3 {
		t.Fatalf("fromRing(3) = %v, %d, %v; want nothing, 3, true", seqsOf(out), scanned, ok)
	}
	if f.builds.Load() != 0 {
		t.Fatalf("Encode called %d times before any event was loaded", f.builds.Load())
	}
}

func TestWatchHubRingWrapAround(t *testing.T) {
	f := openStore(t)
	h := f.hub(t, Options{RingSize: 4})
	for i := 1; i <= 10; i++ {
		f.commit(t, ticketEvent("p1", i))
	}
	waitLoaded(t, h, 10)
	h.mu.RLock()
	first, last := h.first, h.last
	for q := int64(7); q <= 10; q++ {
		if got := h.ring[q%4].Event.Sequence; got != q {
			t.Errorf("ring slot %d holds sequence %d, want %d", q%4, got, q)
		}
	}
	h.mu.RUnlock()
	if first != 7 || last != 10 {
		t.Fatalf("ring covers %d..%d, want 7..10", first, last)
	}
	all := store.EventFilter{}
	for cursor := int64(0); cursor <= 5; cursor++ {
		if _, _, ok := h.fromRing(cursor, all, 100); ok {
			t.Errorf("fromRing(%d) ok although sequence %d left the ring", cursor, cursor+1)
		}
	}
	for cursor := int64(6); cursor <= 10; cursor++ {
		out, scanned, ok := h.fromRing(cursor, all, 100)
		if !ok || scanned != 10 || !equalSeqs(seqsOf(out), span(cursor+1, 10)) {
			t.Errorf("fromRing(%d) = %v, scanned %d, ok %v; want %v, 10, true", cursor, seqsOf(out), scanned, ok, span(cursor+1, 10))
		}
	}
	// max bounds the batch and scanned stops at the last one taken.
	out, scanned, ok := h.fromRing(6, all, 2)
	if !ok || scanned != 8 || !equalSeqs(seqsOf(out), []int64{7, 8}) {
		t.Errorf("fromRing(6, max 2) = %v, scanned %d, ok %v; want [7 8], 8, true", seqsOf(out), scanned, ok)
	}
	// A filter skips events but scanned covers them.
	f.commit(t, ticketEvent("p2", 1), ticketEvent("p2", 2), ticketEvent("p1", 11))
	waitLoaded(t, h, 13)
	out, scanned, ok = h.fromRing(10, store.EventFilter{PartnerID: "p1"}, 100)
	if !ok || scanned != 13 || !equalSeqs(seqsOf(out), []int64{13}) {
		t.Errorf("fromRing(10, p1) = %v, scanned %d, ok %v; want [13], 13, true", seqsOf(out), scanned, ok)
	}
	out, scanned, ok = h.fromRing(10, store.EventFilter{PartnerID: "p2"}, 1)
	if !ok || scanned != 11 || !equalSeqs(seqsOf(out), []int64{11}) {
		t.Errorf("fromRing(10, p2, max 1) = %v, scanned %d, ok %v; want [11], 11, true", seqsOf(out), scanned, ok)
	}
}

// A commit of more events than one load reads (1024) is loaded whole.
func TestWatchHubLoadsLargeCommits(t *testing.T) {
	f := openStore(t)
	h := f.hub(t, Options{RingSize: 4096})
	evs := make([]domain.Event, 2500)
	for i := range evs {
		evs[i] = ticketEvent("p1", i)
	}
	f.commit(t, evs...)
	waitLoaded(t, h, 2500)
	out, scanned, ok := h.fromRing(0, store.EventFilter{}, 5000)
	if !ok || scanned != 2500 || !equalSeqs(seqsOf(out), span(1, 2500)) {
		t.Fatalf("fromRing(0) after a 2500-event commit: %d events, scanned %d, ok %v", len(out), scanned, ok)
	}
}

// Directory (audit) events are in the log but never match a stream.
func TestWatchHubSkipsAuditEvents(t *testing.T) {
	f := openStore(t)
	h := f.hub(t, Options{RingSize: 16})
	sub, err := h.Subscribe(Owner{PartnerID: "p1"}, store.EventFilter{PartnerID: "p1"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	f.commit(t, domain.Event{Type: domain.EventPartnerUpdated, PartnerID: "p1", Actor: "admin", Time: time.Now()},
		ticketEvent("p1", 1))
	waitLoaded(t, h, 2)
	batch, caughtUp, err := sub.Next(t.Context(), 10)
	if err != nil || !caughtUp || !equalSeqs(seqsOf(batch), []int64{2}) {
		t.Fatalf("Next = %v, caught up %v, %v; want [2], true", seqsOf(batch), caughtUp, err)
	}
	if n := f.builds.Load(); n != 1 {
		t.Errorf("Encode called %d times, want once (ticket events only)", n)
	}
}

// A subscription reads the log while its cursor is before the ring, then
// switches to the ring; non-matching events advance its cursor.
func TestWatchSubscriptionFromLogThenRing(t *testing.T) {
	f := openStore(t)
	h := f.hub(t, Options{RingSize: 4})
	for i := 1; i <= 10; i++ {
		f.commit(t, ticketEvent("p1", i))
	}
	waitLoaded(t, h, 10)
	sub, err := h.Subscribe(Owner{PartnerID: "p1"}, store.EventFilter{PartnerID: "p1"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	steps := []struct {
		want     []int64
		cursor   int64
		caughtUp bool
		ring     bool
	}{
		{[]int64{1, 2, 3}, 3, false, false},
		{[]int64{4, 5, 6}, 6, false, false},
		{[]int64{7, 8, 9}, 9, false, true},
		{[]int64{10}, 10, true, true},
		{nil, 10, true, true},
	}
	for i, st := range steps {
		batch, caughtUp, err := sub.Next(t.Context(), 3)
		if err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if !equalSeqs(seqsOf(batch), st.want) || sub.Cursor() != st.cursor || caughtUp != st.caughtUp {
			t.Fatalf("step %d: Next = %v, cursor %d, caught up %v; want %v, %d, %v",
				i, seqsOf(batch), sub.Cursor(), caughtUp, st.want, st.cursor, st.caughtUp)
		}
		for _, en := range batch {
			if p := en.Payload.(*payload); p.seq != en.Event.Sequence {
				t.Fatalf("payload of %d built for %d", en.Event.Sequence, p.seq)
			}
			if inRing(h, en) != st.ring {
				t.Errorf("step %d: event %d from the ring = %v, want %v", i, en.Event.Sequence, !st.ring, st.ring)
			}
		}
	}

	// A filtered subscription in the log: other partners' events move its
	// cursor up to the log's end even when nothing matches.
	other, err := h.Subscribe(Owner{PartnerID: "p2"}, store.EventFilter{PartnerID: "p2"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	batch, caughtUp, err := other.Next(t.Context(), 3)
	if err != nil || len(batch) != 0 || other.Cursor() != 10 {
		t.Fatalf("p2 Next over p1's events = %v, cursor %d, caught up %v, %v; want nothing, cursor 10", seqsOf(batch), other.Cursor(), caughtUp, err)
	}
	batch, caughtUp, err = other.Next(t.Context(), 3)
	if err != nil || len(batch) != 0 || !caughtUp {
		t.Fatalf("p2 second Next = %v, caught up %v, %v; want nothing, caught up", seqsOf(batch), caughtUp, err)
	}
}

// A subscriber that stops reading while more events than the ring holds
// are committed catches up from the log without losing or repeating one,
// while a subscriber that keeps up is served from the ring all along.
func TestWatchSlowSubscriberCatchesUpFromLog(t *testing.T) {
	f := openStore(t)
	h := f.hub(t, Options{RingSize: 8})
	all := store.EventFilter{PartnerID: "p1"}
	fast, err := h.Subscribe(Owner{PartnerID: "p1"}, all, h.Last())
	if err != nil {
		t.Fatal(err)
	}
	defer fast.Close()
	slow, err := h.Subscribe(Owner{PartnerID: "p1"}, all, h.Last())
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()

	const n = 100
	ctx := t.Context()
	for _, s := range []*Subscription{fast, slow} {
		if woken, err := s.Wait(ctx); !woken || err != nil { // Subscribe's wake-up
			t.Fatal(woken, err)
		}
	}
	var fastGot []int64
	for i := 1; i <= n; i++ {
		// Interleave another partner's events: they fill the ring too.
		evs := []domain.Event{ticketEvent("p1", i)}
		if i%3 == 0 {
			evs = append(evs, ticketEvent("p2", i))
		}
		seqs := f.commit(t, evs...)
		want := seqs[0]
		for {
			waitCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
			_, err := fast.Wait(waitCtx)
			cancel()
			if err != nil {
				t.Fatalf("fast subscriber waiting for %d: %v", want, err)
			}
			batch, _, err := fast.Next(ctx, 4)
			if err != nil {
				t.Fatal(err)
			}
			for _, en := range batch {
				if !inRing(h, en) {
					t.Fatalf("fast subscriber got event %d from the log, not the ring", en.Event.Sequence)
				}
				fastGot = append(fastGot, en.Event.Sequence)
			}
			if fast.Cursor() >= seqs[len(seqs)-1] {
				break
			}
		}
	}
	last := h.Last()
	if h.first <= 1 {
		t.Fatalf("the ring still holds the first event (first %d): the test does not wrap it", h.first)
	}

	var slowGot []int64
	fromLog := 0
	for range 1000 {
		batch, caughtUp, err := slow.Next(ctx, 16)
		if err != nil {
			t.Fatal(err)
		}
		for _, en := range batch {
			if !inRing(h, en) {
				fromLog++
			}
			slowGot = append(slowGot, en.Event.Sequence)
		}
		if caughtUp {
			break
		}
	}
	if slow.Cursor() != last {
		t.Fatalf("slow subscriber cursor %d, want %d", slow.Cursor(), last)
	}
	if !equalSeqs(slowGot, fastGot) || len(slowGot) != n {
		t.Fatalf("slow subscriber got %d events %v,\nfast got %d %v", len(slowGot), slowGot, len(fastGot), fastGot)
	}
	for i := 1; i < len(slowGot); i++ {
		if slowGot[i] <= slowGot[i-1] {
			t.Fatalf("events out of order: %d after %d", slowGot[i], slowGot[i-1])
		}
	}
	if fromLog < n-8 {
		t.Errorf("slow subscriber read %d events from the log, want at least %d (the ring holds 8)", fromLog, n-8)
	}
}

func TestWatchSubscribeCloseCounting(t *testing.T) {
	f := openStore(t)
	h := f.hub(t, Options{MaxStreamsPerPartner: 2})
	sub := func(owner string) (*Subscription, error) {
		return h.Subscribe(Owner{PartnerID: owner}, store.EventFilter{PartnerID: owner}, 0)
	}
	a1, err := sub("a")
	if err != nil {
		t.Fatal(err)
	}
	a2, err := sub("a")
	if err != nil {
		t.Fatal(err)
	}
	_, err = sub("a")
	var limit *domain.QuotaError
	if !errors.As(err, &limit) || limit.Reason != "WATCH_STREAMS_PER_PARTNER" {
		t.Fatalf("third subscription of a: %v, want a WATCH_STREAMS_PER_PARTNER QuotaError", err)
	}
	b1, err := sub("b") // another partner's limit is separate
	if err != nil {
		t.Fatalf("b's first subscription: %v", err)
	}
	a1.Close()
	a1.Close() // twice: counted once
	a3, err := sub("a")
	if err != nil {
		t.Fatalf("subscription after a close: %v", err)
	}
	if _, err := sub("a"); !errors.As(err, &limit) {
		t.Fatalf("a double Close freed two slots: %v", err)
	}
	for _, s := range []*Subscription{a2, a3, b1} {
		s.Close()
	}
	h.mu.RLock()
	subs, owners := len(h.subs), len(h.perPartner)
	h.mu.RUnlock()
	if subs != 0 || owners != 0 {
		t.Fatalf("after closing everything: %d subscriptions, %d owners counted", subs, owners)
	}
}

func TestWatchSubscribePerKeyLimit(t *testing.T) {
	f := openStore(t)
	h := f.hub(t, Options{MaxStreamsPerPartner: 3, MaxStreamsPerKey: 2})
	sub := func(partner, key string) (*Subscription, error) {
		return h.Subscribe(Owner{PartnerID: partner, KeyID: key}, store.EventFilter{PartnerID: partner}, 0)
	}
	var open []*Subscription
	must := func(s *Subscription, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		open = append(open, s)
	}
	must(sub("p", "k1"))
	must(sub("p", "k1"))
	_, err := sub("p", "k1")
	var limit *domain.QuotaError
	if !errors.As(err, &limit) || limit.Reason != "WATCH_STREAMS_PER_KEY" {
		t.Fatalf("third stream of k1: %v, want a WATCH_STREAMS_PER_KEY QuotaError", err)
	}
	// The partner's other key still gets the partner's remaining stream,
	// and then the partner limit applies.
	must(sub("p", "k2"))
	if _, err := sub("p", "k2"); !errors.As(err, &limit) || limit.Reason != "WATCH_STREAMS_PER_PARTNER" {
		t.Fatalf("fourth stream of p: %v, want a WATCH_STREAMS_PER_PARTNER QuotaError", err)
	}
	// Agent streams have no partner: only their key is counted.
	must(sub("", "agent"))
	must(sub("", "agent"))
	if _, err := sub("", "agent"); !errors.As(err, &limit) || limit.Reason != "WATCH_STREAMS_PER_KEY" {
		t.Fatalf("third agent stream: %v, want a WATCH_STREAMS_PER_KEY QuotaError", err)
	}
	for _, s := range open {
		s.Close()
	}
	h.mu.RLock()
	keys, partners := len(h.perKey), len(h.perPartner)
	h.mu.RUnlock()
	if keys != 0 || partners != 0 {
		t.Fatalf("after closing everything: %d keys, %d partners counted", keys, partners)
	}
}

func TestWatchWait(t *testing.T) {
	f := openStore(t)
	h := f.hub(t, Options{CheckpointInterval: 20 * time.Millisecond})
	s, err := h.Subscribe(Owner{PartnerID: "a"}, store.EventFilter{PartnerID: "a"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := t.Context()
	// A new subscription is woken at once (it may have events to read).
	if woken, err := s.Wait(ctx); !woken || err != nil {
		t.Fatalf("first Wait = %v, %v; want woken", woken, err)
	}
	// A commit wakes it.
	f.commit(t, ticketEvent("a", 1))
	if woken, err := s.Wait(ctx); !woken || err != nil {
		t.Fatalf("Wait after a commit = %v, %v; want woken", woken, err)
	}
	// With nothing new, the periodic tick ends Wait (woken false). A late
	// wake-up from the commit may come first.
	deadline := time.After(5 * time.Second)
	for ticked := false; !ticked; {
		select {
		case <-deadline:
			t.Fatal("no checkpoint tick")
		default:
		}
		woken, err := s.Wait(ctx)
		if err != nil {
			t.Fatal(err)
		}
		ticked = !woken
	}
	// The caller's context ends Wait.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	for {
		_, err := s.Wait(cctx)
		if errors.Is(err, context.Canceled) {
			break
		}
		if err != nil {
			t.Fatalf("Wait with a cancelled context: %v", err)
		}
	}
}

func TestWatchCloseEndsWait(t *testing.T) {
	f := openStore(t)
	h, err := NewHub(context.Background(), f.st, Options{CheckpointInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	s, err := h.Subscribe(Owner{PartnerID: "a"}, store.EventFilter{PartnerID: "a"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if woken, err := s.Wait(t.Context()); !woken || err != nil {
		t.Fatalf("first Wait = %v, %v", woken, err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := s.Wait(context.Background())
		done <- err
	}()
	// Wait is one select that includes the hub's done channel, so Close ends
	// it whether it has parked yet or not: nothing to wait for here.
	h.Close()
	select {
	case err := <-done:
		if !errors.Is(err, store.ErrClosed) {
			t.Fatalf("Wait after Close: %v, want store.ErrClosed", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not end Wait")
	}
	if _, err := s.Wait(context.Background()); !errors.Is(err, store.ErrClosed) {
		t.Fatalf("Wait on a closed hub: %v", err)
	}
	// Next fails too: a stream catching up ends instead of sending on.
	if _, _, err := s.Next(context.Background(), 10); !errors.Is(err, store.ErrClosed) {
		t.Fatalf("Next on a closed hub: %v", err)
	}
	select {
	case <-h.Done():
	default:
		t.Fatal("Done not closed after Close")
	}
	h.Close() // idempotent
	// Commits after Close do not block.
	f.commit(t, ticketEvent("a", 1))
}

// failingLoads is a store whose unfiltered event reads (the hub loader's)
// fail while fail is set; subscribers' filtered reads work.
type failingLoads struct {
	store.Store
	fail atomic.Bool
	feed *store.CommitFeed // its commits come without events
}

func (f *failingLoads) SubscribeCommits() *store.CommitSubscription { return f.feed.Subscribe() }

type failingReader struct {
	store.Reader
	s *failingLoads
}

func (f *failingLoads) ReadTx(ctx context.Context, fn func(tx store.Reader) error) error {
	return f.Store.ReadTx(ctx, func(tx store.Reader) error { return fn(failingReader{tx, f}) })
}

func (r failingReader) ListEvents(ctx context.Context, after int64, f store.EventFilter, limit int) ([]domain.Event, error) {
	if r.s.fail.Load() && f == (store.EventFilter{}) {
		return nil, errors.New("injected load failure")
	}
	return r.Reader.ListEvents(ctx, after, f, limit)
}

// When the loader cannot read the log, subscribers are woken and read the
// new events from the log themselves; they are not caught up before.
func TestWatchSubscribersReadTheLogWhenLoadsFail(t *testing.T) {
	f := openStore(t)
	f.logOnly = &store.CommitFeed{}
	flaky := &failingLoads{Store: f.st, feed: f.logOnly}
	h, err := NewHub(context.Background(), flaky, Options{RingSize: 8, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	f.commit(t, ticketEvent("p1", 1))
	waitLoaded(t, h, 1)
	sub, err := h.Subscribe(Owner{PartnerID: "p1"}, store.EventFilter{PartnerID: "p1"}, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	ctx := t.Context()
	if _, caughtUp, err := sub.Next(ctx, 10); !caughtUp || err != nil {
		t.Fatalf("Next at the present: caught up %v, %v", caughtUp, err)
	}

	flaky.fail.Store(true)
	f.commit(t, ticketEvent("p1", 2), ticketEvent("p2", 1))
	var got []int64
	deadline := time.Now().Add(5 * time.Second)
	for sub.Cursor() < 3 {
		if time.Now().After(deadline) {
			t.Fatalf("subscriber stuck at %d (got %v) while the loader fails", sub.Cursor(), got)
		}
		wctx, cancel := context.WithTimeout(ctx, time.Until(deadline))
		_, err := sub.Wait(wctx)
		cancel()
		if err != nil {
			t.Fatalf("subscriber stuck at %d (got %v) while the loader fails: %v", sub.Cursor(), got, err)
		}
		for {
			batch, caughtUp, err := sub.Next(ctx, 10)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, seqsOf(batch)...)
			if caughtUp {
				break
			}
		}
	}
	if h.Last() != 1 {
		t.Fatalf("the loader loaded up to %d although it fails", h.Last())
	}
	if !equalSeqs(got, []int64{2}) {
		t.Fatalf("got %v from the log, want [2]", got)
	}

	// The loader recovers at the next commit; nothing is delivered twice.
	flaky.fail.Store(false)
	f.commit(t, ticketEvent("p1", 3))
	waitLoaded(t, h, 4)
	batch, caughtUp, err := sub.Next(ctx, 10)
	if err != nil || !caughtUp || !equalSeqs(seqsOf(batch), []int64{4}) {
		t.Fatalf("after recovery: %v, caught up %v, %v; want [4]", seqsOf(batch), caughtUp, err)
	}
}

// A subscriber far behind in the ring takes its events in batches of at
// most keptBatch, in order, into the one array it reuses: no allocation
// per batch however far behind it is.
func TestWatchRingBatchesReuseOneArray(t *testing.T) {
	f := openStore(t)
	h := f.hub(t, Options{RingSize: 256})
	sub, err := h.Subscribe(Owner{PartnerID: "p1"}, store.EventFilter{PartnerID: "p1"}, h.Last())
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	const n = 5*keptBatch + 3
	evs := make([]domain.Event, n)
	for i := range evs {
		evs[i] = ticketEvent("p1", i)
	}
	seqs := f.commit(t, evs...)
	waitLoaded(t, h, seqs[len(seqs)-1])
	var got []int64
	for {
		batch, caughtUp, err := sub.Next(t.Context(), 256)
		if err != nil {
			t.Fatal(err)
		}
		if len(batch) > keptBatch {
			t.Fatalf("Next returned %d entries from the ring, want at most %d", len(batch), keptBatch)
		}
		got = append(got, seqsOf(batch)...)
		if caughtUp {
			break
		}
	}
	if !equalSeqs(got, seqs) {
		t.Fatalf("got %v, want %v", got, seqs)
	}
	// Two full batches: AllocsPerRun calls once before it counts.
	f.commit(t, evs[:2*keptBatch]...)
	waitLoaded(t, h, seqs[len(seqs)-1]+2*keptBatch)
	if allocs := testing.AllocsPerRun(1, func() {
		if batch, _, err := sub.Next(t.Context(), 256); err != nil || len(batch) != keptBatch {
			t.Fatalf("Next = %d entries, %v; want %d", len(batch), err, keptBatch)
		}
	}); allocs != 0 {
		t.Errorf("Next allocated %.0f times for a full batch, want 0", allocs)
	}
}
