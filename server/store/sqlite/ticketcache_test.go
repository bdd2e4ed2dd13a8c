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
