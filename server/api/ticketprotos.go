package api

import (
	"sync"

	"google.golang.org/grpc/mem"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	supportv1 "github.com/supportd/supportd/gen/support/v1"
	"github.com/supportd/supportd/server/domain"
)

// DefaultTicketMessages is the number of converted tickets TicketMessages
// keeps when given no size (~3 KB each: the message and its encoding).
const DefaultTicketMessages = 8192

// TicketMessages keeps tickets converted to their API message, and that
// message's wire encoding, by id and version, so that a ticket listed or
// fetched again (the newest tickets are, over and over) is neither
// converted nor encoded again: the conversion allocates about ten objects
// per ticket and was an eighth of a ListTickets page's CPU, the encoding of
// the page's tickets a fifth. A ticket's (id, version) never changes
// content (every change moves it to the next version). The messages are
// shared: callers only read them (marshalling one from several calls at
// once is safe) and never modify them. At most max are kept; a full cache
// evicts an arbitrary entry.
type TicketMessages struct {
	max int
	mu  sync.Mutex
	m   map[string]versionedProto
}

type versionedProto struct {
	version int64
	msg     *supportv1.Ticket
	wire    []byte // proto.Marshal(msg)
}

// NewTicketMessages returns a cache of at most size tickets
// (DefaultTicketMessages if size is not positive).
func NewTicketMessages(size int) *TicketMessages {
	if size <= 0 {
		size = DefaultTicketMessages
	}
	return &TicketMessages{max: size, m: make(map[string]versionedProto, min(size, 1<<16))}
}

// of returns t's API message, converted once per version.
func (c *TicketMessages) of(t domain.Ticket) *supportv1.Ticket {
	msg, _ := c.sized(t)
	return msg
}

// sized returns t's API message and its encoded size, both computed once
// per version.
func (c *TicketMessages) sized(t domain.Ticket) (*supportv1.Ticket, int) {
	c.mu.Lock()
	e, ok := c.m[t.ID]
	c.mu.Unlock()
	if ok && e.version == t.Version {
		return e.msg, len(e.wire)
	}
	msg := ticketToProto(t)
	wire, err := proto.Marshal(msg)
	if err != nil { // a converted ticket always encodes; keep it uncached
		return msg, proto.Size(msg)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.m[t.ID]; !ok && len(c.m) >= c.max {
		for id := range c.m { // map order: a pseudo-random victim
			delete(c.m, id)
			break
		}
	}
	c.m[t.ID] = versionedProto{version: t.Version, msg: msg, wire: wire}
	return msg, len(wire)
}

// encoded returns the wire encoding of msg if msg is a message this cache
// handed out and still holds.
func (c *TicketMessages) encoded(msg *supportv1.Ticket) ([]byte, bool) {
	c.mu.Lock()
	e, ok := c.m[msg.GetId()]
	c.mu.Unlock()
	if !ok || e.msg != msg {
		return nil, false
	}
	return e.wire, true
}

var (
	listTicketsField = (&supportv1.ListTicketsResponse{}).ProtoReflect().Descriptor().Fields().ByName("tickets")
	getTicketField   = (&supportv1.GetTicketResponse{}).ProtoReflect().Descriptor().Fields().ByName("ticket")
)

// EncodeResponse encodes a GetTicket or ListTickets response for the gRPC
// codec, copying the kept encoding of each ticket message this cache
// handed out instead of encoding it again; ok is false for any other
// message (encode it as usual). The result is the message's wire form:
// its other fields encoded by proto.Marshal, followed by one record per
// ticket (a protobuf parser accepts a message's fields in any order and a
// repeated field's records anywhere).
func (c *TicketMessages) EncodeResponse(v any) (out mem.BufferSlice, ok bool, err error) {
	switch m := v.(type) {
	case *supportv1.ListTicketsResponse:
		out, err = c.encodeWith(m, listTicketsField, m.GetTickets())
	case *supportv1.GetTicketResponse:
		if m.GetTicket() == nil {
			return nil, false, nil
		}
		out, err = c.encodeWith(m, getTicketField, []*supportv1.Ticket{m.GetTicket()})
	default:
		return nil, false, nil
	}
	return out, true, err
}

// encodeWith encodes m, whose field holds tickets, as described at
// EncodeResponse.
func (c *TicketMessages) encodeWith(m proto.Message, field protoreflect.FieldDescriptor, tickets []*supportv1.Ticket) (mem.BufferSlice, error) {
	rest := m.ProtoReflect().New()
	m.ProtoReflect().Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		if fd != field {
			rest.Set(fd, v)
		}
		return true
	})
	head, err := proto.Marshal(rest.Interface())
	if err != nil {
		return nil, err
	}
	wires := make([][]byte, len(tickets))
	size := len(head)
	for i, t := range tickets {
		w, ok := c.encoded(t)
		if !ok {
			if w, err = proto.Marshal(t); err != nil {
				return nil, err
			}
		}
		wires[i] = w
		size += protowire.SizeTag(field.Number()) + protowire.SizeBytes(len(w))
	}
	var buf *[]byte
	pool := mem.DefaultBufferPool()
	if mem.IsBelowBufferPoolingThreshold(size) {
		b := make([]byte, 0, size)
		buf = &b
	} else {
		buf = pool.Get(size)
		*buf = (*buf)[:0]
	}
	b := append(*buf, head...)
	for _, w := range wires {
		b = protowire.AppendTag(b, field.Number(), protowire.BytesType)
		b = protowire.AppendBytes(b, w)
	}
	*buf = b
	if mem.IsBelowBufferPoolingThreshold(size) {
		return mem.BufferSlice{mem.SliceBuffer(b)}, nil
	}
	return mem.BufferSlice{mem.NewBuffer(buf, pool)}, nil
}
