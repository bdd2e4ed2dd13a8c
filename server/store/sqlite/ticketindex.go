package sqlite

import (
	"container/list"
	"sync"

	"github.com/supportd/supportd/server/domain"
)

// DefaultTicketIndexSize is the number of tickets the index keeps when
// Options.TicketIndex is zero (~2 KB each).
const DefaultTicketIndexSize = 8192

// ticketIndex keeps decoded tickets in memory, at most max of them, least
// recently used evicted first. It serves two kinds of reads:
//
//   - byVersion: a ticket at the exact version a read transaction found in
//     its snapshot (a committed (id, version) never changes: every change
//     moves a ticket to the next version), so that its stored JSON is
//     neither copied out of SQLite nor decoded. Any entry serves.
//   - current: the newest committed version of a ticket, with no SQLite
//     transaction at all (Store.ReadTicket). Only entries marked current
//     serve, and only while no commit changing that ticket is under way.
//
// Why current entries are never older than a version any client saw: the
// single writer calls beginCommit with the tickets of a batch before its
// COMMIT and endCommit after it, before it answers any of the batch's
// callers or publishes its events. Between the two the tickets are
// pending, and current refuses them, so readers go to SQLite, which has
// the old or the new version, whichever is committed. endCommit then
// stores the new versions as current (or, if COMMIT failed, drops the
// mark). A read transaction fills the index too, with what its snapshot
// holds, but marks an entry current only if no commit changing tickets
// began since before its snapshot was taken (gen unchanged, see
// generation) and the ticket is not pending: otherwise its version may
// already be outdated. A fill never replaces a newer version.
//
// Write transactions neither read nor fill the index: what they read may
// be rolled back with their batch.
type ticketIndex struct {
	max int

	mu sync.Mutex
	// gen counts the beginnings and ends of commits that change tickets.
	gen     uint64
	pending map[string]int // ticket id -> batches committing a change of it
	entries map[string]*list.Element
	lru     list.List // of *indexEntry, most recently used first
}

type indexEntry struct {
	t       domain.Ticket
	current bool // t is the newest committed version
}

func newTicketIndex(max int) *ticketIndex {
	if max <= 0 {
		max = DefaultTicketIndexSize
	}
	return &ticketIndex{max: max, pending: map[string]int{}, entries: make(map[string]*list.Element, min(max, 1<<16))}
}

// generation returns the count of commit beginnings and ends so far. A
// read transaction takes it before its first statement: if it is unchanged
// when the transaction fills the index, no commit changing tickets became
// visible since before its snapshot.
func (x *ticketIndex) generation() uint64 {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.gen
}

// byVersion returns ticket id at version, if kept (a copy: a ticket holds
// no slices or maps a caller could share).
func (x *ticketIndex) byVersion(id string, version int64) (domain.Ticket, bool) {
	x.mu.Lock()
	defer x.mu.Unlock()
	el, ok := x.entries[id]
	if !ok {
		return domain.Ticket{}, false
	}
	e := el.Value.(*indexEntry)
	if e.t.Version != version {
		return domain.Ticket{}, false
	}
	x.lru.MoveToFront(el)
	return e.t, true
}

// current returns the newest committed version of ticket id, if the index
// knows it.
func (x *ticketIndex) current(id string) (domain.Ticket, bool) {
	x.mu.Lock()
	defer x.mu.Unlock()
	el, ok := x.entries[id]
	if !ok || x.pending[id] > 0 {
		return domain.Ticket{}, false
	}
	e := el.Value.(*indexEntry)
	if !e.current {
		return domain.Ticket{}, false
	}
	x.lru.MoveToFront(el)
	return e.t, true
}

// fill keeps t, read by a read transaction that took generation gen before
// its first statement.
func (x *ticketIndex) fill(t domain.Ticket, gen uint64) {
	x.mu.Lock()
	defer x.mu.Unlock()
	current := gen == x.gen && x.pending[t.ID] == 0
	if el, ok := x.entries[t.ID]; ok {
		e := el.Value.(*indexEntry)
		switch {
		case e.t.Version > t.Version:
			return // keep the newer version
		case e.t.Version == t.Version:
			e.current = e.current || current
			x.lru.MoveToFront(el)
			return
		}
	}
	x.set(t, current)
}

// set stores t (replacing any version of it) as the most recently used
// entry, evicting the least recently used beyond max. x.mu is held.
func (x *ticketIndex) set(t domain.Ticket, current bool) {
	if el, ok := x.entries[t.ID]; ok {
		el.Value = &indexEntry{t: t, current: current}
		x.lru.MoveToFront(el)
		return
	}
	x.entries[t.ID] = x.lru.PushFront(&indexEntry{t: t, current: current})
	for x.lru.Len() > x.max {
		last := x.lru.Back()
		delete(x.entries, last.Value.(*indexEntry).t.ID)
		x.lru.Remove(last)
	}
}

// beginCommit marks the tickets a batch changed as pending: called by the
// writer before COMMIT.
func (x *ticketIndex) beginCommit(changed []domain.Ticket) {
	if len(changed) == 0 {
		return
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	x.gen++
	for _, t := range changed {
		x.pending[t.ID]++
	}
}

// endCommit ends what beginCommit began, after COMMIT returned: if
// committed, the changed tickets (in the order the batch wrote them, so
// the last version of each wins) become current; if not, whatever the
// index holds of them is no longer trusted to be current.
func (x *ticketIndex) endCommit(changed []domain.Ticket, committed bool) {
	if len(changed) == 0 {
		return
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	x.gen++
	for _, t := range changed {
		if x.pending[t.ID]--; x.pending[t.ID] <= 0 {
			delete(x.pending, t.ID)
		}
		switch el, ok := x.entries[t.ID]; {
		case committed:
			x.set(t, true)
		case ok:
			el.Value.(*indexEntry).current = false
		}
	}
}
