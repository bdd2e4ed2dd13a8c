//go:build cgo

package sqlite

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/supportd/supportd/server/domain"
	"github.com/supportd/supportd/server/store"
)

// TestStatementJournalSpillConfigured checks that SQLite accepted the
// larger in-memory statement journal (configured before any connection).
func TestStatementJournalSpillConfigured(t *testing.T) {
	if !stmtJournalConfigured {
		t.Fatal("sqlite3_config(SQLITE_CONFIG_STMTJRNL_SPILL) was refused: SQLite was initialised before the store package")
	}
}

// TestLargeSavepointJournal checks a write transaction whose savepoint
// journal outgrows stmtJournalSpill (it moves to a temporary file): it
// commits, and when it fails its writes are rolled back.
func TestLargeSavepointJournal(t *testing.T) {
	ctx := context.Background()
	s := openAt(t, filepath.Join(t.TempDir(), "large.db"), Options{})
	const n = 300 // ~100 ticket pages and their index leaves: > 120 KiB of journal
	tickets := make([]domain.Ticket, n)
	noErr(t, s.ReadWriteTx(ctx, func(tx store.ReadWriter) error {
		if err := tx.CreatePartner(ctx, domain.Partner{ID: "p1", DisplayName: "P1", Status: domain.PartnerActive}); err != nil {
			return err
		}
		if err := tx.CreateCustomer(ctx, domain.Customer{ID: "c1", PartnerID: "p1", DisplayName: "C1", Kind: domain.CustomerEndCustomer}); err != nil {
			return err
		}
		for i := range tickets {
			tickets[i] = benchTicket(fmt.Sprintf("tk-%04d", i))
			tickets[i].PartnerID, tickets[i].CustomerID = "p1", "c1"
			if err := tx.CreateTicket(ctx, tickets[i]); err != nil {
				return err
			}
		}
		return nil
	}))
	update := func(title string, fail error) error {
		return s.ReadWriteTx(ctx, func(tx store.ReadWriter) error {
			for i := range tickets {
				u := tickets[i]
				u.Version, u.Title = 2, title
				if err := tx.UpdateTicket(ctx, u); err != nil {
					return err
				}
			}
			return fail
		})
	}
	titles := func() map[string]int {
		got := map[string]int{}
		noErr(t, s.ReadTx(ctx, func(tx store.Reader) error {
			for _, tk := range tickets {
				r, err := tx.GetTicket(ctx, tk.ID)
				if err != nil {
					return err
				}
				got[r.Title]++
			}
			return nil
		}))
		return got
	}
	errFail := errors.New("fail after the updates")
	if err := update("rolled back", errFail); !errors.Is(err, errFail) {
		t.Fatalf("failing transaction: %v", err)
	}
	if got := titles(); got[tickets[0].Title] != n {
		t.Fatalf("after the rolled-back transaction: titles %v", got)
	}
	noErr(t, update("committed", nil))
	if got := titles(); got["committed"] != n {
		t.Fatalf("after the committed transaction: titles %v", got)
	}
}
