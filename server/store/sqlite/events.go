package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/supportd/supportd/server/domain"
	"github.com/supportd/supportd/server/store"
	"github.com/supportd/supportd/server/store/encoding"
)

// AppendEvent implements store.Writer. The sequence is the row id: one more
// than the highest ever kept, so committed sequences have no gaps. A note
// is recorded by its number (note_id) and an attachment by its id
// (attachment_id), not copied: ListEvents joins them. The event, with the
// stored note and attachment, is kept for the commit notification.
func (v *txView) AppendEvent(_ context.Context, e domain.Event) (int64, error) {
	var ticket []byte // NULL: no ticket (encoding.EncodeEventTicket)
	if e.Ticket != nil {
		var err error
		if ticket, err = v.encodeTicket(*e.Ticket); err != nil {
			return 0, fmt.Errorf("append event: %w", err)
		}
	}
	var queue domain.Queue
	committed := e
	if e.Ticket != nil {
		queue = e.Ticket.Queue
		tk := *e.Ticket // a ticket holds no slices or maps: a copy is deep
		committed.Ticket = &tk
	}
	noteID := sql.NullInt64{}
	if e.Note != nil {
		n, err := v.storedNote(e.TicketID, e.Note.ID)
		if err != nil {
			return 0, fmt.Errorf("append event: %w", err)
		}
		noteID = sql.NullInt64{Int64: e.Note.ID, Valid: true}
		committed.Note = n
	}
	attachmentID := sql.NullString{}
	if e.Attachment != nil {
		var att eventAttachment
		if err := v.row(`SELECT id, filename, content_type, size_bytes, sha256, author, create_time FROM attachments WHERE id = ? AND ticket_id = ?`,
			e.Attachment.ID, e.TicketID).Scan(&att.id, &att.filename, &att.contentType, &att.size, &att.sha256, &att.author, &att.created); err != nil {
			return 0, fmt.Errorf("append event: attachment %q of ticket %q: %w", e.Attachment.ID, e.TicketID, mapErr(err))
		}
		attachmentID = sql.NullString{String: e.Attachment.ID, Valid: true}
		committed.Attachment = att.toDomain(e.TicketID)
	}
	res, err := v.exec(`INSERT INTO events(time, type, partner_id, customer_id, ticket_id, actor, detail, ticket, note_id, queue, attachment_id)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		nanos(e.Time), e.Type, e.PartnerID, e.CustomerID, e.TicketID, e.Actor, e.Detail, ticket, noteID, queue, attachmentID)
	if err != nil {
		return 0, fmt.Errorf("append event: %w", err)
	}
	seq, err := res.LastInsertId()
	if err != nil {
		return 0, err
	}
	v.lastSeq = seq
	committed.Sequence, committed.Time = seq, fromNanos(nanos(e.Time))
	v.appended = append(v.appended, committed)
	return seq, nil
}

// storedNote returns note id of the ticket as stored.
func (v *txView) storedNote(ticketID string, id int64) (*domain.Note, error) {
	n := eventNote{}
	if err := v.row(`SELECT id, author, text, create_time FROM notes WHERE ticket_id = ? AND id = ?`, ticketID, id).
		Scan(&n.id, &n.author, &n.text, &n.created); err != nil {
		return nil, fmt.Errorf("note %d of ticket %q: %w", id, ticketID, mapErr(err))
	}
	return n.toDomain(ticketID), nil
}

// ListEvents implements store.Reader.
func (v *txView) ListEvents(_ context.Context, after int64, f store.EventFilter, limit int) ([]domain.Event, error) {
	where := []string{"seq > ?"}
	args := []any{after}
	if f.TicketID != "" {
		where, args = append(where, "ticket_id = ?"), append(args, f.TicketID)
	}
	if f.PartnerID != "" {
		where, args = append(where, "partner_id = ?", "ticket_id <> ''"), append(args, f.PartnerID)
	}
	if f.CustomerID != "" {
		where, args = append(where, "customer_id = ?"), append(args, f.CustomerID)
	}
	if f.Queue != "" {
		where, args = append(where, "queue = ?", "ticket_id <> ''"), append(args, f.Queue)
	}
	args = append(args, store.LimitOr(limit, 100))
	rows, err := v.query(`SELECT e.seq, e.time, e.type, e.partner_id, e.customer_id, e.ticket_id, e.actor, e.detail, e.ticket,
		n.id, n.author, n.text, n.create_time,
		a.id, a.filename, a.content_type, a.size_bytes, a.sha256, a.author, a.create_time
		FROM (SELECT * FROM events WHERE `+strings.Join(where, " AND ")+` ORDER BY seq LIMIT ?) e
		LEFT JOIN notes n ON n.ticket_id = e.ticket_id AND n.id = e.note_id
		LEFT JOIN attachments a ON a.id = e.attachment_id
		ORDER BY e.seq`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []domain.Event
	for rows.Next() {
		var e domain.Event
		var at int64
		var ticket []byte
		var note eventNote
		var att eventAttachment
		if err := rows.Scan(&e.Sequence, &at, &e.Type, &e.PartnerID, &e.CustomerID, &e.TicketID, &e.Actor, &e.Detail, &ticket,
			&note.id, &note.author, &note.text, &note.created,
			&att.id, &att.filename, &att.contentType, &att.size, &att.sha256, &att.author, &att.created); err != nil {
			return nil, mapErr(err)
		}
		e.Time = fromNanos(at)
		e.Note = note.toDomain(e.TicketID)
		e.Attachment = att.toDomain(e.TicketID)
		if e.Ticket, err = encoding.DecodeEventTicket(ticket); err != nil {
			return nil, fmt.Errorf("decode event %d: %w", e.Sequence, err)
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
	res, err := v.exec(`DELETE FROM events WHERE time < ? AND seq < (SELECT MAX(seq) FROM events)`, t.UnixNano())
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// eventNote is the joined note columns of an event row (NULL when the
// event carries no note).
type eventNote struct {
	id      sql.NullInt64
	author  sql.NullString
	text    sql.NullString
	created sql.NullInt64
}

func (n eventNote) toDomain(ticketID string) *domain.Note {
	if !n.id.Valid {
		return nil
	}
	return &domain.Note{ID: n.id.Int64, TicketID: ticketID, Author: n.author.String, Text: n.text.String,
		CreateTime: fromNanos(n.created.Int64)}
}

// eventAttachment is the joined attachment columns of an event row (NULL
// when the event carries no attachment).
type eventAttachment struct {
	id, filename, contentType, sha256, author sql.NullString
	size, created                             sql.NullInt64
}

func (a eventAttachment) toDomain(ticketID string) *domain.Attachment {
	if !a.id.Valid {
		return nil
	}
	return &domain.Attachment{ID: a.id.String, TicketID: ticketID, Filename: a.filename.String, ContentType: a.contentType.String,
		SizeBytes: a.size.Int64, SHA256: a.sha256.String, Author: a.author.String, CreateTime: fromNanos(a.created.Int64)}
}
