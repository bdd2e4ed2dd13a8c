package api

import (
	"sync"

	supportv1 "github.com/supportd/supportd/gen/support/v1"
	"github.com/supportd/supportd/server/domain"
)

// ticketProtosSize bounds the converted tickets kept (~1.5 KB each).
const ticketProtosSize = 8192

// ticketProtos keeps tickets converted to their API message by id and
// version, so that a ticket listed or fetched again (the newest tickets are,
// over and over) is not converted again: the conversion allocates about ten
// objects per ticket, and was an eighth of a ListTickets page's CPU. A
// ticket's (id, version) never changes content (every change moves it to
// the next version). The messages are shared: callers only read them
// (marshalling one from several calls at once is safe) and never modify
// them.
type ticketProtos struct {
	mu sync.Mutex
	m  map[string]versionedProto
}

type versionedProto struct {
	version int64
	msg     *supportv1.Ticket
}

func newTicketProtos() *ticketProtos {
	return &ticketProtos{m: make(map[string]versionedProto, ticketProtosSize)}
}

// of returns t's API message, converted once per version.
func (c *ticketProtos) of(t domain.Ticket) *supportv1.Ticket {
	c.mu.Lock()
	e, ok := c.m[t.ID]
	c.mu.Unlock()
	if ok && e.version == t.Version {
		return e.msg
	}
	msg := ticketToProto(t)
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.m[t.ID]; !ok && len(c.m) >= ticketProtosSize {
		for id := range c.m { // map order: a pseudo-random victim
			delete(c.m, id)
			break
		}
	}
	c.m[t.ID] = versionedProto{version: t.Version, msg: msg}
	return msg
}
