package api_test

// Helpers of the "working tickets" tests (working_*_test.go): a server with
// a partner directory, a partner key and an agent key, ticket filing, and
// checks of the ticket event log.

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"

	supportv1 "github.com/supportd/supportd/gen/support/v1"
	"github.com/supportd/supportd/server/app"
	"github.com/supportd/supportd/server/auth"
	"github.com/supportd/supportd/server/config"
	"github.com/supportd/supportd/server/domain"
	"github.com/supportd/supportd/server/internal/testserver"
	"github.com/supportd/supportd/server/store"
	"github.com/supportd/supportd/server/ticket"
)

// wk is a running server with one partner ("adatum"), its directory, a
// partner key and an agent key.
type wk struct {
	s            *testserver.Server
	dir          testserver.Seeded
	agentKey     string
	partnerActor string
	agentActor   string
}

// quietSweeper makes the background escalation loop run only once, at
// start (before any ticket exists): the tests drive App.Sweep themselves,
// so its return value is deterministic.
func quietSweeper() testserver.Option {
	return testserver.WithOptions(func(o *app.Options) {
		c := config.Default()
		c.Escalation.CheckInterval = 24 * time.Hour
		o.Config = c
	})
}

func startWorking(t *testing.T, opts ...testserver.Option) *wk {
	t.Helper()
	s := testserver.Start(t, append([]testserver.Option{quietSweeper()}, opts...)...)
	w := &wk{s: s, dir: s.SeedDirectory(t, "adatum")}
	w.agentKey = s.NewKey(t, domain.RoleAgent, "")
	id, err := auth.ParseKeyID(w.agentKey)
	if err != nil {
		t.Fatal(err)
	}
	w.agentActor = "agent:" + id
	w.partnerActor = "partner:adatum"
	return w
}

// partner and agent are the test's context with the partner and agent keys.
func (w *wk) partner(t *testing.T) context.Context {
	return testserver.Auth(t.Context(), w.dir.PartnerKey)
}
func (w *wk) agent(t *testing.T) context.Context { return testserver.Auth(t.Context(), w.agentKey) }

// fileReq is a valid TECHNICAL Azure filing of the end customer, in English
// (24x7 targets: A 2 h, B 4 h, C 8 h; warning at 75 %).
func (w *wk) fileReq(sev supportv1.Severity) *supportv1.CreateTicketRequest {
	return &supportv1.CreateTicketRequest{
		RequestId:      uuid.NewString(),
		CustomerId:     w.dir.EndCustomer.GetId(),
		Service:        supportv1.Service_SERVICE_AZURE,
		SupportTopicId: "azure-vm-connectivity",
		Severity:       sev,
		Title:          "VM unreachable",
		Description:    "The production VM does not answer on port 443.",
		Language:       "en",
		Contact:        &supportv1.Contact{Name: "Ops", Email: "ops@adatum.example"},
	}
}

// file files a ticket (modified by mods) at the clock's time.
func (w *wk) file(t *testing.T, sev supportv1.Severity, mods ...func(*supportv1.CreateTicketRequest)) *supportv1.Ticket {
	t.Helper()
	req := w.fileReq(sev)
	for _, m := range mods {
		m(req)
	}
	resp, err := w.s.Support().CreateTicket(w.partner(t), req)
	if err != nil {
		t.Fatalf("CreateTicket: %v", err)
	}
	return resp.GetTicket()
}

// get reads a ticket as the agent would see it (through the partner).
func (w *wk) get(t *testing.T, id string) *supportv1.Ticket {
	t.Helper()
	resp, err := w.s.Support().GetTicket(w.partner(t), &supportv1.GetTicketRequest{TicketId: id})
	if err != nil {
		t.Fatalf("GetTicket %s: %v", id, err)
	}
	return resp.GetTicket()
}

// wkEvents returns every event of a ticket, in sequence order.
func wkEvents(t *testing.T, s *testserver.Server, id string) []domain.Event {
	t.Helper()
	return s.Events(t, 0, store.EventFilter{TicketID: id})
}

// wkLog follows one ticket's events: each check consumes the events
// appended since the previous one.
type wkLog struct {
	s    *testserver.Server
	id   string
	seen int
}

func (w *wk) track(t *testing.T, id string) *wkLog {
	t.Helper()
	return &wkLog{s: w.s, id: id, seen: len(wkEvents(t, w.s, id))}
}

// next asserts that exactly the events of the given types were appended
// since the last check, by actor, at the clock's time, each with a
// snapshot of the ticket; the last snapshot must be after (when not nil).
// It returns the new events.
func (l *wkLog) next(t *testing.T, actor string, after *supportv1.Ticket, types ...domain.EventType) []domain.Event {
	t.Helper()
	all := wkEvents(t, l.s, l.id)
	evs := all[l.seen:]
	l.seen = len(all)
	var got []domain.EventType
	for _, e := range evs {
		got = append(got, e.Type)
	}
	if len(got) != len(types) {
		t.Fatalf("events appended = %v, want %v", got, types)
	}
	for i, e := range evs {
		if e.Type != types[i] {
			t.Fatalf("events appended = %v, want %v", got, types)
		}
		if e.Actor != actor {
			t.Errorf("event %s actor = %q, want %q", e.Type, e.Actor, actor)
		}
		if !e.Time.Equal(l.s.Clock.Now()) {
			t.Errorf("event %s time = %v, want the clock's %v", e.Type, e.Time, l.s.Clock.Now())
		}
		if e.TicketID != l.id || e.Ticket == nil || e.Ticket.ID != l.id || e.PartnerID != e.Ticket.PartnerID || e.CustomerID != e.Ticket.CustomerID {
			t.Fatalf("event %s: ticket %q, snapshot %v, partner %q, customer %q", e.Type, e.TicketID, e.Ticket, e.PartnerID, e.CustomerID)
		}
		if i > 0 && e.Sequence <= evs[i-1].Sequence {
			t.Errorf("event sequences not increasing: %d after %d", e.Sequence, evs[i-1].Sequence)
		}
	}
	if after != nil && len(evs) > 0 {
		wkSnapshot(t, evs[len(evs)-1], after)
	}
	return evs
}

// none asserts that nothing was appended for the ticket.
func (l *wkLog) none(t *testing.T) {
	t.Helper()
	l.next(t, "", nil)
}

// wkEnum reports whether a proto enum value's name is prefix+domain value
// (TICKET_STATUS_ + IN_PROGRESS).
func wkEnum(e interface{ String() string }, prefix, domainValue string) bool {
	return e.String() == prefix+domainValue
}

// wkSnapshot asserts that the event's ticket snapshot is the ticket p.
func wkSnapshot(t *testing.T, e domain.Event, p *supportv1.Ticket) {
	t.Helper()
	s := e.Ticket
	var bad []string
	check := func(name string, ok bool) {
		if !ok {
			bad = append(bad, name)
		}
	}
	check("id", s.ID == p.GetId())
	check("etag", "v"+strconv.FormatInt(s.Version, 10) == p.GetEtag())
	check("status", wkEnum(p.GetStatus(), "TICKET_STATUS_", string(s.Status)))
	check("severity", wkEnum(p.GetSeverity(), "SEVERITY_", string(s.Severity)))
	check("sla_state", wkEnum(p.GetSlaState(), "SLA_STATE_", string(s.SLAState)))
	check("queue", wkEnum(p.GetQueue(), "QUEUE_", string(s.Queue)))
	check("priority", s.Priority == p.GetPriority())
	check("escalation_level", int32(s.EscalationLevel) == p.GetEscalationLevel())
	check("duty_manager_tier", s.DutyManagerTier == p.GetDutyManagerTier())
	check("response_due_time", s.ResponseDueTime.Equal(p.GetResponseDueTime().AsTime()))
	check("first_response_time", (s.FirstResponseTime.IsZero() && p.GetFirstResponseTime() == nil) ||
		(p.GetFirstResponseTime() != nil && s.FirstResponseTime.Equal(p.GetFirstResponseTime().AsTime())))
	check("update_time", s.UpdateTime.Equal(p.GetUpdateTime().AsTime()))
	check("note_count", int32(s.NoteCount) == p.GetNoteCount())
	if len(bad) > 0 {
		t.Fatalf("event %s snapshot differs from the ticket in %v:\nsnapshot %+v\nticket   %v", e.Type, bad, *s, p)
	}
}

// sameAsStored asserts that a ticket returned by an update is what
// GetTicket now returns.
func (w *wk) sameAsStored(t *testing.T, got *supportv1.Ticket) {
	t.Helper()
	if stored := w.get(t, got.GetId()); !proto.Equal(stored, got) {
		t.Fatalf("returned ticket differs from the stored one:\nreturned %v\nstored   %v", got, stored)
	}
}

// wkPrecondition asserts FAILED_PRECONDITION with an ErrorInfo and a
// PreconditionFailure of reason, whose message mentions each of mention.
func wkPrecondition(t *testing.T, err error, reason string, mention ...string) {
	t.Helper()
	st := wantCode(t, err, codes.FailedPrecondition)
	d := testserver.DetailsOf(err)
	info, pf := d.Info, d.Precondition
	if info == nil || info.GetReason() != reason {
		t.Fatalf("FAILED_PRECONDITION %q: ErrorInfo %v, want reason %s", st.Message(), info, reason)
	}
	if pf == nil || len(pf.GetViolations()) != 1 || pf.GetViolations()[0].GetType() != reason ||
		!strings.HasPrefix(pf.GetViolations()[0].GetSubject(), "tickets/") {
		t.Fatalf("FAILED_PRECONDITION %q: PreconditionFailure %v, want one violation of type %s on tickets/...", st.Message(), pf, reason)
	}
	for _, m := range mention {
		if !strings.Contains(st.Message(), m) {
			t.Fatalf("FAILED_PRECONDITION message %q does not mention %q", st.Message(), m)
		}
	}
}

// sweep runs one escalation sweep and asserts how many tickets changed.
func (w *wk) sweep(t *testing.T, want int) {
	t.Helper()
	n, err := w.s.App.Sweep(t.Context())
	if err != nil {
		t.Fatalf("Sweep: %v", err)
	}
	if n != want {
		t.Fatalf("Sweep changed %d tickets, want %d", n, want)
	}
}

var wkSystem = ticket.SystemActor

// notes lists every note of a ticket through ListTicketNotes (the
// partner's view), page by page.
func (w *wk) notes(t *testing.T, id string) []*supportv1.Note {
	t.Helper()
	var out []*supportv1.Note
	req := &supportv1.ListTicketNotesRequest{TicketId: id}
	for {
		resp, err := w.s.Support().ListTicketNotes(w.partner(t), req)
		if err != nil {
			t.Fatalf("ListTicketNotes %s: %v", id, err)
		}
		out = append(out, resp.GetNotes()...)
		if resp.GetNextPageToken() == "" {
			return out
		}
		req.PageToken = resp.GetNextPageToken()
	}
}

// wkNote is what a note must hold: its number, author and text; its time
// is the clock's when it was added.
type wkNote struct {
	id     int64
	author string
	text   string
	at     time.Time
}

// wantNotes asserts the ticket's notes, oldest first.
func (w *wk) wantNotes(t *testing.T, ticketID string, want ...wkNote) {
	t.Helper()
	got := w.notes(t, ticketID)
	if len(got) != len(want) {
		t.Fatalf("ticket %s has %d notes, want %d: %v", ticketID, len(got), len(want), got)
	}
	for i, n := range got {
		wn := want[i]
		if n.GetId() != strconv.FormatInt(wn.id, 10) || n.GetAuthor() != wn.author || n.GetText() != wn.text ||
			!n.GetCreateTime().AsTime().Equal(wn.at) {
			t.Errorf("note %d = {id %s, author %s, text %.40q, time %v}, want {%d, %s, %.40q, %v}", i,
				n.GetId(), n.GetAuthor(), n.GetText(), n.GetCreateTime().AsTime(), wn.id, wn.author, wn.text, wn.at)
		}
	}
}

// wantEventNote asserts that an event carries the note want.
func wantEventNote(t *testing.T, e domain.Event, want wkNote) {
	t.Helper()
	n := e.Note
	if n == nil || n.ID != want.id || n.TicketID != e.TicketID || n.Author != want.author || n.Text != want.text || !n.CreateTime.Equal(want.at) {
		t.Fatalf("event %d (%s) carries note %+v, want %+v", e.Sequence, e.Type, n, want)
	}
}
