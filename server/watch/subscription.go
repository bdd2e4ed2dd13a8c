package watch

import (
	"context"
	"fmt"

	"github.com/supportd/supportd/server/domain"
	"github.com/supportd/supportd/server/store"
)

// Subscription is one watch stream's view of the log: a cursor (the
// highest sequence it has covered: every event up to it was delivered or
// did not match its filter) and its wake-ups.
type Subscription struct {
	hub    *Hub
	owner  Owner
	filter store.EventFilter
	cursor int64
	wake   chan struct{} // cap 1: new events may be there
	ticks  chan struct{} // cap 1: time for a periodic checkpoint
	// buf is the batch Next last returned from the ring, reused by the
	// next call (at most keptBatch entries; nil until the stream gets an
	// event).
	buf []*Entry
}

// keptBatch is the most entries Next returns from the ring per call (the
// capacity of the batch a subscription reuses).
const keptBatch = 16

// Owner is whom a subscription counts against: its API key, and its
// partner for partner streams (empty for agent streams, which have no
// partner).
type Owner struct {
	PartnerID string
	KeyID     string
}

// Subscribe registers a stream of owner reading events matching f after
// sequence after. It fails with a domain.QuotaError when the owner's key
// (Options.MaxStreamsPerKey) or partner (Options.MaxStreamsPerPartner)
// has too many streams: the per-key limit keeps one leaked or looping key
// from using up its partner's streams.
func (h *Hub) Subscribe(owner Owner, f store.EventFilter, after int64) (*Subscription, error) {
	s := &Subscription{hub: h, owner: owner, filter: f, cursor: after,
		wake: make(chan struct{}, 1), ticks: make(chan struct{}, 1)}
	h.mu.Lock()
	defer h.mu.Unlock()
	if owner.KeyID != "" && h.perKey[owner.KeyID] >= h.opts.MaxStreamsPerKey {
		return nil, &domain.QuotaError{Reason: "WATCH_STREAMS_PER_KEY", Subject: "api_keys/" + owner.KeyID,
			Description: fmt.Sprintf("too many concurrent watch streams for API key %s (at most %d, limits.watch_streams_per_key): close one first", owner.KeyID, h.opts.MaxStreamsPerKey)}
	}
	if owner.PartnerID != "" && h.perPartner[owner.PartnerID] >= h.opts.MaxStreamsPerPartner {
		return nil, &domain.QuotaError{Reason: "WATCH_STREAMS_PER_PARTNER", Subject: "partners/" + owner.PartnerID,
			Description: fmt.Sprintf("too many concurrent watch streams for partner %s (at most %d, limits.watch_streams_per_partner): close one first", owner.PartnerID, h.opts.MaxStreamsPerPartner)}
	}
	countUp(h.perKey, owner.KeyID)
	countUp(h.perPartner, owner.PartnerID)
	h.subs[s] = struct{}{}
	s.wakeUp()
	return s, nil
}

// Streams is the number of open subscriptions (watch streams).
func (h *Hub) Streams() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.subs)
}

// Close unregisters the subscription.
func (s *Subscription) Close() {
	h := s.hub
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.subs[s]; !ok {
		return
	}
	delete(h.subs, s)
	countDown(h.perKey, s.owner.KeyID)
	countDown(h.perPartner, s.owner.PartnerID)
}

// countUp counts one more stream of a non-empty id.
func countUp(counts map[string]int, id string) {
	if id != "" {
		counts[id]++
	}
}

// countDown counts one stream fewer, forgetting ids without streams.
func countDown(counts map[string]int, id string) {
	if id == "" {
		return
	}
	if counts[id]--; counts[id] <= 0 {
		delete(counts, id)
	}
}

func (s *Subscription) wakeUp() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

func (s *Subscription) tick() {
	select {
	case s.ticks <- struct{}{}:
	default:
	}
}

// Cursor is the highest sequence the subscription has covered.
func (s *Subscription) Cursor() int64 { return s.cursor }

// Next returns the next batch of matching entries after the cursor (at
// most max; from the ring at most keptBatch) and advances the cursor past them and past the non-matching
// events it skipped. caughtUp is true when the cursor reached the hub's
// present. It reads the ring when it covers the cursor, the log otherwise.
// The batch is valid until the next call (its array is reused). When events are committed that the loader has not put in the ring yet,
// it waits for the loader (one read of the log for all subscribers, rather
// than one each); it reads the log itself when the loader's last read
// failed or the loader is stuck (see Hub.tickLoop). Once the
// hub is closing it fails, so that a stream still catching up ends at
// shutdown instead of first sending its whole backlog.
func (s *Subscription) Next(ctx context.Context, max int) (batch []*Entry, caughtUp bool, err error) {
	for {
		select {
		case <-s.hub.done:
			return nil, false, errHubClosed
		default:
		}
		// Ring reads take at most keptBatch entries, into the reused
		// array: a stream behind by many events takes them in several
		// calls (each a read lock of the ring) rather than allocating a
		// larger batch per call.
		out, scanned, ok := s.hub.appendFromRing(s.cursor, s.filter, min(max, keptBatch), s.buf[:0])
		s.buf = out
		if !ok {
			return s.fromLog(ctx, max)
		}
		s.cursor = scanned
		switch {
		case scanned < s.hub.Last():
			return out, false, nil
		case scanned >= s.hub.commits.Notified():
			return out, true, nil
		case len(out) > 0:
			return out, false, nil
		}
		// Events are committed that the loader has not read yet: a stream
		// is caught up (and checkpoints) only once it has what is
		// committed.
		if s.hub.loadFailed.Load() {
			return s.fromLog(ctx, max)
		}
		// The loader wakes every subscriber after each load, and
		// loadFailed is set before they are woken when a load fails or
		// the loader is stuck; a wake-up sent since the ring was read
		// above is kept in s.wake.
		if s.hub.waitingForLoader != nil {
			s.hub.waitingForLoader()
		}
		select {
		case <-s.wake:
		case <-ctx.Done():
			return nil, false, ctx.Err()
		case <-s.hub.done:
			return nil, false, errHubClosed
		}
	}
}

// fromLog reads matching events after the cursor from the event log.
func (s *Subscription) fromLog(ctx context.Context, max int) ([]*Entry, bool, error) {
	var evs []domain.Event
	var last int64
	err := s.hub.st.ReadTx(ctx, func(tx store.Reader) error {
		var err error
		if last, err = tx.LastSequence(ctx); err != nil {
			return err
		}
		evs, err = tx.ListEvents(ctx, s.cursor, s.filter, max)
		return err
	})
	if err != nil {
		return nil, false, err
	}
	out := make([]*Entry, 0, len(evs))
	for i := range evs {
		e := &evs[i]
		if !matches(e, s.filter) {
			continue
		}
		out = append(out, &Entry{Event: *e, Payload: s.hub.opts.Encode(*e)})
	}
	switch {
	case len(evs) == max:
		s.cursor = evs[len(evs)-1].Sequence
	case last > s.cursor:
		// Fewer than max: nothing else matches up to last.
		s.cursor = last
	}
	return out, false, nil
}

// Wait blocks until there may be new events (woken is true), a periodic
// checkpoint is due (woken false), or ctx or the hub ends (err set).
func (s *Subscription) Wait(ctx context.Context) (woken bool, err error) {
	select {
	case <-s.wake:
		return true, nil
	case <-s.ticks:
		return false, nil
	case <-ctx.Done():
		return false, ctx.Err()
	case <-s.hub.done:
		return false, errHubClosed
	}
}

// errHubClosed ends subscriptions when the server shuts down.
var errHubClosed = fmt.Errorf("%w: the server is shutting down", store.ErrClosed)
