package postgres

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/supportd/supportd/internal/pgtest"
	"github.com/supportd/supportd/server/domain"
	"github.com/supportd/supportd/server/store"
)

// TestReplicasEventLogGapFreeInCommitOrder runs writers on several stores
// over one database (replicas) while watchers on each read the log the way
// the watch hub does, from the last sequence they saw: no watcher may skip
// a sequence (one committed after a higher one became visible), and the
// log has no gaps although some transactions roll back.
func TestReplicasEventLogGapFreeInCommitOrder(t *testing.T) {
	url := pgtest.NewDatabase(t)
	const replicas, writersPer, perWriter = 3, 3, 40
	stores := make([]*Store, replicas)
	for i := range stores {
		stores[i] = openURL(t, url, Options{MaxConns: 6})
	}
	ctx := t.Context()
	errBoom := errors.New("boom")
	var committed atomic.Int64
	var writers sync.WaitGroup
	for r, s := range stores {
		for w := range writersPer {
			writers.Go(func() {
				rnd := rand.New(rand.NewPCG(uint64(r), uint64(w)))
				for i := range perWriter {
					err := s.ReadWriteTx(ctx, func(tx store.ReadWriter) error {
						if _, err := tx.AppendEvent(ctx, domain.Event{Type: domain.EventPartnerUpdated, Actor: "w",
							Time: time.Unix(1, 0), Detail: fmt.Sprintf("%d-%d-%d", r, w, i)}); err != nil {
							return err
						}
						if rnd.IntN(5) == 0 {
							return errBoom // rolled back: its sequence is given back
						}
						return nil
					})
					switch {
					case err == nil:
						committed.Add(1)
					case !errors.Is(err, errBoom):
						t.Errorf("write: %v", err)
						return
					}
				}
			})
		}
	}
	var writing atomic.Bool
	writing.Store(true)
	var watchers sync.WaitGroup
	for _, s := range stores {
		watchers.Go(func() {
			var last int64
			for {
				done := !writing.Load() // read once more after the writers end
				var evs []domain.Event
				err := s.ReadTx(ctx, func(tx store.Reader) (err error) {
					evs, err = tx.ListEvents(ctx, last, store.EventFilter{}, 50)
					return err
				})
				if err != nil {
					t.Errorf("watch: %v", err)
					return
				}
				for _, e := range evs {
					if e.Sequence != last+1 {
						t.Errorf("watcher at %d saw %d next: skipped a sequence", last, e.Sequence)
						return
					}
					last = e.Sequence
				}
				if done && len(evs) == 0 {
					if last != committed.Load() {
						t.Errorf("watcher ended at %d, %d committed", last, committed.Load())
					}
					return
				}
			}
		})
	}
	writers.Wait()
	writing.Store(false)
	watchers.Wait()
}

// TestReplicasChangeOneTicketAtOnce changes one ticket from two stores
// over one database (two replicas) the way the mutate path does: read it
// in the write transaction, then UpdateTicket to the next version. B reads
// while A's transaction, which read the ticket first, is still open: B's
// read must wait for A's commit and return A's change, so that B's update
// applies on top of it, instead of reading the old version and failing
// with ErrConflict (which the API answers ABORTED to a caller who gave no
// etag).
func TestReplicasChangeOneTicketAtOnce(t *testing.T) {
	url := pgtest.NewDatabase(t)
	a, b := openURL(t, url, Options{MaxConns: 2}), openURL(t, url, Options{MaxConns: 2})
	ctx := t.Context()
	created := time.Unix(1, 0).UTC()
	err := a.ReadWriteTx(ctx, func(tx store.ReadWriter) error {
		return errors.Join(
			tx.CreatePartner(ctx, domain.Partner{ID: "p", DisplayName: "P", Status: domain.PartnerActive, CreateTime: created, UpdateTime: created}),
			tx.CreateCustomer(ctx, domain.Customer{ID: "c", PartnerID: "p", DisplayName: "C", Kind: domain.CustomerEndCustomer, CreateTime: created}),
			tx.CreateTicket(ctx, domain.Ticket{ID: "T", PartnerID: "p", CustomerID: "c", Service: domain.ServiceAzure,
				Status: domain.StatusNew, Queue: domain.QueueAzure, Title: "created", Version: 1, CreateTime: created, UpdateTime: created}))
	})
	if err != nil {
		t.Fatal(err)
	}
	change := func(tx store.ReadWriter, title string, read chan<- domain.Ticket, proceed <-chan struct{}) error {
		tk, err := tx.GetTicket(ctx, "T")
		if err != nil {
			return err
		}
		read <- tk
		<-proceed
		tk.Version++
		tk.Title = title
		return tx.UpdateTicket(ctx, tk)
	}
	aRead, bRead := make(chan domain.Ticket, 1), make(chan domain.Ticket, 1)
	aGo, bGo := make(chan struct{}), make(chan struct{})
	close(bGo)
	aDone, bDone := make(chan error, 1), make(chan error, 1)
	go func() {
		aDone <- a.ReadWriteTx(ctx, func(tx store.ReadWriter) error { return change(tx, "by A", aRead, aGo) })
	}()
	<-aRead
	go func() {
		bDone <- b.ReadWriteTx(ctx, func(tx store.ReadWriter) error { return change(tx, "by B", bRead, bGo) })
	}()
	// A commits once B's read is under way: waiting for A's row lock
	// (seen in pg_stat_activity), or returned already (the old version).
	var early *domain.Ticket
	waitUntil(t, func() bool {
		select {
		case tk := <-bRead:
			early = &tk
			return true
		default:
		}
		var waiting int
		err := a.pool.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND wait_event_type = 'Lock'`).Scan(&waiting)
		if err != nil {
			t.Fatal(err)
		}
		return waiting > 0
	})
	if early != nil {
		t.Errorf("B read version %d (%q) while A's change was in progress: it did not wait for A", early.Version, early.Title)
	}
	close(aGo)
	if err := <-aDone; err != nil {
		t.Fatalf("A: %v", err)
	}
	if err := <-bDone; err != nil {
		t.Fatalf("B: %v (it must apply on top of A's committed change)", err)
	}
	if early == nil {
		if tk := <-bRead; tk.Version != 2 || tk.Title != "by A" {
			t.Errorf("B read version %d (%q), want A's: version 2, \"by A\"", tk.Version, tk.Title)
		}
	}
	var final domain.Ticket
	if err := a.ReadTx(ctx, func(tx store.Reader) (err error) { final, err = tx.GetTicket(ctx, "T"); return err }); err != nil {
		t.Fatal(err)
	}
	if final.Version != 3 || final.Title != "by B" {
		t.Errorf("ticket at version %d (%q), want 3 (\"by B\")", final.Version, final.Title)
	}
}

// waitUntil polls cond (every few milliseconds: what it waits for is
// another server's state, which sends no signal) until it holds; it fails
// t after 10 seconds.
func waitUntil(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 10s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestReplicasPruneTogether runs the janitor's deletes (request ids and
// events past their retention) on three stores at once, repeatedly: none
// fails or waits for another, and each row is deleted, and counted, once.
func TestReplicasPruneTogether(t *testing.T) {
	url := pgtest.NewDatabase(t)
	const replicas, rows, rounds = 3, 300, 4
	stores := make([]*Store, replicas)
	for i := range stores {
		stores[i] = openURL(t, url, Options{MaxConns: 2})
	}
	ctx := t.Context()
	old := time.Unix(1000, 0)
	err := stores[0].ReadWriteTx(ctx, func(tx store.ReadWriter) error {
		if err := tx.CreatePartner(ctx, domain.Partner{ID: "p1", DisplayName: "P1", Status: domain.PartnerActive}); err != nil {
			return err
		}
		for i := range rows {
			if err := tx.PutIdempotency(ctx, store.Idempotency{PartnerID: "p1", RequestID: fmt.Sprint(i),
				RequestHash: []byte{1}, TicketID: "t", CreateTime: old}); err != nil {
				return err
			}
			if _, err := tx.AppendEvent(ctx, domain.Event{Type: domain.EventPartnerUpdated, Actor: "a", Time: old, PartnerID: "p1"}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var ids, events atomic.Int64
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, s := range stores {
		wg.Go(func() {
			<-start
			for range rounds {
				var n, m int64 // counted once committed (a retried run starts over)
				err := s.ReadWriteTx(ctx, func(tx store.ReadWriter) (err error) {
					if n, err = tx.DeleteIdempotencyBefore(ctx, old.Add(time.Hour)); err != nil {
						return err
					}
					m, err = tx.DeleteEventsBefore(ctx, old.Add(time.Hour))
					return err
				})
				if err != nil {
					t.Errorf("replica %d: prune: %v", i, err)
				}
				ids.Add(n)
				events.Add(m)
			}
		})
	}
	close(start)
	wg.Wait()
	// The partner's creation appended no event; the newest event stays.
	if ids.Load() != rows || events.Load() != rows-1 {
		t.Errorf("deleted %d request ids and %d events in all, want %d and %d (each once)", ids.Load(), events.Load(), rows, rows-1)
	}
}
