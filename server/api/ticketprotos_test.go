package api

import (
	"fmt"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/supportd/supportd/server/domain"
)

// TestTicketProtosConvertOncePerVersion checks that a ticket's message is
// converted once per version, equals a fresh conversion, follows a new
// version, and that the cache stays bounded.
func TestTicketProtosConvertOncePerVersion(t *testing.T) {
	c := newTicketProtos()
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
	for i := range ticketProtosSize + 100 {
		c.of(domain.Ticket{ID: fmt.Sprintf("tk-%d", i+2), Version: 1})
	}
	if n := len(c.m); n > ticketProtosSize {
		t.Fatalf("%d entries, want at most %d", n, ticketProtosSize)
	}
}
