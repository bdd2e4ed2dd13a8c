package api_test

import (
	"fmt"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	supportv1 "github.com/supportd/supportd/gen/support/v1"
)

// TestConversationStaysBounded adds 1,000 notes of 1 KB to one ticket:
// GetTicket and every watch event stay small (the ticket carries a count,
// an event one note), and the database grows by about the same number of
// bytes per note at the 1,000th note as at the 100th (linear, not
// quadratic). Events carry their note whether a stream reads them from
// the hub's ring or from the log. Run with -v for the bytes per note (docs/benchmarks.md).
func TestConversationStaysBounded(t *testing.T) {
	const small = 16 << 10
	w := startWorking(t)
	tk := w.file(t, wkSevB)
	used := func() int64 {
		t.Helper()
		n, err := w.s.Store.UsedBytes(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	text := func(i int) string { // 1,000 bytes, different for each note
		return fmt.Sprintf("note %04d: ", i) + strings.Repeat(string(rune('a'+i%26)), 989)
	}
	b0 := used()
	var b100 int64
	for i := 1; i <= 1000; i++ {
		w.addNote(t, tk.GetId(), text(i))
		if i == 100 {
			b100 = used()
		}
	}
	b1000 := used()
	first := float64(b100-b0) / 100
	later := float64(b1000-b100) / 900
	t.Logf("database bytes per 1 KB note: %.0f over the first 100 notes, %.0f over the next 900", first, later)
	if later > 1.5*first || later < first/1.5 || later > 4096 {
		t.Errorf("storage per note %.0f bytes at 100-1,000 notes vs %.0f at 0-100: not linear", later, first)
	}

	resp, err := w.s.Support().GetTicket(w.partner(t), &supportv1.GetTicketRequest{TicketId: tk.GetId()})
	if err != nil {
		t.Fatal(err)
	}
	if resp.GetTicket().GetNoteCount() != 1000 {
		t.Fatalf("note_count %d, want 1000", resp.GetTicket().GetNoteCount())
	}
	if n := proto.Size(resp); n > small {
		t.Errorf("GetTicket response of a ticket with 1,000 notes: %d bytes, want under %d", n, small)
	}

	// The ticket's whole history (CREATED and 1,000 NOTE_ADDED), replayed
	// from the hub's ring, then, after a restart (an empty ring), from the
	// event log: the same events, each with its note.
	replay := func() []*supportv1.TicketEvent {
		t.Helper()
		s := &watchServer{Server: w.s}
		stream := s.watchTicket(t, w.dir.PartnerKey, &supportv1.WatchTicketRequest{TicketId: tk.GetId()})
		defer stream.close()
		return stream.events(t, 1001)
	}
	live := replay()
	w.restart(t)
	fromLog := replay()
	largest := 0
	for i, e := range live {
		if n := proto.Size(&supportv1.WatchTicketResponse{Update: &supportv1.WatchTicketResponse_Event{Event: e}}); n > largest {
			largest = n
		}
		if i > 0 && (e.GetNote().GetText() != text(i) || e.GetNote().GetId() != fmt.Sprint(i)) {
			t.Fatalf("event %d carries note %s %.20q, want %d %.20q", i, e.GetNote().GetId(), e.GetNote().GetText(), i, text(i))
		}
		if !proto.Equal(e, fromLog[i]) {
			t.Fatalf("event %d from the ring\n%v\nfrom the log\n%v", e.GetSequence(), e, fromLog[i])
		}
	}
	t.Logf("GetTicket: %d bytes; largest watch event: %d bytes", proto.Size(resp), largest)
	if largest > small {
		t.Errorf("largest watch event: %d bytes, want under %d", largest, small)
	}
}
