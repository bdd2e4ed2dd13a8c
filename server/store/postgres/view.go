package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/supportd/supportd/server/domain"
)

// EventsChannel is the LISTEN/NOTIFY channel on which every commit that
// appended events announces its highest sequence, so that the other
// replicas' watchers learn of it. The payload is "SEQ ORIGIN": the decimal
// sequence and the id of the committing store, which ignores its own
// notifications (it publishes its commits with their events itself).
const EventsChannel = "supportd_events"

// querier is what a txView sends its statements through: the pooled
// connection of the transaction, which ReadTx and runWrite begin and end
// with statements of their own (see txView.begin) rather than through
// pgx.Tx, to save round trips.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults
}

// txView implements store.ReadWriter over one transaction. All statements
// use the view's own context (see ReadWriteTx for why), not the argument.
type txView struct {
	tx    querier
	ctx   context.Context
	write bool
	// begin is the transaction's BEGIN until it is sent: it goes in the
	// same round trip as the transaction's first statement (guarded,
	// sendBegun). Empty once sent.
	begin   string
	origin  string // the store's id, in its commit notifications
	lastSeq int64  // highest event sequence appended in this transaction
	// appended are the events appended in this transaction, in order, as
	// ListEvents would return them: the commit notification carries them.
	appended []domain.Event
}

// ensureBegun sends a BEGIN not sent yet.
func (v *txView) ensureBegun() error {
	if v.begin == "" {
		return nil
	}
	if _, err := v.tx.Exec(v.ctx, v.begin); err != nil {
		return mapErr(err)
	}
	v.begin = ""
	return nil
}

// exec runs a statement that changes data inside a savepoint, sent with
// it in one round trip: in PostgreSQL a failed statement aborts the whole
// transaction, while the store's contract (as SQLite gives it) is that a
// write refused with a store error leaves the transaction usable, so that
// fn may handle the error and go on.
func (v *txView) exec(query string, args ...any) (pgconn.CommandTag, error) {
	var tag pgconn.CommandTag
	err := v.guarded(query, args, func(br pgx.BatchResults) (err error) {
		tag, err = br.Exec()
		return err
	})
	return tag, err
}

// execReturning is exec for a statement returning one row, scanned into
// dest.
func (v *txView) execReturning(query string, args []any, dest ...any) error {
	return v.guarded(query, args, func(br pgx.BatchResults) error {
		return br.QueryRow().Scan(dest...)
	})
}

// guarded sends SAVEPOINT, the statement and RELEASE in one batch, reads
// the statement's result with read, and rolls back to the savepoint when
// it failed.
func (v *txView) guarded(query string, args []any, read func(pgx.BatchResults) error) error {
	b := &pgx.Batch{}
	begin := v.begin
	if begin != "" {
		b.Queue(begin)
	}
	b.Queue("SAVEPOINT w")
	b.Queue(query, args...)
	b.Queue("RELEASE SAVEPOINT w")
	br := v.tx.SendBatch(v.ctx, b)
	var spErr error
	if begin != "" {
		if _, spErr = br.Exec(); spErr == nil {
			v.begin = ""
		}
	}
	if spErr == nil {
		_, spErr = br.Exec()
	}
	err := spErr
	if err == nil {
		err = read(br)
	}
	if err == nil {
		_, err = br.Exec()
	}
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	if err != nil && spErr == nil {
		if _, rbErr := v.tx.Exec(v.ctx, "ROLLBACK TO SAVEPOINT w"); rbErr != nil {
			return fmt.Errorf("%w (rollback to savepoint: %v)", mapErr(err), rbErr)
		}
	}
	return mapErr(err)
}

// claim is the locking clause of the queries by which periodic work (the
// escalation sweep, the janitor) takes its rows in a write transaction:
// the rows listed stay locked until the transaction ends, and the rows
// another transaction locked are skipped rather than waited for, so that
// replicas doing the same work together share it out. Nothing in a read
// transaction (which takes no row locks).
func (v *txView) claim() string {
	if !v.write {
		return ""
	}
	return " FOR UPDATE SKIP LOCKED"
}

func (v *txView) query(query string, args ...any) (pgx.Rows, error) {
	if v.begin != "" {
		br, err := v.sendBegun(query, args)
		if err != nil {
			return nil, err
		}
		rows, err := br.Query()
		if err != nil {
			br.Close() //nolint:errcheck // failing anyway
			return nil, mapErr(err)
		}
		return &batchRows{Rows: rows, br: br}, nil
	}
	rows, err := v.tx.Query(v.ctx, query, args...)
	return rows, mapErr(err)
}

func (v *txView) row(query string, args ...any) pgx.Row {
	if v.begin != "" {
		br, err := v.sendBegun(query, args)
		if err != nil {
			return errRow{err}
		}
		return batchRow{row: br.QueryRow(), br: br}
	}
	return v.tx.QueryRow(v.ctx, query, args...)
}

// sendBegun sends the transaction's BEGIN and a first query in one round
// trip and returns the batch, positioned at the query's results.
func (v *txView) sendBegun(query string, args []any) (pgx.BatchResults, error) {
	b := &pgx.Batch{}
	b.Queue(v.begin)
	b.Queue(query, args...)
	br := v.tx.SendBatch(v.ctx, b)
	if _, err := br.Exec(); err != nil {
		br.Close() //nolint:errcheck // failing anyway
		return nil, mapErr(err)
	}
	v.begin = ""
	return br, nil
}

// batchRows are the rows of a query sent with the BEGIN (sendBegun): the
// batch is closed with them.
type batchRows struct {
	pgx.Rows
	br       pgx.BatchResults
	closed   bool
	closeErr error
}

// Close closes the rows and the batch.
func (r *batchRows) Close() {
	r.Rows.Close()
	if !r.closed {
		r.closed = true
		r.closeErr = r.br.Close()
	}
}

// Err is the rows' error, or the batch's: callers ask once they have read
// the rows, so the batch is closed here.
func (r *batchRows) Err() error {
	if err := r.Rows.Err(); err != nil {
		return err
	}
	r.Close()
	return r.closeErr
}

// batchRow is the row of a query sent with the BEGIN (sendBegun): Scan
// closes the batch.
type batchRow struct {
	row pgx.Row
	br  pgx.BatchResults
}

func (r batchRow) Scan(dest ...any) error {
	err := r.row.Scan(dest...)
	if cerr := r.br.Close(); err == nil {
		err = cerr
	}
	return err
}

// errRow is a pgx.Row whose Scan fails with err.
type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }

// notify queues NOTIFY channel, payload in v's transaction (plain
// statement, after the BEGIN). NOTIFY is transactional: the notification
// is delivered when, and only if, the transaction commits.
func (v *txView) notify(channel, payload string) error {
	if err := v.ensureBegun(); err != nil {
		return err
	}
	_, err := v.tx.Exec(v.ctx, `SELECT pg_notify($1, $2)`, channel, payload)
	return mapErr(err)
}

// commit commits v's write transaction in one round trip: the
// announcement of its highest appended sequence on EventsChannel, if it
// appended events, and the COMMIT. Appending took the event counter's row
// lock (AppendEvent), which every other writer waits for until this
// commit: each round trip saved here shortens the section that all
// replicas' writes go through one at a time.
func (v *txView) commit() error {
	if v.begin != "" {
		return nil // nothing was sent: nothing to commit
	}
	b := &pgx.Batch{}
	if v.lastSeq != 0 {
		b.Queue(`SELECT pg_notify($1, $2)`, EventsChannel, strconv.FormatInt(v.lastSeq, 10)+" "+v.origin)
	}
	b.Queue("COMMIT")
	br := v.tx.SendBatch(v.ctx, b)
	var tag pgconn.CommandTag
	var err error
	for range b.Len() {
		if tag, err = br.Exec(); err != nil {
			break
		}
	}
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("commit: %w", mapErr(err))
	}
	if tag.String() == "ROLLBACK" {
		// COMMIT of a transaction that a failed statement aborted.
		return fmt.Errorf("commit: %w", pgx.ErrTxCommitRollback)
	}
	return nil
}

// nanos stores an instant as Unix nanoseconds; the zero time as 0.
func nanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

// fromNanos is the inverse of nanos, in UTC.
func fromNanos(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

// nullNanos stores an optional instant: NULL when zero.
func nullNanos(t time.Time) *int64 {
	if t.IsZero() {
		return nil
	}
	n := t.UnixNano()
	return &n
}

// mustJSON encodes the JSON columns of the directory (lists of domains
// and benefits) as the SQLite store does.
func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only plain data types are marshalled
	}
	return b
}

// jsonText is mustJSON for TEXT columns.
func jsonText(v any) string { return string(mustJSON(v)) }

// checkAffected turns "no row changed" into notFound.
func checkAffected(tag pgconn.CommandTag, notFound error) error {
	if tag.RowsAffected() == 0 {
		return notFound
	}
	return nil
}

// nonNil makes nil slices marshal as [] rather than null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// args builds a statement's parameter list: add returns the placeholder
// ($n) of the value it appends.
type args []any

func (a *args) add(v any) string {
	*a = append(*a, v)
	return "$" + strconv.Itoa(len(*a))
}
