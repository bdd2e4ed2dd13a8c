package store

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/supportd/supportd/server/domain"
)

// Commit tells a subscriber that events up to Last are committed and
// visible to every read transaction begun from now on.
//
// Events, when not nil, are every event committed with a sequence above
// the previous notification's Last up to Last, in sequence order, as
// ListEvents returns them (with their note and attachment): a subscriber
// can use them without reading the log. Nil Events mean "read the log up
// to Last": the backend did not have them at hand (another process's
// commit, a subscriber that fell behind, see CommitFeed). Subscribers
// treat Events as read-only: every subscriber gets the same values.
type Commit struct {
	Last   int64
	Events []domain.Event
	// Writes is how many write transactions the commit held (a group
	// commit holds several), and Took how long it took from its start to
	// being durable; zero when the backend does not know (another
	// process's commit). For metrics only.
	Writes int
	Took   time.Duration
}

// CommitFeed fans commit notifications out to subscriptions without ever
// blocking the publisher. Backends hold one and implement
// Store.SubscribeCommits with it:
//
//   - Publish every commit that appended events, after it is durable and
//     visible to new read transactions, never before, in commit order.
//   - Pass the events when they are at hand (the writer just appended
//     them), nil otherwise.
//
// A subscription that does not take its notifications keeps at most
// MaxPendingCommits commits and MaxPendingCommitEvents events; beyond that
// its pending notifications collapse into one with nil Events (read the
// log), so that a stuck subscriber costs the writer nothing and its memory
// stays bounded.
type CommitFeed struct {
	mu   sync.Mutex
	subs map[*CommitSubscription]struct{}
}

// Bounds of what one subscription keeps pending (see CommitFeed).
const (
	MaxPendingCommits      = 1024
	MaxPendingCommitEvents = 16384
)

// Subscribe returns a subscription to the commits published from now on.
func (f *CommitFeed) Subscribe() *CommitSubscription {
	s := &CommitSubscription{feed: f, ready: make(chan struct{}, 1)}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.subs == nil {
		f.subs = make(map[*CommitSubscription]struct{})
	}
	f.subs[s] = struct{}{}
	return s
}

// Publish notifies every subscription of c; it never blocks on a
// subscriber. A commit without events (c.Last 0) is not published.
func (f *CommitFeed) Publish(c Commit) {
	if c.Last <= 0 {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for s := range f.subs {
		s.add(c)
	}
}

// CommitSubscription receives commit notifications: Ready says some are
// pending, Take returns them.
type CommitSubscription struct {
	feed  *CommitFeed
	ready chan struct{} // cap 1: notifications are pending
	// notified is the highest Last published, set before Publish returns
	// (so before the writer answers the transactions of that commit).
	notified atomic.Int64

	mu      sync.Mutex
	pending []Commit
	events  int // events in pending
}

func (s *CommitSubscription) add(c Commit) {
	for n := s.notified.Load(); c.Last > n && !s.notified.CompareAndSwap(n, c.Last); n = s.notified.Load() {
	}
	s.mu.Lock()
	if len(s.pending) >= MaxPendingCommits || s.events+len(c.Events) > MaxPendingCommitEvents {
		// Fallen behind: forget the events, the subscriber reads the log.
		s.pending = append(s.pending[:0], Commit{Last: c.Last})
		s.events = 0
	} else {
		s.pending = append(s.pending, c)
		s.events += len(c.Events)
	}
	s.mu.Unlock()
	select {
	case s.ready <- struct{}{}:
	default:
	}
}

// Ready receives a value when notifications are pending.
func (s *CommitSubscription) Ready() <-chan struct{} { return s.ready }

// Notified is the highest Last published to the subscription so far. It
// is set before the writer answers the committed transactions: a caller
// whose write returned sees Notified at or above its events.
func (s *CommitSubscription) Notified() int64 { return s.notified.Load() }

// Take appends the pending notifications to buf, oldest first, and forgets
// them.
func (s *CommitSubscription) Take(buf []Commit) []Commit {
	s.mu.Lock()
	defer s.mu.Unlock()
	buf = append(buf, s.pending...)
	clear(s.pending)
	s.pending = s.pending[:0]
	s.events = 0
	return buf
}

// Close ends the subscription: no notification is added after it returns.
func (s *CommitSubscription) Close() {
	s.feed.mu.Lock()
	defer s.feed.mu.Unlock()
	delete(s.feed.subs, s)
}
