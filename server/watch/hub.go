// Package watch fans committed events out to watch streams without ever
// losing one. The hub subscribes to the store's commits
// (store.Store.SubscribeCommits): the writer hands over the events it just
// committed, and the hub's loader encodes each once, keeps the most recent
// ones in a ring (bounded by count and by bytes) and wakes every
// subscriber. It reads the event log itself only when a commit comes
// without its events (another process's commit, or a notification that
// fell behind). Each subscriber reads from its own
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
	size    int // bytes counted against RingBytes
}

// Sizer is implemented by payloads that know how many bytes they hold
// (with their event): the ring counts them against Options.RingBytes.
type Sizer interface{ Size() int }

// DefaultRingBytes bounds the memory of the ring by default: 64 MiB holds
// the default 8,192 events of ordinary size (a few KB each) many times
// over, while 8,192 events of the largest size (a full ticket, a 32 KiB
// note, encoded) would take about a gigabyte. When the bound is reached the
// oldest events leave the ring first; streams behind them read the log.
const DefaultRingBytes = 64 << 20

// defaultEntryBytes is what an entry whose payload is not a Sizer counts.
const defaultEntryBytes = 1024

// Options configure a Hub.
type Options struct {
	// RingSize is how many recent events stay in memory (default 8192).
	RingSize int
	// RingBytes bounds the memory those events hold (default
	// DefaultRingBytes): the ring keeps at most RingSize events and at most
	// RingBytes bytes, and always the newest event.
	RingBytes int
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
	ring       []*Entry // sequence q is at ring[q % len(ring)] for first <= q <= last
	first      int64    // lowest sequence in the ring (last+1 when empty)
	last       int64    // highest sequence loaded (the hub's "present")
	ringBytes  int      // sum of the sizes of the entries first..last
	subs       map[*Subscription]struct{}
	perPartner map[string]int // open subscriptions by partner
	perKey     map[string]int // open subscriptions by API key

	// commits is the hub's subscription to the store's commits; its
	// Notified() is the highest committed sequence: when it is above
	// last, committed events are not loaded yet.
	commits *store.CommitSubscription
	// loadFailed is set while the loader's last read of the log failed,
	// or when it made no progress over a whole checkpoint interval while
	// commits were pending (tickLoop): subscribers then read committed
	// events from the log themselves instead of waiting for the loader.
	loadFailed atomic.Bool

	// waitingForLoader, if set (by tests, before subscribing), is called
	// when Next starts waiting for the loader, so that a test can tell a
	// subscriber is waiting instead of sleeping.
	waitingForLoader func()

	done   chan struct{}
	closed chan struct{}
	once   sync.Once
}

// NewHub starts a hub over st whose present is the log's last sequence.
func NewHub(ctx context.Context, st store.Store, opts Options) (*Hub, error) {
	if opts.RingSize <= 0 {
		opts.RingSize = 8192
	}
	if opts.RingBytes <= 0 {
		opts.RingBytes = DefaultRingBytes
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
		ring:       make([]*Entry, opts.RingSize),
		subs:       make(map[*Subscription]struct{}),
		perPartner: make(map[string]int),
		perKey:     make(map[string]int),
		done:       make(chan struct{}),
		closed:     make(chan struct{}),
	}
	// Subscribe before reading the log's end: a commit in between is then
	// both notified and (maybe) counted in last, never neither.
	h.commits = st.SubscribeCommits()
	err := st.ReadTx(ctx, func(tx store.Reader) error {
		var err error
		h.last, err = tx.LastSequence(ctx)
		return err
	})
	if err != nil {
		h.commits.Close()
		return nil, err
	}
	h.first = h.last + 1
	go h.loadLoop()
	go h.tickLoop()
	return h, nil
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
	defer h.commits.Close()
	var commits []store.Commit
	for {
		select {
		case <-h.done:
			return
		case <-h.commits.Ready():
		}
		commits = h.commits.Take(commits[:0])
		for i, c := range commits {
			if err := h.apply(c); err != nil {
				h.opts.Logger.Error("watch hub: reading the event log", "error", err)
				// Subscribers still catch up from the log on their own.
				h.loadFailed.Store(true)
				h.wakeAll()
			}
			commits[i] = store.Commit{} // do not keep the events
		}
	}
}

// apply brings the ring up to commit c: from the events it carries when
// they follow the ring's last one, from the event log otherwise.
func (h *Hub) apply(c store.Commit) error {
	last := h.Last() // only this goroutine changes it
	if c.Last <= last {
		return nil // loaded already (by a read of the log)
	}
	evs := c.Events
	for len(evs) > 0 && evs[0].Sequence <= last {
		evs = evs[1:]
	}
	if len(evs) == 0 || evs[0].Sequence != last+1 || evs[len(evs)-1].Sequence != c.Last {
		return h.load()
	}
	h.put(evs)
	return nil
}

// load reads committed events after h.last into the ring.
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
		h.put(evs)
		if len(evs) < 1024 {
			return nil
		}
	}
}

// put encodes consecutive events following h.last (once for every
// stream, outside the lock), appends them to the ring, and wakes the
// subscribers.
func (h *Hub) put(evs []domain.Event) {
	if len(evs) == 0 {
		return
	}
	// One array for the batch: the ring and the streams share pointers
	// into it (a batch copies pointers, not events).
	entries := make([]Entry, len(evs))
	for i, e := range evs {
		entries[i] = Entry{Event: e, size: defaultEntryBytes}
		if e.Type.IsTicketEvent() {
			entries[i].Payload = h.opts.Encode(e)
			if s, ok := entries[i].Payload.(Sizer); ok {
				entries[i].size = s.Size()
			}
		}
	}
	h.mu.Lock()
	for i := range entries {
		h.push(&entries[i])
	}
	h.mu.Unlock()
	h.wakeAll()
}

// push appends en after h.last, dropping the oldest entries beyond
// RingSize or RingBytes (the newest always stays). h.mu is held.
func (h *Hub) push(en *Entry) {
	n := int64(len(h.ring))
	if h.last+1-h.first >= n {
		h.evictFirst() // its slot is en's
	}
	h.ring[int(en.Event.Sequence%n)] = en
	h.last = en.Event.Sequence
	h.ringBytes += en.size
	for h.ringBytes > h.opts.RingBytes && h.first < h.last {
		h.evictFirst()
	}
}

// evictFirst drops the oldest entry of the ring. h.mu is held.
func (h *Hub) evictFirst() {
	i := int(h.first % int64(len(h.ring)))
	h.ringBytes -= h.ring[i].size
	h.ring[i] = nil
	h.first++
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
			if h.commits.Notified() > last {
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
func (h *Hub) fromRing(cursor int64, f store.EventFilter, max int) (out []*Entry, scanned int64, ok bool) {
	return h.appendFromRing(cursor, f, max, nil)
}

// appendFromRing is fromRing appending to out (a subscription reuses its
// batch's array: no allocation per wake-up).
func (h *Hub) appendFromRing(cursor int64, f store.EventFilter, max int, out []*Entry) (_ []*Entry, scanned int64, ok bool) {
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
		if matches(&en.Event, f) {
			out = append(out, en)
		}
	}
	return out, scanned, true
}

// matches applies a stream's filter to an event: only ticket events of the
// filter's partner (and customer, ticket or queue after the change, when
// set).
func matches(e *domain.Event, f store.EventFilter) bool {
	if !e.Type.IsTicketEvent() || e.TicketID == "" {
		return false
	}
	return (f.PartnerID == "" || e.PartnerID == f.PartnerID) &&
		(f.CustomerID == "" || e.CustomerID == f.CustomerID) &&
		(f.TicketID == "" || e.TicketID == f.TicketID) &&
		(f.Queue == "" || e.Ticket != nil && e.Ticket.Queue == f.Queue)
}
