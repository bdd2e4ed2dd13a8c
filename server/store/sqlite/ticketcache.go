package sqlite

import (
	"sync"

	"github.com/supportd/supportd/server/domain"
)

// ticketCacheSize bounds the decoded tickets kept (~2 KB each).
const ticketCacheSize = 8192

// ticketCache keeps decoded tickets by id and version, so that reading a
// ticket again (the newest tickets are listed and fetched over and over)
// skips decoding its JSON. A committed (id, version) never changes:
// UpdateTicket always moves a ticket to the next version. Only read
// transactions, which see committed state, fill the cache: a write
// transaction may read what its batch later rolls back.
type ticketCache struct {
	mu sync.Mutex
	m  map[string]domain.Ticket
}

func newTicketCache() *ticketCache {
	return &ticketCache{m: make(map[string]domain.Ticket, ticketCacheSize)}
}

// get returns the cached ticket id at version (a copy: a ticket holds no
// slices or maps a caller could share).
func (c *ticketCache) get(id string, version int64) (domain.Ticket, bool) {
	c.mu.Lock()
	t, ok := c.m[id]
	c.mu.Unlock()
	if !ok || t.Version != version {
		return domain.Ticket{}, false
	}
	return t, true
}

// put caches t, evicting an arbitrary entry when full.
func (c *ticketCache) put(t domain.Ticket) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.m[t.ID]; !ok && len(c.m) >= ticketCacheSize {
		for id := range c.m { // map order: a pseudo-random victim
			delete(c.m, id)
			break
		}
	}
	c.m[t.ID] = t
}
