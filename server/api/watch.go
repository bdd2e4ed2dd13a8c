package api

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	supportv1 "github.com/supportd/supportd/gen/support/v1"
	"github.com/supportd/supportd/server/auth"
	"github.com/supportd/supportd/server/domain"
	"github.com/supportd/supportd/server/store"
	"github.com/supportd/supportd/server/watch"
)

// watchScope binds resume tokens to watches. A token names a position in
// the event log (the last sequence the stream covered); it is the same
// for every stream, so one event message is built once for all streams.
const watchScope = "watch"

// watchBatch is the most events a stream takes from the log per read.
const watchBatch = 256

// ResumeToken returns the opaque token of log position seq.
func (s *Signer) ResumeToken(seq int64) string {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(seq))
	return s.Sign(watchScope, b[:])
}

// parseResumeToken returns the log position of a token, or a
// ValidationError on resume_token.
func (s *Signer) parseResumeToken(token string) (int64, error) {
	payload, err := s.Verify(watchScope, token)
	if err != nil || len(payload) != 8 {
		return 0, domain.Invalid(domain.FieldViolation{Field: "resume_token", Description: "malformed resume token: pass back a resume_token this server sent"})
	}
	return int64(binary.BigEndian.Uint64(payload)), nil
}

// EventEncoder returns the function the watch hub uses to build each
// event's message once for all streams: the TicketEvent is marshalled once,
// and every stream sends the same pre-built response messages (see
// encodedEvent) instead of marshalling it again.
func EventEncoder(s *Signer) func(domain.Event) any {
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
// When the event cannot be marshalled (it always can), the messages hold
// the event itself, marshalled by each send as usual.
type encodedEvent struct {
	ticket  *supportv1.WatchTicketResponse
	tickets *supportv1.WatchTicketsResponse
	queue   *supportv1.WatchQueueTicketsResponse
}

func encodeEvent(e *supportv1.TicketEvent) *encodedEvent {
	b, err := proto.Marshal(e)
	if err != nil {
		return &encodedEvent{
			ticket:  &supportv1.WatchTicketResponse{Update: &supportv1.WatchTicketResponse_Event{Event: e}},
			tickets: &supportv1.WatchTicketsResponse{Update: &supportv1.WatchTicketsResponse_Event{Event: e}},
			queue:   &supportv1.WatchQueueTicketsResponse{Update: &supportv1.WatchQueueTicketsResponse_Event{Event: e}},
		}
	}
	wire := protowire.AppendTag(make([]byte, 0, len(b)+binary.MaxVarintLen64+1), eventField, protowire.BytesType)
	wire = protowire.AppendBytes(wire, b)
	en := &encodedEvent{ticket: &supportv1.WatchTicketResponse{}, tickets: &supportv1.WatchTicketsResponse{},
		queue: &supportv1.WatchQueueTicketsResponse{}}
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
	st     store.Store
	tokens *Signer
	log    *slog.Logger
	now    func() time.Time
}

// NewWatcher returns the stream runner over hub.
func NewWatcher(hub *watch.Hub, st store.Store, tokens *Signer, log *slog.Logger, now func() time.Time) *Watcher {
	return &Watcher{hub: hub, st: st, tokens: tokens, log: log, now: now}
}

// start resolves where a stream starts: after the token's position, or at
// def when there is no token. A position older than the retained log is
// OUT_OF_RANGE; one beyond the log's end was not made by this server's log.
func (w *Watcher) start(ctx context.Context, token string, def func(last int64) int64) (int64, error) {
	var first, last int64
	err := w.st.ReadTx(ctx, func(tx store.Reader) error {
		var err error
		if first, err = tx.FirstSequence(ctx); err != nil {
			return err
		}
		last, err = tx.LastSequence(ctx)
		return err
	})
	if err != nil {
		return 0, err
	}
	if token == "" {
		return def(last), nil
	}
	seq, err := w.tokens.parseResumeToken(token)
	if err != nil {
		return 0, err
	}
	if seq > last {
		return 0, domain.Invalid(domain.FieldViolation{Field: "resume_token", Description: "resume token is ahead of this server's event log"})
	}
	if first > 0 && seq+1 < first {
		return 0, &domain.OutOfRangeError{Message: fmt.Sprintf(
			"resume token is older than the retained event log (oldest retained sequence %d): start a new watch without a token and re-read the tickets", first)}
	}
	return seq, nil
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
			cp := &supportv1.Checkpoint{ResumeToken: w.tokens.ResumeToken(sub.Cursor()), CheckpointTime: timestamppb.New(w.now())}
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
	after, err := s.watcher.start(ctx, req.GetResumeToken(), func(int64) int64 { return 0 })
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
	after, err := s.watcher.start(ctx, req.GetResumeToken(), func(last int64) int64 { return last })
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
	after, err := a.watcher.start(ctx, req.GetResumeToken(), func(last int64) int64 { return last })
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
