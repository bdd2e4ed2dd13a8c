package postgres

import (
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/supportd/supportd/internal/pgtest"
	"github.com/supportd/supportd/server/domain"
)

var everyStatus = []domain.TicketStatus{domain.StatusNew, domain.StatusInProgress, domain.StatusWaitingOnPartner,
	domain.StatusResolved, domain.StatusClosed}

// TestOpenMigration builds a database of schema 1 holding a ticket of
// every status, opens it (applying 0002) and checks that the filled open
// column agrees with domain.TicketStatus.IsOpen for each (that writes
// keep it so is checked by the conformance suite's queue listings).
func TestOpenMigration(t *testing.T) {
	ctx := t.Context()
	url := pgtest.NewDatabase(t)
	ms, err := migrations()
	if err != nil || len(ms) < 2 || ms[0].Version != 1 {
		t.Fatalf("migrations %v, %v: want 0001 and more", ms, err)
	}
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		ms[0].SQL,
		`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_time BIGINT NOT NULL)`,
		`INSERT INTO schema_migrations VALUES (1, '` + ms[0].Name + `', 0)`,
		`INSERT INTO partners VALUES ('p1', 'P1', 'ACTIVE', '[]', '[]', 0, 0)`,
		`INSERT INTO customers VALUES ('c1', 'p1', 'C1', 'END_CUSTOMER', '[]', 0)`,
	} {
		if _, err := conn.Exec(ctx, q, pgx.QueryExecModeSimpleProtocol); err != nil {
			t.Fatalf("%.60s: %v", q, err)
		}
	}
	for _, st := range everyStatus {
		if _, err := conn.Exec(ctx, `INSERT INTO tickets(id, partner_id, customer_id, service, status, queue, priority,
			response_due, version, data) VALUES ($1, 'p1', 'c1', 'AZURE', $2, 'AZURE', 0, 0, 1, '{}')`, "tk-"+string(st), string(st)); err != nil {
			t.Fatal(err)
		}
	}
	if err := conn.Close(ctx); err != nil {
		t.Fatal(err)
	}

	s := openURL(t, url, Options{})
	rows, err := s.pool.Query(ctx, `SELECT status, open FROM tickets`)
	if err != nil {
		t.Fatal(err)
	}
	got := map[domain.TicketStatus]bool{}
	for rows.Next() {
		var st string
		var open bool
		if err := rows.Scan(&st, &open); err != nil {
			t.Fatal(err)
		}
		got[domain.TicketStatus(st)] = open
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	for _, st := range everyStatus {
		if want := st.IsOpen(); got[st] != want {
			t.Errorf("status %s: migrated open = %v, want %v (domain.TicketStatus.IsOpen)", st, got[st], want)
		}
	}
}
