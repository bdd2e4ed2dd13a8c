package postgres

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/supportd/supportd/server/domain"
	"github.com/supportd/supportd/server/store"
	"github.com/supportd/supportd/server/store/encoding"
)

// AppendEvent implements store.Writer. The sequence comes from the
// one-row table event_counter, incremented in the same statement that
// inserts the event: the row lock it takes is held until the transaction
// ends, so a concurrent writer (of any replica) waits for this commit or
// rollback before taking the next value. Hence sequences have no gaps (a
// rollback gives its values back) and become visible in order: a watcher
// that has read up to sequence n never misses an event n' < n committed
// later. Callers append events last in their transactions (the mutate
// path does), which keeps that lock held only for the commit.
func (v *txView) AppendEvent(_ context.Context, e domain.Event) (int64, error) {
	ticket, err := encoding.EncodeEventTicket(e.Ticket)
	if err != nil {
		return 0, fmt.Errorf("append event: %w", err)
	}
	var queue domain.Queue
	committed := e // as ListEvents will return it, for the commit notification
	if e.Ticket != nil {
		queue = e.Ticket.Queue
		tk := *e.Ticket // a ticket holds no slices or maps: a copy is deep
		committed.Ticket = &tk
	}
	var noteID *int64
	if e.Note != nil {
		var n eventNote
		if err := v.row(`SELECT id, author, text, create_time FROM notes WHERE ticket_id = $1 AND id = $2`, e.TicketID, e.Note.ID).
			Scan(&n.id, &n.author, &n.text, &n.created); err != nil {
			return 0, fmt.Errorf("append event: note %d of ticket %q: %w", e.Note.ID, e.TicketID, mapErr(err))
		}
		noteID, committed.Note = n.id, n.toDomain(e.TicketID)
	}
	var attachmentID *string
	if e.Attachment != nil {
		var att eventAttachment
		if err := v.row(`SELECT id, filename, content_type, size_bytes, sha256, author, create_time FROM attachments
			WHERE id = $1 AND ticket_id = $2`, e.Attachment.ID, e.TicketID).
			Scan(&att.id, &att.filename, &att.contentType, &att.size, &att.sha256, &att.author, &att.created); err != nil {
			return 0, fmt.Errorf("append event: attachment %q of ticket %q: %w", e.Attachment.ID, e.TicketID, mapErr(err))
		}
		attachmentID, committed.Attachment = att.id, att.toDomain(e.TicketID)
	}
	var seq int64
	err = v.execReturning(`WITH next AS (UPDATE event_counter SET last = last + 1 RETURNING last)
		INSERT INTO events(seq, time, type, partner_id, customer_id, ticket_id, actor, detail, ticket, note_id, queue, attachment_id)
		SELECT next.last, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11 FROM next RETURNING seq`,
		[]any{nanos(e.Time), e.Type, e.PartnerID, e.CustomerID, e.TicketID, e.Actor, e.Detail, ticket, noteID, queue, attachmentID},
		&seq)
	if err != nil {
		return 0, fmt.Errorf("append event: %w", err)
	}
	v.lastSeq = seq
	committed.Sequence, committed.Time = seq, fromNanos(nanos(e.Time))
	v.appended = append(v.appended, committed)
	return seq, nil
}

// ListEvents implements store.Reader.
func (v *txView) ListEvents(_ context.Context, after int64, f store.EventFilter, limit int) ([]domain.Event, error) {
	var a args
	where := []string{"seq > " + a.add(after)}
	if f.TicketID != "" {
		where = append(where, "ticket_id = "+a.add(f.TicketID))
	}
	if f.PartnerID != "" {
		where = append(where, "partner_id = "+a.add(f.PartnerID), "ticket_id <> ''")
	}
	if f.CustomerID != "" {
		where = append(where, "customer_id = "+a.add(f.CustomerID))
	}
	if f.Queue != "" {
		where = append(where, "queue = "+a.add(f.Queue), "ticket_id <> ''")
	}
	lim := a.add(store.LimitOr(limit, 100))
	rows, err := v.query(`SELECT e.seq, e.time, e.type, e.partner_id, e.customer_id, e.ticket_id, e.actor, e.detail, e.ticket,
		n.id, n.author, n.text, n.create_time,
		at.id, at.filename, at.content_type, at.size_bytes, at.sha256, at.author, at.create_time
		FROM (SELECT * FROM events WHERE `+strings.Join(where, " AND ")+` ORDER BY seq LIMIT `+lim+`) e
		LEFT JOIN notes n ON n.ticket_id = e.ticket_id AND n.id = e.note_id
		LEFT JOIN attachments at ON at.id = e.attachment_id
		ORDER BY e.seq`, a...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []domain.Event
	for rows.Next() {
		var e domain.Event
		var when int64
		var ticket []byte
		var note eventNote
		var att eventAttachment
		if err := rows.Scan(&e.Sequence, &when, &e.Type, &e.PartnerID, &e.CustomerID, &e.TicketID, &e.Actor, &e.Detail, &ticket,
			&note.id, &note.author, &note.text, &note.created,
			&att.id, &att.filename, &att.contentType, &att.size, &att.sha256, &att.author, &att.created); err != nil {
			return nil, mapErr(err)
		}
		e.Time = fromNanos(when)
		e.Note = note.toDomain(e.TicketID)
		e.Attachment = att.toDomain(e.TicketID)
		if ticket != nil {
			if e.Ticket, err = encoding.DecodeEventTicket(ticket); err != nil {
				return nil, fmt.Errorf("decode event %d: %w", e.Sequence, err)
			}
		}
		out = append(out, e)
	}
	return out, mapErr(rows.Err())
}

// LastSequence implements store.Reader.
func (v *txView) LastSequence(_ context.Context) (int64, error) {
	var seq int64
	err := v.row(`SELECT COALESCE(MAX(seq), 0) FROM events`).Scan(&seq)
	return seq, mapErr(err)
}

// FirstSequence implements store.Reader.
func (v *txView) FirstSequence(_ context.Context) (int64, error) {
	var seq int64
	err := v.row(`SELECT COALESCE(MIN(seq), 0) FROM events`).Scan(&seq)
	return seq, mapErr(err)
}

// DeleteEventsBefore implements store.Writer.
func (v *txView) DeleteEventsBefore(_ context.Context, t time.Time) (int64, error) {
	tag, err := v.exec(`DELETE FROM events WHERE seq IN
		(SELECT seq FROM events WHERE time < $1 AND seq < (SELECT MAX(seq) FROM events)`+v.claim()+`)`, t.UnixNano())
	if err != nil {
		return 0, err
	}
	return tag.RowsAffected(), nil
}

// eventNote is the joined note columns of an event row (NULL when the
// event carries no note).
type eventNote struct {
	id           *int64
	author, text *string
	created      *int64
}

func (n eventNote) toDomain(ticketID string) *domain.Note {
	if n.id == nil {
		return nil
	}
	return &domain.Note{ID: *n.id, TicketID: ticketID, Author: deref(n.author), Text: deref(n.text),
		CreateTime: fromNanos(deref(n.created))}
}

// eventAttachment is the joined attachment columns of an event row (NULL
// when the event carries no attachment).
type eventAttachment struct {
	id, filename, contentType, sha256, author *string
	size, created                             *int64
}

func (a eventAttachment) toDomain(ticketID string) *domain.Attachment {
	if a.id == nil {
		return nil
	}
	return &domain.Attachment{ID: *a.id, TicketID: ticketID, Filename: deref(a.filename), ContentType: deref(a.contentType),
		SizeBytes: deref(a.size), SHA256: deref(a.sha256), Author: deref(a.author), CreateTime: fromNanos(deref(a.created))}
}

// deref is *p, or the zero value for nil.
func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
