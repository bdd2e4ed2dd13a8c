package sqlite

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/supportd/supportd/server/domain"
	"github.com/supportd/supportd/server/store"
)

// queryPlan returns the EXPLAIN QUERY PLAN lines of query.
func queryPlan(t *testing.T, s *Store, query string, args ...any) []string {
	t.Helper()
	rows, err := s.readers.Query("EXPLAIN QUERY PLAN "+query, args...)
	if err != nil {
		t.Fatalf("EXPLAIN QUERY PLAN: %v", err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return plan
}

// TestDueTicketsQueryPlan shows that the escalation sweep's query reads the
// partial index tickets_due (only tickets with a pending stage, from the
// oldest instant up to now) and never scans the tickets table: its cost
// grows with the due tickets, not with all open ones. Checked on an empty
// database and after ANALYZE on one where most open tickets are not due.
func TestDueTicketsQueryPlan(t *testing.T) {
	s := openAt(t, filepath.Join(t.TempDir(), "plan.db"), Options{})
	ctx := context.Background()
	now := time.Unix(1_780_000_000, 0).UTC()
	check := func(t *testing.T) {
		t.Helper()
		plan := queryPlan(t, s, dueTicketsQuery, now.UnixNano(), 500)
		joined := strings.Join(plan, "; ")
		// A range search of the index up to now (IS NOT NULL becomes the
		// lower bound): "SEARCH tickets USING INDEX tickets_due
		// (next_escalation>? AND next_escalation<?)".
		if !strings.Contains(joined, "SEARCH tickets USING INDEX tickets_due (") || !strings.Contains(joined, "next_escalation<?") {
			t.Fatalf("due query plan %q does not search the index tickets_due", joined)
		}
		for _, line := range plan {
			if strings.HasPrefix(line, "SCAN tickets") {
				t.Fatalf("due query plan %q scans the tickets table", joined)
			}
		}
		t.Logf("plan: %s", joined)
	}
	t.Run("empty", check)

	if err := s.ReadWriteTx(ctx, func(tx store.ReadWriter) error {
		if err := tx.CreatePartner(ctx, domain.Partner{ID: "p1", DisplayName: "P1", Status: domain.PartnerActive}); err != nil {
			return err
		}
		if err := tx.CreateCustomer(ctx, domain.Customer{ID: "c1", PartnerID: "p1", DisplayName: "C1", Kind: domain.CustomerEndCustomer}); err != nil {
			return err
		}
		for i := range 5000 {
			tk := benchTicket(fmt.Sprintf("tk-%06d", i))
			switch {
			case i%100 == 0: // due
				tk.WarnTime = now.Add(-time.Minute)
			case i%3 == 0: // acknowledged: no pending stage
				tk.Status, tk.SLAState, tk.FirstResponseTime = domain.StatusInProgress, domain.SLAMet, now
			default: // running, not due yet
				tk.WarnTime = now.Add(time.Duration(i) * time.Minute)
			}
			if err := tx.CreateTicket(ctx, tk); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.ReadWriteTx(ctx, func(tx store.ReadWriter) error {
		_, err := tx.(*txView).exec("ANALYZE")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	t.Run("analyzed, 5000 tickets", check)

	var due []domain.Ticket
	if err := s.ReadTx(ctx, func(tx store.Reader) error {
		var err error
		due, err = tx.ListDueTickets(ctx, now, 1000)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if len(due) != 50 {
		t.Fatalf("ListDueTickets found %d tickets, want the 50 due", len(due))
	}
}
