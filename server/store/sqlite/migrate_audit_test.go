package sqlite

import (
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/supportd/supportd/server/domain"
	"github.com/supportd/supportd/server/store"
)

// TestMigrationAuditKeepsDirectoryEvents builds a database of schema 4
// whose event log holds directory events (as earlier versions wrote
// them), opens it (applying 0006 and 0007) and checks that they are in the
// audit trail, oldest first, with their kind, actor and time, that ticket
// events are not, and that existing keys do not expire.
func TestMigrationAuditKeepsDirectoryEvents(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "old.db")
	db, err := sql.Open("sqlite3", dsn(path, false))
	noErr(t, err)
	noErr(t, migrateTo(ctx, db, 4))
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := db.ExecContext(ctx, q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	exec(`INSERT INTO partners VALUES ('p1', 'P1', 'ACTIVE', '[]', '[]', 0, 0)`)
	exec(`INSERT INTO api_keys VALUES ('k1', x'00', 'ADMIN', NULL, 1, NULL)`)
	const ins = `INSERT INTO events(time, type, partner_id, customer_id, ticket_id, actor, detail) VALUES (?, ?, ?, '', ?, ?, '')`
	exec(ins, 10, "PARTNER_CREATED", "p1", "", "admin:k1")
	exec(ins, 20, "CREATED", "p1", "tk-1", "partner:p1") // a ticket event: not audited
	exec(ins, 30, "API_KEY_REVOKED", "p1", "", "admin:k1")
	exec(ins, 40, "SUPPORT_TOPIC_UPDATED", "", "", "cli")
	noErr(t, db.Close())

	s := openAt(t, path, Options{})
	defer s.Close()
	var got []domain.AuditEvent
	var key store.APIKey
	noErr(t, s.ReadTx(ctx, func(tx store.Reader) error {
		var err error
		if got, err = tx.ListAuditEvents(ctx, store.AuditFilter{}, store.Page{Limit: 10}); err != nil {
			return err
		}
		key, err = tx.GetAPIKey(ctx, "k1")
		return err
	}))
	want := []struct {
		kind     domain.AuditKind
		actor    string
		resource string
		nanos    int64
	}{
		{domain.AuditTopicUpdated, "cli", "", 40},
		{domain.AuditAPIKeyRevoked, "admin:k1", "", 30},
		{domain.AuditPartnerCreated, "admin:k1", "partners/p1", 10},
	}
	if len(got) != len(want) {
		t.Fatalf("audit after migration = %+v, want %d events", got, len(want))
	}
	for i, w := range want {
		e := got[i]
		if e.Kind != w.kind || e.Actor != w.actor || e.Resource != w.resource || e.Time.UnixNano() != w.nanos || e.Before != nil || e.After != nil {
			t.Errorf("audit[%d] = %+v, want %+v", i, e, w)
		}
	}
	if !key.ExpireTime.IsZero() {
		t.Errorf("an existing key expires after the migration: %v", key.ExpireTime)
	}
}
