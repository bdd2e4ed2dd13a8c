package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/supportd/supportd/server/domain"
	"github.com/supportd/supportd/server/store"
)

var eventTests = []subtest{
	{name: "Empty", fn: testEventsEmpty},
	{name: "AppendRoundTrip", fn: testAppendRoundTrip},
	{name: "GapFreeWithRollbacks", fn: testGapFree},
	{name: "Filters", fn: testEventFilters},
	{name: "AfterLimit", fn: testEventsAfterLimit},
	{name: "DeleteEventsBefore", fn: testDeleteEventsBefore},
}

// sequences reads FirstSequence and LastSequence in one snapshot.
func sequences(t *testing.T, s store.Store) (first, last int64) {
	t.Helper()
	read(t, s, func(tx store.Reader) error {
		var err error
		if first, err = tx.FirstSequence(ctxT(t)); err != nil {
			return err
		}
		last, err = tx.LastSequence(ctxT(t))
		return err
	})
	return first, last
}

// allEvents lists every retained event.
func allEvents(t *testing.T, s store.Store) []domain.Event {
	t.Helper()
	var out []domain.Event
	read(t, s, func(tx store.Reader) error {
		after := int64(0)
		for {
			evs, err := tx.ListEvents(ctxT(t), after, store.EventFilter{}, 500)
			if err != nil {
				return err
			}
			if len(evs) == 0 {
				return nil
			}
			out = append(out, evs...)
			after = evs[len(evs)-1].Sequence
		}
	})
	return out
}

// wantConsecutive fails unless the events' sequences are consecutive.
func wantConsecutive(t *testing.T, evs []domain.Event) {
	t.Helper()
	for i := 1; i < len(evs); i++ {
		if evs[i].Sequence != evs[i-1].Sequence+1 {
			t.Fatalf("sequence gap: %d follows %d", evs[i].Sequence, evs[i-1].Sequence)
		}
	}
}

func testEventsEmpty(t *testing.T, f Factory) {
	s := f.Open(t)
	first, last := sequences(t, s)
	if first != 0 || last != 0 {
		t.Errorf("empty log: FirstSequence %d, LastSequence %d, want 0, 0", first, last)
	}
	read(t, s, func(tx store.Reader) error {
		evs, err := tx.ListEvents(ctxT(t), 0, store.EventFilter{}, 10)
		noErr(t, "ListEvents", err)
		if len(evs) != 0 {
			t.Errorf("empty log: ListEvents = %+v", evs)
		}
		return nil
	})
	var n int64
	write(t, s, func(tx store.ReadWriter) (err error) {
		n, err = tx.DeleteEventsBefore(ctxT(t), at(time.Hour))
		return err
	})
	if n != 0 {
		t.Errorf("DeleteEventsBefore on empty log = %d", n)
	}
}

func testAppendRoundTrip(t *testing.T, f Factory) {
	s := f.Open(t)
	ctx := ctxT(t)
	seed(t, s)
	_, before := sequences(t, s)
	if before == 0 {
		t.Fatal("seed appended events but LastSequence is 0")
	}
	tk := newTicket("tk-1", partner1, customer1)
	events := []domain.Event{
		ticketEvent(domain.EventCreated, tk),
		{Type: domain.EventAPIKeyCreated, PartnerID: partner1, Actor: "admin", Time: at(time.Second), Detail: "key k1"},
		{Type: domain.EventPartnerUpdated, Actor: "admin", Time: at(2 * time.Second)}, // global, no partner
	}
	var seqs []int64
	write(t, s, func(tx store.ReadWriter) error {
		if err := tx.CreateTicket(ctx, tk); err != nil {
			return err
		}
		for _, e := range events {
			seq, err := tx.AppendEvent(ctx, e)
			if err != nil {
				return err
			}
			seqs = append(seqs, seq)
		}
		// The transaction sees its own events.
		last, err := tx.LastSequence(ctx)
		noErr(t, "LastSequence in tx", err)
		if last != seqs[len(seqs)-1] {
			t.Errorf("LastSequence in tx = %d, want %d", last, seqs[len(seqs)-1])
		}
		return nil
	})
	for i, seq := range seqs {
		if seq != before+int64(i)+1 {
			t.Errorf("AppendEvent #%d returned %d, want %d", i, seq, before+int64(i)+1)
		}
	}
	read(t, s, func(tx store.Reader) error {
		got, err := tx.ListEvents(ctx, before, store.EventFilter{}, 100)
		noErr(t, "ListEvents", err)
		if len(got) != len(events) {
			t.Fatalf("ListEvents after %d = %d events, want %d: %+v", before, len(got), len(events), got)
		}
		for i, e := range events {
			e.Sequence = seqs[i]
			wantEqual(t, fmt.Sprintf("event %d", i), got[i], e)
		}
		if got[1].Ticket != nil || got[2].Ticket != nil {
			t.Error("directory events came back with a ticket")
		}
		last, err := tx.LastSequence(ctx)
		noErr(t, "LastSequence", err)
		if last != seqs[2] {
			t.Errorf("LastSequence = %d, want %d", last, seqs[2])
		}
		first, err := tx.FirstSequence(ctx)
		noErr(t, "FirstSequence", err)
		if first != 1 {
			t.Errorf("FirstSequence = %d, want 1", first)
		}
		return nil
	})
	evs := allEvents(t, s)
	if int64(len(evs)) != seqs[2] {
		t.Errorf("%d events in the log, want one per AppendEvent: %d", len(evs), seqs[2])
	}
	wantConsecutive(t, evs)
}

func testGapFree(t *testing.T, f Factory) {
	s := f.Open(t)
	ctx := ctxT(t)
	var committed []int64
	for i := range 30 {
		var seq int64
		err := s.ReadWriteTx(ctx, func(tx store.ReadWriter) error {
			for j := range 1 + i%3 {
				var err error
				seq, err = tx.AppendEvent(ctx, domain.Event{Type: domain.EventPartnerUpdated, Actor: "a", Time: at(time.Duration(i) * time.Second), Detail: fmt.Sprintf("%d/%d", i, j)})
				if err != nil {
					return err
				}
			}
			if i%4 == 1 {
				return errBoom
			}
			return nil
		})
		if i%4 == 1 {
			wantErr(t, "failing tx", err, errBoom)
			continue
		}
		noErr(t, "tx", err)
		committed = append(committed, seq)
	}
	evs := allEvents(t, s)
	wantConsecutive(t, evs)
	if len(evs) == 0 || evs[0].Sequence != 1 {
		t.Fatalf("log does not start at 1: %+v", evs)
	}
	for _, e := range evs {
		var i, j int
		if _, err := fmt.Sscanf(e.Detail, "%d/%d", &i, &j); err != nil || i%4 == 1 {
			t.Errorf("event %d (%q) from a rolled-back transaction", e.Sequence, e.Detail)
		}
	}
	// The last sequence each committed tx got is the one its event kept.
	bySeq := map[int64]domain.Event{}
	for _, e := range evs {
		bySeq[e.Sequence] = e
	}
	for _, seq := range committed {
		if _, ok := bySeq[seq]; !ok {
			t.Errorf("committed sequence %d is not in the log", seq)
		}
	}
	if _, last := sequences(t, s); last != committed[len(committed)-1] {
		t.Errorf("LastSequence %d, want %d", last, committed[len(committed)-1])
	}
}

func testEventFilters(t *testing.T, f Factory) {
	s := f.Open(t)
	ctx := ctxT(t)
	seed(t, s) // directory events of partner1, partner2 and customers 1-3
	t1 := newTicket("tk-1", partner1, customer1)
	t2 := newTicket("tk-2", partner1, customer2)
	t2.Queue = domain.QueueBilling
	t3 := newTicket("tk-3", partner2, customer3)
	createTickets(t, s, t1, t2, t3)
	write(t, s, func(tx store.ReadWriter) error {
		for _, e := range []domain.Event{
			ticketEvent(domain.EventNoteAdded, t1),
			ticketEvent(domain.EventNoteAdded, t3),
			{Type: domain.EventAPIKeyCreated, PartnerID: partner1, Actor: "admin", Time: at(0)},
			ticketEvent(domain.EventStatusChanged, t2),
			ticketEvent(domain.EventAcknowledged, t1),
			ticketEvent(domain.EventReassigned, reassigned(t1, domain.QueueFraud)),
			{Type: domain.EventSubscriptionCreated, PartnerID: partner1, CustomerID: customer1, Actor: "admin", Time: at(0)},
		} {
			if _, err := tx.AppendEvent(ctx, e); err != nil {
				return err
			}
		}
		return nil
	})
	all := allEvents(t, s)
	match := func(fl store.EventFilter) []int64 {
		var out []int64
		for _, e := range all {
			if (fl.TicketID == "" || e.TicketID == fl.TicketID) &&
				(fl.PartnerID == "" || e.PartnerID == fl.PartnerID && e.TicketID != "") &&
				(fl.CustomerID == "" || e.CustomerID == fl.CustomerID) &&
				(fl.Queue == "" || e.Ticket != nil && e.Ticket.Queue == fl.Queue) {
				out = append(out, e.Sequence)
			}
		}
		return out
	}
	cases := map[string]struct {
		fl   store.EventFilter
		want int
	}{
		"ticket":   {store.EventFilter{TicketID: "tk-1"}, 4},
		"partner":  {store.EventFilter{PartnerID: partner1}, 6}, // only ticket events
		"partner2": {store.EventFilter{PartnerID: partner2}, 2},
		"customer": {store.EventFilter{CustomerID: customer1}, 6},
		// The queue of the ticket after the change: tk-1's events are in
		// AZURE until it moves to FRAUD.
		"queue":             {store.EventFilter{Queue: domain.QueueAzure}, 5},
		"queue (moved)":     {store.EventFilter{Queue: domain.QueueFraud}, 1},
		"queue+partner":     {store.EventFilter{Queue: domain.QueueBilling, PartnerID: partner1}, 2},
		"queue (empty)":     {store.EventFilter{Queue: domain.QueueOffice365}, 0},
		"partner+customer":  {store.EventFilter{PartnerID: partner1, CustomerID: customer2}, 2},
		"partner+ticket":    {store.EventFilter{PartnerID: partner2, TicketID: "tk-1"}, 0},
		"unknown ticket":    {store.EventFilter{TicketID: "no-such-ticket"}, 0},
		"everything":        {store.EventFilter{}, len(all)},
		"customer (tenant)": {store.EventFilter{CustomerID: customer3}, 3},
	}
	read(t, s, func(tx store.Reader) error {
		for name, c := range cases {
			want := match(c.fl)
			if len(want) != c.want {
				t.Fatalf("fixture %s: %d matches, want %d", name, len(want), c.want)
			}
			got, err := tx.ListEvents(ctx, 0, c.fl, 100)
			noErr(t, "ListEvents "+name, err)
			var seqs []int64
			for _, e := range got {
				seqs = append(seqs, e.Sequence)
				if c.fl.PartnerID != "" && e.TicketID == "" {
					t.Errorf("ListEvents %s: directory event %d matched a partner filter", name, e.Sequence)
				}
			}
			wantEqual(t, "ListEvents "+name, seqs, want)
			// after and limit combine with the filter.
			if len(want) >= 2 {
				got, err := tx.ListEvents(ctx, want[0], c.fl, 1)
				noErr(t, "ListEvents after/limit "+name, err)
				if len(got) != 1 || got[0].Sequence != want[1] {
					t.Errorf("ListEvents %s after %d limit 1 = %+v, want sequence %d", name, want[0], got, want[1])
				}
			}
		}
		return nil
	})
}

func testEventsAfterLimit(t *testing.T, f Factory) {
	s := f.Open(t)
	ctx := ctxT(t)
	write(t, s, func(tx store.ReadWriter) error {
		for i := range 25 {
			if _, err := tx.AppendEvent(ctx, domain.Event{Type: domain.EventPartnerUpdated, Actor: "a", Time: at(time.Duration(i) * time.Second), Detail: fmt.Sprint(i)}); err != nil {
				return err
			}
		}
		return nil
	})
	read(t, s, func(tx store.Reader) error {
		for _, c := range []struct {
			after      int64
			limit      int
			first, len int64
		}{
			{0, 10, 1, 10},
			{10, 10, 11, 10},
			{20, 10, 21, 5},
			{25, 10, 0, 0},
			{1000, 10, 0, 0},
			{0, 100, 1, 25},
			{24, 1, 25, 1},
		} {
			got, err := tx.ListEvents(ctx, c.after, store.EventFilter{}, c.limit)
			noErr(t, "ListEvents", err)
			if int64(len(got)) != c.len || len(got) > 0 && got[0].Sequence != c.first {
				t.Errorf("ListEvents(after %d, limit %d): %d events from %v, want %d from %d",
					c.after, c.limit, len(got), seqsOf(got), c.len, c.first)
			}
			for i, e := range got {
				if e.Detail != fmt.Sprint(e.Sequence-1) || i > 0 && e.Sequence != got[i-1].Sequence+1 {
					t.Errorf("ListEvents(after %d): event %d has detail %q", c.after, e.Sequence, e.Detail)
				}
			}
		}
		return nil
	})
}

func seqsOf(evs []domain.Event) []int64 {
	out := make([]int64, len(evs))
	for i, e := range evs {
		out[i] = e.Sequence
	}
	return out
}

func testDeleteEventsBefore(t *testing.T, f Factory) {
	s := f.Open(t)
	ctx := ctxT(t)
	// Ten events, an hour apart.
	write(t, s, func(tx store.ReadWriter) error {
		for i := range 10 {
			if _, err := tx.AppendEvent(ctx, domain.Event{Type: domain.EventPartnerUpdated, Actor: "a", Time: at(time.Duration(i) * time.Hour), Detail: fmt.Sprint(i)}); err != nil {
				return err
			}
		}
		return nil
	})
	deleteBefore := func(cut time.Time) int64 {
		var n int64
		write(t, s, func(tx store.ReadWriter) (err error) {
			n, err = tx.DeleteEventsBefore(ctx, cut)
			return err
		})
		return n
	}
	// Strictly before: the event at 4h stays.
	if n := deleteBefore(at(4 * time.Hour)); n != 4 {
		t.Errorf("DeleteEventsBefore(4h) = %d, want 4", n)
	}
	if first, last := sequences(t, s); first != 5 || last != 10 {
		t.Errorf("after deleting 4: first %d last %d, want 5 10", first, last)
	}
	// A rolled-back delete keeps everything.
	err := s.ReadWriteTx(ctx, func(tx store.ReadWriter) error {
		if _, err := tx.DeleteEventsBefore(ctx, at(100*time.Hour)); err != nil {
			return err
		}
		return errBoom
	})
	wantErr(t, "rolled-back delete", err, errBoom)
	if first, _ := sequences(t, s); first != 5 {
		t.Errorf("rolled-back delete: first %d, want 5", first)
	}
	// Everything is old: all but the newest go.
	if n := deleteBefore(at(100 * time.Hour)); n != 5 {
		t.Errorf("DeleteEventsBefore(all) = %d, want 5", n)
	}
	evs := allEvents(t, s)
	if len(evs) != 1 || evs[0].Sequence != 10 || evs[0].Detail != "9" {
		t.Fatalf("after deleting all: %+v, want only the newest (10)", evs)
	}
	if first, last := sequences(t, s); first != 10 || last != 10 {
		t.Errorf("after deleting all: first %d last %d, want 10 10", first, last)
	}
	if n := deleteBefore(at(200 * time.Hour)); n != 0 {
		t.Errorf("DeleteEventsBefore with one event left = %d, want 0", n)
	}
	// Sequences continue after the kept one, also after a rollback.
	err = s.ReadWriteTx(ctx, func(tx store.ReadWriter) error {
		if _, err := tx.AppendEvent(ctx, domain.Event{Type: domain.EventPartnerUpdated, Actor: "a", Time: at(0)}); err != nil {
			return err
		}
		return errBoom
	})
	wantErr(t, "rolled-back append", err, errBoom)
	var seq int64
	write(t, s, func(tx store.ReadWriter) (err error) {
		seq, err = tx.AppendEvent(ctx, domain.Event{Type: domain.EventPartnerUpdated, Actor: "a", Time: at(0), Detail: "after"})
		return err
	})
	if seq != 11 {
		t.Errorf("AppendEvent after deletion = %d, want 11", seq)
	}
	evs = allEvents(t, s)
	wantConsecutive(t, evs)
	if first, last := sequences(t, s); first != 10 || last != 11 {
		t.Errorf("final: first %d last %d, want 10 11", first, last)
	}
}

// reassigned returns tk moved to queue q, one version later.
func reassigned(tk domain.Ticket, q domain.Queue) domain.Ticket {
	tk.Queue = q
	tk.Version++
	return tk
}
