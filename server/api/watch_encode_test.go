package api

import (
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	supportv1 "github.com/supportd/supportd/gen/support/v1"
	"github.com/supportd/supportd/server/domain"
	"github.com/supportd/supportd/server/token"
)

// The pre-built stream messages of an event decode, on the receiving side,
// as responses holding exactly the event.
func TestWatchEncodedEvent(t *testing.T) {
	ev := &supportv1.TicketEvent{ResumeToken: "tok", Sequence: 42, TicketId: "T-1",
		Type: supportv1.TicketEventType_TICKET_EVENT_TYPE_NOTE_ADDED, EventTime: timestamp(time.Unix(1700000000, 5)),
		Actor: "partner:p", Message: "m", Ticket: &supportv1.Ticket{Id: "T-1", Title: "t", NoteCount: 1},
		Note: &supportv1.Note{Id: "1", Author: "partner:p", Text: "n"}}
	en := encodeEvent(ev)
	for _, c := range []struct {
		sent proto.Message
		into proto.Message
		want proto.Message
	}{
		{en.ticket, &supportv1.WatchTicketResponse{}, &supportv1.WatchTicketResponse{Update: &supportv1.WatchTicketResponse_Event{Event: ev}}},
		{en.tickets, &supportv1.WatchTicketsResponse{}, &supportv1.WatchTicketsResponse{Update: &supportv1.WatchTicketsResponse_Event{Event: ev}}},
		{en.queue, &supportv1.WatchQueueTicketsResponse{}, &supportv1.WatchQueueTicketsResponse{Update: &supportv1.WatchQueueTicketsResponse_Event{Event: ev}}},
	} {
		b, err := proto.Marshal(c.sent)
		if err != nil {
			t.Fatal(err)
		}
		if err := proto.Unmarshal(b, c.into); err != nil {
			t.Fatal(err)
		}
		if !proto.Equal(c.want, c.into) {
			t.Errorf("%T decoded as %v, want %v", c.into, c.into, c.want)
		}
	}
	// The signer's encoder builds the same.
	s := token.NewSigner(make([]byte, 32))
	p := EventEncoder(s)(domain.Event{Sequence: 7, TicketID: "T-2", Type: domain.EventNoteAdded, Time: time.Unix(1, 0)})
	b, err := proto.Marshal(p.(*encodedEvent).tickets)
	if err != nil {
		t.Fatal(err)
	}
	var got supportv1.WatchTicketsResponse
	if err := proto.Unmarshal(b, &got); err != nil || got.GetEvent().GetSequence() != 7 || got.GetEvent().GetResumeToken() != s.ResumeToken(7) {
		t.Fatalf("encoded event decodes as %v, %v", &got, err)
	}
}
