package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/supportd/supportd/server/domain"
	"github.com/supportd/supportd/server/store"
	"github.com/supportd/supportd/server/store/encoding"
)

// ListTopics implements store.Reader.
func (v *txView) ListTopics(_ context.Context, service domain.Service) ([]domain.Topic, error) {
	rows, err := v.query(`SELECT id, service, name, category, featured, rank FROM topics
		WHERE service = ? ORDER BY featured DESC, rank, id`, service)
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
	return cachedDirectory(v, dirTopics, id, func() (domain.Topic, error) {
		var t domain.Topic
		err := v.row(`SELECT id, service, name, category, featured, rank FROM topics WHERE id = ?`, id).
			Scan(&t.ID, &t.Service, &t.Name, &t.Category, &t.Featured, &t.Rank)
		if err != nil {
			return t, fmt.Errorf("topic %q: %w", id, mapErr(err))
		}
		return t, nil
	})
}

// UpsertTopic implements store.Writer.
func (v *txView) UpsertTopic(_ context.Context, t domain.Topic) error {
	_, err := v.exec(`INSERT INTO topics(id, service, name, category, featured, rank) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT(id) DO UPDATE SET service = excluded.service, name = excluded.name,
		category = excluded.category, featured = excluded.featured, rank = excluded.rank`,
		t.ID, t.Service, t.Name, t.Category, t.Featured, t.Rank)
	return err
}

// GetTicket implements store.Reader.
func (v *txView) GetTicket(_ context.Context, id string) (domain.Ticket, error) {
	tickets, err := v.queryTickets(1, `SELECT id, version, data FROM tickets WHERE id = ?`, id)
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
	var where []string
	var args []any
	add := func(cond string, arg any) { where = append(where, cond); args = append(args, arg) }
	add("partner_id = ?", f.PartnerID)
	if f.CustomerID != "" {
		add("customer_id = ?", f.CustomerID)
	}
	if f.Service != "" {
		add("service = ?", f.Service)
	}
	if f.Status != "" {
		add("status = ?", f.Status)
	}
	if p.After != "" {
		add("id < ?", p.After)
	}
	limit := p.Size()
	args = append(args, limit)
	tail := `FROM tickets WHERE ` + strings.Join(where, " AND ") + ` ORDER BY id DESC LIMIT ?`
	if v.index == nil {
		return v.decodeTickets(limit, ticketSelect+tail, args...)
	}
	refs, err := v.ticketRefsByIDDesc(tail, args...)
	if err != nil {
		return nil, err
	}
	return v.ticketsOf(refs)
}

// refsQuery aggregates the ids and versions "SELECT id, version "+tail
// finds into one row of two texts: the ids, each prefixed by its length
// in bytes and a colon ("4:tk-24:tk-1"; any id can be told apart, whatever
// it holds), and the versions separated by commas ("3,1"), both in the
// order the aggregate saw the rows (TestListTicketsQueryPlan).
func refsQuery(tail string) string {
	return `SELECT group_concat(length(CAST(id AS BLOB)) || ':' || id, ''), group_concat(version)
		FROM (SELECT id, version ` + tail + `)`
}

// ticketRefsByIDDesc returns the ids and versions of the tickets a query
// "SELECT id, version "+tail finds, in descending id order, read from the
// one row of refsQuery: a page of 50 tickets costs one step through cgo
// and database/sql instead of 50 (stepping the rows one by one was a
// third of a ListTickets page's CPU), and no JSON. SQLite does not promise
// that an aggregate sees its subquery's rows in order, so they are sorted
// again (by id, the query's order, ids being unique).
func (v *txView) ticketRefsByIDDesc(tail string, args ...any) ([]ticketRef, error) {
	var ids, versions sql.NullString
	if err := v.row(refsQuery(tail), args...).Scan(&ids, &versions); err != nil {
		return nil, mapErr(err)
	}
	refs, err := parseRefs(ids.String, versions.String)
	if err != nil {
		return nil, fmt.Errorf("ticket query: %w", err)
	}
	slices.SortFunc(refs, func(a, b ticketRef) int { return strings.Compare(b.id, a.id) })
	return refs, nil
}

// parseRefs parses the two texts of refsQuery.
func parseRefs(ids, versions string) ([]ticketRef, error) {
	if ids == "" {
		return nil, nil
	}
	refs := make([]ticketRef, 0, strings.Count(versions, ",")+1)
	for v := range strings.SplitSeq(versions, ",") {
		colon := strings.IndexByte(ids, ':')
		if colon < 0 {
			return nil, fmt.Errorf("fewer ids than versions")
		}
		size, err := strconv.Atoi(ids[:colon])
		if err != nil || size < 0 || colon+1+size > len(ids) {
			return nil, fmt.Errorf("malformed ids %.40q", ids)
		}
		version, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("malformed versions %.40q", versions)
		}
		refs = append(refs, ticketRef{id: ids[colon+1 : colon+1+size], version: version})
		ids = ids[colon+1+size:]
	}
	if ids != "" {
		return nil, fmt.Errorf("more ids than versions")
	}
	return refs, nil
}

// The queue queries read the partial index tickets_open_by_queue: their
// "open = 1" is its condition, spelled exactly so (TestQueueQueryPlan).
const (
	queueFirstQuery = `SELECT id, version, data FROM tickets WHERE queue = ? AND open = 1
		ORDER BY priority DESC, response_due, id LIMIT ?`
	queueAfterQuery = `SELECT id, version, data FROM tickets WHERE queue = ? AND open = 1
		AND (priority < ? OR (priority = ? AND (response_due > ? OR (response_due = ? AND id > ?))))
		ORDER BY priority DESC, response_due, id LIMIT ?`
)

// ListQueueTickets implements store.Reader. The cursor is
// "priority,response_due,id" of the last ticket returned.
func (v *txView) ListQueueTickets(_ context.Context, q domain.Queue, p store.Page) ([]domain.Ticket, string, error) {
	limit := p.Size()
	var tickets []domain.Ticket
	var err error
	if p.After == "" {
		tickets, err = v.queryTickets(limit, queueFirstQuery, q, limit)
	} else {
		prio, due, id, perr := parseQueueCursor(p.After)
		if perr != nil {
			return nil, "", perr
		}
		tickets, err = v.queueAfter(q, prio, due, id, limit)
	}
	if err != nil || len(tickets) < limit {
		return tickets, "", err
	}
	last := tickets[len(tickets)-1]
	return tickets, queueCursor(last), nil
}

// queueAfter lists the open tickets of q that sort after (prio, due, id) in
// the order priority DESC, response_due, id.
func (v *txView) queueAfter(q domain.Queue, prio int, due int64, id string, limit int) ([]domain.Ticket, error) {
	return v.queryTickets(limit, queueAfterQuery, q, prio, prio, due, due, id, limit)
}

func queueCursor(t domain.Ticket) string {
	prio := 0
	if t.Priority {
		prio = 1
	}
	return fmt.Sprintf("%d,%d,%s", prio, nanos(t.ResponseDueTime), t.ID)
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

// dueTicketsQuery lists due tickets through the partial index tickets_due
// (its plan is checked by TestDueTicketsQueryPlan). It needs no open
// condition: next_escalation is written from domain.Ticket.NextEscalation,
// which is NULL for a ticket that is not open (TicketStatus.IsOpen).
const dueTicketsQuery = `SELECT id, version, data FROM tickets WHERE next_escalation IS NOT NULL AND next_escalation <= ?
		ORDER BY next_escalation, id LIMIT ?`

// ListDueTickets implements store.Reader through the partial index on
// next_escalation. Write transactions never overlap (one writer): there
// is nothing another one could hold, so nothing is skipped.
func (v *txView) ListDueTickets(_ context.Context, now time.Time, limit int) ([]domain.Ticket, error) {
	limit = store.LimitOr(limit, 1000)
	return v.queryTickets(limit, dueTicketsQuery, now.UnixNano(), limit)
}

// maxTicketsAllocated caps the room allocated ahead for a query's tickets
// (a caller's limit may be large; the slice still grows past it).
const maxTicketsAllocated = 1000

// ticketSelect is how every ticket query begins: queryTickets relies on it.
const ticketSelect = "SELECT id, version, data "

// queryTickets runs a query of the columns id, version, data (it begins
// with ticketSelect). In a read transaction it first reads only id and
// version, takes the tickets it has cached at that version, and reads the
// data of the others in one more statement (missingTickets): a cached
// ticket's ~1.3 KB of stored JSON is neither copied out of SQLite nor
// decoded (a list page of cached tickets was spending more on copying
// blobs than on anything else in the store). limit is the most rows the
// query returns (its LIMIT): the result is allocated once at that size,
// since a domain.Ticket is large and growing the slice by appending was 7 %
// of a ListTickets page's CPU.
func (v *txView) queryTickets(limit int, query string, args ...any) ([]domain.Ticket, error) {
	tail, ok := strings.CutPrefix(query, ticketSelect)
	if v.index == nil || !ok {
		return v.decodeTickets(limit, query, args...)
	}
	rows, err := v.query("SELECT id, version "+tail, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	refs := make([]ticketRef, 0, min(limit, maxTicketsAllocated))
	for rows.Next() {
		var r ticketRef
		if err := rows.Scan(&r.id, &r.version); err != nil {
			return nil, mapErr(err)
		}
		refs = append(refs, r)
	}
	if err := rows.Err(); err != nil {
		return nil, mapErr(err)
	}
	rows.Close()
	return v.ticketsOf(refs)
}

// ticketRef is a ticket a query found: its id and version in the
// transaction's snapshot.
type ticketRef struct {
	id      string
	version int64
}

// ticketsOf returns the tickets refs name, in order: from the index those
// it holds at that version, the others read in one more statement
// (missingTickets).
func (v *txView) ticketsOf(refs []ticketRef) ([]domain.Ticket, error) {
	if len(refs) == 0 {
		return nil, nil // as before: no tickets is a nil slice
	}
	out := make([]domain.Ticket, len(refs))
	var missing []int // indexes in out of the tickets not in the index
	for i, r := range refs {
		if t, ok := v.index.byVersion(r.id, r.version); ok {
			out[i] = t
		} else {
			out[i] = domain.Ticket{ID: r.id, Version: r.version}
			missing = append(missing, i)
		}
	}
	if len(missing) == 0 {
		return out, nil
	}
	return out, v.missingTickets(out, missing)
}

// missingTicketsQuery reads tickets by a JSON array of ids: one statement
// (and one prepared form) whatever the number of ids.
const missingTicketsQuery = ticketSelect + "FROM tickets WHERE id IN (SELECT value FROM json_each(?))"

// missingTickets reads and decodes the tickets out[i] for i in missing,
// which hold only their id and version, and caches them. It runs in the
// same transaction as the query that listed them, so each is still there
// at that version.
func (v *txView) missingTickets(out []domain.Ticket, missing []int) error {
	ids := make([]string, len(missing))
	for j, i := range missing {
		ids[j] = out[i].ID
	}
	idsJSON, err := json.Marshal(ids)
	if err != nil {
		return err
	}
	read, err := v.decodeTickets(len(ids), missingTicketsQuery, string(idsJSON))
	if err != nil {
		return err
	}
	byID := make(map[string]domain.Ticket, len(read))
	for _, t := range read {
		byID[t.ID] = t
	}
	for _, i := range missing {
		t, ok := byID[out[i].ID]
		if !ok || t.Version != out[i].Version {
			return fmt.Errorf("ticket %q: not found again in the same transaction", out[i].ID)
		}
		out[i] = t
	}
	return nil
}

// decodeTickets runs a query of the columns id, version, data and decodes
// every row, keeping them in the index when the view has one (read transactions:
// a write transaction may read what its batch later rolls back).
func (v *txView) decodeTickets(limit int, query string, args ...any) ([]domain.Ticket, error) {
	rows, err := v.query(query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make([]domain.Ticket, 0, min(limit, maxTicketsAllocated))
	for rows.Next() {
		var id string
		var version int64
		var data sql.RawBytes
		if err := rows.Scan(&id, &version, &data); err != nil {
			return nil, mapErr(err)
		}
		t, err := encoding.DecodeTicket(data)
		if err != nil {
			return nil, fmt.Errorf("ticket %q: %w", id, err)
		}
		if v.index != nil {
			v.index.fill(t, v.gen)
		}
		out = append(out, t)
	}
	if len(out) == 0 {
		out = nil // as before: no tickets is a nil slice
	}
	return out, mapErr(rows.Err())
}

// encodeTicket returns the stored form of t (encoding.EncodeTicket). The
// last one is kept: the event appended with a ticket write holds the same
// ticket, which is then encoded once instead of twice.
func (v *txView) encodeTicket(t domain.Ticket) ([]byte, error) {
	if v.encoded.data != nil && v.encoded.ticket == t {
		return v.encoded.data, nil
	}
	data, err := encoding.EncodeTicket(t)
	if err != nil {
		return nil, err
	}
	v.encoded.ticket, v.encoded.data = t, data
	return data, nil
}

// ticketColumns returns the column values of t after its id: the indexed
// columns (open is domain.TicketStatus.IsOpen, stored so that SQL never
// spells which statuses are open), then the stored form
// (server/store/encoding).
func (v *txView) ticketColumns(t domain.Ticket) ([]any, error) {
	data, err := v.encodeTicket(t)
	if err != nil {
		return nil, err
	}
	next := sql.NullInt64{}
	if at, ok := t.NextEscalation(); ok {
		next = sql.NullInt64{Int64: at.UnixNano(), Valid: true}
	}
	return []any{t.PartnerID, t.CustomerID, t.Service, t.Status, t.Status.IsOpen(), t.Queue, t.Priority,
		nanos(t.ResponseDueTime), next, t.Version, data}, nil
}

// CreateTicket implements store.Writer.
func (v *txView) CreateTicket(_ context.Context, t domain.Ticket) error {
	if t.Version != 1 {
		return fmt.Errorf("ticket %q: new ticket must have version 1, has %d", t.ID, t.Version)
	}
	cols, err := v.ticketColumns(t)
	if err != nil {
		return err
	}
	args := append([]any{t.ID}, cols...)
	_, err = v.exec(`INSERT INTO tickets(id, partner_id, customer_id, service, status, open, queue, priority,
		response_due, next_escalation, version, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, args...)
	if err != nil {
		return fmt.Errorf("ticket %q: %w", t.ID, err)
	}
	v.changed = append(v.changed, t)
	return nil
}

// UpdateTicket implements store.Writer.
func (v *txView) UpdateTicket(_ context.Context, t domain.Ticket) error {
	cols, err := v.ticketColumns(t)
	if err != nil {
		return err
	}
	args := append(cols, t.ID, t.Version-1)
	res, err := v.exec(`UPDATE tickets SET partner_id = ?, customer_id = ?, service = ?, status = ?, open = ?, queue = ?,
		priority = ?, response_due = ?, next_escalation = ?, version = ?, data = ? WHERE id = ? AND version = ?`, args...)
	if err != nil {
		return fmt.Errorf("ticket %q: %w", t.ID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 1 {
		v.changed = append(v.changed, t)
		return nil
	}
	var exists int
	if err := v.row(`SELECT 1 FROM tickets WHERE id = ?`, t.ID).Scan(&exists); err != nil {
		return fmt.Errorf("ticket %q: %w", t.ID, mapErr(err))
	}
	return fmt.Errorf("ticket %q: %w", t.ID, store.ErrConflict)
}

// GetIdempotency implements store.Reader.
func (v *txView) GetIdempotency(_ context.Context, partnerID, requestID string) (store.Idempotency, error) {
	i := store.Idempotency{PartnerID: partnerID, RequestID: requestID}
	var created int64
	err := v.row(`SELECT request_hash, ticket_id, create_time FROM idempotency WHERE partner_id = ? AND request_id = ?`,
		partnerID, requestID).Scan(&i.RequestHash, &i.TicketID, &created)
	if err != nil {
		return i, fmt.Errorf("request id %q: %w", requestID, mapErr(err))
	}
	i.CreateTime = fromNanos(created)
	return i, nil
}

// PutIdempotency implements store.Writer.
func (v *txView) PutIdempotency(_ context.Context, i store.Idempotency) error {
	_, err := v.exec(`INSERT INTO idempotency(partner_id, request_id, request_hash, ticket_id, create_time) VALUES (?, ?, ?, ?, ?)`,
		i.PartnerID, i.RequestID, i.RequestHash, i.TicketID, nanos(i.CreateTime))
	if err != nil {
		return fmt.Errorf("request id %q: %w", i.RequestID, err)
	}
	return nil
}

// DeleteIdempotencyBefore implements store.Writer.
func (v *txView) DeleteIdempotencyBefore(_ context.Context, t time.Time) (int64, error) {
	res, err := v.exec(`DELETE FROM idempotency WHERE create_time < ?`, t.UnixNano())
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
