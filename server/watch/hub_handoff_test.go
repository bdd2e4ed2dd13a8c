package watch

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/supportd/supportd/server/domain"
	"github.com/supportd/supportd/server/store"
)

// countedLoads is a store that counts the hub loader's reads of the log
// (unfiltered ListEvents) and the subscribers' (filtered); its commits
// come with their events, as the SQLite writer publishes them.
type countedLoads struct {
	store.Store
	loads, subReads atomic.Int64
}

type countedReader struct {
	store.Reader
	s *countedLoads
}

func (c *countedLoads) ReadTx(ctx context.Context, fn func(tx store.Reader) error) error {
	return c.Store.ReadTx(ctx, func(tx store.Reader) error { return fn(countedReader{tx, c}) })
}

func (r countedReader) ListEvents(ctx context.Context, after int64, f store.EventFilter, limit int) ([]domain.Event, error) {
	if f == (store.EventFilter{}) {
		r.s.loads.Add(1)
	} else {
		r.s.subReads.Add(1)
	}
	return r.Reader.ListEvents(ctx, after, f, limit)
}

// sizedPayload is a test payload that counts size bytes against the ring.
type sizedPayload struct {
	payload
	size int
}

func (p *sizedPayload) Size() int { return p.size }

// collect reads sub until its cursor reaches upTo, waiting for wake-ups
// (no polling), and returns what it got.
func collect(t *testing.T, sub *Subscription, upTo int64) []*Entry {
	t.Helper()
	var got []*Entry
	for {
		batch, caughtUp, err := sub.Next(t.Context(), 7)
		if err != nil {
			t.Fatalf("Next at %d: %v", sub.Cursor(), err)
		}
		got = append(got, batch...)
		if sub.Cursor() >= upTo {
			return got
		}
		if caughtUp {
			if _, err := sub.Wait(t.Context()); err != nil {
				t.Fatalf("Wait at %d: %v", sub.Cursor(), err)
			}
		}
	}
}

func wantSeqs(t *testing.T, what string, got []*Entry, want []int64) {
	t.Helper()
	if !equalSeqs(seqsOf(got), want) {
		t.Fatalf("%s: got %v, want %v", what, seqsOf(got), want)
	}
}

func seqRange(from, to int64) []int64 {
	var out []int64
	for q := from; q <= to; q++ {
		out = append(out, q)
	}
	return out
}

// The writer hands its committed events to the hub: they reach the ring
// and the streams without the hub reading the log, each encoded once.
func TestWatchHandoffFillsTheRingWithoutReadingTheLog(t *testing.T) {
	f := openStore(t)
	c := &countedLoads{Store: f.st}
	var builds atomic.Int64
	h, err := NewHub(context.Background(), c, Options{RingSize: 64,
		Encode: func(e domain.Event) any { return &payload{seq: e.Sequence, build: builds.Add(1)} }})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	sub, err := h.Subscribe(Owner{PartnerID: "p1"}, store.EventFilter{PartnerID: "p1"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	for i := range 10 {
		f.commit(t, ticketEvent("p1", i), ticketEvent("p2", i))
	}
	got := collect(t, sub, 20)
	wantSeqs(t, "p1's events", got, []int64{1, 3, 5, 7, 9, 11, 13, 15, 17, 19})
	for _, en := range got {
		if !inRing(h, en) {
			t.Errorf("event %d did not come from the ring", en.Event.Sequence)
		}
	}
	if n := c.loads.Load(); n != 0 {
		t.Errorf("the hub read the log %d times; the writer handed it every event", n)
	}
	if n := c.subReads.Load(); n != 0 {
		t.Errorf("the subscriber read the log %d times", n)
	}
	if n := builds.Load(); n != 20 {
		t.Errorf("%d payloads built for 20 events, want each once", n)
	}
}

// A stream that falls behind the ring reads the log, then the ring again:
// every event once, in order, none skipped; a stream resumed from any
// position it reached gets exactly the rest.
func TestWatchLaggardReadsTheLogThenTheRing(t *testing.T) {
	f := openStore(t)
	c := &countedLoads{Store: f.st}
	h, err := NewHub(context.Background(), c, Options{RingSize: 8,
		Encode: func(e domain.Event) any { return &payload{seq: e.Sequence} }})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	laggard, err := h.Subscribe(Owner{PartnerID: "p1"}, store.EventFilter{PartnerID: "p1"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer laggard.Close()
	keeper, err := h.Subscribe(Owner{PartnerID: "p1"}, store.EventFilter{PartnerID: "p1"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer keeper.Close()
	var kept []*Entry
	for i := range 40 {
		f.commit(t, ticketEvent("p1", i))
		kept = append(kept, collect(t, keeper, int64(i+1))...)
	}
	wantSeqs(t, "the reader that keeps up", kept, seqRange(1, 40))
	if n := c.subReads.Load(); n != 0 {
		t.Fatalf("a caught-up subscriber read the log %d times", n)
	}

	first := collect(t, laggard, 20)
	if n := c.subReads.Load(); n == 0 {
		t.Error("the laggard never read the log although the ring holds 8 of 40 events")
	}
	mid := laggard.Cursor()
	rest := collect(t, laggard, 40)
	wantSeqs(t, "the laggard", append(first, rest...), seqRange(1, 40))

	resumed, err := h.Subscribe(Owner{PartnerID: "p1"}, store.EventFilter{PartnerID: "p1"}, mid)
	if err != nil {
		t.Fatal(err)
	}
	defer resumed.Close()
	f.commit(t, ticketEvent("p1", 40))
	wantSeqs(t, fmt.Sprintf("resumed at %d", mid), collect(t, resumed, 41), seqRange(mid+1, 41))
	wantSeqs(t, "the laggard, live again", collect(t, laggard, 41), []int64{41})
	if n := c.loads.Load(); n != 0 {
		t.Errorf("the hub read the log %d times", n)
	}
}

// The ring holds at most RingBytes of payload (and always the newest
// event): older events are read from the log.
func TestWatchRingBoundedByBytes(t *testing.T) {
	f := openStore(t)
	h, err := NewHub(context.Background(), f.st, Options{RingSize: 64, RingBytes: 350,
		Encode: func(e domain.Event) any { return &sizedPayload{payload: payload{seq: e.Sequence}, size: 100} }})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	sub, err := h.Subscribe(Owner{PartnerID: "p1"}, store.EventFilter{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	for i := range 10 {
		f.commit(t, ticketEvent("p1", i))
	}
	collect(t, sub, 10)
	h.mu.RLock()
	first, last, bytes := h.first, h.last, h.ringBytes
	h.mu.RUnlock()
	if first != 8 || last != 10 || bytes != 300 {
		t.Fatalf("ring %d..%d of %d bytes, want 8..10 of 300 (3 events of 100 within 350)", first, last, bytes)
	}
	if _, _, ok := h.fromRing(6, store.EventFilter{}, 10); ok {
		t.Error("the ring claims to cover sequence 7, which it dropped")
	}

	// An event larger than the bound stays, alone.
	h2, err := NewHub(context.Background(), f.st, Options{RingBytes: 50,
		Encode: func(e domain.Event) any { return &sizedPayload{payload: payload{seq: e.Sequence}, size: 100} }})
	if err != nil {
		t.Fatal(err)
	}
	defer h2.Close()
	sub2, err := h2.Subscribe(Owner{PartnerID: "p1"}, store.EventFilter{}, 10)
	if err != nil {
		t.Fatal(err)
	}
	defer sub2.Close()
	f.commit(t, ticketEvent("p1", 10), ticketEvent("p1", 11))
	got := collect(t, sub2, 12)
	wantSeqs(t, "past the bound", got, []int64{11, 12})
	h2.mu.RLock()
	defer h2.mu.RUnlock()
	if h2.first != 12 || h2.last != 12 {
		t.Errorf("ring %d..%d, want only the newest event 12", h2.first, h2.last)
	}
}
