package sqlite

import (
	"context"
	"database/sql"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/supportd/supportd/server/domain"
	"github.com/supportd/supportd/server/store"
)

// everyStatus is every ticket status and a value that is none.
var everyStatus = []domain.TicketStatus{domain.StatusNew, domain.StatusInProgress, domain.StatusWaitingOnPartner,
	domain.StatusResolved, domain.StatusClosed, "BOGUS"}

// openColumn returns the stored open column of every ticket by id.
func openColumn(t *testing.T, s *Store) map[string]bool {
	t.Helper()
	rows, err := s.readers.Query(`SELECT id, open FROM tickets`)
	noErr(t, err)
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var id string
		var open bool
		noErr(t, rows.Scan(&id, &open))
		out[id] = open
	}
	noErr(t, rows.Err())
	return out
}

// TestOpenMigration builds a database of schema 7 holding a ticket of
// every status, opens it (applying 0008) and checks that the filled open
// column agrees with domain.TicketStatus.IsOpen for each.
func TestOpenMigration(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "old.db")
	db, err := sql.Open("sqlite3", dsn(path, false))
	noErr(t, err)
	noErr(t, migrateTo(ctx, db, 7))
	_, err = db.ExecContext(ctx, `INSERT INTO partners VALUES ('p1', 'P1', 'ACTIVE', '[]', '[]', 0, 0)`)
	noErr(t, err)
	_, err = db.ExecContext(ctx, `INSERT INTO customers VALUES ('c1', 'p1', 'C1', 'END_CUSTOMER', '[]', 0)`)
	noErr(t, err)
	for _, st := range everyStatus {
		tk := benchTicket("tk-" + string(st))
		tk.Status = st
		data, err := (&txView{}).ticketColumns(tk)
		noErr(t, err)
		_, err = db.ExecContext(ctx, `INSERT INTO tickets(id, partner_id, customer_id, service, status, queue, priority, response_due,
			version, data) VALUES (?, 'p1', 'c1', 'AZURE', ?, 'AZURE', 0, 0, 1, ?)`, tk.ID, st, data[len(data)-1])
		noErr(t, err)
	}
	noErr(t, db.Close())

	s := openAt(t, path, Options{})
	got := openColumn(t, s)
	for _, st := range everyStatus {
		if want := st.IsOpen(); got["tk-"+string(st)] != want {
			t.Errorf("status %s: migrated open = %v, want %v (domain.TicketStatus.IsOpen)", st, got["tk-"+string(st)], want)
		}
	}
}

// TestOpenColumnWritten checks that every ticket write stores
// domain.TicketStatus.IsOpen of the status written, on create and update.
func TestOpenColumnWritten(t *testing.T) {
	s := openAt(t, filepath.Join(t.TempDir(), "open.db"), Options{})
	ctx := t.Context()
	noErr(t, s.ReadWriteTx(ctx, func(tx store.ReadWriter) error {
		noErr(t, tx.CreatePartner(ctx, domain.Partner{ID: "p1", DisplayName: "P1", Status: domain.PartnerActive}))
		return tx.CreateCustomer(ctx, domain.Customer{ID: "c1", PartnerID: "p1", DisplayName: "C1", Kind: domain.CustomerEndCustomer})
	}))
	for i, st := range everyStatus {
		created := benchTicket("tk-" + string(st))
		created.Status = st
		updated := benchTicket("up-" + string(st))
		updated.Status = everyStatus[(i+1)%len(everyStatus)] // created with another status
		noErr(t, s.ReadWriteTx(ctx, func(tx store.ReadWriter) error {
			noErr(t, tx.CreateTicket(ctx, created))
			noErr(t, tx.CreateTicket(ctx, updated))
			updated.Status, updated.Version = st, 2
			return tx.UpdateTicket(ctx, updated)
		}))
	}
	got := openColumn(t, s)
	for _, st := range everyStatus {
		for _, id := range []string{"tk-" + string(st), "up-" + string(st)} {
			if want := st.IsOpen(); got[id] != want {
				t.Errorf("ticket %s (status %s): open = %v, want %v", id, st, got[id], want)
			}
		}
	}
}

// TestQueueQueryPlan shows that both queue queries search the partial
// index tickets_open_by_queue (its condition open = 1 must match theirs).
// TestListTicketsQueryPlan: the first page of a partner's tickets walks
// the index tickets_by_partner in its order (no sort), for the aggregated
// form ListTickets runs.
func TestListTicketsQueryPlan(t *testing.T) {
	s := openAt(t, filepath.Join(t.TempDir(), "plan.db"), Options{})
	plan := strings.Join(queryPlan(t, s, refsQuery("FROM tickets WHERE partner_id = ? ORDER BY id DESC LIMIT ?"), "p1", 50), "; ")
	if !strings.Contains(plan, "USING INDEX tickets_by_partner") || strings.Contains(plan, "TEMP B-TREE") {
		t.Errorf("plan %q: want a search of tickets_by_partner without a sort", plan)
	}
}

func TestQueueQueryPlan(t *testing.T) {
	s := openAt(t, filepath.Join(t.TempDir(), "plan.db"), Options{})
	for name, q := range map[string]struct {
		query string
		args  []any
	}{
		"first page": {queueFirstQuery, []any{domain.QueueAzure, 50}},
		"after":      {queueAfterQuery, []any{domain.QueueAzure, 1, 1, 0, 0, "x", 50}},
	} {
		plan := strings.Join(queryPlan(t, s, q.query, q.args...), "; ")
		if !strings.Contains(plan, "USING INDEX tickets_open_by_queue") {
			t.Errorf("%s: plan %q does not use tickets_open_by_queue", name, plan)
		}
	}
}

// TestParseRefs: the aggregated ids and versions of refsQuery parse back
// into the ids whatever they hold (colons, digits, commas, non-ASCII), and
// malformed texts are errors.
func TestParseRefs(t *testing.T) {
	refs, err := parseRefs("4:tk-23:a:b0:6:é,1:x", "3,1,7,12")
	want := []ticketRef{{"tk-2", 3}, {"a:b", 1}, {"", 7}, {"é,1:x", 12}}
	if err != nil || !slices.Equal(refs, want) {
		t.Fatalf("parseRefs = %v, %v; want %v", refs, err, want)
	}
	if refs, err := parseRefs("", ""); err != nil || refs != nil {
		t.Fatalf("no rows: %v, %v", refs, err)
	}
	for _, bad := range [][2]string{{"4:tk-2", "1,2"}, {"4:tk-25:tk-3", "1"}, {"9:tk", "1"}, {"x:tk", "1"}, {"4:tk-2", "one"}} {
		if _, err := parseRefs(bad[0], bad[1]); err == nil {
			t.Errorf("parseRefs(%q, %q) succeeded", bad[0], bad[1])
		}
	}
}

// TestListTicketsOddIDs: ids the aggregated listing must tell apart (a
// colon, digits, a comma, non-ASCII) list back whole, newest first.
func TestListTicketsOddIDs(t *testing.T) {
	ctx := context.Background()
	s := openAt(t, filepath.Join(t.TempDir(), "ids.db"), Options{})
	ids := []string{"1:2", "10", "a,b", "é:ü", "z"}
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
	var listed []domain.Ticket
	noErr(t, s.ReadTx(ctx, func(tx store.Reader) (err error) {
		listed, err = tx.ListTickets(ctx, store.TicketFilter{PartnerID: "p1"}, store.Page{})
		return err
	}))
	var got []string
	for _, tk := range listed {
		got = append(got, tk.ID)
	}
	if want := []string{"é:ü", "z", "a,b", "1:2", "10"}; !slices.Equal(got, want) {
		t.Fatalf("listed %q, want %q", got, want)
	}
}
