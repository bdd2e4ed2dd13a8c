package sqlite

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/supportd/supportd/server/domain"
	"github.com/supportd/supportd/server/store"
)

// TestTicketCache checks that cached tickets are copies, that a new
// version is read again, and that a write transaction's reads (which may
// be rolled back) never reach the cache.
func TestTicketCache(t *testing.T) {
	ctx := context.Background()
	s := openAt(t, filepath.Join(t.TempDir(), "cache.db"), Options{})
	tk := benchTicket("tk-1")
	tk.PartnerID, tk.CustomerID = "p1", "c1"
	noErr(t, s.ReadWriteTx(ctx, func(tx store.ReadWriter) error {
		if err := tx.CreatePartner(ctx, domain.Partner{ID: "p1", DisplayName: "P1", Status: domain.PartnerActive}); err != nil {
			return err
		}
		if err := tx.CreateCustomer(ctx, domain.Customer{ID: "c1", PartnerID: "p1", DisplayName: "C1", Kind: domain.CustomerEndCustomer}); err != nil {
			return err
		}
		return tx.CreateTicket(ctx, tk)
	}))
	get := func() domain.Ticket {
		t.Helper()
		var got domain.Ticket
		noErr(t, s.ReadTx(ctx, func(tx store.Reader) error {
			var err error
			got, err = tx.GetTicket(ctx, "tk-1")
			return err
		}))
		return got
	}
	first := get()
	first.Title = "changed by a caller"
	if again := get(); again.Title != tk.Title {
		t.Fatalf("a caller's change reached the cache: %q", again.Title)
	}

	// A rolled-back update read inside the write transaction.
	errRollback := errors.New("roll back")
	err := s.ReadWriteTx(ctx, func(tx store.ReadWriter) error {
		u := tk
		u.Version, u.Title = 2, "rolled back"
		if err := tx.UpdateTicket(ctx, u); err != nil {
			return err
		}
		if _, err := tx.GetTicket(ctx, "tk-1"); err != nil {
			return err
		}
		return errRollback
	})
	if !errors.Is(err, errRollback) {
		t.Fatal(err)
	}
	// The committed version 2 has other content.
	u := tk
	u.Version, u.Title, u.UpdateTime = 2, "committed", tk.UpdateTime.Add(time.Minute)
	noErr(t, s.ReadWriteTx(ctx, func(tx store.ReadWriter) error { return tx.UpdateTicket(ctx, u) }))
	if got := get(); got.Version != 2 || got.Title != "committed" {
		t.Fatalf("after the update: version %d title %q", got.Version, got.Title)
	}
	var listed []domain.Ticket
	noErr(t, s.ReadTx(ctx, func(tx store.Reader) error {
		var err error
		listed, err = tx.ListTickets(ctx, store.TicketFilter{PartnerID: "p1"}, store.Page{})
		return err
	}))
	if len(listed) != 1 || listed[0].Title != "committed" {
		t.Fatalf("listed %+v", listed)
	}
}

func TestTicketCacheBounded(t *testing.T) {
	c := newTicketCache()
	for i := range ticketCacheSize + 100 {
		c.put(domain.Ticket{ID: string(rune('a'+i%26)) + time.Duration(i).String(), Version: 1})
	}
	if n := len(c.m); n > ticketCacheSize {
		t.Fatalf("%d entries, want at most %d", n, ticketCacheSize)
	}
}

// TestListMixesCachedAndReadTickets checks that a page of which some
// tickets are cached and others are not (their data is read by a second
// statement) comes back whole and in order, and that a ticket updated
// since it was cached is read again at its new version.
func TestListMixesCachedAndReadTickets(t *testing.T) {
	ctx := context.Background()
	s := openAt(t, filepath.Join(t.TempDir(), "mixed.db"), Options{})
	ids := []string{"tk-1", "tk-2", "tk-3", "tk-4", "tk-5"}
	noErr(t, s.ReadWriteTx(ctx, func(tx store.ReadWriter) error {
		if err := tx.CreatePartner(ctx, domain.Partner{ID: "p1", DisplayName: "P1", Status: domain.PartnerActive}); err != nil {
			return err
		}
		if err := tx.CreateCustomer(ctx, domain.Customer{ID: "c1", PartnerID: "p1", DisplayName: "C1", Kind: domain.CustomerEndCustomer}); err != nil {
			return err
		}
		for _, id := range ids {
			tk := benchTicket(id)
			tk.PartnerID, tk.CustomerID, tk.Title = "p1", "c1", "title of "+id
			if err := tx.CreateTicket(ctx, tk); err != nil {
				return err
			}
		}
		return nil
	}))
	read := func(fn func(tx store.Reader) error) { t.Helper(); noErr(t, s.ReadTx(ctx, fn)) }
	// Cache tk-2 and tk-4 only.
	read(func(tx store.Reader) error {
		for _, id := range []string{"tk-2", "tk-4"} {
			if _, err := tx.GetTicket(ctx, id); err != nil {
				return err
			}
		}
		return nil
	})
	// tk-4 moves on to version 2 after it was cached.
	var tk4 domain.Ticket
	read(func(tx store.Reader) (err error) { tk4, err = tx.GetTicket(ctx, "tk-4"); return err })
	tk4.Version, tk4.Title = tk4.Version+1, "updated"
	noErr(t, s.ReadWriteTx(ctx, func(tx store.ReadWriter) error { return tx.UpdateTicket(ctx, tk4) }))

	for pass := range 2 { // the second pass finds every ticket cached
		var listed []domain.Ticket
		read(func(tx store.Reader) (err error) {
			listed, err = tx.ListTickets(ctx, store.TicketFilter{PartnerID: "p1"}, store.Page{})
			return err
		})
		want := []string{"tk-5", "tk-4", "tk-3", "tk-2", "tk-1"}
		if len(listed) != len(want) {
			t.Fatalf("pass %d: listed %d tickets, want %d", pass, len(listed), len(want))
		}
		for i, tk := range listed {
			wantTitle := "title of " + want[i]
			if want[i] == "tk-4" {
				wantTitle = "updated"
			}
			if tk.ID != want[i] || tk.Title != wantTitle || tk.CustomerID != "c1" {
				t.Fatalf("pass %d: ticket %d is %s %q (customer %q), want %s %q", pass, i, tk.ID, tk.Title, tk.CustomerID, want[i], wantTitle)
			}
		}
	}
}
