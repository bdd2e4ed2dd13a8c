// Package postgres is the PostgreSQL backend of the store, for several
// stateless supportd replicas over one database: a pgx connection pool,
// snapshot (REPEATABLE READ) read transactions, READ COMMITTED write
// transactions retried on serialization failures and deadlocks, embedded
// versioned migrations, and an event log whose sequence is gap-free and
// assigned in commit order (see AppendEvent).
package postgres

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/supportd/supportd/server/store"
)

// Options tunes a Store; zero values take defaults.
type Options struct {
	// MaxConns is the size of the connection pool (default: pgxpool's,
	// max(4, GOMAXPROCS); the URL's pool_max_conns also sets it).
	MaxConns int32
	// OnCommit, if set, is called after every commit of this store that
	// appended events, with the highest sequence committed. It must not
	// block.
	OnCommit func(lastSeq int64)
}

// maxAttempts bounds the runs of a write transaction that fails with a
// serialization failure or a deadlock.
const maxAttempts = 5

// Store is the PostgreSQL implementation of store.Store.
type Store struct {
	pool *pgxpool.Pool
	opts Options

	closeOnce sync.Once
	closed    chan struct{}
}

var _ store.Store = (*Store)(nil)

// Open connects to the database at url (postgres://...), applies pending
// migrations and returns the store. Several stores, in this process or
// others, may share one database.
func Open(ctx context.Context, url string, opts Options) (*Store, error) {
	pool, err := newPool(ctx, url, opts)
	if err != nil {
		return nil, err
	}
	if err := migrate(ctx, pool); err != nil {
		pool.Close()
		return nil, fmt.Errorf("migrate: %w", mapErr(err))
	}
	return &Store{pool: pool, opts: opts, closed: make(chan struct{})}, nil
}

// Migrate applies the pending migrations of the database at url and
// returns the schema version it then has.
func Migrate(ctx context.Context, url string) (int, error) {
	pool, err := newPool(ctx, url, Options{MaxConns: 1})
	if err != nil {
		return 0, err
	}
	defer pool.Close()
	if err := migrate(ctx, pool); err != nil {
		return 0, fmt.Errorf("migrate: %w", mapErr(err))
	}
	return SchemaVersion(), nil
}

func newPool(ctx context.Context, url string, opts Options) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("postgres url: %w", err)
	}
	if opts.MaxConns > 0 {
		cfg.MaxConns = opts.MaxConns
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", mapErr(err))
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: %w", mapErr(err))
	}
	return pool, nil
}

// ReadTx implements store.Store: fn sees one committed snapshot
// (REPEATABLE READ, read only). As in the SQLite store, a cancelled ctx is
// checked before the transaction begins; its statements then run to the
// end (every read of the store is bounded).
func (s *Store) ReadTx(ctx context.Context, fn func(tx store.Reader) error) error {
	if err := s.check(ctx); err != nil {
		return err
	}
	ctx = context.WithoutCancel(ctx)
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return s.closedOr(mapErr(err))
	}
	defer tx.Rollback(ctx) //nolint:errcheck // read only: nothing to keep
	return fn(&txView{tx: tx, ctx: ctx})
}

// ReadWriteTx implements store.Store. fn runs in a READ COMMITTED
// transaction; ticket updates are checked against the version read
// (UpdateTicket) and event sequences are taken under a lock held to the
// commit (AppendEvent), so that concurrent writers on several replicas
// stay correct without serialising whole transactions. A transaction that
// fails with a serialization failure or a deadlock rolled back entirely
// and is run again (fn must not keep effects outside the transaction
// across runs, which is what a closure transaction means). Once begun, its
// statements are not interrupted by ctx: the caller learns whether it
// committed.
func (s *Store) ReadWriteTx(ctx context.Context, fn func(tx store.ReadWriter) error) error {
	for attempt := 1; ; attempt++ {
		if err := s.check(ctx); err != nil {
			return err
		}
		lastSeq, err := s.runWrite(context.WithoutCancel(ctx), fn)
		if err == nil {
			if lastSeq > 0 && s.opts.OnCommit != nil {
				s.opts.OnCommit(lastSeq)
			}
			return nil
		}
		if !retryable(err) || attempt == maxAttempts {
			return s.closedOr(err)
		}
	}
}

// runWrite runs fn in one transaction and commits it, announcing the
// events it appended (see notifyChannel). It returns the highest sequence
// committed.
func (s *Store) runWrite(ctx context.Context, fn func(tx store.ReadWriter) error) (lastSeq int64, err error) {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return 0, fmt.Errorf("begin: %w", mapErr(err))
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic in write transaction: %v", r)
		}
		if err != nil {
			_ = tx.Rollback(ctx)
		}
	}()
	view := &txView{tx: tx, ctx: ctx, write: true}
	if err := fn(view); err != nil {
		return 0, err
	}
	if err := view.announce(); err != nil {
		return 0, err
	}
	if err := tx.Commit(ctx); err != nil {
		return 0, fmt.Errorf("commit: %w", mapErr(err))
	}
	return view.lastSeq, nil
}

// check refuses a closed store or an ended ctx.
func (s *Store) check(ctx context.Context) error {
	select {
	case <-s.closed:
		return store.ErrClosed
	default:
	}
	return ctx.Err()
}

// closedOr returns store.ErrClosed when the store was closed meanwhile
// (the pool refuses), err otherwise.
func (s *Store) closedOr(err error) error {
	select {
	case <-s.closed:
		return store.ErrClosed
	default:
		return err
	}
}

// Close waits for the transactions in progress and closes the pool.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		close(s.closed)
		s.pool.Close()
	})
	return nil
}

// ErrNoBackup is returned when asked for a file backup of a PostgreSQL
// database.
var ErrNoBackup = errors.New("supportd backup copies SQLite databases only: back PostgreSQL up with pg_dump (or a streaming replica and pg_basebackup)")
