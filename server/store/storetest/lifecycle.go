package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/supportd/supportd/server/domain"
	"github.com/supportd/supportd/server/store"
)

var lifecycleTests = []subtest{
	{name: "Closed", fn: testClosed},
	{name: "CloseDuringWrites", fn: testCloseDuringWrites},
	{name: "Reopen", reopen: true, fn: testReopen},
	{name: "CloseDuringWritesReopen", reopen: true, fn: testCloseDuringWritesReopen},
}

// withTimeout fails the test if fn does not return within d.
func withTimeout(t *testing.T, what string, d time.Duration, fn func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn()
	}()
	select {
	case <-done:
	case <-time.After(d):
		t.Fatalf("%s did not return within %v", what, d)
	}
}

func testClosed(t *testing.T, f Factory) {
	s := f.Open(t)
	ctx := ctxT(t)
	seed(t, s)
	noErr(t, "Close", s.Close())
	// Repeated, since a backend may race the closed state against a free slot.
	for i := range 20 {
		withTimeout(t, "ReadWriteTx after Close", 5*time.Second, func() {
			called := false
			err := s.ReadWriteTx(ctx, func(tx store.ReadWriter) error { called = true; return nil })
			wantErr(t, fmt.Sprintf("ReadWriteTx after Close #%d", i), err, store.ErrClosed)
			if called {
				t.Error("ReadWriteTx after Close ran fn")
			}
		})
		withTimeout(t, "ReadTx after Close", 5*time.Second, func() {
			called := false
			err := s.ReadTx(ctx, func(tx store.Reader) error { called = true; return nil })
			wantErr(t, fmt.Sprintf("ReadTx after Close #%d", i), err, store.ErrClosed)
			if called {
				t.Error("ReadTx after Close ran fn")
			}
		})
	}
	withTimeout(t, "second Close", 5*time.Second, func() { _ = s.Close() })
}

// closeDuringWrites starts writers, closes the store while they run and
// returns which suffixes committed (nil error) and which failed (ErrClosed).
func closeDuringWrites(t *testing.T, s store.Store) (committed, refused []string) {
	t.Helper()
	ctx := ctxT(t)
	const writers = 8
	var mu sync.Mutex
	var wg sync.WaitGroup
	started := make(chan struct{}, writers)
	for w := range writers {
		wg.Go(func() {
			for i := 0; ; i++ {
				suffix := fmt.Sprintf("%d-%04d", w, i)
				err := s.ReadWriteTx(ctx, func(tx store.ReadWriter) error {
					if err := tx.UpsertTopic(ctx, domain.Topic{ID: "topic-" + suffix, Service: domain.ServiceAzure, Name: suffix, Category: domain.CategoryTechnical}); err != nil {
						return err
					}
					_, err := tx.AppendEvent(ctx, domain.Event{Type: domain.EventPartnerUpdated, Actor: "w", Time: at(0), Detail: suffix})
					return err
				})
				if i == 0 {
					started <- struct{}{}
				}
				mu.Lock()
				switch {
				case err == nil:
					committed = append(committed, suffix)
				case errors.Is(err, store.ErrClosed):
					refused = append(refused, suffix)
				default:
					t.Errorf("ReadWriteTx during Close: %v (want nil or ErrClosed)", err)
				}
				mu.Unlock()
				if err != nil {
					return
				}
			}
		})
	}
	for range writers {
		<-started
	}
	withTimeout(t, "Close during writes", 10*time.Second, func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	withTimeout(t, "writers after Close", 10*time.Second, wg.Wait)
	return committed, refused
}

func testCloseDuringWrites(t *testing.T, f Factory) {
	s := f.Open(t)
	committed, refused := closeDuringWrites(t, s)
	if len(committed) == 0 || len(refused) == 0 {
		t.Errorf("%d committed, %d refused: want some of each", len(committed), len(refused))
	}
}

func testCloseDuringWritesReopen(t *testing.T, f Factory) {
	s := f.Open(t)
	committed, refused := closeDuringWrites(t, s)
	s = f.Reopen(t, s)
	ctx := ctxT(t)
	// Every write reported committed is there; no refused one is.
	read(t, s, func(tx store.Reader) error {
		for _, suffix := range committed {
			if _, err := tx.GetTopic(ctx, "topic-"+suffix); err != nil {
				t.Errorf("committed write %s lost over Close: %v", suffix, err)
			}
		}
		for _, suffix := range refused {
			_, err := tx.GetTopic(ctx, "topic-"+suffix)
			wantErr(t, "refused write "+suffix, err, store.ErrNotFound)
		}
		last, err := tx.LastSequence(ctx)
		noErr(t, "LastSequence", err)
		if last != int64(len(committed)) {
			t.Errorf("LastSequence %d, want %d committed", last, len(committed))
		}
		return nil
	})
}

func testReopen(t *testing.T, f Factory) {
	s := f.Open(t)
	ctx := ctxT(t)
	seed(t, s)
	tk := newTicket("tk-1", partner1, customer1)
	createTickets(t, s, tk)
	key := store.APIKey{ID: "key-1", Hash: []byte("hash"), Role: domain.RolePartner, PartnerID: partner1, CreateTime: at(0)}
	topic := domain.Topic{ID: "topic-1", Service: domain.ServiceAzure, Name: "VMs", Category: domain.CategoryTechnical, Featured: true, Rank: 1}
	idem := store.Idempotency{PartnerID: partner1, RequestID: "r-1", RequestHash: []byte("h"), TicketID: tk.ID, CreateTime: at(0)}
	write(t, s, func(tx store.ReadWriter) error {
		if err := tx.CreateAPIKey(ctx, key); err != nil {
			return err
		}
		if err := tx.UpsertTopic(ctx, topic); err != nil {
			return err
		}
		return tx.PutIdempotency(ctx, idem)
	})
	before := allEvents(t, s)
	noErr(t, "Close", s.Close())

	s = f.Reopen(t, s)
	read(t, s, func(tx store.Reader) error {
		p, err := tx.GetPartner(ctx, partner1)
		noErr(t, "GetPartner after reopen", err)
		wantEqual(t, "partner after reopen", p, newPartner(partner1))
		c, err := tx.GetCustomer(ctx, customer3)
		noErr(t, "GetCustomer after reopen", err)
		wantEqual(t, "customer after reopen", c, newCustomer(customer3, partner2))
		got, err := tx.GetTicket(ctx, tk.ID)
		noErr(t, "GetTicket after reopen", err)
		wantEqual(t, "ticket after reopen", got, tk)
		k, err := tx.GetAPIKey(ctx, key.ID)
		noErr(t, "GetAPIKey after reopen", err)
		wantEqual(t, "key after reopen", k, key)
		tp, err := tx.GetTopic(ctx, topic.ID)
		noErr(t, "GetTopic after reopen", err)
		wantEqual(t, "topic after reopen", tp, topic)
		i, err := tx.GetIdempotency(ctx, partner1, "r-1")
		noErr(t, "GetIdempotency after reopen", err)
		wantEqual(t, "request id after reopen", i, idem)
		return nil
	})
	wantEqual(t, "events after reopen", allEvents(t, s), before)

	// The sequence continues where it stopped.
	var seq int64
	write(t, s, func(tx store.ReadWriter) (err error) {
		seq, err = tx.AppendEvent(ctx, domain.Event{Type: domain.EventPartnerUpdated, Actor: "a", Time: at(0)})
		return err
	})
	if want := before[len(before)-1].Sequence + 1; seq != want {
		t.Errorf("first sequence after reopen = %d, want %d", seq, want)
	}
}
