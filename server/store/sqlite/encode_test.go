package sqlite

import (
	"testing"

	"github.com/supportd/supportd/server/store/encoding"
)

// TestEncodeTicketOnce checks that a write transaction encodes the ticket
// of a ticket write and of its event once, and that any other ticket,
// even one differing in a single field, gets its own encoding.
func TestEncodeTicketOnce(t *testing.T) {
	v := &txView{}
	tk := benchTicket("tk-1")
	first, err := v.encodeTicket(tk)
	noErr(t, err)
	again, err := v.encodeTicket(tk)
	noErr(t, err)
	if &first[0] != &again[0] {
		t.Fatal("the same ticket was encoded twice")
	}
	other := tk
	other.Title = "another title"
	enc, err := v.encodeTicket(other)
	noErr(t, err)
	got, err := encoding.DecodeTicket(enc)
	noErr(t, err)
	if got.Title != "another title" {
		t.Fatalf("a changed ticket reused the previous encoding: title %q", got.Title)
	}
	want, err := encoding.EncodeTicket(other)
	noErr(t, err)
	if string(enc) != string(want) {
		t.Fatalf("encodeTicket differs from encoding.EncodeTicket:\n%s\n%s", enc, want)
	}
}
