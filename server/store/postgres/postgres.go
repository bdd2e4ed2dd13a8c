// Package postgres is the PostgreSQL backend of the store, for several
// stateless supportd replicas over one database: a pgx connection pool,
// snapshot (REPEATABLE READ) read transactions, READ COMMITTED write
// transactions retried on serialization failures and deadlocks, embedded
// versioned migrations, and an event log whose sequence is gap-free and
// assigned in commit order (see AppendEvent).
package postgres

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/supportd/supportd/server/domain"
	"github.com/supportd/supportd/server/store"
)

// Options tunes a Store; zero values take defaults.
type Options struct {
	// MaxConns is the size of the connection pool (default: pgxpool's,
	// max(4, GOMAXPROCS); the URL's pool_max_conns also sets it).
	MaxConns int32
	// PollInterval is how often the store reads the last committed
	// sequence, in case a commit notification of another replica was lost
	// (default 1s), and how long it waits before reconnecting its
	// listening connection.
	PollInterval time.Duration
	// Logger receives the failures of the background listener (default:
	// slog.Default()).
	Logger *slog.Logger

	// listenerLost, when set (by tests), is called when the listening
	// connection has failed, before it is made again.
	listenerLost func()
}

// maxAttempts bounds the runs of a write transaction that fails with a
// serialization failure or a deadlock.
const maxAttempts = 5

// Store is the PostgreSQL implementation of store.Store.
type Store struct {
	pool  *pgxpool.Pool
	opts  Options
	notes notifier
	id    string // random: tells this store's commit notifications apart

	stopBackground context.CancelFunc
	background     sync.WaitGroup // listen and pollLoop

	closeOnce sync.Once
	closed    chan struct{}
}

var _ store.Store = (*Store)(nil)

// Open connects to the database at url (postgres://...), applies pending
// migrations and returns the store. Several stores, in this process or
// others, may share one database.
func Open(ctx context.Context, url string, opts Options) (*Store, error) {
	if opts.PollInterval <= 0 {
		opts.PollInterval = defaultPollInterval
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	pool, err := newPool(ctx, url, opts)
	if err != nil {
		return nil, err
	}
	if err := migrate(ctx, pool); err != nil {
		pool.Close()
		return nil, fmt.Errorf("migrate: %w", mapErr(err))
	}
	s := &Store{pool: pool, opts: opts, closed: make(chan struct{}), id: rand.Text()}
	// Subscribers hear of the commits from now on, not of the log's past.
	err = s.ReadTx(ctx, func(tx store.Reader) (err error) {
		s.notes.published, err = tx.LastSequence(ctx)
		return err
	})
	if err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: %w", err)
	}
	// Listening before Open returns: every commit and revocation of
	// another replica after Open is heard of.
	conn, err := s.connectListener(ctx)
	if err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: listen: %w", err)
	}
	bg, stop := context.WithCancel(context.Background())
	s.stopBackground = stop
	s.background.Go(func() { s.listen(bg, conn) })
	s.background.Go(func() { s.pollLoop(bg) })
	return s, nil
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
// end (every read of the store is bounded). The BEGIN goes in the same
// round trip as fn's first statement.
func (s *Store) ReadTx(ctx context.Context, fn func(tx store.Reader) error) error {
	if err := s.check(ctx); err != nil {
		return err
	}
	ctx = context.WithoutCancel(ctx)
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return s.closedOr(mapErr(err))
	}
	// Release destroys a connection left inside a transaction (a failed
	// ROLLBACK): the pool never hands out a connection mid-transaction.
	defer conn.Release()
	defer endTx(ctx, conn) // read only: nothing to keep
	return fn(&txView{tx: conn, ctx: ctx, begin: "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"})
}

// endTx rolls back the transaction conn is in, if any.
func endTx(ctx context.Context, conn *pgxpool.Conn) {
	if conn.Conn().PgConn().TxStatus() != 'I' {
		_, _ = conn.Exec(ctx, "ROLLBACK")
	}
}

// ReadTicket implements store.Store with a read transaction: several
// replicas write the same tables, and a ticket kept in one replica's
// memory could not be known current without asking the database.
func (s *Store) ReadTicket(ctx context.Context, id string) (domain.Ticket, error) {
	var t domain.Ticket
	err := s.ReadTx(ctx, func(tx store.Reader) error {
		var err error
		t, err = tx.GetTicket(ctx, id)
		return err
	})
	return t, err
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
		committed, err := s.runWrite(context.WithoutCancel(ctx), fn)
		if err == nil {
			// Published before answering: a caller that writes and then
			// watches finds the hub already told of its own write.
			if len(committed) > 0 {
				s.notes.publish(store.Commit{Last: committed[len(committed)-1].Sequence, Events: committed})
			}
			return nil
		}
		if !retryable(err) || attempt == maxAttempts {
			return s.closedOr(err)
		}
	}
}

// runWrite runs fn in one transaction and commits it, announcing the
// events it appended on EventsChannel. It returns the events committed.
//
// It runs the transaction on a pooled connection by statements of its own
// rather than through pgx.Tx, so as to save round trips: the BEGIN goes
// with the first statement, the announcement with the COMMIT (txView.begin,
// txView.commit).
func (s *Store) runWrite(ctx context.Context, fn func(tx store.ReadWriter) error) (committed []domain.Event, err error) {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("begin: %w", mapErr(err))
	}
	// Release destroys a connection left inside a transaction (a failed
	// ROLLBACK): the pool never hands out a connection mid-transaction.
	defer conn.Release()
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic in write transaction: %v", r)
		}
		if err != nil {
			endTx(ctx, conn)
		}
	}()
	view := &txView{tx: conn, ctx: ctx, write: true, origin: s.id, begin: "BEGIN ISOLATION LEVEL READ COMMITTED"}
	if err := fn(view); err != nil {
		return nil, err
	}
	if err := view.commit(); err != nil {
		return nil, err
	}
	return view.appended, nil
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

// Close stops listening, waits for the transactions in progress and
// closes the pool.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		close(s.closed)
		s.stopBackground()
		s.background.Wait()
		s.pool.Close()
	})
	return nil
}

// log reports a failure of the background work.
func (s *Store) log(what string, err error) {
	s.opts.Logger.Warn("postgres store: "+what, "error", err)
}

// ErrNoBackup is returned when asked for a file backup of a PostgreSQL
// database.
var ErrNoBackup = errors.New("supportd backup copies SQLite databases only: back PostgreSQL up with pg_dump (or a streaming replica and pg_basebackup)")
