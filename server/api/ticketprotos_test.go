package api

import (
	"fmt"
	"testing"

	"google.golang.org/protobuf/proto"

	supportv1 "github.com/supportd/supportd/gen/support/v1"
	"github.com/supportd/supportd/server/domain"
)

// TestTicketProtosConvertOncePerVersion checks that a ticket's message is
// converted once per version, equals a fresh conversion, follows a new
// version, and that the cache stays bounded.
func TestTicketProtosConvertOncePerVersion(t *testing.T) {
	c := NewTicketMessages(0)
	tk := domain.Ticket{ID: "tk-1", Version: 1, Title: "first", Status: domain.StatusNew}
	first := c.of(tk)
	if again := c.of(tk); again != first {
		t.Fatal("the same version was converted again")
	}
	if !proto.Equal(first, ticketToProto(tk)) {
		t.Fatalf("cached message %v differs from a conversion", first)
	}
	if _, size := c.sized(tk); size != proto.Size(first) {
		t.Fatalf("cached size %d, want %d", size, proto.Size(first))
	}
	tk.Version, tk.Title = 2, "second"
	if got := c.of(tk); got.GetTitle() != "second" || got.GetEtag() != etagOf(2) {
		t.Fatalf("after a new version: title %q etag %q", got.GetTitle(), got.GetEtag())
	}
	for i := range DefaultTicketMessages + 100 {
		c.of(domain.Ticket{ID: fmt.Sprintf("tk-%d", i+2), Version: 1})
	}
	if n := len(c.m); n > DefaultTicketMessages {
		t.Fatalf("%d entries, want at most %d", n, DefaultTicketMessages)
	}
}

// TestEncodeResponseDecodesAsMarshalled: a ListTickets or GetTicket
// response encoded with the kept encodings of its tickets (and one ticket
// the cache does not hold) decodes to the same message as the proto
// codec's encoding; other messages are left to the proto codec.
func TestEncodeResponseDecodesAsMarshalled(t *testing.T) {
	c := NewTicketMessages(0)
	var tickets []*supportv1.Ticket
	for i := range 3 {
		tickets = append(tickets, c.of(domain.Ticket{ID: fmt.Sprintf("tk-%d", i), Version: 1, Title: "cached", Status: domain.StatusNew}))
	}
	tickets = append(tickets, ticketToProto(domain.Ticket{ID: "tk-x", Version: 4, Title: "not cached"}))
	for name, m := range map[string]proto.Message{
		"list":       &supportv1.ListTicketsResponse{Tickets: tickets, NextPageToken: "next"},
		"list empty": &supportv1.ListTicketsResponse{},
		"get":        &supportv1.GetTicketResponse{Ticket: tickets[1]},
		"get other":  &supportv1.GetTicketResponse{Ticket: tickets[3]},
	} {
		out, ok, err := c.EncodeResponse(m)
		if !ok || err != nil {
			t.Fatalf("%s: EncodeResponse: ok %v, %v", name, ok, err)
		}
		got := m.ProtoReflect().New().Interface()
		if err := proto.Unmarshal(out.Materialize(), got); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		out.Free()
		if !proto.Equal(got, m) {
			t.Errorf("%s: decoded %v, want %v", name, got, m)
		}
	}
	if _, ok, _ := c.EncodeResponse(&supportv1.GetTicketResponse{}); ok {
		t.Error("a GetTicket response without a ticket was taken")
	}
	if _, ok, _ := c.EncodeResponse(&supportv1.CreateTicketResponse{Ticket: tickets[0]}); ok {
		t.Error("another message was taken")
	}
}

// TestEncodeResponseLargePage: a page above the buffer pooling threshold
// decodes whole.
func TestEncodeResponseLargePage(t *testing.T) {
	c := NewTicketMessages(0)
	resp := &supportv1.ListTicketsResponse{NextPageToken: "next"}
	for i := range 200 {
		resp.Tickets = append(resp.Tickets, c.of(domain.Ticket{ID: fmt.Sprintf("tk-%d", i), Version: 1, Title: "a page of many tickets", Status: domain.StatusNew}))
	}
	out, _, err := c.EncodeResponse(resp)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Free()
	got := &supportv1.ListTicketsResponse{}
	if err := proto.Unmarshal(out.Materialize(), got); err != nil || !proto.Equal(got, resp) {
		t.Fatalf("decoded %d tickets (%v), want %d", len(got.GetTickets()), err, len(resp.Tickets))
	}
}
