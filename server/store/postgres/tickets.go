package postgres

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/supportd/supportd/server/domain"
	"github.com/supportd/supportd/server/store"
	"github.com/supportd/supportd/server/store/encoding"
)

const topicCols = `id, service, name, category, featured, rank`

// ListTopics implements store.Reader.
func (v *txView) ListTopics(_ context.Context, service domain.Service) ([]domain.Topic, error) {
	rows, err := v.query(`SELECT `+topicCols+` FROM topics WHERE service = $1 ORDER BY featured DESC, rank, id`, service)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []domain.Topic
	for rows.Next() {
		var t domain.Topic
		if err := rows.Scan(&t.ID, &t.Service, &t.Name, &t.Category, &t.Featured, &t.Rank); err != nil {
			return nil, mapErr(err)
		}
		out = append(out, t)
	}
	return out, mapErr(rows.Err())
}

// GetTopic implements store.Reader.
func (v *txView) GetTopic(_ context.Context, id string) (domain.Topic, error) {
	var t domain.Topic
	err := v.row(`SELECT `+topicCols+` FROM topics WHERE id = $1`, id).
		Scan(&t.ID, &t.Service, &t.Name, &t.Category, &t.Featured, &t.Rank)
	if err != nil {
		return t, fmt.Errorf("topic %q: %w", id, mapErr(err))
	}
	return t, nil
}

// UpsertTopic implements store.Writer.
func (v *txView) UpsertTopic(_ context.Context, t domain.Topic) error {
	_, err := v.exec(`INSERT INTO topics(`+topicCols+`) VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT(id) DO UPDATE SET service = excluded.service, name = excluded.name,
		category = excluded.category, featured = excluded.featured, rank = excluded.rank`,
		t.ID, t.Service, t.Name, t.Category, t.Featured, t.Rank)
	return err
}

// GetTicket implements store.Reader. In a write transaction it locks the
// ticket's row until the transaction ends (FOR UPDATE): writers read a
// ticket to change it (the mutate path: read, check, UpdateTicket of the
// next version), and under READ COMMITTED another replica could otherwise
// commit a change of that ticket between the read and the update, whose
// version check would then refuse a change the caller never conditioned
// on a version (ABORTED for a note added while an agent answered on
// another replica). Locked, the read waits for a concurrent writer of the
// ticket and returns its committed result, as the single SQLite writer
// does by construction.
func (v *txView) GetTicket(_ context.Context, id string) (domain.Ticket, error) {
	query := `SELECT data FROM tickets WHERE id = $1`
	if v.write {
		query += ` FOR UPDATE`
	}
	tickets, err := v.queryTickets(query, id)
	if err != nil {
		return domain.Ticket{}, fmt.Errorf("ticket %q: %w", id, err)
	}
	if len(tickets) == 0 {
		return domain.Ticket{}, fmt.Errorf("ticket %q: %w", id, store.ErrNotFound)
	}
	return tickets[0], nil
}

// ListTickets implements store.Reader.
func (v *txView) ListTickets(_ context.Context, f store.TicketFilter, p store.Page) ([]domain.Ticket, error) {
	var a args
	where := []string{"partner_id = " + a.add(f.PartnerID)}
	if f.CustomerID != "" {
		where = append(where, "customer_id = "+a.add(f.CustomerID))
	}
	if f.Service != "" {
		where = append(where, "service = "+a.add(f.Service))
	}
	if f.Status != "" {
		where = append(where, "status = "+a.add(f.Status))
	}
	if p.After != "" {
		where = append(where, "id < "+a.add(p.After))
	}
	limit := a.add(p.Size())
	return v.queryTickets(`SELECT data FROM tickets WHERE `+strings.Join(where, " AND ")+` ORDER BY id DESC LIMIT `+limit, a...)
}

// ListQueueTickets implements store.Reader. The cursor is
// "priority,response_due,id" of the last ticket returned.
func (v *txView) ListQueueTickets(_ context.Context, q domain.Queue, p store.Page) ([]domain.Ticket, string, error) {
	limit := p.Size()
	// open is domain.TicketStatus.IsOpen, stored with every write
	// (migration 0002): SQL does not spell the list of statuses.
	const open = `queue = $1 AND open`
	var tickets []domain.Ticket
	var err error
	if p.After == "" {
		tickets, err = v.queryTickets(`SELECT data FROM tickets WHERE `+open+`
			ORDER BY priority DESC, response_due, id LIMIT $2`, q, limit)
	} else {
		prio, due, id, perr := parseQueueCursor(p.After)
		if perr != nil {
			return nil, "", perr
		}
		tickets, err = v.queryTickets(`SELECT data FROM tickets WHERE `+open+`
			AND (priority < $2 OR (priority = $2 AND (response_due > $3 OR (response_due = $3 AND id > $4))))
			ORDER BY priority DESC, response_due, id LIMIT $5`, q, prio, due, id, limit)
	}
	if err != nil || len(tickets) < limit {
		return tickets, "", err
	}
	return tickets, queueCursor(tickets[len(tickets)-1]), nil
}

func queueCursor(t domain.Ticket) string {
	return fmt.Sprintf("%d,%d,%s", priority(t), nanos(t.ResponseDueTime), t.ID)
}

func parseQueueCursor(c string) (prio int, due int64, id string, err error) {
	parts := strings.SplitN(c, ",", 3)
	if len(parts) != 3 {
		return 0, 0, "", fmt.Errorf("queue cursor %q: malformed", c)
	}
	if prio, err = strconv.Atoi(parts[0]); err != nil {
		return 0, 0, "", fmt.Errorf("queue cursor %q: %w", c, err)
	}
	if due, err = strconv.ParseInt(parts[1], 10, 64); err != nil {
		return 0, 0, "", fmt.Errorf("queue cursor %q: %w", c, err)
	}
	return prio, due, parts[2], nil
}

// priority is the stored priority column: 1 for priority tickets.
func priority(t domain.Ticket) int {
	if t.Priority {
		return 1
	}
	return 0
}

// ListDueTickets implements store.Reader through the partial index on
// next_escalation. In a write transaction it locks the tickets it lists
// (FOR UPDATE) and skips those locked by another transaction (SKIP
// LOCKED): replicas sweeping together each take other tickets, rather
// than all listing the same ones and all but one failing UpdateTicket's
// version check. A ticket another replica advanced and committed
// meanwhile is rechecked on its new row (READ COMMITTED): it is listed
// only if a stage is still due.
func (v *txView) ListDueTickets(_ context.Context, now time.Time, limit int) ([]domain.Ticket, error) {
	return v.queryTickets(`SELECT data FROM tickets WHERE next_escalation IS NOT NULL AND next_escalation <= $1
		ORDER BY next_escalation, id LIMIT $2`+v.claim(), now.UnixNano(), store.LimitOr(limit, 1000))
}

// queryTickets runs a query of the column data and decodes each ticket.
func (v *txView) queryTickets(query string, args ...any) ([]domain.Ticket, error) {
	rows, err := v.query(query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []domain.Ticket
	for rows.Next() {
		// RawValues are valid until the next row: decoded straight from
		// the connection's buffer, not copied.
		t, err := encoding.DecodeTicket(rows.RawValues()[0])
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, mapErr(rows.Err())
}

func ticketColumns(t domain.Ticket) ([]any, error) {
	data, err := encoding.EncodeTicket(t)
	if err != nil {
		return nil, fmt.Errorf("ticket %q: %w", t.ID, err)
	}
	var next *int64
	if at, ok := t.NextEscalation(); ok {
		n := at.UnixNano()
		next = &n
	}
	return []any{t.PartnerID, t.CustomerID, t.Service, t.Status, t.Status.IsOpen(), t.Queue, priority(t),
		nanos(t.ResponseDueTime), next, t.Version, data}, nil
}

// CreateTicket implements store.Writer.
func (v *txView) CreateTicket(_ context.Context, t domain.Ticket) error {
	if t.Version != 1 {
		return fmt.Errorf("ticket %q: new ticket must have version 1, has %d", t.ID, t.Version)
	}
	cols, err := ticketColumns(t)
	if err != nil {
		return err
	}
	_, err = v.exec(`INSERT INTO tickets(id, partner_id, customer_id, service, status, open, queue, priority,
		response_due, next_escalation, version, data) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
		append([]any{t.ID}, cols...)...)
	if err != nil {
		return fmt.Errorf("ticket %q: %w", t.ID, err)
	}
	return nil
}

// UpdateTicket implements store.Writer. The version check is in the
// UPDATE itself: of two replicas updating the same version concurrently,
// the second waits for the first's row lock, then finds the version
// changed and updates nothing (ErrConflict).
func (v *txView) UpdateTicket(_ context.Context, t domain.Ticket) error {
	cols, err := ticketColumns(t)
	if err != nil {
		return err
	}
	tag, err := v.exec(`UPDATE tickets SET partner_id = $1, customer_id = $2, service = $3, status = $4, open = $5,
		queue = $6, priority = $7, response_due = $8, next_escalation = $9, version = $10, data = $11
		WHERE id = $12 AND version = $13`,
		append(cols, t.ID, t.Version-1)...)
	if err != nil {
		return fmt.Errorf("ticket %q: %w", t.ID, err)
	}
	if tag.RowsAffected() == 1 {
		return nil
	}
	var exists int
	if err := v.row(`SELECT 1 FROM tickets WHERE id = $1`, t.ID).Scan(&exists); err != nil {
		return fmt.Errorf("ticket %q: %w", t.ID, mapErr(err))
	}
	return fmt.Errorf("ticket %q: %w", t.ID, store.ErrConflict)
}

// GetIdempotency implements store.Reader.
func (v *txView) GetIdempotency(_ context.Context, partnerID, requestID string) (store.Idempotency, error) {
	i := store.Idempotency{PartnerID: partnerID, RequestID: requestID}
	var created int64
	err := v.row(`SELECT request_hash, ticket_id, create_time FROM idempotency WHERE partner_id = $1 AND request_id = $2`,
		partnerID, requestID).Scan(&i.RequestHash, &i.TicketID, &created)
	if err != nil {
		return i, fmt.Errorf("request id %q: %w", requestID, mapErr(err))
	}
	i.CreateTime = fromNanos(created)
	return i, nil
}

// PutIdempotency implements store.Writer. The primary key makes a request
// id unique across replicas: of two concurrent creates, the second fails
// here with ErrAlreadyExists.
func (v *txView) PutIdempotency(_ context.Context, i store.Idempotency) error {
	_, err := v.exec(`INSERT INTO idempotency(partner_id, request_id, request_hash, ticket_id, create_time) VALUES ($1, $2, $3, $4, $5)`,
		i.PartnerID, i.RequestID, i.RequestHash, i.TicketID, nanos(i.CreateTime))
	if err != nil {
		return fmt.Errorf("request id %q: %w", i.RequestID, err)
	}
	return nil
}

// DeleteIdempotencyBefore implements store.Writer.
func (v *txView) DeleteIdempotencyBefore(_ context.Context, t time.Time) (int64, error) {
	tag, err := v.exec(`DELETE FROM idempotency WHERE (partner_id, request_id) IN
		(SELECT partner_id, request_id FROM idempotency WHERE create_time < $1`+v.claim()+`)`, t.UnixNano())
	if err != nil {
		return 0, err
	}
	return tag.RowsAffected(), nil
}
