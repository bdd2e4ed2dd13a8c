package storetest

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/supportd/supportd/server/domain"
	"github.com/supportd/supportd/server/store"
)

var txTests = []subtest{
	{name: "ErrorRollsBack", fn: testErrorRollsBack},
	{name: "PanicRollsBack", fn: testPanicRollsBack},
	{name: "ReadTxError", fn: testReadTxError},
	{name: "ConcurrentWriters", fn: testConcurrentWriters},
	{name: "SnapshotReads", fn: testSnapshotReads},
}

// writeAll creates a partner, a customer, a ticket, an idempotency record
// and their events: one of everything a transaction may write.
func writeAll(t *testing.T, tx store.ReadWriter, suffix string) error {
	ctx := ctxT(t)
	p := newPartner("p-" + suffix)
	c := newCustomer("c-"+suffix, p.ID)
	tk := newTicket("tk-"+suffix, p.ID, c.ID)
	if err := tx.CreatePartner(ctx, p); err != nil {
		return err
	}
	if err := tx.CreateCustomer(ctx, c); err != nil {
		return err
	}
	if err := tx.CreateTicket(ctx, tk); err != nil {
		return err
	}
	if err := tx.PutIdempotency(ctx, store.Idempotency{PartnerID: p.ID, RequestID: "r-" + suffix, RequestHash: []byte("h"), TicketID: tk.ID, CreateTime: at(0)}); err != nil {
		return err
	}
	if err := tx.UpsertTopic(ctx, domain.Topic{ID: "topic-" + suffix, Service: domain.ServiceAzure, Name: "n", Category: domain.CategoryBilling}); err != nil {
		return err
	}
	for _, e := range []domain.Event{
		{Type: domain.EventPartnerCreated, PartnerID: p.ID, Actor: "admin", Time: at(0)},
		ticketEvent(domain.EventCreated, tk),
	} {
		if _, err := tx.AppendEvent(ctx, e); err != nil {
			return err
		}
	}
	return nil
}

// wantNothingOf checks that nothing writeAll(suffix) writes exists.
func wantNothingOf(t *testing.T, s store.Store, suffix string) {
	t.Helper()
	ctx := ctxT(t)
	read(t, s, func(tx store.Reader) error {
		_, err := tx.GetPartner(ctx, "p-"+suffix)
		wantErr(t, "partner of rolled-back tx", err, store.ErrNotFound)
		_, err = tx.GetCustomer(ctx, "c-"+suffix)
		wantErr(t, "customer of rolled-back tx", err, store.ErrNotFound)
		_, err = tx.GetTicket(ctx, "tk-"+suffix)
		wantErr(t, "ticket of rolled-back tx", err, store.ErrNotFound)
		_, err = tx.GetIdempotency(ctx, "p-"+suffix, "r-"+suffix)
		wantErr(t, "request id of rolled-back tx", err, store.ErrNotFound)
		_, err = tx.GetTopic(ctx, "topic-"+suffix)
		wantErr(t, "topic of rolled-back tx", err, store.ErrNotFound)
		evs, err := tx.ListEvents(ctx, 0, store.EventFilter{TicketID: "tk-" + suffix}, 10)
		noErr(t, "ListEvents", err)
		if len(evs) != 0 {
			t.Errorf("events of rolled-back tx: %+v", evs)
		}
		return nil
	})
}

func testErrorRollsBack(t *testing.T, f Factory) {
	s := f.Open(t)
	ctx := ctxT(t)
	write(t, s, func(tx store.ReadWriter) error { return writeAll(t, tx, "kept") })
	_, lastBefore := sequences(t, s)
	wrapped := fmt.Errorf("wrapped: %w", errBoom)
	err := s.ReadWriteTx(ctx, func(tx store.ReadWriter) error {
		if err := writeAll(t, tx, "lost"); err != nil {
			return err
		}
		// Changes to existing records are undone too.
		tk, err := tx.GetTicket(ctx, "tk-kept")
		if err != nil {
			return err
		}
		tk.Title, tk.Version = "changed", 2
		if err := tx.UpdateTicket(ctx, tk); err != nil {
			return err
		}
		if _, err := tx.DeleteEventsBefore(ctx, at(time.Hour)); err != nil {
			return err
		}
		return wrapped
	})
	if err != wrapped && !errors.Is(err, errBoom) {
		t.Fatalf("ReadWriteTx returned %v, want fn's error %v", err, wrapped)
	}
	wantNothingOf(t, s, "lost")
	read(t, s, func(tx store.Reader) error {
		tk, err := tx.GetTicket(ctx, "tk-kept")
		noErr(t, "GetTicket", err)
		if tk.Title == "changed" || tk.Version != 1 {
			t.Errorf("update of a rolled-back tx kept: %+v", tk)
		}
		return nil
	})
	if first, last := sequences(t, s); first != 1 || last != lastBefore {
		t.Errorf("after rollback: first %d last %d, want 1 %d", first, last, lastBefore)
	}
	// A store error returned by fn rolls back too and keeps its identity.
	err = s.ReadWriteTx(ctx, func(tx store.ReadWriter) error {
		if err := writeAll(t, tx, "lost2"); err != nil {
			return err
		}
		return writeAll(t, tx, "kept") // duplicates
	})
	wantErr(t, "duplicate inside tx", err, store.ErrAlreadyExists)
	wantNothingOf(t, s, "lost2")
	// The store goes on: the next sequence follows.
	var seq int64
	write(t, s, func(tx store.ReadWriter) (err error) {
		seq, err = tx.AppendEvent(ctx, domain.Event{Type: domain.EventPartnerUpdated, Actor: "a", Time: at(0)})
		return err
	})
	if seq != lastBefore+1 {
		t.Errorf("sequence after rollbacks = %d, want %d", seq, lastBefore+1)
	}
}

func testPanicRollsBack(t *testing.T, f Factory) {
	s := f.Open(t)
	ctx := ctxT(t)
	write(t, s, func(tx store.ReadWriter) error { return writeAll(t, tx, "before") })
	_, lastBefore := sequences(t, s)
	var err error
	func() {
		defer func() {
			if r := recover(); r != nil {
				t.Errorf("panic in fn escaped ReadWriteTx: %v", r)
			}
		}()
		err = s.ReadWriteTx(ctx, func(tx store.ReadWriter) error {
			if err := writeAll(t, tx, "panic"); err != nil {
				return err
			}
			panic("storetest: deliberate panic")
		})
	}()
	if err == nil {
		t.Fatal("ReadWriteTx with a panicking fn returned nil")
	}
	wantNothingOf(t, s, "panic")
	// The store still works, and sequences go on without a gap.
	write(t, s, func(tx store.ReadWriter) error { return writeAll(t, tx, "after") })
	evs := allEvents(t, s)
	wantConsecutive(t, evs)
	if n := int64(len(evs)); n != lastBefore+2 {
		t.Errorf("%d events, want %d", n, lastBefore+2)
	}
	read(t, s, func(tx store.Reader) error {
		_, err := tx.GetTicket(ctx, "tk-after")
		noErr(t, "GetTicket after panic", err)
		return nil
	})
}

func testReadTxError(t *testing.T, f Factory) {
	s := f.Open(t)
	err := s.ReadTx(ctxT(t), func(tx store.Reader) error {
		if _, err := tx.LastSequence(ctxT(t)); err != nil {
			return err
		}
		return errBoom
	})
	wantErr(t, "ReadTx returns fn's error", err, errBoom)
	read(t, s, func(tx store.Reader) error { return nil })
}

func testConcurrentWriters(t *testing.T, f Factory) {
	s := f.Open(t)
	ctx := ctxT(t)
	const writers, perWriter = 16, 50
	// Some transactions fail after writing; the others, committed in the
	// same batches, must not notice.
	fails := func(w, i int) bool { return (w*perWriter+i)%97 == 13 }
	type result struct {
		suffix string
		seq    int64
		err    error
	}
	results := make([][]result, writers)
	var wg sync.WaitGroup
	var ok atomic.Int64
	for w := range writers {
		wg.Go(func() {
			for i := range perWriter {
				suffix := fmt.Sprintf("%02d-%03d", w, i)
				var seq int64
				err := s.ReadWriteTx(ctx, func(tx store.ReadWriter) error {
					if err := tx.UpsertTopic(ctx, domain.Topic{ID: "topic-" + suffix, Service: domain.ServiceAzure, Name: suffix, Category: domain.CategoryTechnical, Rank: i}); err != nil {
						return err
					}
					var err error
					seq, err = tx.AppendEvent(ctx, domain.Event{Type: domain.EventPartnerUpdated, Actor: "w", Time: at(0), Detail: suffix})
					if err != nil {
						return err
					}
					if fails(w, i) {
						return errBoom
					}
					return nil
				})
				if err == nil {
					ok.Add(1)
				}
				results[w] = append(results[w], result{suffix, seq, err})
			}
		})
	}
	wg.Wait()

	evs := allEvents(t, s)
	wantConsecutive(t, evs)
	if int64(len(evs)) != ok.Load() {
		t.Errorf("%d events for %d committed transactions", len(evs), ok.Load())
	}
	if len(evs) > 0 && evs[0].Sequence != 1 {
		t.Errorf("first sequence %d, want 1", evs[0].Sequence)
	}
	bySeq := map[int64]string{}
	for _, e := range evs {
		bySeq[e.Sequence] = e.Detail
	}
	nFail := 0
	read(t, s, func(tx store.Reader) error {
		for w := range writers {
			for i, r := range results[w] {
				_, err := tx.GetTopic(ctx, "topic-"+r.suffix)
				if fails(w, i) {
					nFail++
					wantErr(t, "failing tx "+r.suffix, r.err, errBoom)
					wantErr(t, "topic of failing tx "+r.suffix, err, store.ErrNotFound)
					continue
				}
				if r.err != nil {
					t.Errorf("tx %s: %v", r.suffix, r.err)
					continue
				}
				if err != nil {
					t.Errorf("topic of committed tx %s: %v", r.suffix, err)
				}
				// The sequence AppendEvent returned is the committed one.
				if bySeq[r.seq] != r.suffix {
					t.Errorf("tx %s got sequence %d, which holds %q", r.suffix, r.seq, bySeq[r.seq])
				}
			}
		}
		return nil
	})
	if nFail == 0 || nFail >= writers*perWriter {
		t.Fatalf("fixture: %d failing transactions", nFail)
	}
	if want := int64(writers*perWriter - nFail); ok.Load() != want {
		t.Errorf("%d transactions committed, want %d", ok.Load(), want)
	}
}

func testSnapshotReads(t *testing.T, f Factory) {
	s := f.Open(t)
	ctx := ctxT(t)
	seed(t, s)
	_, seeded := sequences(t, s)
	const writers, perWriter, readers = 4, 60, 4
	var done atomic.Bool
	var wg, rg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range perWriter {
				suffix := fmt.Sprintf("%d-%03d", w, i)
				err := s.ReadWriteTx(ctx, func(tx store.ReadWriter) error {
					// A ticket and its event per transaction, so that the
					// ticket count follows the sequence in every snapshot.
					tk := newTicket("tk-"+suffix, partner1, customer1)
					if err := tx.CreateTicket(ctx, tk); err != nil {
						return err
					}
					_, err := tx.AppendEvent(ctx, ticketEvent(domain.EventCreated, tk))
					if err == nil && i%10 == 9 {
						return errBoom
					}
					return err
				})
				if err != nil && !errors.Is(err, errBoom) {
					t.Errorf("writer: %v", err)
					return
				}
			}
		})
	}
	var snapshots atomic.Int64
	for range readers {
		rg.Go(func() {
			for !done.Load() {
				err := s.ReadTx(ctx, func(tx store.Reader) error {
					last, err := tx.LastSequence(ctx)
					if err != nil {
						return err
					}
					tickets, err := tx.ListTickets(ctx, store.TicketFilter{PartnerID: partner1}, store.Page{Limit: 10000})
					if err != nil {
						return err
					}
					evs, err := tx.ListEvents(ctx, max(0, last-5), store.EventFilter{}, 100)
					if err != nil {
						return err
					}
					time.Sleep(time.Millisecond) // let writers commit meanwhile
					again, err := tx.LastSequence(ctx)
					if err != nil {
						return err
					}
					beyond, err := tx.ListEvents(ctx, last, store.EventFilter{}, 100)
					if err != nil {
						return err
					}
					if again != last {
						return fmt.Errorf("LastSequence changed inside one ReadTx: %d then %d", last, again)
					}
					if len(beyond) != 0 {
						return fmt.Errorf("ReadTx at LastSequence %d lists later events %v", last, seqsOf(beyond))
					}
					if int64(len(tickets)) != last-seeded {
						return fmt.Errorf("snapshot has %d tickets but LastSequence %d (%d before)", len(tickets), last, seeded)
					}
					if want := min(last, 5); int64(len(evs)) != want {
						return fmt.Errorf("ListEvents after %d in snapshot at %d: %v", max(0, last-5), last, seqsOf(evs))
					}
					for i, e := range evs {
						if e.Sequence != last-int64(len(evs))+1+int64(i) {
							return fmt.Errorf("snapshot at %d: events %v are not the last ones, consecutive", last, seqsOf(evs))
						}
					}
					return nil
				})
				if err != nil {
					t.Error(err)
					return
				}
				snapshots.Add(1)
			}
		})
	}
	wg.Wait()
	done.Store(true)
	rg.Wait()
	if snapshots.Load() == 0 {
		t.Error("no snapshot was read")
	}
	first, last := sequences(t, s)
	if want := seeded + writers*perWriter*9/10; first != 1 || last != want {
		t.Errorf("first %d last %d, want 1 %d", first, last, want)
	}
}
