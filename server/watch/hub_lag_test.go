package watch

import (
	"context"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/supportd/supportd/server/domain"
	"github.com/supportd/supportd/server/store"
)

// gatedLoads is a store whose unfiltered event reads (the hub loader's)
// wait for release while gated, and which counts subscribers' filtered
// reads of the log.
type gatedLoads struct {
	store.Store
	gated   atomic.Bool
	release chan struct{}
	logRead atomic.Int64
	feed    *store.CommitFeed // its commits come without events
}

func (g *gatedLoads) SubscribeCommits() *store.CommitSubscription { return g.feed.Subscribe() }

type gatedReader struct {
	store.Reader
	s *gatedLoads
}

func (g *gatedLoads) ReadTx(ctx context.Context, fn func(tx store.Reader) error) error {
	return g.Store.ReadTx(ctx, func(tx store.Reader) error { return fn(gatedReader{tx, g}) })
}

func (r gatedReader) ListEvents(ctx context.Context, after int64, f store.EventFilter, limit int) ([]domain.Event, error) {
	if f == (store.EventFilter{}) {
		if r.s.gated.Load() {
			<-r.s.release
		}
	} else {
		r.s.logRead.Add(1)
	}
	return r.Reader.ListEvents(ctx, after, f, limit)
}

// While the loader is reading committed events, a caught-up subscriber
// waits for it (one read of the log for all) instead of reading the log
// itself, is not caught up before it has them, and then gets the ring's
// entries, each once, in order.
func TestWatchSubscribersWaitForALaggingLoader(t *testing.T) {
	f := openStore(t)
	f.logOnly = &store.CommitFeed{}
	g := &gatedLoads{Store: f.st, release: make(chan struct{}), feed: f.logOnly}
	var builds atomic.Int64
	h, err := NewHub(context.Background(), g, Options{RingSize: 64, Logger: slog.New(slog.DiscardHandler),
		Encode: func(e domain.Event) any { return &payload{seq: e.Sequence, build: builds.Add(1)} }})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	waiting := make(chan struct{}, 1)
	h.waitingForLoader = func() {
		select {
		case waiting <- struct{}{}:
		default:
		}
	}
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

	g.gated.Store(true)
	f.commit(t, ticketEvent("p1", 2), ticketEvent("p2", 1), ticketEvent("p1", 3))
	type next struct {
		batch    []*Entry
		caughtUp bool
		err      error
	}
	select {
	case <-waiting: // a wait before the gate is not the one observed below
	default:
	}
	done := make(chan next, 1)
	go func() {
		var all []*Entry
		for {
			b, c, err := sub.Next(ctx, 10)
			all = append(all, b...)
			if c || err != nil {
				done <- next{all, c, err}
				return
			}
		}
	}()
	// Next waits for the loader, which is held in its read: it must not
	// return before.
	select {
	case r := <-done:
		t.Fatalf("Next returned %v (caught up %v, %v) before the loader read the commit", seqsOf(r.batch), r.caughtUp, r.err)
	case <-waiting:
	case <-time.After(10 * time.Second):
		t.Fatal("Next neither returned nor waited for the loader")
	}
	g.gated.Store(false)
	close(g.release)
	r := <-done
	if r.err != nil || !r.caughtUp || !equalSeqs(seqsOf(r.batch), []int64{2, 4}) {
		t.Fatalf("after the load: %v, caught up %v, %v; want [2 4]", seqsOf(r.batch), r.caughtUp, r.err)
	}
	for _, en := range r.batch {
		if !inRing(h, en) {
			t.Errorf("event %d was read from the log, not the ring", en.Event.Sequence)
		}
	}
	if n := g.logRead.Load(); n != 0 {
		t.Errorf("the subscriber read the log %d times while the loader was loading", n)
	}
}

// A loader that makes no progress over a checkpoint interval while
// commits are pending is stuck: subscribers waiting for it then read the
// log themselves.
func TestWatchSubscriberReadsTheLogWhenTheLoaderIsStuck(t *testing.T) {
	f := openStore(t)
	f.logOnly = &store.CommitFeed{}
	g := &gatedLoads{Store: f.st, release: make(chan struct{}), feed: f.logOnly}
	h, err := NewHub(context.Background(), g, Options{RingSize: 64, CheckpointInterval: 50 * time.Millisecond, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	defer close(g.release)
	sub, err := h.Subscribe(Owner{PartnerID: "p1"}, store.EventFilter{PartnerID: "p1"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	ctx := t.Context()
	g.gated.Store(true)
	f.commit(t, ticketEvent("p1", 1))
	var got []int64
	deadline := time.Now().Add(5 * time.Second)
	for {
		if time.Now().After(deadline) {
			t.Fatalf("subscriber stuck at %d (got %v) while the loader lags", sub.Cursor(), got)
		}
		b, caughtUp, err := sub.Next(ctx, 10)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, seqsOf(b)...)
		if caughtUp {
			break
		}
	}
	if !equalSeqs(got, []int64{1}) || g.logRead.Load() == 0 {
		t.Fatalf("got %v with %d log reads, want [1] from the log", got, g.logRead.Load())
	}
}
