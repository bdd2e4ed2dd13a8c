package api_test

import (
	"context"
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	supportv1 "github.com/supportd/supportd/gen/support/v1"
	"github.com/supportd/supportd/server/app"
	"github.com/supportd/supportd/server/config"
	"github.com/supportd/supportd/server/domain"
	"github.com/supportd/supportd/server/internal/testserver"
	"github.com/supportd/supportd/server/store"
)

// watchQueue opens WatchQueueTickets with key.
func (s *watchServer) watchQueue(t *testing.T, key string, req *supportv1.WatchQueueTicketsRequest) *wStream {
	t.Helper()
	ctx, cancel := context.WithCancel(testserver.Auth(context.Background(), key))
	st, err := s.Agent().WatchQueueTickets(ctx, req)
	if err != nil {
		cancel()
		t.Fatalf("WatchQueueTickets: %v", err)
	}
	return newWStream(t, cancel, func() (wUpdate, error) { return st.Recv() })
}

// queueEvents returns the committed ticket events after after, of every
// partner, whose ticket is in q after the change (any queue when q is "").
func (s *watchServer) queueEvents(t *testing.T, after int64, q domain.Queue) []domain.Event {
	t.Helper()
	var out []domain.Event
	for _, e := range s.EventsAfter(t, after) {
		if e.Type.IsTicketEvent() && e.TicketID != "" && (q == "" || e.Ticket.Queue == q) {
			out = append(out, e)
		}
	}
	return out
}

// reassign moves a ticket to queue q as agent key.
func (s *watchServer) reassign(t *testing.T, key, id string, q supportv1.Queue) {
	t.Helper()
	ctx := testserver.Auth(context.Background(), key)
	if _, err := s.Agent().ReassignTicket(ctx, &supportv1.ReassignTicketRequest{TicketId: id, Queue: q}); err != nil {
		t.Fatalf("ReassignTicket %s: %v", id, err)
	}
}

// WatchQueueTickets follows every partner's tickets in log order, or one
// queue's (the ticket's queue after each change); NOTE_ADDED events carry
// their note.
func TestWatchQueueTicketsOrderAndFilter(t *testing.T) {
	s := startWatchServer(t, watchConfig(50*time.Millisecond, 0))
	a := s.partner(t, "pa")
	b := s.partner(t, "pb")
	agent := s.NewKey(t, domain.RoleAgent, "")
	all := s.watchQueue(t, agent, &supportv1.WatchQueueTicketsRequest{})
	azure := s.watchQueue(t, agent, &supportv1.WatchQueueTicketsRequest{Queue: supportv1.Queue_QUEUE_AZURE})
	billing := s.watchQueue(t, agent, &supportv1.WatchQueueTicketsRequest{Queue: supportv1.Queue_QUEUE_BILLING})
	start := s.LastSequence(t)
	for _, w := range []*wStream{all, azure, billing} {
		if cp := w.checkpoint(t); cp.GetResumeToken() != s.token(start) {
			t.Fatal("first checkpoint does not name the log's end")
		}
	}

	ta := s.mustTicket(t, a, "")
	tb := s.mustTicket(t, b, "")
	s.mustNote(t, a, ta, "a's first note")
	s.mustNote(t, b, tb, "b's note")
	s.reassign(t, agent, ta, supportv1.Queue_QUEUE_BILLING)
	s.mustNote(t, a, ta, "a's note in billing")

	want := s.queueEvents(t, start, "")
	if len(want) != 6 {
		t.Fatalf("fixture: %d ticket events, want 6", len(want))
	}
	got := all.events(t, len(want))
	s.checkEvents(t, got, want)
	for i, e := range got {
		if e.GetType() == supportv1.TicketEventType_TICKET_EVENT_TYPE_NOTE_ADDED {
			if n := e.GetNote(); n == nil || n.GetText() != want[i].Note.Text || n.GetId() == "" || n.GetAuthor() != "partner:"+want[i].PartnerID {
				t.Fatalf("NOTE_ADDED event %d carries note %v, want %q", e.GetSequence(), n, want[i].Note.Text)
			}
		} else if e.GetNote() != nil {
			t.Fatalf("%s event %d carries a note", e.GetType(), e.GetSequence())
		}
	}
	wantAzure := s.queueEvents(t, start, domain.QueueAzure)
	wantBilling := s.queueEvents(t, start, domain.QueueBilling)
	if len(wantAzure) != 4 || len(wantBilling) != 2 {
		t.Fatalf("fixture: %d AZURE and %d BILLING events, want 4 and 2", len(wantAzure), len(wantBilling))
	}
	s.checkEvents(t, azure.events(t, len(wantAzure)), wantAzure)
	s.checkEvents(t, billing.events(t, len(wantBilling)), wantBilling)
	// tb is in AZURE, ta in BILLING.
	azure.nothingBefore(t, s.barrier(t, b, tb))
	billing.nothingBefore(t, s.barrier(t, a, ta))
}

// Resuming delivers exactly the events after an event's or a checkpoint's
// token, from the log when they are no longer live.
func TestWatchQueueTicketsResume(t *testing.T) {
	s := startWatchServer(t, watchConfig(50*time.Millisecond, 0))
	a := s.partner(t, "pa")
	agent := s.NewKey(t, domain.RoleAgent, "")
	w := s.watchQueue(t, agent, &supportv1.WatchQueueTicketsRequest{Queue: supportv1.Queue_QUEUE_AZURE})
	start := s.LastSequence(t)
	w.checkpoint(t)
	id := s.mustTicket(t, a, "")
	for range 3 {
		s.mustNote(t, a, id, "note")
	}
	first := w.events(t, 4)
	s.checkEvents(t, first, s.queueEvents(t, start, domain.QueueAzure))
	var cp *supportv1.Checkpoint
	for cp == nil {
		cp = w.update(t).GetCheckpoint()
	}
	cpSeq := s.LastSequence(t)
	if cp.GetResumeToken() != s.token(cpSeq) {
		t.Fatal("checkpoint after the events does not name the log's end")
	}
	w.close()

	other := s.mustTicket(t, a, a.other)
	s.mustNote(t, a, other, "while away")

	r := s.watchQueue(t, agent, &supportv1.WatchQueueTicketsRequest{Queue: supportv1.Queue_QUEUE_AZURE, ResumeToken: first[1].GetResumeToken()})
	want := s.queueEvents(t, first[1].GetSequence(), domain.QueueAzure)
	s.checkEvents(t, r.events(t, len(want)), want)

	c := s.watchQueue(t, agent, &supportv1.WatchQueueTicketsRequest{Queue: supportv1.Queue_QUEUE_AZURE, ResumeToken: cp.GetResumeToken()})
	want = s.queueEvents(t, cpSeq, domain.QueueAzure)
	if len(want) != 2 {
		t.Fatalf("%d events after the checkpoint, want 2", len(want))
	}
	s.checkEvents(t, c.events(t, 2), want)
	bar := s.barrier(t, a, id)
	r.nothingBefore(t, bar)
	c.nothingBefore(t, bar)
}

// Bad requests, too old tokens, the role, and cancellation.
func TestWatchQueueTicketsRefusals(t *testing.T) {
	s := startWatchServer(t, testserver.WithOptions(func(o *app.Options) {
		c := config.Default()
		c.Limits.WatchStreamsPerKey = 2 // agent streams count against their key
		o.Config = c
	}))
	a := s.partner(t, "pa")
	agent := s.NewKey(t, domain.RoleAgent, "")
	id := s.mustTicket(t, a, "")
	old := s.LastSequence(t)
	s.mustNote(t, a, id, "one")
	s.mustNote(t, a, id, "two")

	err := s.watchQueue(t, agent, &supportv1.WatchQueueTicketsRequest{ResumeToken: "not a token"}).fails(t, watchWait)
	wantFields(t, err, "resume_token")
	err = s.watchQueue(t, agent, &supportv1.WatchQueueTicketsRequest{Queue: supportv1.Queue(99)}).fails(t, watchWait)
	wantFields(t, err, "queue")
	err = s.watchQueue(t, a.key, &supportv1.WatchQueueTicketsRequest{}).fails(t, watchWait)
	wantCode(t, err, codes.PermissionDenied)

	// Retention drops all but the newest event: older tokens are too old.
	ctx := context.Background()
	if err := s.Store.ReadWriteTx(ctx, func(tx store.ReadWriter) error {
		_, err := tx.DeleteEventsBefore(ctx, s.Clock.Now().Add(time.Hour))
		return err
	}); err != nil {
		t.Fatal(err)
	}
	err = s.watchQueue(t, agent, &supportv1.WatchQueueTicketsRequest{ResumeToken: s.token(old)}).fails(t, watchWait)
	wantInfo(t, err, codes.OutOfRange, "RESUME_TOKEN_EXPIRED", nil)

	// The key's streams are bounded; a cancelled stream gives its slot
	// back once the server side has ended.
	open := []*wStream{
		s.watchQueue(t, agent, &supportv1.WatchQueueTicketsRequest{}),
		s.watchQueue(t, agent, &supportv1.WatchQueueTicketsRequest{Queue: supportv1.Queue_QUEUE_FRAUD}),
	}
	for _, w := range open {
		w.checkpoint(t)
	}
	err = s.watchQueue(t, agent, &supportv1.WatchQueueTicketsRequest{}).fails(t, watchWait)
	wantCode(t, err, codes.ResourceExhausted)
	// A partner's streams are counted apart from the agent key's.
	s.watchTickets(t, a.key, &supportv1.WatchTicketsRequest{}).checkpoint(t)
	open[0].close()
	deadline := time.Now().Add(watchWait)
	for {
		w := s.watchQueue(t, agent, &supportv1.WatchQueueTicketsRequest{})
		u, err, ok := w.next(watchWait)
		if ok && err == nil && u.GetCheckpoint() != nil {
			break
		}
		if !ok || code(err) != codes.ResourceExhausted || time.Now().After(deadline) {
			t.Fatalf("after a cancel: %v, %v", u, err)
		}
		w.close() // the server side of the cancelled stream ends asynchronously: ask again
	}
}
