package sqlite

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/supportd/supportd/server/domain"
	"github.com/supportd/supportd/server/store"
)

// TestTicketIndexReads checks that indexed tickets are copies, that a new
// version is read again, and that a write transaction's reads and writes
// that are rolled back never reach the index.
func TestTicketIndexReads(t *testing.T) {
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
	if got, err := s.ReadTicket(ctx, "tk-1"); err != nil || got.Version != 1 || got.Title != tk.Title {
		t.Fatalf("ReadTicket after a rolled-back update: version %d %q (%v), want 1", got.Version, got.Title, err)
	}
	// The committed version 2 has other content.
	u := tk
	u.Version, u.Title, u.UpdateTime = 2, "committed", tk.UpdateTime.Add(time.Minute)
	noErr(t, s.ReadWriteTx(ctx, func(tx store.ReadWriter) error { return tx.UpdateTicket(ctx, u) }))
	if got := get(); got.Version != 2 || got.Title != "committed" {
		t.Fatalf("after the update: version %d title %q", got.Version, got.Title)
	}
	if got, err := s.ReadTicket(ctx, "tk-1"); err != nil || got.Version != 2 || got.Title != "committed" {
		t.Fatalf("ReadTicket after the update: version %d %q (%v), want 2", got.Version, got.Title, err)
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

// TestListMixesCachedAndReadTickets checks that a page of which some
// tickets are in the index and others are not (their data is read by a
// second statement) comes back whole and in order, and that a ticket
// updated since it was indexed is listed at its new version.
func TestListMixesCachedAndReadTickets(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "mixed.db")
	s := openAt(t, path, Options{})
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
	// A new store: its index is empty (the writer had kept the five).
	noErr(t, s.Close())
	s = openAt(t, path, Options{})
	read := func(fn func(tx store.Reader) error) { t.Helper(); noErr(t, s.ReadTx(ctx, fn)) }
	// Index tk-2 and tk-4 only.
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

func indexTicket(id string, version int64) domain.Ticket {
	return domain.Ticket{ID: id, PartnerID: "p1", Version: version, Title: fmt.Sprintf("%s v%d", id, version)}
}

// TestTicketIndexEvictsLeastRecentlyUsed: the index holds at most its
// size; the ticket read longest ago goes first.
func TestTicketIndexEvictsLeastRecentlyUsed(t *testing.T) {
	x := newTicketIndex(3)
	gen := x.generation()
	for _, id := range []string{"a", "b", "c"} {
		x.fill(indexTicket(id, 1), gen)
	}
	if _, ok := x.byVersion("a", 1); !ok { // a is now the most recently used
		t.Fatal("a not kept")
	}
	x.fill(indexTicket("d", 1), gen)
	if _, ok := x.byVersion("b", 1); ok {
		t.Error("b kept: the least recently used should have been evicted")
	}
	for _, id := range []string{"a", "c", "d"} {
		if _, ok := x.current(id); !ok {
			t.Errorf("%s not kept as current", id)
		}
	}
	if n := x.lru.Len(); n != 3 || len(x.entries) != 3 {
		t.Errorf("%d entries (%d in the map), want 3", n, len(x.entries))
	}
}

// TestTicketIndexCurrent walks a ticket through the states the writer and
// the readers put it in: what current answers, and what a fill may claim.
func TestTicketIndexCurrent(t *testing.T) {
	x := newTicketIndex(10)
	before := x.generation() // a reader's snapshot from before the commit
	x.fill(indexTicket("a", 1), before)
	if got, ok := x.current("a"); !ok || got.Version != 1 {
		t.Fatalf("current after a fill with no commit since: %v %v", got.Version, ok)
	}

	v2 := indexTicket("a", 2)
	x.beginCommit([]domain.Ticket{v2})
	if _, ok := x.current("a"); ok {
		t.Error("current while its change commits: readers must go to the database")
	}
	if got, ok := x.byVersion("a", 1); !ok || got.Version != 1 {
		t.Error("version 1 no longer served by version while pending")
	}
	x.fill(indexTicket("a", 1), x.generation()) // a snapshot taken while pending
	x.endCommit([]domain.Ticket{v2}, true)
	if got, ok := x.current("a"); !ok || got.Version != 2 {
		t.Fatalf("current after the commit: version %d %v, want 2", got.Version, ok)
	}

	// A reader whose snapshot predates the commit fills version 1 after
	// the commit: the newer version stays.
	x.fill(indexTicket("a", 1), before)
	if got, _ := x.current("a"); got.Version != 2 {
		t.Fatalf("a late fill replaced version 2 by %d", got.Version)
	}

	// Evicted, then filled from an old snapshot: kept by version, not
	// current.
	x2 := newTicketIndex(1)
	old := x2.generation()
	x2.beginCommit([]domain.Ticket{v2})
	x2.endCommit([]domain.Ticket{v2}, true)
	x2.fill(indexTicket("b", 1), x2.generation()) // evicts a
	x2.fill(indexTicket("a", 1), old)
	if _, ok := x2.current("a"); ok {
		t.Error("a fill from a snapshot older than a commit was taken as current")
	}
	if _, ok := x2.byVersion("a", 1); !ok {
		t.Error("a fill from an old snapshot not kept by version")
	}

	// A failed commit: what the index held is no longer trusted current.
	v3 := indexTicket("a", 3)
	x.beginCommit([]domain.Ticket{v3})
	x.endCommit([]domain.Ticket{v3}, false)
	if _, ok := x.current("a"); ok {
		t.Error("current after a failed commit")
	}
	if len(x.pending) != 0 {
		t.Errorf("pending left after the commits ended: %v", x.pending)
	}
}

// TestReadTicketNeverGoesBack runs writers and readers of a few tickets
// at once, with an index too small to hold them all (so readers fill it
// from their snapshots while the writer commits): no reader ever gets a
// version older than one already acknowledged to a writer or returned to
// another reader, and a writer reads its own write at once. Run it with
// -race.
func TestReadTicketNeverGoesBack(t *testing.T) {
	ctx := context.Background()
	s := openAt(t, filepath.Join(t.TempDir(), "race.db"), Options{TicketIndex: 2})
	ids := []string{"tk-1", "tk-2", "tk-3"}
	noErr(t, s.ReadWriteTx(ctx, func(tx store.ReadWriter) error {
		if err := tx.CreatePartner(ctx, domain.Partner{ID: "p1", DisplayName: "P1", Status: domain.PartnerActive}); err != nil {
			return err
		}
		if err := tx.CreateCustomer(ctx, domain.Customer{ID: "c1", PartnerID: "p1", DisplayName: "C1", Kind: domain.CustomerEndCustomer}); err != nil {
			return err
		}
		for _, id := range ids {
			if err := tx.CreateTicket(ctx, benchTicket(id)); err != nil {
				return err
			}
		}
		return nil
	}))
	// seen[i] is the highest version of ids[i] acknowledged or returned.
	seen := make([]atomic.Int64, len(ids))
	raise := func(i int, v int64) {
		for {
			cur := seen[i].Load()
			if v <= cur || seen[i].CompareAndSwap(cur, v) {
				return
			}
		}
	}
	const updates = 60
	var writers, readers sync.WaitGroup
	errs := make(chan error, 8) // one per goroutine at most
	for i, id := range ids {    // one writer per ticket
		writers.Go(func() {
			for range updates {
				var wrote int64
				err := s.ReadWriteTx(ctx, func(tx store.ReadWriter) error {
					tk, err := tx.GetTicket(ctx, id)
					if err != nil {
						return err
					}
					tk.Version++
					wrote = tk.Version
					return tx.UpdateTicket(ctx, tk)
				})
				if err != nil {
					errs <- err
					return
				}
				raise(i, wrote)
				got, err := s.ReadTicket(ctx, id)
				if err != nil || got.Version < wrote {
					errs <- fmt.Errorf("%s: wrote version %d, then read %d (%v)", id, wrote, got.Version, err)
					return
				}
			}
		})
	}
	done := make(chan struct{})
	for r := range 4 { // readers of every ticket, through both paths
		readers.Go(func() {
			for n := 0; ; n++ {
				select {
				case <-done:
					return
				default:
				}
				i := (n + r) % len(ids)
				floor := seen[i].Load()
				var got domain.Ticket
				var err error
				if n%3 == 0 { // a listing fills the index from a snapshot
					err = s.ReadTx(ctx, func(tx store.Reader) error {
						list, err := tx.ListTickets(ctx, store.TicketFilter{PartnerID: "p1"}, store.Page{})
						for _, tk := range list {
							if tk.ID == ids[i] {
								got = tk
							}
						}
						return err
					})
				} else {
					got, err = s.ReadTicket(ctx, ids[i])
				}
				if err != nil || got.Version < floor {
					errs <- fmt.Errorf("%s: read version %d after %d was seen (%v)", ids[i], got.Version, floor, err)
					return
				}
				raise(i, got.Version)
			}
		})
	}
	writers.Wait()
	close(done) // stop the readers once the writers are done
	readers.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
