package auth

import "time"

// missCache remembers key ids found unknown, for a while, so that a
// client repeating a bad key (or a flood of them) costs a map lookup, not
// a database read per call. Its size is bounded: the entries live for one
// TTL, so they expire in the order they were added, and a full cache
// forgets its oldest entry first. Not safe for concurrent use: the
// Authenticator's lock guards it.
type missCache struct {
	ttl   time.Duration
	until map[string]time.Time // id -> end of its remembrance
	// order holds the entries in the order they were added, as a ring of
	// cap(order) slots from head; an entry whose id was forgotten or
	// added again since is stale and skipped when it comes out.
	order []missEntry
	head  int
	n     int
}

type missEntry struct {
	id    string
	until time.Time
}

func newMissCache(size int, ttl time.Duration) *missCache {
	return &missCache{ttl: ttl, until: make(map[string]time.Time, min(size, 1024)), order: make([]missEntry, size)}
}

// has reports whether id is remembered as unknown at now.
func (c *missCache) has(id string, now time.Time) bool {
	until, ok := c.until[id]
	return ok && now.Before(until)
}

// add remembers id as unknown from now for the TTL.
func (c *missCache) add(id string, now time.Time) {
	if len(c.order) == 0 {
		return
	}
	if c.n == len(c.order) {
		c.dropOldest()
	}
	e := missEntry{id: id, until: now.Add(c.ttl)}
	c.order[(c.head+c.n)%len(c.order)] = e
	c.n++
	c.until[id] = e.until
}

// dropOldest forgets the oldest entry (if it is still current).
func (c *missCache) dropOldest() {
	e := c.order[c.head]
	c.order[c.head] = missEntry{}
	c.head = (c.head + 1) % len(c.order)
	c.n--
	if until, ok := c.until[e.id]; ok && until.Equal(e.until) {
		delete(c.until, e.id)
	}
}

// forget drops id: a key created with it must work at once.
func (c *missCache) forget(id string) { delete(c.until, id) }

// clear drops every id.
func (c *missCache) clear() {
	clear(c.until)
	clear(c.order)
	c.head, c.n = 0, 0
}

// len is how many ids are remembered (expired ones included until they
// are dropped).
func (c *missCache) len() int { return len(c.until) }
