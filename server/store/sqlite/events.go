package sqlite

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/supportd/supportd/server/domain"
	"github.com/supportd/supportd/server/store"
)

// AppendEvent implements store.Writer. The sequence is the row id: one more
// than the highest ever kept, so committed sequences have no gaps.
func (v *txView) AppendEvent(_ context.Context, e domain.Event) (int64, error) {
	var ticket []byte
	if e.Ticket != nil {
		ticket = mustJSON(e.Ticket)
	}
	res, err := v.exec(`INSERT INTO events(time, type, partner_id, customer_id, ticket_id, actor, detail, ticket)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		nanos(e.Time), e.Type, e.PartnerID, e.CustomerID, e.TicketID, e.Actor, e.Detail, ticket)
	if err != nil {
		return 0, fmt.Errorf("append event: %w", err)
	}
	seq, err := res.LastInsertId()
	if err != nil {
		return 0, err
	}
	v.lastSeq = seq
	return seq, nil
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
	args = append(args, limitOr(limit, 100))
	rows, err := v.query(`SELECT seq, time, type, partner_id, customer_id, ticket_id, actor, detail, ticket
		FROM events WHERE `+strings.Join(where, " AND ")+` ORDER BY seq LIMIT ?`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []domain.Event
	for rows.Next() {
		var e domain.Event
		var at int64
		var ticket []byte
		if err := rows.Scan(&e.Sequence, &at, &e.Type, &e.PartnerID, &e.CustomerID, &e.TicketID, &e.Actor, &e.Detail, &ticket); err != nil {
			return nil, mapErr(err)
		}
		e.Time = fromNanos(at)
		if ticket != nil {
			t, err := decodeTicket(ticket)
			if err != nil {
				return nil, fmt.Errorf("decode event %d: %w", e.Sequence, err)
			}
			e.Ticket = &t
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
