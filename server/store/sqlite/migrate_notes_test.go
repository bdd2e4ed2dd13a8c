package sqlite

import (
	"database/sql"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/supportd/supportd/server/domain"
	"github.com/supportd/supportd/server/store"
)

// oldTicketJSON is a ticket as schema 3 stored it: its notes embedded
// (Author, Text, CreateTime), no NoteCount. notes nil writes "Notes":null.
func oldTicketJSON(t *testing.T, tk domain.Ticket, notes []domain.Note) []byte {
	t.Helper()
	var m map[string]any
	noErr(t, json.Unmarshal(mustJSON(tk), &m))
	delete(m, "NoteCount")
	delete(m, "AttachmentCount")
	var embedded []map[string]any
	for _, n := range notes {
		embedded = append(embedded, map[string]any{"Author": n.Author, "Text": n.Text, "CreateTime": n.CreateTime})
	}
	m["Notes"] = embedded
	return mustJSON(m)
}

// TestMigrationNotesOutOfTickets builds a database of schema 3 holding
// old-format tickets and events, opens it (applying 0004) and checks that
// every note moved to the notes table in order with its exact time, that
// no ticket or snapshot embeds notes any more, that counts are right, and
// that old NOTE_ADDED and ACKNOWLEDGED events carry their note.
func TestMigrationNotesOutOfTickets(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "old.db")
	db, err := sql.Open("sqlite3", dsn(path, false))
	noErr(t, err)
	noErr(t, migrateTo(ctx, db, 3))

	created := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	paris := time.FixedZone("CET", 3600)
	notes := []domain.Note{
		{Author: "partner:p1", Text: "first", CreateTime: created.Add(time.Minute + 123456789)},              // 9 fraction digits
		{Author: "agent:k1", Text: "second, é ✓ \"quoted\"\n", CreateTime: created.Add(2*time.Minute + 5e8)}, // ".5"
		{Author: "partner:p1", Text: "third", CreateTime: created.Add(3 * time.Minute).In(paris)},            // +01:00, no fraction
	}
	tk := benchTicket("tk-1")
	tk.PartnerID, tk.CustomerID, tk.CreateTime = "p1", "c1", created
	bare := benchTicket("tk-2") // "Notes": null
	bare.PartnerID, bare.CustomerID = "p1", "c1"
	snapshot := func(v int64, n int) []byte { // tk-1 at version v with its first n notes
		s := tk
		s.Version = v
		return oldTicketJSON(t, s, notes[:n])
	}
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := db.ExecContext(ctx, q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	exec(`INSERT INTO partners VALUES ('p1', 'P1', 'ACTIVE', '[]', '[]', 0, 0)`)
	exec(`INSERT INTO customers VALUES ('c1', 'p1', 'C1', 'END_CUSTOMER', '[]', 0)`)
	const insTicket = `INSERT INTO tickets(id, partner_id, customer_id, service, status, queue, priority, response_due,
		version, data) VALUES (?, 'p1', 'c1', 'AZURE', 'IN_PROGRESS', 'AZURE', 0, 0, ?, ?)`
	exec(insTicket, "tk-1", 5, snapshot(5, 3))
	exec(insTicket, "tk-2", 1, oldTicketJSON(t, bare, nil))
	const insEvent = `INSERT INTO events(time, type, partner_id, customer_id, ticket_id, actor, detail, ticket)
		VALUES (?, ?, 'p1', 'c1', 'tk-1', ?, '', ?)`
	at := func(n int) int64 { return notes[n].CreateTime.UnixNano() }
	exec(`INSERT INTO events(time, type, partner_id, customer_id, ticket_id, actor, detail) VALUES (1, 'PARTNER_CREATED', 'p1', '', '', 'admin', '')`)
	exec(insEvent, created.UnixNano(), "CREATED", "partner:p1", snapshot(1, 0))
	exec(insEvent, at(0), "NOTE_ADDED", "partner:p1", snapshot(2, 1))
	exec(insEvent, at(1), "ACKNOWLEDGED", "agent:k1", snapshot(3, 2))
	// A status change whose message became note 3: no note on the event.
	exec(insEvent, at(2), "STATUS_CHANGED", "partner:p1", snapshot(4, 3))
	// An acknowledgement without a message (a later instant than note 3).
	exec(insEvent, at(2)+1, "ACKNOWLEDGED", "agent:k1", snapshot(5, 3))
	noErr(t, db.Close())

	s := openAt(t, path, Options{})
	var rawTickets, rawEvents int
	noErr(t, s.readers.QueryRow(`SELECT count(*) FROM tickets WHERE CAST(data AS TEXT) LIKE '%"Notes"%'`).Scan(&rawTickets))
	noErr(t, s.readers.QueryRow(`SELECT count(*) FROM events WHERE CAST(ticket AS TEXT) LIKE '%"Notes"%'`).Scan(&rawEvents))
	if rawTickets != 0 || rawEvents != 0 {
		t.Errorf("after the migration %d tickets and %d events still embed notes", rawTickets, rawEvents)
	}
	noErr(t, s.ReadTx(ctx, func(tx store.Reader) error {
		got, err := tx.GetTicket(ctx, "tk-1")
		noErr(t, err)
		want := tk
		want.Version, want.NoteCount = 5, 3
		if got != want {
			t.Errorf("migrated ticket\n%+v\nwant\n%+v", got, want)
		}
		if b, err := tx.GetTicket(ctx, "tk-2"); err != nil || b.NoteCount != 0 || b.Title != bare.Title {
			t.Errorf("ticket without notes: %+v, %v", b, err)
		}
		gotNotes, err := tx.ListNotes(ctx, "tk-1", 0, 10)
		noErr(t, err)
		if len(gotNotes) != len(notes) {
			t.Fatalf("migrated notes: %+v", gotNotes)
		}
		for i, n := range gotNotes {
			w := notes[i]
			if n.ID != int64(i+1) || n.TicketID != "tk-1" || n.Author != w.Author || n.Text != w.Text || !n.CreateTime.Equal(w.CreateTime) {
				t.Errorf("note %d = %+v, want id %d %+v", i, n, i+1, w)
			}
		}
		evs, err := tx.ListEvents(ctx, 0, store.EventFilter{}, 100)
		noErr(t, err)
		wantNote := []int64{0, 0, 1, 2, 0, 0} // by event, 0: none
		wantCount := []int{-1, 0, 1, 2, 3, 3}
		if len(evs) != len(wantNote) {
			t.Fatalf("migrated events: %d, want %d", len(evs), len(wantNote))
		}
		for i, e := range evs {
			switch {
			case wantNote[i] == 0 && e.Note != nil:
				t.Errorf("event %d (%s) carries %+v, want no note", e.Sequence, e.Type, e.Note)
			case wantNote[i] != 0 && (e.Note == nil || e.Note.ID != wantNote[i] || e.Note.Text != notes[wantNote[i]-1].Text):
				t.Errorf("event %d (%s) carries %+v, want note %d", e.Sequence, e.Type, e.Note, wantNote[i])
			}
			if wantCount[i] >= 0 && (e.Ticket == nil || e.Ticket.NoteCount != wantCount[i] || e.Ticket.Title != tk.Title) {
				t.Errorf("event %d snapshot %+v, want note count %d", e.Sequence, e.Ticket, wantCount[i])
			}
		}
		byQueue, err := tx.ListEvents(ctx, 0, store.EventFilter{Queue: domain.QueueAzure}, 100)
		noErr(t, err)
		if len(byQueue) != 5 {
			t.Errorf("migrated events of queue AZURE: %d, want the 5 ticket events", len(byQueue))
		}
		return nil
	}))
	if !strings.HasPrefix(notes[2].CreateTime.Format(time.RFC3339Nano), "2026-03-02T11:03:00+01:00") {
		t.Fatalf("fixture: note 3 is not in a +01:00 zone: %s", notes[2].CreateTime.Format(time.RFC3339Nano))
	}
}
