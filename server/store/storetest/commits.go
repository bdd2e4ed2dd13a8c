package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/supportd/supportd/server/domain"
	"github.com/supportd/supportd/server/store"
)

var commitTests = []subtest{
	{name: "EveryCommitInOrder", fn: testCommitsInOrder},
	{name: "EventsAsListed", fn: testCommitEventsAsListed},
	{name: "StuckSubscriberNeverBlocks", fn: testCommitStuckSubscriber},
}

// commitWatcher takes a subscription's notifications on its own goroutine
// and checks, as each arrives, that its events are already visible to a
// new read transaction.
type commitWatcher struct {
	t    *testing.T
	s    store.Store
	sub  *store.CommitSubscription
	got  chan store.Commit
	stop chan struct{}
	done chan struct{}
}

func watchCommits(t *testing.T, s store.Store) *commitWatcher {
	w := &commitWatcher{t: t, s: s, sub: s.SubscribeCommits(), got: make(chan store.Commit, 100000),
		stop: make(chan struct{}), done: make(chan struct{})}
	go w.loop()
	t.Cleanup(w.close)
	return w
}

func (w *commitWatcher) loop() {
	defer close(w.done)
	var buf []store.Commit
	for {
		select {
		case <-w.stop:
			return
		case <-w.sub.Ready():
		}
		buf = w.sub.Take(buf[:0])
		for _, c := range buf {
			var visible int64
			if err := w.s.ReadTx(context.Background(), func(tx store.Reader) (err error) {
				visible, err = tx.LastSequence(context.Background())
				return err
			}); err != nil {
				w.t.Errorf("ReadTx on notification: %v", err)
			}
			if visible < c.Last {
				w.t.Errorf("commit up to %d notified while a new read sees only %d", c.Last, visible)
			}
			w.got <- c
		}
	}
}

func (w *commitWatcher) close() {
	select {
	case <-w.stop:
	default:
		close(w.stop)
		<-w.done
		w.sub.Close()
	}
}

// until returns the notifications received until one reaches last.
func (w *commitWatcher) until(last int64) []store.Commit {
	w.t.Helper()
	var out []store.Commit
	timeout := time.After(10 * time.Second) // a deadlock guard, not a measure
	for {
		select {
		case c := <-w.got:
			out = append(out, c)
			if c.Last >= last {
				return out
			}
		case <-timeout:
			w.t.Fatalf("no commit notification up to %d; got %+v", last, out)
		}
	}
}

// none checks that no notification is pending beyond what was taken.
func (w *commitWatcher) none() {
	w.t.Helper()
	select {
	case c := <-w.got:
		w.t.Errorf("unexpected commit notification %+v", c)
	default:
	}
}

func appendEvents(t *testing.T, s store.Store, n int, fail error) error {
	t.Helper()
	return s.ReadWriteTx(ctxT(t), func(tx store.ReadWriter) error {
		for range n {
			if _, err := tx.AppendEvent(ctxT(t), domain.Event{Type: domain.EventPartnerUpdated, Actor: "admin", Time: at(time.Second)}); err != nil {
				return err
			}
		}
		return fail
	})
}

// wantCommitsCover checks notifications against the log: Last increases
// strictly, and the events of each one (when given) are exactly the log's
// events after the previous Last up to its own.
func wantCommitsCover(t *testing.T, s store.Store, from int64, commits []store.Commit) {
	t.Helper()
	logged := map[int64]domain.Event{}
	for _, e := range allEvents(t, s) {
		logged[e.Sequence] = e
	}
	prev := from
	for i, c := range commits {
		if c.Last <= prev {
			t.Fatalf("notification %d: Last %d after %d", i, c.Last, prev)
		}
		if c.Events != nil {
			if int64(len(c.Events)) != c.Last-prev {
				t.Fatalf("notification %d: %d events for sequences %d..%d", i, len(c.Events), prev+1, c.Last)
			}
			for j, e := range c.Events {
				wantEqual(t, fmt.Sprintf("notification %d event %d", i, j), e, logged[prev+1+int64(j)])
			}
		}
		prev = c.Last
	}
}

func testCommitsInOrder(t *testing.T, f Factory) {
	s := f.Open(t)
	w := watchCommits(t, s)
	noErr(t, "append", appendEvents(t, s, 2, nil))
	if n := w.sub.Notified(); n != 2 {
		t.Errorf("Notified after a committed write = %d, want 2 (set before the write returns)", n)
	}
	wantCommitsCover(t, s, 0, w.until(2))

	// A failed transaction and one without events are not notified: the
	// next notification is the next commit with events.
	wantErr(t, "failing tx", appendEvents(t, s, 3, errBoom), errBoom)
	write(t, s, func(tx store.ReadWriter) error {
		return tx.UpsertTopic(ctxT(t), domain.Topic{ID: "t", Service: domain.ServiceAzure, Name: "n", Category: domain.CategoryBilling})
	})
	w.none()
	noErr(t, "append", appendEvents(t, s, 1, nil))
	wantCommitsCover(t, s, 2, w.until(3))

	// Concurrent writers, some failing: every committed event is covered,
	// in order, and the last notification is the log's end.
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 10 {
				var fail error
				if (g+i)%4 == 3 {
					fail = errBoom
				}
				if err := appendEvents(t, s, 1+i%3, fail); !errors.Is(err, fail) {
					t.Errorf("tx: %v", err)
				}
			}
		})
	}
	wg.Wait()
	_, last := sequences(t, s)
	wantCommitsCover(t, s, 3, w.until(last))
	w.none()
}

func testCommitEventsAsListed(t *testing.T, f Factory) {
	s := f.Open(t)
	seed(t, s)
	_, before := sequences(t, s)
	w := watchCommits(t, s)
	tk := newTicket("tk-1", partner1, customer1)
	createTickets(t, s, tk)
	// A note event names its note by number only: the notification
	// carries the stored note, as ListEvents does.
	note := domain.Note{ID: 1, TicketID: tk.ID, Author: "partner:" + partner1, Text: "logs attached", CreateTime: at(time.Minute)}
	write(t, s, func(tx store.ReadWriter) error {
		tk2 := tk
		tk2.Version, tk2.NoteCount, tk2.UpdateTime = 2, 1, at(time.Minute)
		if err := tx.UpdateTicket(ctxT(t), tk2); err != nil {
			return err
		}
		if err := tx.AddNote(ctxT(t), note); err != nil {
			return err
		}
		e := ticketEvent(domain.EventNoteAdded, tk2)
		e.Note = &domain.Note{ID: 1}
		_, err := tx.AppendEvent(ctxT(t), e)
		return err
	})
	_, last := sequences(t, s)
	commits := w.until(last)
	wantCommitsCover(t, s, before, commits)
	if ev := commits[len(commits)-1].Events; ev != nil && (ev[len(ev)-1].Note == nil || ev[len(ev)-1].Note.Text != note.Text) {
		t.Errorf("note event notified with note %+v, want the stored note", ev[len(ev)-1].Note)
	}
}

func testCommitStuckSubscriber(t *testing.T, f Factory) {
	s := f.Open(t)
	stuck := s.SubscribeCommits() // never taken until the end
	defer stuck.Close()
	w := watchCommits(t, s)
	noErr(t, "append", appendEvents(t, s, 10, nil))
	// More events than a subscription keeps pending: the writer goes on,
	// and the stuck subscription is told to read the log.
	noErr(t, "append", appendEvents(t, s, store.MaxPendingCommitEvents, nil))
	_, last := sequences(t, s)
	wantCommitsCover(t, s, 0, w.until(last))
	select {
	case <-stuck.Ready():
	default:
		t.Fatal("stuck subscription not marked ready")
	}
	got := stuck.Take(nil)
	if len(got) == 0 || got[len(got)-1].Last != last {
		t.Fatalf("stuck subscription's notifications %d, last %+v, want up to %d", len(got), got, last)
	}
	n := 0
	for _, c := range got {
		n += len(c.Events)
	}
	if n > store.MaxPendingCommitEvents {
		t.Errorf("stuck subscription kept %d events, more than %d", n, store.MaxPendingCommitEvents)
	}
	wantCommitsCover(t, s, 0, got)
	if stuck.Notified() != last {
		t.Errorf("stuck Notified = %d, want %d", stuck.Notified(), last)
	}
}
