package api

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	supportv1 "github.com/supportd/supportd/gen/support/v1"
	"github.com/supportd/supportd/server/auth"
	"github.com/supportd/supportd/server/domain"
	"github.com/supportd/supportd/server/store"
	"github.com/supportd/supportd/server/token"
	"github.com/supportd/supportd/server/watch"
)

// watchBatch is the most events a stream takes from the log per read.
const watchBatch = 256

// EventEncoder returns the function the watch hub uses to build each
// event's message once for all streams: the TicketEvent is marshalled once,
// and every stream sends the same pre-built response messages (see
// encodedEvent) instead of marshalling it again.
func EventEncoder(s *token.Signer) func(domain.Event) any {
	return func(e domain.Event) any {
		out := &supportv1.TicketEvent{
			ResumeToken: s.ResumeToken(e.Sequence),
			Sequence:    e.Sequence,
			TicketId:    e.TicketID,
			Type:        eventTypeToProto(e.Type),
			EventTime:   timestamp(e.Time),
			Actor:       e.Actor,
			Message:     e.Detail,
		}
		if e.Ticket != nil {
			out.Ticket = ticketToProto(*e.Ticket)
		}
		if e.Note != nil {
			out.Note = noteToProto(*e.Note)
		}
		if e.Attachment != nil {
			out.Attachment = attachmentToProto(*e.Attachment)
		}
		return encodeEvent(out)
	}
}

// encodedEvent is an event's stream messages, built once for all streams
// and shared by them (read only). A WatchTicketResponse and a
// WatchTicketsResponse holding an event are, on the wire, both the single
// field 1 (event) holding the TicketEvent's bytes: the messages carry those
// bytes, marshalled once, as their unknown fields, which marshalling
// copies out as they are. A receiver decodes them as the event field.
// The server's codec sends a message holding only unknown fields as those
// bytes, shared (app's malformedCodec.Marshal): a send copies nothing
// before the transport. When the event cannot be marshalled (it always
// can), the messages hold the event itself, marshalled by each send as
// usual.
type encodedEvent struct {
	ticket  *supportv1.WatchTicketResponse
	tickets *supportv1.WatchTicketsResponse
	queue   *supportv1.WatchQueueTicketsResponse
	size    int
}

// Size implements watch.Sizer: the encoded bytes (shared by the three
// messages), about as much again for the event the ring keeps beside
// them, and the messages themselves.
func (e *encodedEvent) Size() int { return e.size }

// encodedOverhead is the memory of an encodedEvent beyond its bytes.
const encodedOverhead = 512

func encodeEvent(e *supportv1.TicketEvent) *encodedEvent {
	b, err := proto.Marshal(e)
	if err != nil {
		return &encodedEvent{
			ticket:  &supportv1.WatchTicketResponse{Update: &supportv1.WatchTicketResponse_Event{Event: e}},
			tickets: &supportv1.WatchTicketsResponse{Update: &supportv1.WatchTicketsResponse_Event{Event: e}},
			queue:   &supportv1.WatchQueueTicketsResponse{Update: &supportv1.WatchQueueTicketsResponse_Event{Event: e}},
			size:    2*proto.Size(e) + encodedOverhead,
		}
	}
	wire := protowire.AppendTag(make([]byte, 0, len(b)+binary.MaxVarintLen64+1), eventField, protowire.BytesType)
	wire = protowire.AppendBytes(wire, b)
	en := &encodedEvent{ticket: &supportv1.WatchTicketResponse{}, tickets: &supportv1.WatchTicketsResponse{},
		queue: &supportv1.WatchQueueTicketsResponse{}, size: 2*len(wire) + encodedOverhead}
	en.ticket.ProtoReflect().SetUnknown(wire)
	en.tickets.ProtoReflect().SetUnknown(wire)
	en.queue.ProtoReflect().SetUnknown(wire)
	return en
}

// eventField is the number of the event field of WatchTicketResponse,
// WatchTicketsResponse and WatchQueueTicketsResponse
// (TestWatchEncodedEvent checks that all decode the pre-built messages as
// their event).
const eventField = 1

// Watcher runs watch streams for SupportService.
type Watcher struct {
	hub    *watch.Hub
	tokens *token.Signer
	log    *slog.Logger
	now    func() time.Time
	// checkpoint is the resume token of the last checkpoint position:
	// caught-up streams checkpoint at the same position, signed once.
	checkpoint atomic.Pointer[positionToken]
}

// positionToken is a log position with its resume token.
type positionToken struct {
	seq   int64
	token string
}

// resumeToken returns the resume token of seq, reusing the last one.
func (w *Watcher) resumeToken(seq int64) string {
	if c := w.checkpoint.Load(); c != nil && c.seq == seq {
		return c.token
	}
	tok := w.tokens.ResumeToken(seq)
	w.checkpoint.Store(&positionToken{seq: seq, token: tok})
	return tok
}

// NewWatcher returns the stream runner over hub.
func NewWatcher(hub *watch.Hub, tokens *token.Signer, log *slog.Logger, now func() time.Time) *Watcher {
	return &Watcher{hub: hub, tokens: tokens, log: log, now: now}
}

// start resolves where a stream starts (see watch.Hub.StartAfter): after
// the token's position, or, without a token, at the log's end (fromNow)
// or its beginning.
func (w *Watcher) start(ctx context.Context, resumeToken string, fromNow bool) (int64, error) {
	s := watch.Start{FromNow: fromNow}
	if resumeToken != "" {
		seq, err := w.tokens.ParseResumeToken(resumeToken)
		if err != nil {
			return 0, domain.Invalid(domain.FieldViolation{Field: "resume_token", Description: "malformed resume token: pass back a resume_token this server sent"})
		}
		s.Resume, s.HasResume = seq, true
	}
	return w.hub.StartAfter(ctx, s)
}

// sender sends one event or checkpoint on a stream.
type sender struct {
	event      func(*encodedEvent) error
	checkpoint func(*supportv1.Checkpoint) error
}

// run streams the subscription until the client leaves or the server stops.
// A checkpoint is sent when the stream first catches up and then at every
// periodic tick. The stream counts against the limits of partnerID (empty
// for agent streams) and of the calling key.
func (w *Watcher) run(ctx context.Context, partnerID string, f store.EventFilter, after int64, out sender) error {
	p, _ := auth.FromContext(ctx)
	sub, err := w.hub.Subscribe(watch.Owner{PartnerID: partnerID, KeyID: p.KeyID}, f, after)
	if err != nil {
		return err
	}
	defer sub.Close()
	checkpointDue := true
	for {
		batch, caughtUp, err := sub.Next(ctx, watchBatch)
		if err != nil {
			return err
		}
		for _, en := range batch {
			ev, ok := en.Payload.(*encodedEvent)
			if !ok {
				return errors.New("watch: event without payload")
			}
			if err := out.event(ev); err != nil {
				return err
			}
		}
		if !caughtUp {
			continue
		}
		if checkpointDue {
			cp := &supportv1.Checkpoint{ResumeToken: w.resumeToken(sub.Cursor()), CheckpointTime: timestamppb.New(w.now())}
			if err := out.checkpoint(cp); err != nil {
				return err
			}
			checkpointDue = false
		}
		woken, err := sub.Wait(ctx)
		if err != nil {
			return err
		}
		if !woken {
			checkpointDue = true
		}
	}
}

// WatchTicket implements SupportService.WatchTicket.
func (s *Support) WatchTicket(req *supportv1.WatchTicketRequest, stream supportv1.SupportService_WatchTicketServer) error {
	ctx := stream.Context()
	_, partnerID := partnerOfCall(ctx)
	if _, err := s.tickets.Get(ctx, partnerID, req.GetTicketId()); err != nil {
		return toStatus(ctx, s.log, err)
	}
	after, err := s.watcher.start(ctx, req.GetResumeToken(), false)
	if err != nil {
		return toStatus(ctx, s.log, err)
	}
	f := store.EventFilter{PartnerID: partnerID, TicketID: req.GetTicketId()}
	err = s.watcher.run(ctx, partnerID, f, after, sender{
		event: func(e *encodedEvent) error { return stream.Send(e.ticket) },
		checkpoint: func(c *supportv1.Checkpoint) error {
			return stream.Send(&supportv1.WatchTicketResponse{Update: &supportv1.WatchTicketResponse_Checkpoint{Checkpoint: c}})
		},
	})
	return toStatus(ctx, s.log, err)
}

// WatchTickets implements SupportService.WatchTickets.
func (s *Support) WatchTickets(req *supportv1.WatchTicketsRequest, stream supportv1.SupportService_WatchTicketsServer) error {
	ctx := stream.Context()
	_, partnerID := partnerOfCall(ctx)
	if c := req.GetCustomerId(); c != "" {
		if err := s.tickets.RequireCustomer(ctx, partnerID, c); err != nil {
			return toStatus(ctx, s.log, err)
		}
	}
	after, err := s.watcher.start(ctx, req.GetResumeToken(), true)
	if err != nil {
		return toStatus(ctx, s.log, err)
	}
	f := store.EventFilter{PartnerID: partnerID, CustomerID: req.GetCustomerId()}
	err = s.watcher.run(ctx, partnerID, f, after, sender{
		event: func(e *encodedEvent) error { return stream.Send(e.tickets) },
		checkpoint: func(c *supportv1.Checkpoint) error {
			return stream.Send(&supportv1.WatchTicketsResponse{Update: &supportv1.WatchTicketsResponse_Checkpoint{Checkpoint: c}})
		},
	})
	return toStatus(ctx, s.log, err)
}

// WatchQueueTickets implements AgentService.WatchQueueTickets: every
// partner's ticket events, or those of one queue (the ticket's queue after
// the change), from now or after a resume token. Its streams count
// against the calling key's limit (limits.watch_streams_per_key), not a
// partner's.
func (a *Agent) WatchQueueTickets(req *supportv1.WatchQueueTicketsRequest, stream supportv1.AgentService_WatchQueueTicketsServer) error {
	ctx := stream.Context()
	q := queueOf(req.GetQueue())
	if q == "" && req.GetQueue() != supportv1.Queue_QUEUE_UNSPECIFIED {
		return toStatus(ctx, a.log, domain.Invalid(domain.FieldViolation{Field: "queue", Description: fmt.Sprintf("unknown queue %d", req.GetQueue())}))
	}
	after, err := a.watcher.start(ctx, req.GetResumeToken(), true)
	if err != nil {
		return toStatus(ctx, a.log, err)
	}
	err = a.watcher.run(ctx, "", store.EventFilter{Queue: q}, after, sender{
		event: func(e *encodedEvent) error { return stream.Send(e.queue) },
		checkpoint: func(c *supportv1.Checkpoint) error {
			return stream.Send(&supportv1.WatchQueueTicketsResponse{Update: &supportv1.WatchQueueTicketsResponse_Checkpoint{Checkpoint: c}})
		},
	})
	return toStatus(ctx, a.log, err)
}
