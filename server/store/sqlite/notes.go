package sqlite

import (
	"context"
	"fmt"

	"github.com/supportd/supportd/server/domain"
	"github.com/supportd/supportd/server/store"
)

// AddNote implements store.Writer.
func (v *txView) AddNote(_ context.Context, n domain.Note) error {
	_, err := v.exec(`INSERT INTO notes(ticket_id, id, author, text, create_time) VALUES (?, ?, ?, ?, ?)`,
		n.TicketID, n.ID, n.Author, n.Text, nanos(n.CreateTime))
	if err != nil {
		return fmt.Errorf("note %d of ticket %q: %w", n.ID, n.TicketID, err)
	}
	return nil
}

// ListNotes implements store.Reader through the primary key (ticket_id, id).
func (v *txView) ListNotes(_ context.Context, ticketID string, after int64, limit int) ([]domain.Note, error) {
	rows, err := v.query(`SELECT id, author, text, create_time FROM notes WHERE ticket_id = ? AND id > ?
		ORDER BY id LIMIT ?`, ticketID, after, store.LimitOr(limit, store.DefaultPageSize))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []domain.Note
	for rows.Next() {
		n := domain.Note{TicketID: ticketID}
		var created int64
		if err := rows.Scan(&n.ID, &n.Author, &n.Text, &created); err != nil {
			return nil, mapErr(err)
		}
		n.CreateTime = fromNanos(created)
		out = append(out, n)
	}
	return out, mapErr(rows.Err())
}
