package app

import (
	"bytes"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	supportv1 "github.com/supportd/supportd/gen/support/v1"
	"github.com/supportd/supportd/server/api"
)

// A message holding only unknown fields (a watch stream's pre-encoded
// event) is sent as its bytes, shared rather than copied, and decodes as
// the event; a message with a known field is marshalled as usual,
// unknown fields included.
func TestCodecSendsUnknownOnlyMessagesAsTheyAre(t *testing.T) {
	ev := &supportv1.TicketEvent{Sequence: 7, TicketId: "T-1", EventTime: timestamppb.Now()}
	wire, err := proto.Marshal(&supportv1.WatchTicketsResponse{Update: &supportv1.WatchTicketsResponse_Event{Event: ev}})
	if err != nil {
		t.Fatal(err)
	}
	pre := &supportv1.WatchTicketsResponse{}
	pre.ProtoReflect().SetUnknown(wire)
	c := newMalformedCodec(api.NewTicketMessages(16))

	out, err := c.Marshal(pre)
	if err != nil {
		t.Fatal(err)
	}
	got := out.Materialize()
	if !bytes.Equal(got, wire) {
		t.Fatalf("Marshal = %x, want the unknown bytes %x", got, wire)
	}
	if len(out) != 1 || &out[0].ReadOnlyData()[0] != &pre.ProtoReflect().GetUnknown()[0] {
		t.Error("Marshal copied the unknown bytes; want them shared")
	}
	var back supportv1.WatchTicketsResponse
	if err := proto.Unmarshal(got, &back); err != nil || !proto.Equal(back.GetEvent(), ev) {
		t.Fatalf("decoded %v, %v; want the event %v", back.GetEvent(), err, ev)
	}

	mixed := &supportv1.WatchTicketsResponse{Update: &supportv1.WatchTicketsResponse_Checkpoint{Checkpoint: &supportv1.Checkpoint{ResumeToken: "r"}}}
	mixed.ProtoReflect().SetUnknown(wire)
	want, err := proto.Marshal(mixed)
	if err != nil {
		t.Fatal(err)
	}
	out, err = c.Marshal(mixed)
	if err != nil || !bytes.Equal(out.Materialize(), want) {
		t.Fatalf("Marshal of a message with a known field = %x, %v; want %x", out.Materialize(), err, want)
	}
}

// The check the codec makes of every message it sends allocates nothing.
func TestCodecUnknownOnlyCheckAllocatesNothing(t *testing.T) {
	pre := &supportv1.WatchTicketsResponse{}
	pre.ProtoReflect().SetUnknown([]byte{0x0a, 0x00})
	if n := testing.AllocsPerRun(10, func() {
		if unknownOnly(pre) == nil {
			t.Fatal("unknownOnly = nil for a message with only unknown fields")
		}
	}); n != 0 {
		t.Errorf("unknownOnly allocated %.0f times, want 0", n)
	}
}
