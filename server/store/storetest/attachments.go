package storetest

import (
	"bytes"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/supportd/supportd/server/domain"
	"github.com/supportd/supportd/server/store"
)

var attachmentTests = []subtest{
	{name: "StageCommitRead", fn: testAttachmentStageCommitRead},
	{name: "ListInCommitOrder", fn: testListAttachments},
	{name: "RequestIDs", fn: testAttachmentRequestIDs},
	{name: "DiscardAndSweep", fn: testDiscardStagedUploads},
	{name: "CommitChecksStagedContent", fn: testAttachmentCommitChecks},
	{name: "EventCarriesAttachment", fn: testEventAttachment},
}

// newAttachment describes an attachment of ticketID whose content is
// content.
func newAttachment(id, ticketID string, content []byte) domain.Attachment {
	return domain.Attachment{ID: id, TicketID: ticketID, Filename: "trace " + id + ".log", ContentType: "text/plain; charset=utf-8",
		SizeBytes: int64(len(content)), SHA256: fmt.Sprintf("%064x", len(content)), Author: "partner:" + partner1, CreateTime: at(time.Hour)}
}

func request(rid string) store.AttachmentRequest {
	return store.AttachmentRequest{Owner: "partner:" + partner1, RequestID: rid, RequestHash: []byte("hash-" + rid)}
}

// stage stages content under id in chunks of size bytes, one write
// transaction per chunk, and returns the number of chunks.
func stage(t *testing.T, s store.Store, id string, content []byte, size int) int {
	t.Helper()
	n := 0
	for off := 0; off < len(content); off, n = off+size, n+1 {
		write(t, s, func(tx store.ReadWriter) error {
			return tx.StageAttachmentChunk(ctxT(t), id, n, content[off:min(off+size, len(content))], at(time.Duration(n)*time.Second))
		})
	}
	return n
}

// attach stages content and commits it as attachment id of ticketID.
func attach(t *testing.T, s store.Store, id, ticketID string, content []byte) domain.Attachment {
	t.Helper()
	a := newAttachment(id, ticketID, content)
	chunks := stage(t, s, id, content, 1000)
	write(t, s, func(tx store.ReadWriter) error { return tx.CreateAttachment(ctxT(t), a, chunks, request("rid-"+id)) })
	return a
}

func stagedUploads(t *testing.T, s store.Store) []string {
	t.Helper()
	var ids []string
	read(t, s, func(tx store.Reader) error {
		var err error
		ids, err = tx.ListStagedUploads(ctxT(t), at(1000*time.Hour), 100)
		return err
	})
	return ids
}

func testAttachmentStageCommitRead(t *testing.T, f Factory) {
	s := f.Open(t)
	ctx := ctxT(t)
	seed(t, s)
	createTickets(t, s, newTicket("tk-1", partner1, customer1))
	content := bytes.Repeat([]byte("0123456789abcdefghij"), 170) // 3400 bytes: 4 chunks of 1000
	id := "att-1"
	chunks := stage(t, s, id, content, 1000)
	read(t, s, func(tx store.Reader) error {
		_, err := tx.GetAttachment(ctx, id)
		wantErr(t, "GetAttachment of a staged upload", err, store.ErrNotFound)
		return nil
	})
	if got := stagedUploads(t, s); len(got) != 1 || got[0] != id {
		t.Fatalf("staged uploads = %v, want [%s]", got, id)
	}
	a := newAttachment(id, "tk-1", content)
	write(t, s, func(tx store.ReadWriter) error { return tx.CreateAttachment(ctx, a, chunks, request("r1")) })
	if got := stagedUploads(t, s); len(got) != 0 {
		t.Errorf("staged uploads after commit = %v, want none", got)
	}
	read(t, s, func(tx store.Reader) error {
		got, err := tx.GetAttachment(ctx, id)
		noErr(t, "GetAttachment", err)
		wantEqual(t, "GetAttachment", got, a)
		var back []byte
		for n := 0; ; n++ {
			chunk, err := tx.GetAttachmentChunk(ctx, id, n)
			if errors.Is(err, store.ErrNotFound) {
				break
			}
			noErr(t, "GetAttachmentChunk", err)
			back = append(back, chunk...)
		}
		if !bytes.Equal(back, content) {
			t.Errorf("content read back: %d bytes, want the %d staged", len(back), len(content))
		}
		return nil
	})
	// Discarding a committed attachment's id deletes nothing.
	write(t, s, func(tx store.ReadWriter) error { return tx.DiscardStagedUpload(ctx, id) })
	read(t, s, func(tx store.Reader) error {
		_, err := tx.GetAttachmentChunk(ctx, id, 0)
		noErr(t, "chunk after discarding a committed id", err)
		return nil
	})
	// An empty file has no chunk.
	empty := newAttachment("att-empty", "tk-1", nil)
	write(t, s, func(tx store.ReadWriter) error { return tx.CreateAttachment(ctx, empty, 0, request("r2")) })
	read(t, s, func(tx store.Reader) error {
		_, err := tx.GetAttachmentChunk(ctx, empty.ID, 0)
		wantErr(t, "chunk of an empty file", err, store.ErrNotFound)
		return nil
	})
}

func testListAttachments(t *testing.T, f Factory) {
	s := f.Open(t)
	ctx := ctxT(t)
	seed(t, s)
	createTickets(t, s, newTicket("tk-1", partner1, customer1), newTicket("tk-2", partner1, customer1))
	// Ids sort in the reverse of commit order: listing follows commits.
	var want []domain.Attachment
	for i := 5; i > 0; i-- {
		want = append(want, attach(t, s, fmt.Sprintf("att-%d", i), "tk-1", []byte{byte(i)}))
	}
	attach(t, s, "att-other", "tk-2", []byte("x"))
	var got []domain.Attachment
	after := ""
	for pages := 0; ; pages++ {
		var page []domain.Attachment
		var next string
		read(t, s, func(tx store.Reader) error {
			var err error
			page, next, err = tx.ListAttachments(ctx, "tk-1", store.Page{After: after, Limit: 2})
			return err
		})
		got = append(got, page...)
		if next == "" {
			if pages != 2 {
				t.Errorf("%d pages of 2 for 5 attachments, want 3", pages+1)
			}
			break
		}
		after = next
	}
	wantEqual(t, "ListAttachments", got, want)
	read(t, s, func(tx store.Reader) error {
		page, next, err := tx.ListAttachments(ctx, "tk-1", store.Page{Limit: 5})
		noErr(t, "ListAttachments", err)
		if len(page) != 5 || next != "" {
			t.Errorf("a full last page: %d attachments, next %q; want 5 and none", len(page), next)
		}
		return nil
	})
}

func testAttachmentRequestIDs(t *testing.T, f Factory) {
	s := f.Open(t)
	ctx := ctxT(t)
	seed(t, s)
	createTickets(t, s, newTicket("tk-1", partner1, customer1))
	a := attach(t, s, "att-1", "tk-1", []byte("abc"))
	read(t, s, func(tx store.Reader) error {
		got, hash, err := tx.GetAttachmentByRequest(ctx, "partner:"+partner1, "rid-att-1")
		noErr(t, "GetAttachmentByRequest", err)
		wantEqual(t, "GetAttachmentByRequest", got, a)
		if string(hash) != "hash-rid-att-1" {
			t.Errorf("request hash = %q", hash)
		}
		_, _, err = tx.GetAttachmentByRequest(ctx, "partner:"+partner2, "rid-att-1")
		wantErr(t, "another owner's request id", err, store.ErrNotFound)
		return nil
	})
	b := newAttachment("att-2", "tk-1", nil)
	err := s.ReadWriteTx(ctx, func(tx store.ReadWriter) error { return tx.CreateAttachment(ctx, b, 0, request("rid-att-1")) })
	wantErr(t, "CreateAttachment with a used request id", err, store.ErrAlreadyExists)
	other := request("rid-att-1")
	other.Owner = "agent:k1"
	write(t, s, func(tx store.ReadWriter) error { return tx.CreateAttachment(ctx, b, 0, other) })
}

func testDiscardStagedUploads(t *testing.T, f Factory) {
	s := f.Open(t)
	ctx := ctxT(t)
	seed(t, s)
	write(t, s, func(tx store.ReadWriter) error {
		noErr(t, "stage old", tx.StageAttachmentChunk(ctx, "old", 0, []byte("a"), at(0)))
		noErr(t, "stage new", tx.StageAttachmentChunk(ctx, "new", 0, []byte("b"), at(time.Minute)))
		return tx.StageAttachmentChunk(ctx, "old", 1, []byte("c"), at(2*time.Minute)) // touches old
	})
	read(t, s, func(tx store.Reader) error {
		ids, err := tx.ListStagedUploads(ctx, at(90*time.Second), 10)
		noErr(t, "ListStagedUploads", err)
		wantEqual(t, "uploads idle since before 1m30", ids, []string{"new"})
		ids, err = tx.ListStagedUploads(ctx, at(time.Hour), 1)
		noErr(t, "ListStagedUploads", err)
		wantEqual(t, "the longest idle upload", ids, []string{"new"})
		return nil
	})
	write(t, s, func(tx store.ReadWriter) error { return tx.DiscardStagedUpload(ctx, "old") })
	read(t, s, func(tx store.Reader) error {
		_, err := tx.GetAttachmentChunk(ctx, "old", 0)
		wantErr(t, "chunk of a discarded upload", err, store.ErrNotFound)
		return nil
	})
	// A discarded upload cannot continue, nor commit.
	err := s.ReadWriteTx(ctx, func(tx store.ReadWriter) error {
		return tx.StageAttachmentChunk(ctx, "old", 2, []byte("d"), at(3*time.Minute))
	})
	wantErr(t, "staging into a discarded upload", err, store.ErrNotFound)
	createTickets(t, s, newTicket("tk-1", partner1, customer1))
	err = s.ReadWriteTx(ctx, func(tx store.ReadWriter) error {
		return tx.CreateAttachment(ctx, newAttachment("old", "tk-1", []byte("ac")), 2, request("r"))
	})
	wantErr(t, "committing a discarded upload", err, store.ErrNotFound)
	if got := stagedUploads(t, s); len(got) != 1 || got[0] != "new" {
		t.Errorf("staged uploads = %v, want [new]", got)
	}
}

func testAttachmentCommitChecks(t *testing.T, f Factory) {
	s := f.Open(t)
	ctx := ctxT(t)
	seed(t, s)
	createTickets(t, s, newTicket("tk-1", partner1, customer1))
	content := []byte("0123456789")
	chunks := stage(t, s, "att-1", content, 4)
	for _, tc := range []struct {
		name   string
		size   int64
		chunks int
	}{{"fewer chunks", 10, chunks - 1}, {"other size", 9, chunks}} {
		a := newAttachment("att-1", "tk-1", content)
		a.SizeBytes = tc.size
		err := s.ReadWriteTx(ctx, func(tx store.ReadWriter) error { return tx.CreateAttachment(ctx, a, tc.chunks, request("r")) })
		if err == nil {
			t.Errorf("%s: CreateAttachment succeeded", tc.name)
		}
	}
	if got := stagedUploads(t, s); len(got) != 1 {
		t.Errorf("a refused commit changed the staged uploads: %v", got)
	}
	err := s.ReadWriteTx(ctx, func(tx store.ReadWriter) error {
		return tx.CreateAttachment(ctx, newAttachment("att-2", "no-such-ticket", nil), 0, request("r"))
	})
	wantErr(t, "attachment of an unknown ticket", err, store.ErrNotFound)
}

func testEventAttachment(t *testing.T, f Factory) {
	s := f.Open(t)
	ctx := ctxT(t)
	seed(t, s)
	tk := newTicket("tk-1", partner1, customer1)
	createTickets(t, s, tk)
	a := newAttachment("att-1", "tk-1", nil)
	var last int64
	read(t, s, func(tx store.Reader) error {
		var err error
		last, err = tx.LastSequence(ctx)
		return err
	})
	write(t, s, func(tx store.ReadWriter) error {
		noErr(t, "CreateAttachment", tx.CreateAttachment(ctx, a, 0, request("r")))
		_, err := tx.AppendEvent(ctx, domain.Event{Type: domain.EventAttachmentAdded, TicketID: tk.ID, PartnerID: partner1,
			CustomerID: customer1, Actor: a.Author, Time: at(time.Hour), Ticket: &tk, Attachment: &a})
		if err != nil {
			return err
		}
		_, err = tx.AppendEvent(ctx, domain.Event{Type: domain.EventNoteAdded, TicketID: tk.ID, PartnerID: partner1,
			CustomerID: customer1, Actor: a.Author, Time: at(time.Hour), Ticket: &tk})
		return err
	})
	read(t, s, func(tx store.Reader) error {
		evs, err := tx.ListEvents(ctx, last, store.EventFilter{TicketID: tk.ID}, 10)
		noErr(t, "ListEvents", err)
		if len(evs) != 2 || evs[0].Attachment == nil || evs[1].Attachment != nil {
			t.Fatalf("events = %+v, want the attachment on the first only", evs)
		}
		wantEqual(t, "event attachment", *evs[0].Attachment, a)
		return nil
	})
}
