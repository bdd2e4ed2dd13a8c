package api

import (
	"sync"

	"google.golang.org/protobuf/proto"

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
	size    int // proto.Size(msg), for fitting a page
}

func newTicketProtos() *ticketProtos {
	return &ticketProtos{m: make(map[string]versionedProto, ticketProtosSize)}
}

// of returns t's API message, converted once per version.
func (c *ticketProtos) of(t domain.Ticket) *supportv1.Ticket {
	msg, _ := c.sized(t)
	return msg
}

// sized returns t's API message and its encoded size, both computed once
// per version.
func (c *ticketProtos) sized(t domain.Ticket) (*supportv1.Ticket, int) {
	c.mu.Lock()
	e, ok := c.m[t.ID]
	c.mu.Unlock()
	if ok && e.version == t.Version {
		return e.msg, e.size
	}
	msg := ticketToProto(t)
	size := proto.Size(msg)
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.m[t.ID]; !ok && len(c.m) >= ticketProtosSize {
		for id := range c.m { // map order: a pseudo-random victim
			delete(c.m, id)
			break
		}
	}
	c.m[t.ID] = versionedProto{version: t.Version, msg: msg, size: size}
	return msg, size
}
