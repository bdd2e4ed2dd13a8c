// Package watch fans committed events out to watch streams without ever
// losing one. The store calls Hub.Notify after each commit; the hub's loader
// reads the new events from the event log once, keeps the most recent ones
// in a ring, and wakes every subscriber. Each subscriber reads from its own
// cursor: from the ring when its cursor is inside it, otherwise (a slow
// subscriber, or a resume from an old token) from the event log itself. The
// loader never waits for a subscriber, so a slow stream delays only itself.
package watch

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/supportd/supportd/server/domain"
	"github.com/supportd/supportd/server/store"
)

// Entry is one committed event with its pre-built payload (what streams
// send; built once for all subscribers by Options.Encode).
type Entry struct {
	Event   domain.Event
	Payload any
}

// Options configure a Hub.
type Options struct {
	// RingSize is how many recent events stay in memory (default 8192).
	RingSize int
	// CheckpointInterval is how often idle streams get a checkpoint
	// (default 10s).
	CheckpointInterval time.Duration
	// MaxStreamsPerPartner bounds concurrent watches of one partner
	// (default 100).
	MaxStreamsPerPartner int
	// MaxStreamsPerKey bounds concurrent watches of one API key (default
	// 20).
	MaxStreamsPerKey int
	// Encode builds an entry's payload from its event (default: nil payload).
	Encode func(domain.Event) any
	Logger *slog.Logger
}

// Hub is the fan-out point between the store and the watch streams.
type Hub struct {
	st   store.Store
	opts Options

	mu         sync.RWMutex
	ring       []Entry // sequence q is at ring[q % len(ring)] for first <= q <= last
	first      int64   // lowest sequence in the ring (last+1 when empty)
	last       int64   // highest sequence loaded (the hub's "present")
	subs       map[*Subscription]struct{}
	perPartner map[string]int // open subscriptions by partner
	perKey     map[string]int // open subscriptions by API key

	// notified is the highest sequence Notify reported: when it is above
	// last, committed events are not loaded yet.
	notified atomic.Int64
	// loadFailed is set while the loader's last read of the log failed,
	// or when it made no progress over a whole checkpoint interval while
	// commits were pending (tickLoop): subscribers then read committed
	// events from the log themselves instead of waiting for the loader.
	loadFailed atomic.Bool

	notify chan struct{}
	done   chan struct{}
	closed chan struct{}
	once   sync.Once
}

// NewHub starts a hub over st whose present is the log's last sequence.
func NewHub(ctx context.Context, st store.Store, opts Options) (*Hub, error) {
	if opts.RingSize <= 0 {
		opts.RingSize = 8192
	}
	if opts.CheckpointInterval <= 0 {
		opts.CheckpointInterval = 10 * time.Second
	}
	if opts.MaxStreamsPerPartner <= 0 {
		opts.MaxStreamsPerPartner = 100
	}
	if opts.MaxStreamsPerKey <= 0 {
		opts.MaxStreamsPerKey = 20
	}
	if opts.Encode == nil {
		opts.Encode = func(domain.Event) any { return nil }
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	h := &Hub{
		st: st, opts: opts,
		ring:       make([]Entry, opts.RingSize),
		subs:       make(map[*Subscription]struct{}),
		perPartner: make(map[string]int),
		perKey:     make(map[string]int),
		notify:     make(chan struct{}, 1),
		done:       make(chan struct{}),
		closed:     make(chan struct{}),
	}
	err := st.ReadTx(ctx, func(tx store.Reader) error {
		var err error
		h.last, err = tx.LastSequence(ctx)
		return err
	})
	if err != nil {
		return nil, err
	}
	h.first = h.last + 1
	go h.loadLoop()
	go h.tickLoop()
	return h, nil
}

// Notify tells the hub that events up to seq are committed. It never
// blocks: it is called from the store's writer after each commit.
func (h *Hub) Notify(seq int64) {
	for n := h.notified.Load(); seq > n && !h.notified.CompareAndSwap(n, seq); n = h.notified.Load() {
	}
	select {
	case h.notify <- struct{}{}:
	default: // a load is already pending; it will read this commit too
	}
}

// Last returns the highest sequence the hub has loaded.
func (h *Hub) Last() int64 {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return h.last
}

// Close ends every subscription and stops the hub.
func (h *Hub) Close() {
	h.once.Do(func() { close(h.done) })
	<-h.closed
}

// Done is closed when the hub is closing.
func (h *Hub) Done() <-chan struct{} { return h.done }

func (h *Hub) loadLoop() {
	defer close(h.closed)
	for {
		select {
		case <-h.done:
			return
		case <-h.notify:
		}
		if err := h.load(); err != nil {
			h.opts.Logger.Error("watch hub: reading the event log", "error", err)
			// Subscribers still catch up from the log on their own.
			h.loadFailed.Store(true)
			h.wakeAll()
		}
	}
}

// load reads committed events after h.last into the ring, then wakes
// subscribers.
func (h *Hub) load() error {
	ctx := context.Background()
	for {
		from := h.Last()
		var evs []domain.Event
		err := h.st.ReadTx(ctx, func(tx store.Reader) error {
			var err error
			evs, err = tx.ListEvents(ctx, from, store.EventFilter{}, 1024)
			return err
		})
		if err != nil {
			return err
		}
		h.loadFailed.Store(false)
		if len(evs) == 0 {
			return nil
		}
		entries := make([]Entry, len(evs))
		for i, e := range evs {
			entries[i] = Entry{Event: e}
			if e.Type.IsTicketEvent() {
				entries[i].Payload = h.opts.Encode(e)
			}
		}
		h.mu.Lock()
		for _, en := range entries {
			h.ring[int(en.Event.Sequence%int64(len(h.ring)))] = en
			h.last = en.Event.Sequence
			if h.last-h.first >= int64(len(h.ring)) {
				h.first = h.last - int64(len(h.ring)) + 1
			}
		}
		h.mu.Unlock()
		h.wakeAll()
		if len(evs) < 1024 {
			return nil
		}
	}
}

func (h *Hub) wakeAll() {
	h.mu.RLock()
	defer h.mu.RUnlock()
	for s := range h.subs {
		s.wakeUp()
	}
}

// tickLoop wakes every subscription for its periodic checkpoint. When the
// loader has made no progress since the previous tick although commits
// were pending then and still are, it is stuck: subscribers waiting for it
// are told to read the log themselves (a stuck loader delays streams by
// at most about two checkpoint intervals).
func (h *Hub) tickLoop() {
	t := time.NewTicker(h.opts.CheckpointInterval)
	defer t.Stop()
	lagging := int64(-1) // h.last at the previous tick when commits were pending
	for {
		select {
		case <-h.done:
			return
		case <-t.C:
			last := h.Last()
			stuck := false
			if h.notified.Load() > last {
				stuck = last == lagging
				lagging = last
			} else {
				lagging = -1
			}
			if stuck {
				h.loadFailed.Store(true)
			}
			h.mu.RLock()
			for s := range h.subs {
				if stuck {
					s.wakeUp()
				}
				s.tick()
			}
			h.mu.RUnlock()
		}
	}
}

// fromRing copies the entries after cursor matching f, up to max, when the
// ring covers cursor+1; ok is false when the caller must read the log.
// scanned is the highest sequence examined.
func (h *Hub) fromRing(cursor int64, f store.EventFilter, max int) (out []Entry, scanned int64, ok bool) {
	return h.appendFromRing(cursor, f, max, nil)
}

// appendFromRing is fromRing appending to out (a subscription reuses its
// batch's array: no allocation per wake-up).
func (h *Hub) appendFromRing(cursor int64, f store.EventFilter, max int, out []Entry) (_ []Entry, scanned int64, ok bool) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	if cursor >= h.last {
		return out, cursor, true
	}
	if cursor+1 < h.first {
		return out, cursor, false
	}
	scanned = cursor
	for seq := cursor + 1; seq <= h.last && len(out) < max; seq++ {
		en := h.ring[int(seq%int64(len(h.ring)))]
		scanned = seq
		if matches(en.Event, f) {
			out = append(out, en)
		}
	}
	return out, scanned, true
}

// matches applies a stream's filter to an event: only ticket events of the
// filter's partner (and customer, ticket or queue after the change, when
// set).
func matches(e domain.Event, f store.EventFilter) bool {
	if !e.Type.IsTicketEvent() || e.TicketID == "" {
		return false
	}
	return (f.PartnerID == "" || e.PartnerID == f.PartnerID) &&
		(f.CustomerID == "" || e.CustomerID == f.CustomerID) &&
		(f.TicketID == "" || e.TicketID == f.TicketID) &&
		(f.Queue == "" || e.Ticket != nil && e.Ticket.Queue == f.Queue)
}
