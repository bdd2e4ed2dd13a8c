package storetest

import (
	"cmp"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/supportd/supportd/server/domain"
	"github.com/supportd/supportd/server/store"
)

var ticketTests = []subtest{
	{name: "CreateGetUpdate", fn: testTicketCRUD},
	{name: "ReadTicket", fn: testReadTicket},
	{name: "ListTickets", fn: testListTickets},
	{name: "ListQueueTickets", fn: testListQueueTickets},
	{name: "ListDueTickets", fn: testListDueTickets},
}

func testTicketCRUD(t *testing.T, f Factory) {
	s := f.Open(t)
	ctx := ctxT(t)
	seed(t, s)
	tk := newTicket("tk-1", partner1, customer1)
	createTickets(t, s, tk)
	read(t, s, func(tx store.Reader) error {
		got, err := tx.GetTicket(ctx, tk.ID)
		noErr(t, "GetTicket", err)
		wantEqual(t, "GetTicket", got, tk)
		_, err = tx.GetTicket(ctx, "no-such-ticket")
		wantErr(t, "GetTicket unknown", err, store.ErrNotFound)
		return nil
	})

	// Version 2 replaces version 1, every field included.
	v2 := tk
	v2.Status = domain.StatusInProgress
	v2.Severity = domain.SeverityA
	v2.Priority, v2.DutyManagerTier, v2.EscalationLevel = true, true, 2
	v2.SLAState = domain.SLAMet
	v2.FirstResponseTime = at(30 * time.Minute)
	v2.NoteCount, v2.AttachmentCount = tk.NoteCount+1, 3
	v2.UpdateTime = at(31 * time.Minute)
	v2.Version = 2
	write(t, s, func(tx store.ReadWriter) error { return tx.UpdateTicket(ctx, v2) })
	read(t, s, func(tx store.Reader) error {
		got, err := tx.GetTicket(ctx, tk.ID)
		noErr(t, "GetTicket v2", err)
		wantEqual(t, "GetTicket v2", got, v2)
		return nil
	})

	// A stale update (based on version 1 again) conflicts and changes nothing.
	stale := tk
	stale.Title = "stale"
	stale.Version = 2
	err := s.ReadWriteTx(ctx, func(tx store.ReadWriter) error { return tx.UpdateTicket(ctx, stale) })
	wantErr(t, "UpdateTicket stale version", err, store.ErrConflict)
	skip := v2
	skip.Version = 4 // skips version 3
	err = s.ReadWriteTx(ctx, func(tx store.ReadWriter) error { return tx.UpdateTicket(ctx, skip) })
	wantErr(t, "UpdateTicket skipping a version", err, store.ErrConflict)
	read(t, s, func(tx store.Reader) error {
		got, err := tx.GetTicket(ctx, tk.ID)
		noErr(t, "GetTicket after conflicts", err)
		wantEqual(t, "GetTicket after conflicts", got, v2)
		return nil
	})

	missing := v2
	missing.ID = "no-such-ticket"
	err = s.ReadWriteTx(ctx, func(tx store.ReadWriter) error { return tx.UpdateTicket(ctx, missing) })
	wantErr(t, "UpdateTicket unknown", err, store.ErrNotFound)

	err = s.ReadWriteTx(ctx, func(tx store.ReadWriter) error { return tx.CreateTicket(ctx, tk) })
	wantErr(t, "CreateTicket duplicate", err, store.ErrAlreadyExists)

	bad := newTicket("tk-v2", partner1, customer1)
	bad.Version = 2
	err = s.ReadWriteTx(ctx, func(tx store.ReadWriter) error { return tx.CreateTicket(ctx, bad) })
	if err == nil {
		t.Error("CreateTicket with version 2 succeeded, want an error")
	}

	noPartner := newTicket("tk-np", "no-such-partner", customer1)
	err = s.ReadWriteTx(ctx, func(tx store.ReadWriter) error { return tx.CreateTicket(ctx, noPartner) })
	wantErr(t, "CreateTicket without partner", err, store.ErrNotFound)
	noCustomer := newTicket("tk-nc", partner1, "no-such-customer")
	err = s.ReadWriteTx(ctx, func(tx store.ReadWriter) error { return tx.CreateTicket(ctx, noCustomer) })
	wantErr(t, "CreateTicket without customer", err, store.ErrNotFound)
	read(t, s, func(tx store.Reader) error {
		for _, id := range []string{"tk-v2", "tk-np", "tk-nc"} {
			_, err := tx.GetTicket(ctx, id)
			wantErr(t, "GetTicket of failed create "+id, err, store.ErrNotFound)
		}
		return nil
	})
}

// testReadTicket: Store.ReadTicket returns the newest committed version
// at once after each write returns (a write the writer then rolls back
// changes nothing), and ErrNotFound for an unknown ticket.
func testReadTicket(t *testing.T, f Factory) {
	s := f.Open(t)
	ctx := ctxT(t)
	seed(t, s)
	_, err := s.ReadTicket(ctx, "no-such-ticket")
	wantErr(t, "ReadTicket unknown", err, store.ErrNotFound)
	tk := newTicket("tk-1", partner1, customer1)
	createTickets(t, s, tk)
	got, err := s.ReadTicket(ctx, tk.ID)
	noErr(t, "ReadTicket", err)
	wantEqual(t, "ReadTicket", got, tk)
	for v := int64(2); v <= 4; v++ {
		next := got
		next.Version, next.NoteCount = v, int(v)
		write(t, s, func(tx store.ReadWriter) error { return tx.UpdateTicket(ctx, next) })
		got, err = s.ReadTicket(ctx, tk.ID)
		noErr(t, "ReadTicket after an update", err)
		wantEqual(t, "ReadTicket after an update", got, next)
	}
	rolledBack := got
	rolledBack.Version, rolledBack.Title = got.Version+1, "rolled back"
	errRollback := errors.New("roll back")
	err = s.ReadWriteTx(ctx, func(tx store.ReadWriter) error {
		if err := tx.UpdateTicket(ctx, rolledBack); err != nil {
			return err
		}
		return errRollback
	})
	wantErr(t, "rolled-back update", err, errRollback)
	again, err := s.ReadTicket(ctx, tk.ID)
	noErr(t, "ReadTicket after a rolled-back update", err)
	wantEqual(t, "ReadTicket after a rolled-back update", again, got)
}

func testListTickets(t *testing.T, f Factory) {
	s := f.Open(t)
	ctx := ctxT(t)
	seed(t, s)
	services := []domain.Service{domain.ServiceAzure, domain.ServiceOffice365, domain.ServiceDynamicsCRMOnline}
	statuses := []domain.TicketStatus{domain.StatusNew, domain.StatusInProgress, domain.StatusResolved, domain.StatusClosed}
	var all []domain.Ticket
	// Created in an order unrelated to their ids: the list is by id.
	for _, i := range []int{7, 3, 22, 0, 15, 9, 1, 30, 12, 4, 18, 25, 2, 11, 28, 5, 20, 8, 14, 27, 6, 10, 16, 24} {
		cust := customer1
		if i%3 == 0 {
			cust = customer2
		}
		tk := newTicket(ticketID("tk", i), partner1, cust)
		tk.Service = services[i%len(services)]
		tk.Status = statuses[i%len(statuses)]
		tk.CreateTime = at(time.Duration(i) * time.Minute)
		all = append(all, tk)
	}
	// partner2's tickets interleave with partner1's ids and never show.
	for _, i := range []int{13, 19, 21} {
		all = append(all, newTicket(ticketID("tk", i), partner2, customer3))
	}
	createTickets(t, s, all...)

	filter := func(fl store.TicketFilter) []domain.Ticket {
		var out []domain.Ticket
		for _, tk := range all {
			if tk.PartnerID == fl.PartnerID &&
				(fl.CustomerID == "" || tk.CustomerID == fl.CustomerID) &&
				(fl.Service == "" || tk.Service == fl.Service) &&
				(fl.Status == "" || tk.Status == fl.Status) {
				out = append(out, tk)
			}
		}
		slices.SortFunc(out, func(a, b domain.Ticket) int { return cmp.Compare(b.ID, a.ID) })
		return out
	}
	filters := map[string]store.TicketFilter{
		"partner":               {PartnerID: partner1},
		"partner2":              {PartnerID: partner2},
		"customer":              {PartnerID: partner1, CustomerID: customer2},
		"service":               {PartnerID: partner1, Service: domain.ServiceOffice365},
		"status":                {PartnerID: partner1, Status: domain.StatusResolved},
		"customer+service":      {PartnerID: partner1, CustomerID: customer1, Service: domain.ServiceAzure},
		"customer+status":       {PartnerID: partner1, CustomerID: customer2, Status: domain.StatusNew},
		"service+status":        {PartnerID: partner1, Service: domain.ServiceAzure, Status: domain.StatusClosed},
		"other partner's cust.": {PartnerID: partner1, CustomerID: customer3},
		"unknown partner":       {PartnerID: "no-such-partner"},
		"no match":              {PartnerID: partner1, Service: domain.ServiceEnterpriseMobilitySuite},
	}
	read(t, s, func(tx store.Reader) error {
		for name, fl := range filters {
			want := filter(fl)
			got, err := tx.ListTickets(ctx, fl, store.Page{Limit: 100})
			noErr(t, "ListTickets "+name, err)
			wantEqual(t, "ListTickets "+name+" (newest first)", ids(got), ids(want))
			if len(got) == len(want) && len(got) > 0 {
				wantEqual(t, "ListTickets "+name+" records", got, want)
			}
			for _, limit := range []int{1, 2, 5, len(want), len(want) + 1} {
				if limit <= 0 {
					continue
				}
				paged := pageTickets(t, tx, fl, limit)
				wantEqual(t, "ListTickets "+name+" paged", ids(paged), ids(want))
			}
		}
		return nil
	})
}

// pageTickets walks every page of ListTickets with the given page size.
func pageTickets(t *testing.T, tx store.Reader, fl store.TicketFilter, limit int) []domain.Ticket {
	t.Helper()
	var out []domain.Ticket
	seen := map[string]bool{}
	page := store.Page{Limit: limit}
	for range 1000 {
		got, err := tx.ListTickets(ctxT(t), fl, page)
		noErr(t, "ListTickets page", err)
		if len(got) > limit {
			t.Fatalf("ListTickets returned %d tickets, limit %d", len(got), limit)
		}
		for _, tk := range got {
			if seen[tk.ID] {
				t.Fatalf("ListTickets returned %s twice", tk.ID)
			}
			seen[tk.ID] = true
		}
		out = append(out, got...)
		if len(got) < limit {
			return out
		}
		page.After = got[len(got)-1].ID
	}
	t.Fatal("ListTickets paging does not end")
	return nil
}

func ids(tickets []domain.Ticket) []string {
	out := make([]string, len(tickets))
	for i, tk := range tickets {
		out[i] = tk.ID
	}
	return out
}

func testListQueueTickets(t *testing.T, f Factory) {
	s := f.Open(t)
	ctx := ctxT(t)
	seed(t, s)
	var all []domain.Ticket
	statuses := []domain.TicketStatus{domain.StatusNew, domain.StatusInProgress, domain.StatusWaitingOnPartner, domain.StatusResolved, domain.StatusClosed}
	for i := range 40 {
		partner, cust := partner1, customer1
		if i%4 == 1 {
			partner, cust = partner2, customer3 // queues span partners
		}
		tk := newTicket(ticketID("q", (i*17)%40), partner, cust)
		tk.Priority = i%3 == 0
		// Deadlines repeat, so ties are broken by id.
		tk.ResponseDueTime = at(time.Duration(i%5) * time.Hour)
		tk.Status = statuses[i%len(statuses)]
		if i%7 == 6 {
			tk.Queue = domain.QueueBilling
		}
		all = append(all, tk)
	}
	createTickets(t, s, all...)

	want := func(q domain.Queue) []domain.Ticket {
		var out []domain.Ticket
		for _, tk := range all {
			if tk.Queue == q && tk.Status.IsOpen() {
				out = append(out, tk)
			}
		}
		slices.SortFunc(out, queueOrder)
		return out
	}
	read(t, s, func(tx store.Reader) error {
		for _, q := range []domain.Queue{domain.QueueAzure, domain.QueueBilling, domain.QueueFraud} {
			w := want(q)
			got, next, err := tx.ListQueueTickets(ctx, q, store.Page{Limit: 1000})
			noErr(t, "ListQueueTickets", err)
			wantEqual(t, "ListQueueTickets "+string(q), ids(got), ids(w))
			if len(got) < 1000 && next != "" {
				t.Errorf("ListQueueTickets %s: short last page with next %q", q, next)
			}
			for _, limit := range []int{1, 3, 4, len(w), len(w) + 1} {
				if limit <= 0 {
					continue
				}
				paged := pageQueue(t, tx, q, limit)
				wantEqual(t, "ListQueueTickets "+string(q)+" paged", ids(paged), ids(w))
			}
		}
		return nil
	})

	// Closing a ticket takes it off the queue; raising priority moves it up.
	w := want(domain.QueueAzure)
	closed, raised := w[0], w[len(w)-1]
	closed.Status, closed.Version = domain.StatusClosed, 2
	raised.Priority, raised.ResponseDueTime, raised.Version = true, at(-time.Hour), 2
	write(t, s, func(tx store.ReadWriter) error {
		if err := tx.UpdateTicket(ctx, closed); err != nil {
			return err
		}
		return tx.UpdateTicket(ctx, raised)
	})
	for i := range all {
		switch all[i].ID {
		case closed.ID:
			all[i] = closed
		case raised.ID:
			all[i] = raised
		}
	}
	read(t, s, func(tx store.Reader) error {
		got := pageQueue(t, tx, domain.QueueAzure, 5)
		w := want(domain.QueueAzure)
		wantEqual(t, "ListQueueTickets after updates", ids(got), ids(w))
		if len(got) > 0 && got[0].ID != raised.ID {
			t.Errorf("ListQueueTickets after updates: first %s, want raised %s", got[0].ID, raised.ID)
		}
		return nil
	})
}

// queueOrder is the documented queue order: priority first, then response
// deadline, then id.
func queueOrder(a, b domain.Ticket) int {
	if a.Priority != b.Priority {
		if a.Priority {
			return -1
		}
		return 1
	}
	if c := a.ResponseDueTime.Compare(b.ResponseDueTime); c != 0 {
		return c
	}
	return cmp.Compare(a.ID, b.ID)
}

// pageQueue walks every page of a queue with the given page size.
func pageQueue(t *testing.T, tx store.Reader, q domain.Queue, limit int) []domain.Ticket {
	t.Helper()
	var out []domain.Ticket
	seen := map[string]bool{}
	page := store.Page{Limit: limit}
	for range 1000 {
		got, next, err := tx.ListQueueTickets(ctxT(t), q, page)
		noErr(t, "ListQueueTickets page", err)
		if len(got) > limit {
			t.Fatalf("ListQueueTickets returned %d tickets, limit %d", len(got), limit)
		}
		for _, tk := range got {
			if seen[tk.ID] {
				t.Fatalf("ListQueueTickets returned %s twice", tk.ID)
			}
			seen[tk.ID] = true
		}
		out = append(out, got...)
		if next == "" {
			return out
		}
		if len(got) == 0 {
			t.Fatalf("ListQueueTickets: empty page with next cursor %q", next)
		}
		page.After = next
	}
	t.Fatal("ListQueueTickets paging does not end")
	return nil
}

func testListDueTickets(t *testing.T, f Factory) {
	s := f.Open(t)
	ctx := ctxT(t)
	seed(t, s)
	now := at(10 * time.Hour)
	mk := func(id string, state domain.SLAState, warn, due time.Duration, mod func(*domain.Ticket)) domain.Ticket {
		tk := newTicket(id, partner1, customer1)
		tk.SLAState, tk.WarnTime, tk.ResponseDueTime = state, at(warn), at(due)
		if mod != nil {
			mod(&tk)
		}
		return tk
	}
	h := time.Hour
	tickets := []domain.Ticket{
		mk("d-warn-past", domain.SLARunning, 5*h, 20*h, nil),     // due at 5h
		mk("d-warn-now", domain.SLARunning, 10*h, 20*h, nil),     // due exactly now
		mk("d-warn-future", domain.SLARunning, 11*h, 20*h, nil),  // not yet
		mk("d-breach-past", domain.SLAWarning, 1*h, 3*h, nil),    // due at 3h
		mk("d-breach-future", domain.SLAWarning, 1*h, 12*h, nil), // not yet
		mk("d-breached", domain.SLABreached, 1*h, 2*h, nil),      // nothing pending
		mk("d-met", domain.SLAMet, 1*h, 2*h, nil),                // nothing pending
		mk("d-answered", domain.SLARunning, 1*h, 2*h, func(tk *domain.Ticket) { // first response given
			tk.FirstResponseTime = at(30 * time.Minute)
		}),
		mk("d-resolved", domain.SLARunning, 2*h, 4*h, func(tk *domain.Ticket) { tk.Status = domain.StatusResolved }),
		mk("d-closed", domain.SLAWarning, 2*h, 4*h, func(tk *domain.Ticket) { tk.Status = domain.StatusClosed }),
		mk("d-waiting", domain.SLARunning, 7*h, 9*h, func(tk *domain.Ticket) { tk.Status = domain.StatusWaitingOnPartner }),
		mk("d-other", domain.SLARunning, 6*h, 9*h, func(tk *domain.Ticket) {
			tk.PartnerID, tk.CustomerID = partner2, customer3
		}),
	}
	createTickets(t, s, tickets...)

	expect := func(tickets []domain.Ticket, now time.Time) []domain.Ticket {
		var out []domain.Ticket
		for _, tk := range tickets {
			if at, ok := tk.NextEscalation(); ok && !at.After(now) {
				out = append(out, tk)
			}
		}
		slices.SortFunc(out, func(a, b domain.Ticket) int {
			x, _ := a.NextEscalation()
			y, _ := b.NextEscalation()
			return cmp.Or(x.Compare(y), cmp.Compare(a.ID, b.ID))
		})
		return out
	}
	want := expect(tickets, now)
	if len(want) != 5 {
		t.Fatalf("fixture: %d due tickets, want 5", len(want))
	}
	read(t, s, func(tx store.Reader) error {
		got, err := tx.ListDueTickets(ctx, now, 100)
		noErr(t, "ListDueTickets", err)
		wantEqual(t, "ListDueTickets (by next escalation)", ids(got), ids(want))
		if len(got) == len(want) {
			wantEqual(t, "ListDueTickets records", got, want)
		}
		got, err = tx.ListDueTickets(ctx, now, 2)
		noErr(t, "ListDueTickets limit 2", err)
		wantEqual(t, "ListDueTickets limit 2 (the earliest)", ids(got), ids(want[:2]))
		got, err = tx.ListDueTickets(ctx, at(0), 100)
		noErr(t, "ListDueTickets early", err)
		if len(got) != 0 {
			t.Errorf("ListDueTickets before any deadline = %v, want none", ids(got))
		}
		return nil
	})

	// The index follows updates: warning a ticket moves its next stage to
	// the breach; answering one removes it.
	byID := map[string]domain.Ticket{}
	for _, tk := range tickets {
		byID[tk.ID] = tk
	}
	warned := byID["d-warn-past"]
	warned.SLAState, warned.Version = domain.SLAWarning, 2 // breach at 20h: no longer due
	answered := byID["d-breach-past"]
	answered.FirstResponseTime, answered.SLAState, answered.Version = at(4*h), domain.SLAMet, 2
	woken := byID["d-breach-future"]
	woken.ResponseDueTime, woken.Version = at(9*h), 2 // now due
	write(t, s, func(tx store.ReadWriter) error {
		for _, tk := range []domain.Ticket{warned, answered, woken} {
			if err := tx.UpdateTicket(ctx, tk); err != nil {
				return err
			}
		}
		return nil
	})
	for i, tk := range tickets {
		switch tk.ID {
		case warned.ID:
			tickets[i] = warned
		case answered.ID:
			tickets[i] = answered
		case woken.ID:
			tickets[i] = woken
		}
	}
	want = expect(tickets, now)
	read(t, s, func(tx store.Reader) error {
		got, err := tx.ListDueTickets(ctx, now, 100)
		noErr(t, "ListDueTickets after updates", err)
		wantEqual(t, "ListDueTickets after updates", ids(got), ids(want))
		got, err = tx.ListDueTickets(ctx, at(100*h), 100)
		noErr(t, "ListDueTickets late", err)
		wantEqual(t, "ListDueTickets late", ids(got), ids(expect(tickets, at(100*h))))
		return nil
	})
}
