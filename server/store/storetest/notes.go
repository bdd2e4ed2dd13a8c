package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/supportd/supportd/server/domain"
	"github.com/supportd/supportd/server/store"
)

var noteTests = []subtest{
	{name: "AddList", fn: testNotesAddList},
	{name: "Refused", fn: testNotesRefused},
	{name: "EventCarriesNote", fn: testEventNote},
}

// note is note number id of ticket ticketID.
func note(ticketID string, id int64) domain.Note {
	return domain.Note{ID: id, TicketID: ticketID, Author: fmt.Sprintf("partner:%s", ticketID),
		Text: fmt.Sprintf("note %d of %s: é ✓\nsecond line", id, ticketID), CreateTime: at(time.Duration(id) * time.Minute)}
}

// addNotes stores notes first..last of a ticket in one transaction.
func addNotes(t *testing.T, s store.Store, ticketID string, first, last int64) []domain.Note {
	t.Helper()
	var out []domain.Note
	write(t, s, func(tx store.ReadWriter) error {
		for id := first; id <= last; id++ {
			n := note(ticketID, id)
			if err := tx.AddNote(ctxT(t), n); err != nil {
				return err
			}
			out = append(out, n)
		}
		return nil
	})
	return out
}

func testNotesAddList(t *testing.T, f Factory) {
	s := f.Open(t)
	ctx := ctxT(t)
	seed(t, s)
	createTickets(t, s, newTicket("tk-1", partner1, customer1), newTicket("tk-2", partner2, customer3))
	want := addNotes(t, s, "tk-1", 1, 7)
	other := addNotes(t, s, "tk-2", 1, 2)
	want = append(want, addNotes(t, s, "tk-1", 8, 12)...) // interleaved with tk-2's
	read(t, s, func(tx store.Reader) error {
		got, err := tx.ListNotes(ctx, "tk-1", 0, 100)
		noErr(t, "ListNotes", err)
		wantEqual(t, "ListNotes tk-1", got, want)
		got, err = tx.ListNotes(ctx, "tk-2", 0, 100)
		noErr(t, "ListNotes tk-2", err)
		wantEqual(t, "ListNotes tk-2", got, other)
		// Keyset pages: after the last id seen, oldest first.
		var paged []domain.Note
		for after := int64(0); ; {
			page, err := tx.ListNotes(ctx, "tk-1", after, 5)
			noErr(t, "ListNotes page", err)
			if len(page) > 5 {
				t.Fatalf("ListNotes limit 5 returned %d", len(page))
			}
			if len(page) == 0 {
				break
			}
			paged = append(paged, page...)
			after = page[len(page)-1].ID
		}
		wantEqual(t, "ListNotes by pages", paged, want)
		got, err = tx.ListNotes(ctx, "tk-1", 12, 10)
		noErr(t, "ListNotes after the last", err)
		if len(got) != 0 {
			t.Errorf("ListNotes after the last note = %+v", got)
		}
		got, err = tx.ListNotes(ctx, "no-such-ticket", 0, 10)
		noErr(t, "ListNotes unknown ticket", err)
		if len(got) != 0 {
			t.Errorf("ListNotes of an unknown ticket = %+v", got)
		}
		return nil
	})
}

func testNotesRefused(t *testing.T, f Factory) {
	s := f.Open(t)
	ctx := ctxT(t)
	seed(t, s)
	createTickets(t, s, newTicket("tk-1", partner1, customer1))
	want := addNotes(t, s, "tk-1", 1, 2)

	dup := note("tk-1", 2)
	dup.Text = "a second note 2"
	err := s.ReadWriteTx(ctx, func(tx store.ReadWriter) error { return tx.AddNote(ctx, dup) })
	wantErr(t, "AddNote with a taken id", err, store.ErrAlreadyExists)
	err = s.ReadWriteTx(ctx, func(tx store.ReadWriter) error { return tx.AddNote(ctx, note("no-such-ticket", 1)) })
	wantErr(t, "AddNote of an unknown ticket", err, store.ErrNotFound)
	err = s.ReadWriteTx(ctx, func(tx store.ReadWriter) error {
		if err := tx.AddNote(ctx, note("tk-1", 3)); err != nil {
			return err
		}
		return errBoom
	})
	wantErr(t, "rolled-back AddNote", err, errBoom)
	read(t, s, func(tx store.Reader) error {
		got, err := tx.ListNotes(ctx, "tk-1", 0, 10)
		noErr(t, "ListNotes", err)
		wantEqual(t, "ListNotes after refusals", got, want)
		return nil
	})
}

func testEventNote(t *testing.T, f Factory) {
	s := f.Open(t)
	ctx := ctxT(t)
	seed(t, s)
	tk := newTicket("tk-1", partner1, customer1)
	createTickets(t, s, tk)
	_, before := sequences(t, s)
	n := note(tk.ID, 1)
	withNote := ticketEvent(domain.EventNoteAdded, tk)
	withNote.Note = &n
	write(t, s, func(tx store.ReadWriter) error {
		if err := tx.AddNote(ctx, n); err != nil {
			return err
		}
		if _, err := tx.AppendEvent(ctx, withNote); err != nil {
			return err
		}
		_, err := tx.AppendEvent(ctx, ticketEvent(domain.EventEscalated, tk))
		return err
	})
	// An event naming a note that is not stored is refused.
	missing := ticketEvent(domain.EventNoteAdded, tk)
	missing.Note = &domain.Note{ID: 2, TicketID: tk.ID, Text: "never stored"}
	err := s.ReadWriteTx(ctx, func(tx store.ReadWriter) error {
		_, err := tx.AppendEvent(ctx, missing)
		return err
	})
	wantErr(t, "AppendEvent with a note not stored", err, store.ErrNotFound)
	read(t, s, func(tx store.Reader) error {
		for _, fl := range []store.EventFilter{{}, {TicketID: tk.ID}, {PartnerID: partner1}, {Queue: tk.Queue}} {
			got, err := tx.ListEvents(ctx, before, fl, 10)
			noErr(t, "ListEvents", err)
			if len(got) != 2 {
				t.Fatalf("ListEvents %+v: %d events, want 2", fl, len(got))
			}
			withNote.Sequence = before + 1
			wantEqual(t, fmt.Sprintf("event with a note (filter %+v)", fl), got[0], withNote)
			if got[1].Note != nil {
				t.Errorf("an event without a note came back with %+v", got[1].Note)
			}
		}
		return nil
	})
}
