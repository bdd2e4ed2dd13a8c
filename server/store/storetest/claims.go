package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/supportd/supportd/server/domain"
	"github.com/supportd/supportd/server/store"
)

// claimTests check how periodic work (the escalation sweep, the janitor)
// takes its rows in write transactions: what one transaction claimed,
// another skips instead of waiting for it or listing it again.
var claimTests = []subtest{
	{name: "DueTicketsSkipClaimed", fn: testDueTicketsSkipClaimed},
	{name: "StagedUploadsSkipClaimed", fn: testStagedUploadsSkipClaimed},
	{name: "PruneSkipsClaimed", fn: testPruneSkipsClaimed},
}

// whileClaimed runs claim in a write transaction and, while that
// transaction is still open, other in a second write transaction, when
// the store runs write transactions concurrently; otherwise (one writer)
// other runs after the first committed. It returns other's error.
func whileClaimed(t *testing.T, f Factory, s store.Store, claim, other func(tx store.ReadWriter) error) {
	t.Helper()
	ctx := ctxT(t)
	otherDone := make(chan error, 1)
	write(t, s, func(tx store.ReadWriter) error {
		if err := claim(tx); err != nil {
			return err
		}
		if f.ConcurrentWriters {
			// Waiting inside the first transaction: a second that waited
			// for its rows instead of skipping them would never end.
			go func() { otherDone <- s.ReadWriteTx(ctx, other) }()
			return <-otherDone
		}
		return nil
	})
	if !f.ConcurrentWriters {
		noErr(t, "second write transaction", s.ReadWriteTx(ctx, other))
	}
}

func testDueTicketsSkipClaimed(t *testing.T, f Factory) {
	s := f.Open(t)
	ctx := ctxT(t)
	seed(t, s)
	var due []domain.Ticket
	for i := range 5 {
		tk := newTicket(ticketID("due", i), partner1, customer1)
		tk.WarnTime = at(time.Duration(i) * time.Minute)
		due = append(due, tk)
	}
	createTickets(t, s, due...)
	now := at(time.Hour)
	var first, second []domain.Ticket
	whileClaimed(t, f, s, func(tx store.ReadWriter) (err error) {
		first, err = tx.ListDueTickets(ctx, now, 2)
		return err
	}, func(tx store.ReadWriter) (err error) {
		second, err = tx.ListDueTickets(ctx, now, 100)
		return err
	})
	wantEqual(t, "claimed by the first transaction", ids(first), ids(due[:2]))
	if f.ConcurrentWriters {
		wantEqual(t, "listed by a second while the first is open", ids(second), ids(due[2:]))
	} else {
		wantEqual(t, "listed by a second after the first", ids(second), ids(due))
	}
	// Claims end with their transaction; read transactions claim nothing.
	read(t, s, func(tx store.Reader) error {
		got, err := tx.ListDueTickets(ctx, now, 100)
		noErr(t, "ListDueTickets", err)
		wantEqual(t, "due tickets once no transaction holds them", ids(got), ids(due))
		return nil
	})
}

func testStagedUploadsSkipClaimed(t *testing.T, f Factory) {
	s := f.Open(t)
	ctx := ctxT(t)
	var uploads []string
	write(t, s, func(tx store.ReadWriter) error {
		for i := range 4 {
			id := fmt.Sprintf("up-%d", i)
			uploads = append(uploads, id)
			noErr(t, "stage", tx.StageAttachmentChunk(ctx, id, 0, []byte("x"), at(time.Duration(i)*time.Minute)))
		}
		return nil
	})
	before := at(time.Hour)
	var first, second []string
	whileClaimed(t, f, s, func(tx store.ReadWriter) (err error) {
		if first, err = tx.ListStagedUploads(ctx, before, 1); err != nil {
			return err
		}
		return tx.DiscardStagedUpload(ctx, first[0])
	}, func(tx store.ReadWriter) (err error) {
		second, err = tx.ListStagedUploads(ctx, before, 10)
		return err
	})
	wantEqual(t, "claimed by the first transaction", first, uploads[:1])
	wantEqual(t, "listed by a second (not the first's, held or discarded)", second, uploads[1:])
}

func testPruneSkipsClaimed(t *testing.T, f Factory) {
	s := f.Open(t)
	ctx := ctxT(t)
	seed(t, s)
	write(t, s, func(tx store.ReadWriter) error {
		for i := range 4 {
			noErr(t, "PutIdempotency", tx.PutIdempotency(ctx, store.Idempotency{PartnerID: partner1,
				RequestID: fmt.Sprintf("rid-%d", i), RequestHash: []byte{1}, TicketID: "tk", CreateTime: at(time.Duration(i) * time.Minute)}))
			if _, err := tx.AppendEvent(ctx, domain.Event{Type: domain.EventPartnerUpdated, Actor: "a",
				Time: at(time.Duration(i) * time.Minute), PartnerID: partner1}); err != nil {
				return err
			}
		}
		return nil
	})
	cut := at(time.Hour) // every request id, every event but the newest
	firstSeq, lastSeq := sequences(t, s)
	var firstIDs, firstEvents, secondIDs, secondEvents int64
	whileClaimed(t, f, s, func(tx store.ReadWriter) (err error) {
		if firstIDs, err = tx.DeleteIdempotencyBefore(ctx, cut); err != nil {
			return err
		}
		firstEvents, err = tx.DeleteEventsBefore(ctx, cut)
		return err
	}, func(tx store.ReadWriter) (err error) {
		if secondIDs, err = tx.DeleteIdempotencyBefore(ctx, cut); err != nil {
			return err
		}
		secondEvents, err = tx.DeleteEventsBefore(ctx, cut)
		return err
	})
	wantEqual(t, "request ids deleted by the first, by the second", []int64{firstIDs, secondIDs}, []int64{4, 0})
	wantEqual(t, "events deleted by the first, by the second", []int64{firstEvents, secondEvents}, []int64{lastSeq - firstSeq, 0})
}
