package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/supportd/supportd/server/store"
)

// writeRequest is one ReadWriteTx waiting for the writer goroutine.
type writeRequest struct {
	ctx  context.Context
	fn   func(tx store.ReadWriter) error
	done chan error
}

// ReadWriteTx implements store.Store. Concurrent calls are committed
// together in one SQLite transaction (group commit), each fn in its own
// savepoint so that one failing fn discards only its own writes. fn runs on
// the writer goroutine; the statements it issues are not interrupted by
// cancellation of ctx (an interrupt would abort the whole batch), but a ctx
// cancelled before fn starts skips it.
func (s *Store) ReadWriteTx(ctx context.Context, fn func(tx store.ReadWriter) error) error {
	// Check before queueing: a select with a free slot in s.reqs would
	// otherwise pick at random between queueing and refusing.
	select {
	case <-s.stop:
		return store.ErrClosed
	default:
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	req := &writeRequest{ctx: ctx, fn: fn, done: make(chan error, 1)}
	select {
	case s.reqs <- req:
	case <-s.stop:
		return store.ErrClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	// Once queued, wait for the outcome even if ctx ends: the caller must
	// learn whether its change was committed. A request queued after the
	// writer drained the queue on Close is never taken: the writer has
	// stopped without answering it.
	select {
	case err := <-req.done:
		return err
	case <-s.stopped:
		select {
		case err := <-req.done: // answered before the writer stopped
			return err
		default:
			return store.ErrClosed
		}
	}
}

// writeLoop takes queued requests in batches until Close.
func (s *Store) writeLoop() {
	defer close(s.stopped)
	batch := make([]*writeRequest, 0, s.opts.MaxBatch)
	for {
		select {
		case req := <-s.reqs:
			batch = append(batch[:0], req)
		case <-s.stop:
			s.drainClosed(batch)
			return
		}
		s.commitBatch(s.fill(batch))
	}
}

// fill adds the requests already queued to batch, up to MaxBatch, without
// waiting.
func (s *Store) fill(batch []*writeRequest) []*writeRequest {
	for len(batch) < s.opts.MaxBatch {
		select {
		case req := <-s.reqs:
			batch = append(batch, req)
		default:
			return batch
		}
	}
	return batch
}

// drainClosed commits the requests queued when the store closed: Close
// waits for pending writes.
func (s *Store) drainClosed(batch []*writeRequest) {
	for {
		batch = s.fill(batch[:0])
		if len(batch) == 0 {
			return
		}
		s.commitBatch(batch)
	}
}

// commitBatch runs the batch in one transaction and reports each outcome.
// A request whose error may have ended the transaction (see abortsTx: a
// full disk above all), or after which its savepoint is gone (SQLite ended
// the transaction, whatever fn returned), aborts the batch: the requests
// that ran before it are rolled back and answered with that failure
// (nothing of theirs was kept), and the requests after it run in a new
// batch.
func (s *Store) commitBatch(batch []*writeRequest) {
	results := make([]error, len(batch))
	ctx := context.Background()
	start := time.Now()
	tx, err := s.writer.BeginTx(ctx, nil)
	if err != nil {
		for _, req := range batch {
			req.done <- fmt.Errorf("begin: %w", mapErr(err))
		}
		return
	}
	view := &txView{q: tx, ctx: ctx, dirWriter: s.dir}
	// end is called once the transaction has ended, before anyone is
	// answered (a caller that changed the directory and then files a
	// ticket finds the cache usable again): see dirCache.
	end := func(rollback bool) error {
		defer view.endDirectoryWrite()
		if rollback {
			return tx.Rollback()
		}
		return tx.Commit()
	}
	anyOK := false
	for i, req := range batch {
		var lost bool
		lost, results[i] = s.runInSavepoint(tx, view, req)
		if lost || abortsTx(results[i]) {
			_ = end(true)
			abortBatch(batch[:i+1], results[:i+1])
			if rest := batch[i+1:]; len(rest) > 0 {
				s.commitBatch(rest)
			}
			return
		}
		anyOK = anyOK || results[i] == nil
	}
	if !anyOK {
		_ = end(true)
		for i, req := range batch {
			req.done <- results[i]
		}
		return
	}
	// The changed tickets are pending in the index while COMMIT runs, and
	// current in it before any caller of the batch is answered or its
	// events published: nobody reads an older version once told of a newer
	// one (ticketIndex).
	s.tickets.beginCommit(view.changed)
	err = end(false)
	s.tickets.endCommit(view.changed, err == nil)
	if err != nil {
		err = fmt.Errorf("commit: %w", mapErr(err))
		for i := range batch {
			if results[i] == nil {
				results[i] = err
			}
		}
		for i, req := range batch {
			req.done <- results[i]
		}
		return
	}
	// Notify before answering the writers, so that a client that writes
	// and then watches finds the hub already told about its own write.
	if view.lastSeq > 0 {
		s.commits.Publish(store.Commit{Last: view.lastSeq, Events: view.appended, Writes: len(batch), Took: time.Since(start)})
	}
	for i, req := range batch {
		req.done <- results[i]
	}
}

// abortBatch answers the requests of a rolled-back batch whose last
// request failed with the error that aborted it: the ones that had
// succeeded learn that their writes were rolled back with it (wrapping
// that error: a full disk stays a full disk), the others keep their own.
func abortBatch(ran []*writeRequest, results []error) {
	cause := results[len(results)-1]
	for i, req := range ran {
		if results[i] == nil {
			results[i] = fmt.Errorf("write batch rolled back: %w", cause)
		}
		req.done <- results[i]
	}
}

// runInSavepoint runs one request's fn inside a savepoint, rolling back to
// it when fn fails or panics. lost reports that the savepoint could not be
// opened, rolled back to or released: SQLite has ended the transaction
// (whatever error fn returned), and the batch must not go on in it.
func (s *Store) runInSavepoint(tx *sql.Tx, view *txView, req *writeRequest) (lost bool, err error) {
	if err := req.ctx.Err(); err != nil {
		return false, err
	}
	if _, err := tx.Exec("SAVEPOINT w"); err != nil {
		return true, fmt.Errorf("savepoint: %w", mapErr(err))
	}
	seqBefore, appendedBefore, changedBefore := view.lastSeq, len(view.appended), len(view.changed)
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic in write transaction: %v", r)
		}
		if err != nil {
			view.lastSeq = seqBefore
			clear(view.appended[appendedBefore:])
			view.appended = view.appended[:appendedBefore]
			clear(view.changed[changedBefore:])
			view.changed = view.changed[:changedBefore]
			if _, rbErr := tx.Exec("ROLLBACK TO w"); rbErr != nil {
				lost, err = true, fmt.Errorf("%w (rollback: %v)", err, rbErr)
			}
		}
		if _, relErr := tx.Exec("RELEASE w"); relErr != nil {
			lost = true
			if err == nil {
				err = fmt.Errorf("release savepoint: %w", relErr)
			}
		}
	}()
	return false, req.fn(view)
}
