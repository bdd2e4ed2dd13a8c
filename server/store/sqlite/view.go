package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"github.com/supportd/supportd/server/domain"
)

// querier is what a view needs of a *sql.Tx.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// txView implements store.ReadWriter over one transaction. All statements
// use the view's own context (see ReadWriteTx for why), not the argument.
type txView struct {
	q       querier
	ctx     context.Context
	lastSeq int64 // highest event sequence appended in this transaction
	// appended are the events appended in this transaction, in order, as
	// ListEvents returns them: the commit notification hands them over.
	appended []domain.Event
	// changed are the tickets created or updated in this transaction, in
	// order: the writer hands them to the index at commit (ticketIndex).
	changed []domain.Ticket
	// index of decoded tickets; set on read transactions only, with the
	// index generation taken before their first statement (see
	// ticketIndex).
	index *ticketIndex
	gen   uint64

	// Read transactions: the directory cache, the cache's gen read before
	// the transaction began, and whether a statement has run (SQLite takes
	// a read transaction's snapshot at its first statement). See dirCache.
	dir    *dirCache
	dirGen uint64
	began  bool
	// Write transactions: the directory cache whose gen a directory write
	// makes odd, and whether this transaction did (see markDirectoryWrite).
	dirWriter  *dirCache
	dirWriting bool

	// encoded is the ticket last encoded and its stored form (see
	// encodeTicket).
	encoded struct {
		ticket domain.Ticket
		data   []byte
	}
}

func (v *txView) exec(query string, args ...any) (sql.Result, error) {
	v.markDirectoryWrite(query)
	res, err := v.q.ExecContext(v.ctx, query, args...)
	v.began = v.began || err == nil
	return res, mapErr(err)
}

func (v *txView) query(query string, args ...any) (*sql.Rows, error) {
	v.markDirectoryWrite(query)
	rows, err := v.q.QueryContext(v.ctx, query, args...)
	v.began = v.began || err == nil
	return rows, mapErr(err)
}

// row prepares query; it runs, and a read transaction's snapshot is taken,
// when the returned Row is scanned (database/sql steps it in Scan). began
// is set at once: every caller scans before its next statement or
// directory cache lookup, which is all began must precede (dirCache).
func (v *txView) row(query string, args ...any) *sql.Row {
	v.markDirectoryWrite(query)
	r := v.q.QueryRowContext(v.ctx, query, args...)
	v.began = true
	return r
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
func nullNanos(t time.Time) sql.NullInt64 {
	if t.IsZero() {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: t.UnixNano(), Valid: true}
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only plain data types are marshalled
	}
	return b
}

// jsonText is mustJSON for TEXT columns.
func jsonText(v any) string { return string(mustJSON(v)) }

// checkAffected turns "no row changed" into store.ErrNotFound.
func checkAffected(res sql.Result, notFound error) error {
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return notFound
	}
	return nil
}
