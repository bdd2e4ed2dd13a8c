package api_test

import (
	"slices"
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	supportv1 "github.com/supportd/supportd/gen/support/v1"
	"github.com/supportd/supportd/server/domain"
)

const (
	wkSevA = supportv1.Severity_SEVERITY_A
	wkSevB = supportv1.Severity_SEVERITY_B
	wkSevC = supportv1.Severity_SEVERITY_C

	wkNew      = supportv1.TicketStatus_TICKET_STATUS_NEW
	wkProgress = supportv1.TicketStatus_TICKET_STATUS_IN_PROGRESS
	wkWaiting  = supportv1.TicketStatus_TICKET_STATUS_WAITING_ON_PARTNER
	wkResolved = supportv1.TicketStatus_TICKET_STATUS_RESOLVED
	wkClosed   = supportv1.TicketStatus_TICKET_STATUS_CLOSED

	wkQAzure  = supportv1.Queue_QUEUE_AZURE
	wkQO365   = supportv1.Queue_QUEUE_OFFICE_365
	wkQBill   = supportv1.Queue_QUEUE_BILLING
	wkSLARun  = supportv1.SlaState_SLA_STATE_RUNNING
	wkSLAWarn = supportv1.SlaState_SLA_STATE_WARNING
	wkSLABr   = supportv1.SlaState_SLA_STATE_BREACHED
	wkSLAMet  = supportv1.SlaState_SLA_STATE_MET
)

func wkIDs(ts []*supportv1.Ticket) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.GetId()
	}
	return out
}

// listQueue walks every page of a queue.
func (w *wk) listQueue(t *testing.T, q supportv1.Queue, size int32) []string {
	t.Helper()
	var all []string
	token := ""
	for range 100 {
		resp, err := w.s.Agent().ListQueueTickets(w.agent(t), &supportv1.ListQueueTicketsRequest{Queue: q, PageSize: size, PageToken: token})
		if err != nil {
			t.Fatalf("ListQueueTickets %v: %v", q, err)
		}
		if len(resp.GetTickets()) > int(size) {
			t.Fatalf("page of %d tickets, size %d", len(resp.GetTickets()), size)
		}
		all = append(all, wkIDs(resp.GetTickets())...)
		if token = resp.GetNextPageToken(); token == "" {
			return all
		}
	}
	t.Fatal("ListQueueTickets paging does not end")
	return nil
}

// setStatus moves a ticket as the agent and fails the test on error.
func (w *wk) setStatus(t *testing.T, id string, to supportv1.TicketStatus) *supportv1.Ticket {
	t.Helper()
	resp, err := w.s.Agent().SetTicketStatus(w.agent(t), &supportv1.SetTicketStatusRequest{TicketId: id, Status: to})
	if err != nil {
		t.Fatalf("SetTicketStatus %s -> %v: %v", id, to, err)
	}
	return resp.GetTicket()
}

// ticketIn files a ticket and moves it (as the agent) to status.
func (w *wk) ticketIn(t *testing.T, status supportv1.TicketStatus) *supportv1.Ticket {
	t.Helper()
	tk := w.file(t, wkSevB)
	path := map[supportv1.TicketStatus][]supportv1.TicketStatus{
		wkNew:      nil,
		wkProgress: {wkProgress},
		wkWaiting:  {wkProgress, wkWaiting},
		wkResolved: {wkProgress, wkResolved},
		wkClosed:   {wkProgress, wkResolved, wkClosed},
	}[status]
	for _, to := range path {
		tk = w.setStatus(t, tk.GetId(), to)
	}
	if tk.GetStatus() != status {
		t.Fatalf("ticket is %v, want %v", tk.GetStatus(), status)
	}
	return tk
}

func TestWorkingListQueueTickets(t *testing.T) {
	w := startWorking(t)
	// Filed in this order, one minute apart: deadlines are creation +
	// 2 h (A), 4 h (B), 8 h (C).
	c1 := w.file(t, wkSevC)
	w.s.Clock.Advance(time.Minute)
	b1 := w.file(t, wkSevB)
	w.s.Clock.Advance(time.Minute)
	a1 := w.file(t, wkSevA)
	w.s.Clock.Advance(time.Minute)
	b2 := w.file(t, wkSevB)
	w.s.Clock.Advance(time.Minute)
	a2 := w.file(t, wkSevA)
	w.s.Clock.Advance(time.Minute)
	c2 := w.file(t, wkSevC)
	w.s.Clock.Advance(3 * time.Hour)
	b3 := w.file(t, wkSevB) // 13:05, due 17:05: after b1 and b2, before c1 and c2
	o365 := w.file(t, wkSevA, func(r *supportv1.CreateTicketRequest) {
		r.Service, r.SupportTopicId = supportv1.Service_SERVICE_OFFICE_365, "o365-exchange-mail-flow"
	})
	billing := w.file(t, wkSevB, func(r *supportv1.CreateTicketRequest) { r.SupportTopicId = "azure-invoice-question" })
	if a1.GetQueue() != wkQAzure || !a1.GetPriority() || b1.GetPriority() || c1.GetPriority() {
		t.Fatalf("routing: a1 %v priority %v, b1 priority %v", a1.GetQueue(), a1.GetPriority(), b1.GetPriority())
	}
	if o365.GetQueue() != wkQO365 || billing.GetQueue() != wkQBill {
		t.Fatalf("queues: o365 ticket in %v, billing ticket in %v", o365.GetQueue(), billing.GetQueue())
	}
	// Closed and resolved tickets leave the queue.
	resolved := w.ticketIn(t, wkResolved)
	closed := w.ticketIn(t, wkClosed)
	waiting := w.ticketIn(t, wkWaiting) // B, filed now: due 17:05 like b3, later id

	// Priority (severity A) first, then by deadline, then id.
	want := []string{a1.GetId(), a2.GetId(), b1.GetId(), b2.GetId(), b3.GetId(), waiting.GetId(), c1.GetId(), c2.GetId()}
	for _, size := range []int32{1, 2, 3, 8, 50} {
		if got := w.listQueue(t, wkQAzure, size); !slices.Equal(got, want) {
			t.Fatalf("Azure queue (pages of %d) = %v, want %v", size, got, want)
		}
	}
	if got := w.listQueue(t, wkQO365, 10); !slices.Equal(got, []string{o365.GetId()}) {
		t.Fatalf("Office 365 queue = %v, want only %s", got, o365.GetId())
	}
	if got := w.listQueue(t, wkQBill, 10); !slices.Equal(got, []string{billing.GetId()}) {
		t.Fatalf("billing queue = %v, want only %s", got, billing.GetId())
	}
	if got := w.listQueue(t, supportv1.Queue_QUEUE_FRAUD, 10); len(got) != 0 {
		t.Fatalf("fraud queue = %v, want empty", got)
	}
	for _, gone := range []string{resolved.GetId(), closed.GetId()} {
		if slices.Contains(w.listQueue(t, wkQAzure, 50), gone) {
			t.Fatalf("resolved or closed ticket %s listed in its queue", gone)
		}
	}

	// A raised severity moves a ticket up the queue: c2 (10:05) is now due
	// 12:05, after a1 (12:02) and a2 (12:04).
	if _, err := w.s.Support().ChangeTicketSeverity(w.partner(t), &supportv1.ChangeTicketSeverityRequest{
		TicketId: c2.GetId(), Severity: wkSevA, Reason: "production down"}); err != nil {
		t.Fatal(err)
	}
	want = []string{a1.GetId(), a2.GetId(), c2.GetId(), b1.GetId(), b2.GetId(), b3.GetId(), waiting.GetId(), c1.GetId()}
	if got := w.listQueue(t, wkQAzure, 3); !slices.Equal(got, want) {
		t.Fatalf("Azure queue after c2 -> A = %v, want %v", got, want)
	}

	t.Run("page token", func(t *testing.T) {
		resp, err := w.s.Agent().ListQueueTickets(w.agent(t), &supportv1.ListQueueTicketsRequest{Queue: wkQAzure, PageSize: 2})
		if err != nil {
			t.Fatal(err)
		}
		tok := resp.GetNextPageToken()
		if tok == "" {
			t.Fatal("no next page token on a full page")
		}
		tampered := []byte(tok)
		tampered[len(tampered)/2] ^= 1
		if tampered[len(tampered)/2] == tok[len(tok)/2] {
			t.Fatal("token not tampered")
		}
		for name, bad := range map[string]string{
			"tampered":  string(tampered),
			"truncated": tok[:len(tok)-2],
			"garbage":   "not a token",
		} {
			_, err := w.s.Agent().ListQueueTickets(w.agent(t), &supportv1.ListQueueTicketsRequest{Queue: wkQAzure, PageSize: 2, PageToken: bad})
			t.Run(name, func(t *testing.T) { wantFields(t, err, "page_token") })
		}
		// A token is bound to its queue.
		_, err = w.s.Agent().ListQueueTickets(w.agent(t), &supportv1.ListQueueTicketsRequest{Queue: wkQO365, PageSize: 2, PageToken: tok})
		wantFields(t, err, "page_token")
	})
	t.Run("bad requests", func(t *testing.T) {
		_, err := w.s.Agent().ListQueueTickets(w.agent(t), &supportv1.ListQueueTicketsRequest{})
		wantFields(t, err, "queue")
		_, err = w.s.Agent().ListQueueTickets(w.agent(t), &supportv1.ListQueueTicketsRequest{Queue: wkQAzure, PageSize: -1})
		wantFields(t, err, "page_size")
	})
}

func TestWorkingAcknowledgeTicket(t *testing.T) {
	w := startWorking(t)
	tk := w.file(t, wkSevA) // 10:00, warning 11:30, due 12:00
	log := w.track(t, tk.GetId())
	w.s.Clock.Advance(20 * time.Minute)

	resp, err := w.s.Agent().AcknowledgeTicket(w.agent(t), &supportv1.AcknowledgeTicketRequest{TicketId: tk.GetId(), Message: "Looking into it."})
	if err != nil {
		t.Fatal(err)
	}
	got := resp.GetTicket()
	now := w.s.Clock.Now()
	if got.GetStatus() != wkProgress || got.GetSlaState() != wkSLAMet || !got.GetFirstResponseTime().AsTime().Equal(now) {
		t.Fatalf("acknowledged ticket: status %v, SLA %v, first response %v; want IN_PROGRESS, MET, %v",
			got.GetStatus(), got.GetSlaState(), got.GetFirstResponseTime().AsTime(), now)
	}
	if got.GetNoteCount() != 1 {
		t.Fatalf("note_count = %d, want 1 (the message)", got.GetNoteCount())
	}
	if got.GetEtag() == tk.GetEtag() || !got.GetUpdateTime().AsTime().Equal(now) {
		t.Fatalf("etag %s (was %s), update time %v", got.GetEtag(), tk.GetEtag(), got.GetUpdateTime().AsTime())
	}
	w.sameAsStored(t, got)
	evs := log.next(t, w.agentActor, got, domain.EventAcknowledged)
	if evs[0].Ticket.FirstResponseTime.IsZero() || evs[0].Ticket.SLAState != domain.SLAMet {
		t.Fatalf("ACKNOWLEDGED snapshot: %+v", evs[0].Ticket)
	}
	message := wkNote{1, w.agentActor, "Looking into it.", now}
	wantEventNote(t, evs[0], message)
	w.wantNotes(t, tk.GetId(), message)

	// A second acknowledgement is refused, naming the state; the first
	// response time does not move.
	w.s.Clock.Advance(time.Minute)
	_, err = w.s.Agent().AcknowledgeTicket(w.agent(t), &supportv1.AcknowledgeTicketRequest{TicketId: tk.GetId(), Message: "again"})
	wkPrecondition(t, err, "ILLEGAL_TRANSITION", "IN_PROGRESS")
	log.none(t)
	if again := w.get(t, tk.GetId()); !again.GetFirstResponseTime().AsTime().Equal(now) || again.GetEtag() != got.GetEtag() {
		t.Fatalf("refused acknowledgement changed the ticket: %v", again)
	}

	// No stage fires once acknowledged, whatever the time.
	w.s.Clock.Advance(48 * time.Hour)
	w.sweep(t, 0)
	log.none(t)

	t.Run("bad requests", func(t *testing.T) {
		_, err := w.s.Agent().AcknowledgeTicket(w.agent(t), &supportv1.AcknowledgeTicketRequest{TicketId: tk.GetId()})
		wantFields(t, err, "message")
		_, err = w.s.Agent().AcknowledgeTicket(w.agent(t), &supportv1.AcknowledgeTicketRequest{Message: "hi"})
		wantFields(t, err, "ticket_id")
		_, err = w.s.Agent().AcknowledgeTicket(w.agent(t), &supportv1.AcknowledgeTicketRequest{TicketId: "00000000-0000-7000-8000-000000000000", Message: "hi"})
		wantCode(t, err, codes.NotFound)
	})
	t.Run("not NEW", func(t *testing.T) {
		for _, st := range []supportv1.TicketStatus{wkWaiting, wkResolved, wkClosed} {
			tk := w.ticketIn(t, st)
			log := w.track(t, tk.GetId())
			_, err := w.s.Agent().AcknowledgeTicket(w.agent(t), &supportv1.AcknowledgeTicketRequest{TicketId: tk.GetId(), Message: "hi"})
			wkPrecondition(t, err, "ILLEGAL_TRANSITION", string(st.String()[len("TICKET_STATUS_"):]))
			log.none(t)
		}
	})
}

func TestWorkingAcknowledgeLate(t *testing.T) {
	w := startWorking(t)
	tk := w.file(t, wkSevA) // due 12:00
	log := w.track(t, tk.GetId())
	w.s.Clock.Set(tk.GetResponseDueTime().AsTime().Add(5 * time.Minute))
	w.sweep(t, 1)
	log.next(t, wkSystem, nil, domain.EventSLAWarning, domain.EventSLABreached, domain.EventEscalated)

	w.s.Clock.Advance(10 * time.Minute)
	resp, err := w.s.Agent().AcknowledgeTicket(w.agent(t), &supportv1.AcknowledgeTicketRequest{TicketId: tk.GetId(), Message: "Sorry for the delay."})
	if err != nil {
		t.Fatal(err)
	}
	got := resp.GetTicket()
	if got.GetSlaState() != wkSLABr || got.GetStatus() != wkProgress || !got.GetFirstResponseTime().AsTime().Equal(w.s.Clock.Now()) ||
		got.GetEscalationLevel() != 1 || !got.GetDutyManagerTier() {
		t.Fatalf("late acknowledgement: %v", got)
	}
	log.next(t, w.agentActor, got, domain.EventAcknowledged)
	w.sameAsStored(t, got)
}

// TestWorkingAcknowledgeAtDeadline: whether a first response is on time
// depends on the deadline, not on whether a sweep has recorded the breach
// yet: at the deadline exactly (the instant the breach fires) it is late.
func TestWorkingAcknowledgeAtDeadline(t *testing.T) {
	w := startWorking(t)
	for _, c := range []struct {
		name string
		at   time.Duration // from the deadline
		want supportv1.SlaState
	}{
		{"1ns before the deadline", -time.Nanosecond, wkSLAMet},
		{"at the deadline, before any sweep", 0, wkSLABr},
		{"after the deadline, before any sweep", time.Minute, wkSLABr},
	} {
		t.Run(c.name, func(t *testing.T) {
			tk := w.file(t, wkSevA)
			w.s.Clock.Set(tk.GetResponseDueTime().AsTime().Add(c.at))
			resp, err := w.s.Agent().AcknowledgeTicket(w.agent(t), &supportv1.AcknowledgeTicketRequest{TicketId: tk.GetId(), Message: "hello"})
			if err != nil {
				t.Fatal(err)
			}
			if got := resp.GetTicket().GetSlaState(); got != c.want {
				t.Fatalf("SLA = %v, want %v", got, c.want)
			}
			w.s.Clock.Set(tk.GetCreateTime().AsTime())
		})
	}
	// The same through SetTicketStatus NEW -> IN_PROGRESS.
	tk := w.file(t, wkSevA)
	w.s.Clock.Set(tk.GetResponseDueTime().AsTime().Add(time.Second))
	if got := w.setStatus(t, tk.GetId(), wkProgress); got.GetSlaState() != wkSLABr {
		t.Fatalf("late first response through SetTicketStatus: SLA %v, want BREACHED", got.GetSlaState())
	}
}

func TestWorkingSetTicketStatus(t *testing.T) {
	w := startWorking(t)
	tk := w.file(t, wkSevB)
	log := w.track(t, tk.GetId())

	// NEW -> IN_PROGRESS through SetTicketStatus is the first response.
	w.s.Clock.Advance(5 * time.Minute)
	resp, err := w.s.Agent().SetTicketStatus(w.agent(t), &supportv1.SetTicketStatusRequest{TicketId: tk.GetId(), Status: wkProgress, Message: "on it"})
	if err != nil {
		t.Fatal(err)
	}
	got := resp.GetTicket()
	if got.GetStatus() != wkProgress || got.GetSlaState() != wkSLAMet || !got.GetFirstResponseTime().AsTime().Equal(w.s.Clock.Now()) ||
		got.GetNoteCount() != 1 {
		t.Fatalf("NEW -> IN_PROGRESS: %v", got)
	}
	message := wkNote{1, w.agentActor, "on it", w.s.Clock.Now()}
	wantEventNote(t, log.next(t, w.agentActor, got, domain.EventAcknowledged)[0], message)
	w.wantNotes(t, tk.GetId(), message)
	first := got.GetFirstResponseTime().AsTime()

	// The legal agent moves, one STATUS_CHANGED event each; the first
	// response time never moves again.
	for _, to := range []supportv1.TicketStatus{wkWaiting, wkProgress, wkResolved, wkProgress, wkWaiting, wkResolved, wkClosed} {
		w.s.Clock.Advance(time.Minute)
		from := got.GetStatus()
		resp, err := w.s.Agent().SetTicketStatus(w.agent(t), &supportv1.SetTicketStatusRequest{TicketId: tk.GetId(), Status: to})
		if err != nil {
			t.Fatalf("%v -> %v: %v", from, to, err)
		}
		got = resp.GetTicket()
		if got.GetStatus() != to || !got.GetFirstResponseTime().AsTime().Equal(first) || got.GetSlaState() != wkSLAMet || got.GetNoteCount() != 1 {
			t.Fatalf("%v -> %v: %v", from, to, got)
		}
		evs := log.next(t, w.agentActor, got, domain.EventStatusChanged)
		if evs[0].Ticket.Status != domain.TicketStatus(to.String()[len("TICKET_STATUS_"):]) {
			t.Fatalf("STATUS_CHANGED snapshot status %s, want %v", evs[0].Ticket.Status, to)
		}
		w.sameAsStored(t, got)
	}

	// CLOSED is final.
	for _, to := range []supportv1.TicketStatus{wkNew, wkProgress, wkWaiting, wkResolved, wkClosed} {
		_, err := w.s.Agent().SetTicketStatus(w.agent(t), &supportv1.SetTicketStatusRequest{TicketId: tk.GetId(), Status: to})
		wkPrecondition(t, err, "ILLEGAL_TRANSITION", "CLOSED")
	}
	log.none(t)

	t.Run("illegal moves", func(t *testing.T) {
		cases := []struct{ from, to supportv1.TicketStatus }{
			{wkNew, wkNew}, {wkNew, wkWaiting}, {wkNew, wkResolved}, {wkNew, wkClosed},
			{wkProgress, wkNew}, {wkProgress, wkProgress}, {wkProgress, wkClosed},
			{wkWaiting, wkNew}, {wkWaiting, wkWaiting}, {wkWaiting, wkClosed},
			{wkResolved, wkNew}, {wkResolved, wkWaiting}, {wkResolved, wkResolved},
		}
		for _, c := range cases {
			tk := w.ticketIn(t, c.from)
			log := w.track(t, tk.GetId())
			_, err := w.s.Agent().SetTicketStatus(w.agent(t), &supportv1.SetTicketStatusRequest{TicketId: tk.GetId(), Status: c.to, Message: "x"})
			wkPrecondition(t, err, "ILLEGAL_TRANSITION", c.from.String()[len("TICKET_STATUS_"):])
			log.none(t)
			if after := w.get(t, tk.GetId()); after.GetStatus() != c.from || after.GetEtag() != tk.GetEtag() {
				t.Fatalf("%v -> %v refused but the ticket changed: %v", c.from, c.to, after)
			}
		}
	})
	t.Run("bad requests", func(t *testing.T) {
		tk := w.file(t, wkSevC)
		_, err := w.s.Agent().SetTicketStatus(w.agent(t), &supportv1.SetTicketStatusRequest{TicketId: tk.GetId()})
		wantFields(t, err, "status")
		_, err = w.s.Agent().SetTicketStatus(w.agent(t), &supportv1.SetTicketStatusRequest{TicketId: "nope", Status: wkProgress})
		wantCode(t, err, codes.NotFound)
	})
}

func TestWorkingAddAgentNote(t *testing.T) {
	w := startWorking(t)
	tk := w.file(t, wkSevC)
	log := w.track(t, tk.GetId())
	w.s.Clock.Advance(time.Minute)
	resp, err := w.s.Agent().AddAgentNote(w.agent(t), &supportv1.AddAgentNoteRequest{TicketId: tk.GetId(), Text: "internal: checked the NSG"})
	if err != nil {
		t.Fatal(err)
	}
	got := resp.GetTicket()
	if got.GetNoteCount() != 1 {
		t.Fatalf("note_count = %d, want 1", got.GetNoteCount())
	}
	// A note is not a first response.
	if got.GetStatus() != wkNew || got.GetFirstResponseTime() != nil || got.GetSlaState() != wkSLARun {
		t.Fatalf("a note changed the SLA: %v", got)
	}
	note := wkNote{1, w.agentActor, "internal: checked the NSG", w.s.Clock.Now()}
	wantEventNote(t, log.next(t, w.agentActor, got, domain.EventNoteAdded)[0], note)
	w.sameAsStored(t, got)
	w.wantNotes(t, tk.GetId(), note) // the partner sees support's notes

	// Notes may be added to resolved tickets, not to closed ones.
	res := w.ticketIn(t, wkResolved)
	if _, err := w.s.Agent().AddAgentNote(w.agent(t), &supportv1.AddAgentNoteRequest{TicketId: res.GetId(), Text: "follow-up"}); err != nil {
		t.Fatalf("note on a RESOLVED ticket: %v", err)
	}
	closed := w.ticketIn(t, wkClosed)
	cl := w.track(t, closed.GetId())
	_, err = w.s.Agent().AddAgentNote(w.agent(t), &supportv1.AddAgentNoteRequest{TicketId: closed.GetId(), Text: "late"})
	wkPrecondition(t, err, "TICKET_CLOSED", "CLOSED")
	cl.none(t)

	_, err = w.s.Agent().AddAgentNote(w.agent(t), &supportv1.AddAgentNoteRequest{TicketId: tk.GetId(), Text: "  "})
	wantFields(t, err, "text")
	log.none(t)
}

func TestWorkingReassignTicket(t *testing.T) {
	w := startWorking(t)
	tk := w.file(t, wkSevA)
	log := w.track(t, tk.GetId())
	w.s.Clock.Advance(time.Minute)
	resp, err := w.s.Agent().ReassignTicket(w.agent(t), &supportv1.ReassignTicketRequest{TicketId: tk.GetId(), Queue: wkQO365})
	if err != nil {
		t.Fatal(err)
	}
	got := resp.GetTicket()
	if got.GetQueue() != wkQO365 || got.GetStatus() != wkNew || got.GetSlaState() != wkSLARun || !got.GetPriority() {
		t.Fatalf("reassigned ticket: %v", got)
	}
	evs := log.next(t, w.agentActor, got, domain.EventReassigned)
	if evs[0].Ticket.Queue != domain.QueueOffice365 {
		t.Fatalf("REASSIGNED snapshot queue %s", evs[0].Ticket.Queue)
	}
	w.sameAsStored(t, got)
	if q := w.listQueue(t, wkQO365, 10); !slices.Equal(q, []string{tk.GetId()}) {
		t.Fatalf("Office 365 queue = %v", q)
	}
	if q := w.listQueue(t, wkQAzure, 10); len(q) != 0 {
		t.Fatalf("Azure queue still lists %v", q)
	}

	_, err = w.s.Agent().ReassignTicket(w.agent(t), &supportv1.ReassignTicketRequest{TicketId: tk.GetId(), Queue: wkQO365})
	wantFields(t, err, "queue")
	_, err = w.s.Agent().ReassignTicket(w.agent(t), &supportv1.ReassignTicketRequest{TicketId: tk.GetId()})
	wantFields(t, err, "queue")
	log.none(t)

	closed := w.ticketIn(t, wkClosed)
	cl := w.track(t, closed.GetId())
	_, err = w.s.Agent().ReassignTicket(w.agent(t), &supportv1.ReassignTicketRequest{TicketId: closed.GetId(), Queue: wkQBill})
	wkPrecondition(t, err, "TICKET_CLOSED", "CLOSED")
	cl.none(t)
}
