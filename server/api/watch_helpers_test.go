package api_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	supportv1 "github.com/supportd/supportd/gen/support/v1"
	"github.com/supportd/supportd/server/app"
	"github.com/supportd/supportd/server/config"
	"github.com/supportd/supportd/server/domain"
	"github.com/supportd/supportd/server/internal/testserver"
	"github.com/supportd/supportd/server/token"
)

// Helpers of the watch tests (prefixed w/watch: the package is shared).

// watchWait bounds every wait for a stream message; generous for -race on
// a loaded machine, only reached when a test fails.
const watchWait = 10 * time.Second

// watchServer is a test server with the resume token signer (the tests
// build tokens for chosen log positions with it).
type watchServer struct {
	*testserver.Server
	signer *token.Signer
}

// watchConfig sets the watch section of the server's configuration.
func watchConfig(checkpoint time.Duration, maxStreams int) testserver.Option {
	return testserver.WithOptions(func(o *app.Options) {
		c := config.Default()
		if checkpoint > 0 {
			c.Watch.CheckpointInterval = checkpoint
		}
		if maxStreams > 0 {
			c.Limits.WatchStreamsPerPartner = maxStreams
		}
		o.Config = c
	})
}

func startWatchServer(t *testing.T, opts ...testserver.Option) *watchServer {
	t.Helper()
	s := testserver.Start(t, opts...)
	key, err := token.LoadKey(context.Background(), s.Store)
	if err != nil {
		t.Fatal(err)
	}
	return &watchServer{Server: s, signer: token.NewSigner(key)}
}

// token is the resume token of log position seq.
func (s *watchServer) token(seq int64) string { return s.signer.ResumeToken(seq) }

// wPartner is a seeded partner with two end customers (each with an
// Azure subscription) and a key.
type wPartner struct {
	id, customer, other, key string
}

func (s *watchServer) partner(t *testing.T, id string) wPartner {
	t.Helper()
	d := s.SeedDirectory(t, id)
	other := s.SeedCustomer(t, id+"-end2", id, supportv1.CustomerKind_CUSTOMER_KIND_END_CUSTOMER)
	s.SeedSubscription(t, id+"-end2-azure", other.GetId(), supportv1.Service_SERVICE_AZURE)
	return wPartner{id: id, customer: d.EndCustomer.GetId(), other: other.GetId(), key: d.PartnerKey}
}

func (p wPartner) ctx() context.Context { return testserver.Auth(context.Background(), p.key) }

func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// createTicket files an Azure ticket for customer (the partner's end
// customer when empty) and returns its id. Safe from any goroutine.
func (s *watchServer) createTicket(p wPartner, customer string) (string, error) {
	if customer == "" {
		customer = p.customer
	}
	resp, err := s.Support().CreateTicket(p.ctx(), &supportv1.CreateTicketRequest{
		RequestId:      newRequestID(),
		CustomerId:     customer,
		Service:        supportv1.Service_SERVICE_AZURE,
		SupportTopicId: "azure-vm-connectivity",
		Severity:       supportv1.Severity_SEVERITY_C,
		Title:          "VM unreachable",
		Description:    "The VM stopped answering.",
		Language:       "en-US",
		Contact:        &supportv1.Contact{Name: "Ops", Email: "ops@" + p.id + ".example"},
	})
	if err != nil {
		return "", err
	}
	return resp.GetTicket().GetId(), nil
}

func (s *watchServer) mustTicket(t *testing.T, p wPartner, customer string) string {
	t.Helper()
	id, err := s.createTicket(p, customer)
	if err != nil {
		t.Fatalf("create ticket for %s: %v", p.id, err)
	}
	return id
}

// addNote adds a note to a ticket. Safe from any goroutine.
func (s *watchServer) addNote(p wPartner, ticketID, text string) error {
	_, err := s.Support().AddTicketNote(p.ctx(), &supportv1.AddTicketNoteRequest{TicketId: ticketID, Text: text})
	return err
}

func (s *watchServer) mustNote(t *testing.T, p wPartner, ticketID, text string) {
	t.Helper()
	if err := s.addNote(p, ticketID, text); err != nil {
		t.Fatalf("add note to %s: %v", ticketID, err)
	}
}

// ticketEvents returns the committed ticket events after after that match
// partner (and ticket, customer when not empty), in order.
func (s *watchServer) ticketEvents(t *testing.T, after int64, partner, customer, ticket string) []domain.Event {
	t.Helper()
	var out []domain.Event
	for _, e := range s.EventsAfter(t, after) {
		if !e.Type.IsTicketEvent() || e.TicketID == "" || e.PartnerID != partner ||
			(customer != "" && e.CustomerID != customer) || (ticket != "" && e.TicketID != ticket) {
			continue
		}
		out = append(out, e)
	}
	return out
}

func eventSeqs(evs []domain.Event) []int64 {
	out := make([]int64, len(evs))
	for i, e := range evs {
		out[i] = e.Sequence
	}
	return out
}

func protoSeqs(evs []*supportv1.TicketEvent) []int64 {
	out := make([]int64, len(evs))
	for i, e := range evs {
		out[i] = e.GetSequence()
	}
	return out
}

// --- streams ---------------------------------------------------------------

// wUpdate is a message of either watch stream.
type wUpdate interface {
	GetEvent() *supportv1.TicketEvent
	GetCheckpoint() *supportv1.Checkpoint
}

type wRecv struct {
	u   wUpdate
	err error
}

// wStream reads a watch stream in a goroutine that hands over one message
// at a time: while the test does not ask, the client stops reading (and
// flow control eventually stops the server).
type wStream struct {
	cancel context.CancelFunc
	ch     chan wRecv
	stop   chan struct{}
	done   chan struct{}
	once   sync.Once
	err    error // the stream's final error, once received
}

func newWStream(t *testing.T, cancel context.CancelFunc, recv func() (wUpdate, error)) *wStream {
	w := &wStream{cancel: cancel, ch: make(chan wRecv), stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(w.done)
		for {
			u, err := recv()
			select {
			case w.ch <- wRecv{u, err}:
			case <-w.stop:
				return
			}
			if err != nil {
				return
			}
		}
	}()
	t.Cleanup(w.close)
	return w
}

// close cancels the call and waits for the reading goroutine.
func (w *wStream) close() {
	w.once.Do(func() {
		w.cancel()
		close(w.stop)
		<-w.done
	})
}

// watchTickets opens WatchTickets as partner key.
func (s *watchServer) watchTickets(t *testing.T, key string, req *supportv1.WatchTicketsRequest) *wStream {
	t.Helper()
	ctx, cancel := context.WithCancel(testserver.Auth(context.Background(), key))
	st, err := s.Support().WatchTickets(ctx, req)
	if err != nil {
		cancel()
		t.Fatalf("WatchTickets: %v", err)
	}
	return newWStream(t, cancel, func() (wUpdate, error) { return st.Recv() })
}

// watchTicket opens WatchTicket as partner key.
func (s *watchServer) watchTicket(t *testing.T, key string, req *supportv1.WatchTicketRequest) *wStream {
	t.Helper()
	ctx, cancel := context.WithCancel(testserver.Auth(context.Background(), key))
	st, err := s.Support().WatchTicket(ctx, req)
	if err != nil {
		cancel()
		t.Fatalf("WatchTicket: %v", err)
	}
	return newWStream(t, cancel, func() (wUpdate, error) { return st.Recv() })
}

// next returns the next message or the stream's error; ok is false when
// nothing came within d.
func (w *wStream) next(d time.Duration) (u wUpdate, err error, ok bool) {
	if w.err != nil {
		return nil, w.err, true
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case r := <-w.ch:
		if r.err != nil {
			w.err = r.err
		}
		return r.u, r.err, true
	case <-timer.C:
		return nil, nil, false
	}
}

// update returns the next message, failing on an error or a timeout.
func (w *wStream) update(t *testing.T) wUpdate {
	t.Helper()
	u, err, ok := w.next(watchWait)
	if !ok {
		t.Fatalf("no stream message within %v", watchWait)
	}
	if err != nil {
		t.Fatalf("stream ended: %v", err)
	}
	return u
}

// checkpoint returns the next message, which must be a checkpoint.
func (w *wStream) checkpoint(t *testing.T) *supportv1.Checkpoint {
	t.Helper()
	u := w.update(t)
	if u.GetCheckpoint() == nil {
		t.Fatalf("got event %d (%s), want a checkpoint", u.GetEvent().GetSequence(), u.GetEvent().GetType())
	}
	if u.GetCheckpoint().GetResumeToken() == "" || u.GetCheckpoint().GetCheckpointTime() == nil {
		t.Fatalf("checkpoint without token or time: %v", u.GetCheckpoint())
	}
	return u.GetCheckpoint()
}

// event returns the next event, skipping checkpoints.
func (w *wStream) event(t *testing.T) *supportv1.TicketEvent {
	t.Helper()
	for {
		if e := w.update(t).GetEvent(); e != nil {
			return e
		}
	}
}

// events returns the next n events, skipping checkpoints.
func (w *wStream) events(t *testing.T, n int) []*supportv1.TicketEvent {
	t.Helper()
	out := make([]*supportv1.TicketEvent, 0, n)
	for len(out) < n {
		out = append(out, w.event(t))
	}
	return out
}

// barrier commits a note on ticketID, a ticket the streams about to be
// checked with nothingBefore follow, and returns its sequence.
func (s *watchServer) barrier(t *testing.T, p wPartner, ticketID string) int64 {
	t.Helper()
	before := s.LastSequence(t)
	s.mustNote(t, p, ticketID, "barrier")
	evs := s.ticketEvents(t, before, p.id, "", ticketID)
	if len(evs) != 1 {
		t.Fatalf("barrier note on %s: %d events, want 1", ticketID, len(evs))
	}
	return evs[0].Sequence
}

// nothingBefore fails unless the stream's next event is the one at seq (a
// barrier it must send, see barrier). A stream sends in log order, so an
// event it must not send (another tenant's, a repeat, one its filter
// excludes) committed before the barrier would come first: unlike waiting
// a while for nothing, this cannot pass because the machine was slow.
func (w *wStream) nothingBefore(t *testing.T, seq int64) {
	t.Helper()
	if e := w.event(t); e.GetSequence() != seq {
		t.Fatalf("event %d (%s) of ticket %s before the barrier %d", e.GetSequence(), e.GetType(), e.GetTicketId(), seq)
	}
}

// fails returns the stream's error (skipping messages), failing on a
// timeout.
func (w *wStream) fails(t *testing.T, d time.Duration) error {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		u, err, ok := w.next(time.Until(deadline))
		if !ok {
			t.Fatalf("stream still open after %v", d)
		}
		if err != nil {
			return err
		}
		_ = u
	}
}

// code is the gRPC code of err.
func code(err error) codes.Code { return status.Code(err) }

// checkEvents fails unless got are exactly the events want (sequence,
// ticket, type, token) in order.
func (s *watchServer) checkEvents(t *testing.T, got []*supportv1.TicketEvent, want []domain.Event) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d events %v, want %d %v", len(got), protoSeqs(got), len(want), eventSeqs(want))
	}
	for i, g := range got {
		w := want[i]
		if g.GetSequence() != w.Sequence || g.GetTicketId() != w.TicketID {
			t.Fatalf("event %d = %d of %s, want %d of %s (got %v, want %v)", i, g.GetSequence(), g.GetTicketId(),
				w.Sequence, w.TicketID, protoSeqs(got), eventSeqs(want))
		}
		if g.GetResumeToken() != s.token(w.Sequence) {
			t.Fatalf("event %d: resume token does not name its sequence", w.Sequence)
		}
		if g.GetType().String() != "TICKET_EVENT_TYPE_"+string(w.Type) {
			t.Fatalf("event %d: type %v, want %s", w.Sequence, g.GetType(), w.Type)
		}
		if w.Ticket != nil && g.GetTicket().GetId() != w.TicketID {
			t.Fatalf("event %d: ticket %q, want the ticket %s after the change", w.Sequence, g.GetTicket().GetId(), w.TicketID)
		}
	}
}
