// Package sqlite is the SQLite backend of the store: WAL mode, foreign
// keys, one writer connection (BEGIN IMMEDIATE) that commits concurrent
// write transactions together (group commit, each in its own savepoint),
// a pool of reader connections, and embedded versioned migrations applied
// at open.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"runtime"
	"sync"

	"github.com/supportd/supportd/server/domain"
	"github.com/supportd/supportd/server/store"
)

// Options tunes a Store; zero values take defaults.
type Options struct {
	// Readers is the size of the reader pool (default 2 * GOMAXPROCS, at least 4).
	Readers int
	// MaxBatch is the most write transactions committed together (default 128).
	MaxBatch int
	// TicketIndex is the most tickets kept decoded in memory (default
	// DefaultTicketIndexSize; see ReadTicket).
	TicketIndex int
	// DirectoryCache is the most directory records of each kind kept in
	// memory for filings (default DefaultDirectoryCacheSize; see dirCache).
	DirectoryCache int
}

// Store is the SQLite implementation of store.Store.
type Store struct {
	writer  *sql.DB
	readers *sql.DB
	opts    Options
	tickets *ticketIndex // decoded tickets, kept current by the writer
	dir     *dirCache    // directory records of read transactions
	commits store.CommitFeed
	reqs    chan *writeRequest
	stop    chan struct{}
	stopped chan struct{}
	lock    *fileLock

	closeOnce sync.Once
	closeErr  error
}

var _ store.Store = (*Store)(nil)

// Open opens (creating if needed) the database at path, applies pending
// migrations and starts the writer. The database stays locked to this
// Store until Close: another Open of the same file, in this process or
// another, fails with store.ErrInUse (Backup still reads it). In a binary
// built without cgo it returns ErrNoCgo.
func Open(ctx context.Context, path string, opts Options) (s *Store, err error) {
	if !cgoEnabled {
		return nil, ErrNoCgo
	}
	if opts.Readers <= 0 {
		opts.Readers = max(4, 2*runtime.GOMAXPROCS(0))
	}
	if opts.MaxBatch <= 0 {
		opts.MaxBatch = 128
	}
	lock, err := acquireLock(path)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			lock.release()
		}
	}()
	writer, err := sql.Open("sqlite3", dsn(path, false))
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	writer.SetMaxOpenConns(1)
	writer.SetMaxIdleConns(1)
	writer.SetConnMaxLifetime(0)
	if err := migrate(ctx, writer); err != nil {
		writer.Close()
		return nil, fmt.Errorf("migrate %s: %w", path, err)
	}
	readers, err := sql.Open("sqlite3", dsn(path, true))
	if err != nil {
		writer.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	readers.SetMaxOpenConns(opts.Readers)
	readers.SetMaxIdleConns(opts.Readers)
	s = &Store{
		lock:    lock,
		writer:  writer,
		readers: readers,
		opts:    opts,
		tickets: newTicketIndex(opts.TicketIndex),
		dir:     newDirCache(opts.DirectoryCache),
		reqs:    make(chan *writeRequest, opts.MaxBatch),
		stop:    make(chan struct{}),
		stopped: make(chan struct{}),
	}
	go s.writeLoop()
	return s, nil
}

// dsn builds the mattn/go-sqlite3 connection string: WAL, foreign keys,
// full fsync on commit (a returned commit survives a crash), a busy
// timeout, a prepared statement cache, and BEGIN IMMEDIATE for the writer.
func dsn(path string, readOnly bool) string {
	q := url.Values{}
	q.Set("_journal_mode", "WAL")
	q.Set("_foreign_keys", "1")
	q.Set("_synchronous", "FULL")
	q.Set("_busy_timeout", "10000")
	// Keep each connection's prepared statements: the store issues the
	// same few dozen statements over and over.
	q.Set("_stmt_cache_size", "64")
	if readOnly {
		q.Set("_query_only", "1")
		q.Set("_txlock", "deferred")
	} else {
		q.Set("_txlock", "immediate")
	}
	return "file:" + path + "?" + q.Encode()
}

// ReadTx implements store.Store.
//
// Every read the store offers is bounded (point lookups and pages of at
// most a few hundred rows through an index), so a read transaction is not
// interrupted once started: a cancelled ctx is checked before it begins,
// and its statements run without watching ctx. That spares database/sql
// and the driver a watcher goroutine per transaction and per statement.
func (s *Store) ReadTx(ctx context.Context, fn func(tx store.Reader) error) error {
	select {
	case <-s.stop:
		return store.ErrClosed
	default:
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	ctx = context.WithoutCancel(ctx)
	// Before BEGIN: the snapshot is taken at the first statement, after.
	gen := s.tickets.generation()
	// Likewise for the directory cache (dirCache).
	dirGen := s.dir.gen.Load()
	tx, err := s.readers.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		select {
		case <-s.stop: // closed meanwhile
			return store.ErrClosed
		default:
		}
		return mapErr(err)
	}
	defer tx.Rollback() //nolint:errcheck // read-only: nothing to keep
	return fn(&txView{q: tx, ctx: ctx, index: s.tickets, gen: gen, dir: s.dir, dirGen: dirGen})
}

// ReadTicket implements store.Store. It answers from the ticket index when
// the index holds the ticket's newest committed version (the writer keeps
// it there from the commit of each change on, before the change is
// acknowledged), and otherwise reads it in a read transaction, keeping it
// in the index. A ticket read this way costs no SQLite transaction: the
// read transaction (BEGIN, SELECT, ROLLBACK through database/sql and cgo)
// was a third of a GetTicket's CPU.
func (s *Store) ReadTicket(ctx context.Context, id string) (domain.Ticket, error) {
	select {
	case <-s.stop:
		return domain.Ticket{}, store.ErrClosed
	default:
	}
	if err := ctx.Err(); err != nil {
		return domain.Ticket{}, err
	}
	if t, ok := s.tickets.current(id); ok {
		return t, nil
	}
	gen := s.tickets.generation()
	var t domain.Ticket
	err := s.ReadTx(ctx, func(tx store.Reader) error {
		var err error
		t, err = tx.GetTicket(ctx, id)
		return err
	})
	if err != nil {
		return domain.Ticket{}, err
	}
	s.tickets.fill(t, gen)
	return t, nil
}

// SubscribeCommits implements store.Store: the writer publishes each
// batch that appended events after its COMMIT returned (durable, and
// visible to new read transactions), with the events it appended.
func (s *Store) SubscribeCommits() *store.CommitSubscription { return s.commits.Subscribe() }

// Close stops the writer after the requests already queued and closes the
// database.
func (s *Store) Close() error {
	first := false
	s.closeOnce.Do(func() { // a concurrent Close waits for the first
		first = true
		close(s.stop)
		<-s.stopped
		// The lock goes last: the next owner must find the files closed.
		s.closeErr = errors.Join(s.readers.Close(), s.writer.Close(), s.lock.release())
	})
	if !first {
		return nil // closing twice is harmless
	}
	return s.closeErr
}

// mapErr turns driver errors into the store's sentinel errors; the driver
// message stays in the chain for logs, never for clients.
func mapErr(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return store.ErrNotFound
	}
	return mapDriverErr(err)
}

// ErrNoCgo is returned by Open in a binary built without cgo
// (CGO_ENABLED=0): the SQLite driver is C code.
var ErrNoCgo = errors.New("this binary was built without cgo; SQLite needs cgo: rebuild with CGO_ENABLED=1 and a C compiler")

// UsedBytes is the size of the database pages in use (page_count minus
// freelist_count, times page_size) in one committed snapshot, WAL
// included: what the stored data occupies.
func (s *Store) UsedBytes(ctx context.Context) (int64, error) {
	var pages, free, size int64
	err := s.ReadTx(ctx, func(r store.Reader) error {
		v := r.(*txView)
		for _, q := range []struct {
			pragma string
			into   *int64
		}{{"page_count", &pages}, {"freelist_count", &free}, {"page_size", &size}} {
			if err := v.row("PRAGMA " + q.pragma).Scan(q.into); err != nil {
				return mapErr(err)
			}
		}
		return nil
	})
	return (pages - free) * size, err
}
