package api_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	supportv1 "github.com/supportd/supportd/gen/support/v1"
	"github.com/supportd/supportd/server/config"
	"github.com/supportd/supportd/server/domain"
	"github.com/supportd/supportd/server/internal/testserver"
)

func TestWorkingAddTicketNote(t *testing.T) {
	w := startWorking(t)
	tk := w.file(t, wkSevB)
	log := w.track(t, tk.GetId())
	w.s.Clock.Advance(time.Minute)
	resp, err := w.s.Support().AddTicketNote(w.partner(t), &supportv1.AddTicketNoteRequest{TicketId: tk.GetId(), Text: "Logs attached."})
	if err != nil {
		t.Fatal(err)
	}
	got := resp.GetTicket()
	if got.GetNoteCount() != 1 {
		t.Fatalf("note_count = %d, want 1", got.GetNoteCount())
	}
	if got.GetStatus() != wkNew || got.GetSlaState() != wkSLARun || got.GetFirstResponseTime() != nil {
		t.Fatalf("a partner note changed status or SLA: %v", got)
	}
	first := wkNote{1, w.partnerActor, "Logs attached.", w.s.Clock.Now()}
	wantEventNote(t, log.next(t, w.partnerActor, got, domain.EventNoteAdded)[0], first)
	w.sameAsStored(t, got)
	w.wantNotes(t, tk.GetId(), first)

	// A second note appends; a note of exactly limits.note_bytes bytes of
	// UTF-8 (half as many characters) is accepted.
	w.s.Clock.Advance(time.Minute)
	second := wkNote{2, w.partnerActor, strings.Repeat("é", config.DefaultNoteBytes/2), w.s.Clock.Now()}
	resp, err = w.s.Support().AddTicketNote(w.partner(t), &supportv1.AddTicketNoteRequest{TicketId: tk.GetId(), Text: second.text})
	if err != nil {
		t.Fatal(err)
	}
	if n := resp.GetTicket().GetNoteCount(); n != 2 {
		t.Fatalf("note_count = %d, want 2", n)
	}
	wantEventNote(t, log.next(t, w.partnerActor, resp.GetTicket(), domain.EventNoteAdded)[0], second)
	w.wantNotes(t, tk.GetId(), first, second)

	_, err = w.s.Support().AddTicketNote(w.partner(t), &supportv1.AddTicketNoteRequest{TicketId: tk.GetId()})
	wantFields(t, err, "text")
	// One byte over the limit, in ASCII or in fewer (two-byte) characters.
	for _, text := range []string{strings.Repeat("x", config.DefaultNoteBytes+1), strings.Repeat("é", config.DefaultNoteBytes/2) + "x"} {
		_, err = w.s.Support().AddTicketNote(w.partner(t), &supportv1.AddTicketNoteRequest{TicketId: tk.GetId(), Text: text})
		wantFields(t, err, "text")
	}
	log.none(t)
	w.wantNotes(t, tk.GetId(), first, second)

	closed := w.ticketIn(t, wkClosed)
	_, err = w.s.Support().AddTicketNote(w.partner(t), &supportv1.AddTicketNoteRequest{TicketId: closed.GetId(), Text: "hello?"})
	wkPrecondition(t, err, "TICKET_CLOSED", "CLOSED")
}

func TestWorkingChangeTicketSeverity(t *testing.T) {
	w := startWorking(t)
	tk := w.file(t, wkSevC) // 10:00, C: 8 h, due 18:00
	created := tk.GetCreateTime().AsTime()
	if !tk.GetResponseDueTime().AsTime().Equal(created.Add(8*time.Hour)) || tk.GetPriority() {
		t.Fatalf("filed C ticket: due %v, priority %v", tk.GetResponseDueTime().AsTime(), tk.GetPriority())
	}
	log := w.track(t, tk.GetId())

	steps := []struct {
		sev      supportv1.Severity
		target   time.Duration
		priority bool
	}{
		{wkSevA, 2 * time.Hour, true},
		{wkSevB, 4 * time.Hour, false},
		{wkSevC, 8 * time.Hour, false},
		{wkSevA, 2 * time.Hour, true},
	}
	prevDue := tk.GetResponseDueTime().AsTime()
	for i, st := range steps {
		w.s.Clock.Advance(10 * time.Minute)
		reason := "impact changed, step " + string(rune('1'+i))
		resp, err := w.s.Support().ChangeTicketSeverity(w.partner(t), &supportv1.ChangeTicketSeverityRequest{
			TicketId: tk.GetId(), Severity: st.sev, Reason: reason})
		if err != nil {
			t.Fatalf("-> %v: %v", st.sev, err)
		}
		got := resp.GetTicket()
		// The deadline counts from creation, not from the change.
		want := created.Add(st.target)
		if got.GetSeverity() != st.sev || !got.GetResponseDueTime().AsTime().Equal(want) || got.GetPriority() != st.priority ||
			got.GetResponseTarget().AsDuration() != st.target || !got.GetSlaWarningTime().AsTime().Equal(created.Add(st.target*3/4)) {
			t.Fatalf("-> %v: severity %v due %v target %v warn %v priority %v; want due %v priority %v",
				st.sev, got.GetSeverity(), got.GetResponseDueTime().AsTime(), got.GetResponseTarget().AsDuration(),
				got.GetSlaWarningTime().AsTime(), got.GetPriority(), want, st.priority)
		}
		if got.GetStatus() != wkNew || got.GetSlaState() != wkSLARun || got.GetQueue() != wkQAzure {
			t.Fatalf("-> %v changed more: %v", st.sev, got)
		}
		evs := log.next(t, w.partnerActor, got, domain.EventSeverityChanged)
		d := evs[0].Detail
		if !strings.Contains(d, reason) || !strings.Contains(d, prevDue.Format(time.RFC3339)) || !strings.Contains(d, want.Format(time.RFC3339)) {
			t.Fatalf("SEVERITY_CHANGED detail %q: want the reason %q and the deadlines %v -> %v", d, reason, prevDue, want)
		}
		w.sameAsStored(t, got)
		prevDue = want
	}

	t.Run("bad requests", func(t *testing.T) {
		_, err := w.s.Support().ChangeTicketSeverity(w.partner(t), &supportv1.ChangeTicketSeverityRequest{TicketId: tk.GetId()})
		wantFields(t, err, "severity", "reason")
		_, err = w.s.Support().ChangeTicketSeverity(w.partner(t), &supportv1.ChangeTicketSeverityRequest{TicketId: tk.GetId(), Severity: wkSevB, Reason: " "})
		wantFields(t, err, "reason")
		_, err = w.s.Support().ChangeTicketSeverity(w.partner(t), &supportv1.ChangeTicketSeverityRequest{TicketId: tk.GetId(), Severity: wkSevA, Reason: "same"})
		wantFields(t, err, "severity")
		log.none(t)
	})
	t.Run("not open", func(t *testing.T) {
		for _, st := range []supportv1.TicketStatus{wkResolved, wkClosed} {
			tk := w.ticketIn(t, st)
			l := w.track(t, tk.GetId())
			_, err := w.s.Support().ChangeTicketSeverity(w.partner(t), &supportv1.ChangeTicketSeverityRequest{TicketId: tk.GetId(), Severity: wkSevA, Reason: "now urgent"})
			wkPrecondition(t, err, "TICKET_NOT_OPEN", st.String()[len("TICKET_STATUS_"):])
			l.none(t)
		}
	})
	t.Run("acknowledged ticket keeps its SLA", func(t *testing.T) {
		tk := w.ticketIn(t, wkProgress)
		resp, err := w.s.Support().ChangeTicketSeverity(w.partner(t), &supportv1.ChangeTicketSeverityRequest{TicketId: tk.GetId(), Severity: wkSevA, Reason: "worse"})
		if err != nil {
			t.Fatal(err)
		}
		got := resp.GetTicket()
		if got.GetSlaState() != wkSLAMet || !got.GetFirstResponseTime().AsTime().Equal(tk.GetFirstResponseTime().AsTime()) || !got.GetPriority() {
			t.Fatalf("after the change: %v", got)
		}
	})
}

func TestWorkingEscalateTicket(t *testing.T) {
	w := startWorking(t)
	tk := w.file(t, wkSevB)
	log := w.track(t, tk.GetId())

	_, err := w.s.Support().EscalateTicket(w.partner(t), &supportv1.EscalateTicketRequest{TicketId: tk.GetId()})
	wantFields(t, err, "reason", "justification")
	_, err = w.s.Support().EscalateTicket(w.partner(t), &supportv1.EscalateTicketRequest{TicketId: tk.GetId(), Justification: "slow"})
	wantFields(t, err, "reason")
	_, err = w.s.Support().EscalateTicket(w.partner(t), &supportv1.EscalateTicketRequest{TicketId: tk.GetId(),
		Reason: supportv1.EscalationReason_ESCALATION_REASON_BUSINESS_IMPACT, Justification: "\t"})
	wantFields(t, err, "justification")
	log.none(t)

	for i, reason := range []supportv1.EscalationReason{
		supportv1.EscalationReason_ESCALATION_REASON_BUSINESS_IMPACT,
		supportv1.EscalationReason_ESCALATION_REASON_RESOLUTION_TIME,
		supportv1.EscalationReason_ESCALATION_REASON_TECHNICAL_EXPERTISE,
	} {
		w.s.Clock.Advance(time.Minute)
		just := "checkout is down for " + reason.String()
		resp, err := w.s.Support().EscalateTicket(w.partner(t), &supportv1.EscalateTicketRequest{TicketId: tk.GetId(), Reason: reason, Justification: just})
		if err != nil {
			t.Fatal(err)
		}
		got := resp.GetTicket()
		if got.GetEscalationLevel() != int32(i+1) || got.GetStatus() != wkNew || got.GetSlaState() != wkSLARun || got.GetDutyManagerTier() {
			t.Fatalf("escalation %d: %v", i+1, got)
		}
		evs := log.next(t, w.partnerActor, got, domain.EventEscalated)
		reasonName := strings.TrimPrefix(reason.String(), "ESCALATION_REASON_")
		if d := evs[0].Detail; !strings.Contains(d, just) || !strings.Contains(d, reasonName) {
			t.Fatalf("ESCALATED detail %q: want reason %s and the justification", d, reasonName)
		}
		w.sameAsStored(t, got)
	}

	// Open tickets only: IN_PROGRESS and WAITING_ON_PARTNER may be escalated.
	for _, st := range []supportv1.TicketStatus{wkProgress, wkWaiting} {
		tk := w.ticketIn(t, st)
		if _, err := w.s.Support().EscalateTicket(w.partner(t), &supportv1.EscalateTicketRequest{TicketId: tk.GetId(),
			Reason: supportv1.EscalationReason_ESCALATION_REASON_RESOLUTION_TIME, Justification: "slow"}); err != nil {
			t.Fatalf("escalate a %v ticket: %v", st, err)
		}
	}
	for _, st := range []supportv1.TicketStatus{wkResolved, wkClosed} {
		tk := w.ticketIn(t, st)
		l := w.track(t, tk.GetId())
		_, err := w.s.Support().EscalateTicket(w.partner(t), &supportv1.EscalateTicketRequest{TicketId: tk.GetId(),
			Reason: supportv1.EscalationReason_ESCALATION_REASON_RESOLUTION_TIME, Justification: "slow"})
		wkPrecondition(t, err, "TICKET_NOT_OPEN", st.String()[len("TICKET_STATUS_"):])
		l.none(t)
	}
}

func TestWorkingCloseTicket(t *testing.T) {
	w := startWorking(t)
	for _, from := range []supportv1.TicketStatus{wkNew, wkProgress, wkWaiting, wkResolved} {
		t.Run(from.String(), func(t *testing.T) {
			tk := w.ticketIn(t, from)
			log := w.track(t, tk.GetId())
			w.s.Clock.Advance(time.Minute)
			resp, err := w.s.Support().CloseTicket(w.partner(t), &supportv1.CloseTicketRequest{TicketId: tk.GetId()})
			if err != nil {
				t.Fatal(err)
			}
			got := resp.GetTicket()
			if got.GetStatus() != wkClosed || got.GetSlaState() != tk.GetSlaState() {
				t.Fatalf("closed ticket: %v", got)
			}
			evs := log.next(t, w.partnerActor, got, domain.EventStatusChanged)
			if !strings.Contains(evs[0].Detail, from.String()[len("TICKET_STATUS_"):]) {
				t.Fatalf("STATUS_CHANGED detail %q does not name the old status", evs[0].Detail)
			}
			w.sameAsStored(t, got)

			// CLOSED is final.
			_, err = w.s.Support().CloseTicket(w.partner(t), &supportv1.CloseTicketRequest{TicketId: tk.GetId()})
			wkPrecondition(t, err, "ILLEGAL_TRANSITION", "CLOSED")
			_, err = w.s.Support().ReopenTicket(w.partner(t), &supportv1.ReopenTicketRequest{TicketId: tk.GetId()})
			wkPrecondition(t, err, "ILLEGAL_TRANSITION", "CLOSED")
			log.none(t)
		})
	}
	// A NEW ticket closed before its first response escalates no more.
	tk := w.file(t, wkSevA)
	if _, err := w.s.Support().CloseTicket(w.partner(t), &supportv1.CloseTicketRequest{TicketId: tk.GetId()}); err != nil {
		t.Fatal(err)
	}
	log := w.track(t, tk.GetId())
	w.s.Clock.Advance(24 * time.Hour)
	w.sweep(t, 0)
	log.none(t)
}

func TestWorkingReopenTicket(t *testing.T) {
	w := startWorking(t)
	tk := w.ticketIn(t, wkResolved)
	log := w.track(t, tk.GetId())
	w.s.Clock.Advance(time.Minute)
	resp, err := w.s.Support().ReopenTicket(w.partner(t), &supportv1.ReopenTicketRequest{TicketId: tk.GetId()})
	if err != nil {
		t.Fatal(err)
	}
	got := resp.GetTicket()
	if got.GetStatus() != wkProgress || got.GetSlaState() != wkSLAMet || !got.GetFirstResponseTime().AsTime().Equal(tk.GetFirstResponseTime().AsTime()) {
		t.Fatalf("reopened ticket: %v", got)
	}
	log.next(t, w.partnerActor, got, domain.EventStatusChanged)
	w.sameAsStored(t, got)

	for _, from := range []supportv1.TicketStatus{wkNew, wkProgress, wkWaiting, wkClosed} {
		tk := w.ticketIn(t, from)
		l := w.track(t, tk.GetId())
		_, err := w.s.Support().ReopenTicket(w.partner(t), &supportv1.ReopenTicketRequest{TicketId: tk.GetId()})
		wkPrecondition(t, err, "ILLEGAL_TRANSITION", from.String()[len("TICKET_STATUS_"):])
		l.none(t)
	}
}

// etagCall is one update RPC called with an etag.
type etagCall struct {
	name string
	// prepare returns a ticket in a state where the call succeeds.
	prepare func(t *testing.T, w *wk) *supportv1.Ticket
	call    func(t *testing.T, w *wk, id, etag string) (*supportv1.Ticket, error)
}

func etagCalls() []etagCall {
	fresh := func(t *testing.T, w *wk) *supportv1.Ticket { return w.file(t, wkSevB) }
	return []etagCall{
		{"AddTicketNote", fresh, func(t *testing.T, w *wk, id, etag string) (*supportv1.Ticket, error) {
			r, err := w.s.Support().AddTicketNote(w.partner(t), &supportv1.AddTicketNoteRequest{TicketId: id, Text: "n", Etag: etag})
			return r.GetTicket(), err
		}},
		{"ChangeTicketSeverity", fresh, func(t *testing.T, w *wk, id, etag string) (*supportv1.Ticket, error) {
			r, err := w.s.Support().ChangeTicketSeverity(w.partner(t), &supportv1.ChangeTicketSeverityRequest{TicketId: id, Severity: wkSevA, Reason: "r", Etag: etag})
			return r.GetTicket(), err
		}},
		{"EscalateTicket", fresh, func(t *testing.T, w *wk, id, etag string) (*supportv1.Ticket, error) {
			r, err := w.s.Support().EscalateTicket(w.partner(t), &supportv1.EscalateTicketRequest{TicketId: id,
				Reason: supportv1.EscalationReason_ESCALATION_REASON_BUSINESS_IMPACT, Justification: "j", Etag: etag})
			return r.GetTicket(), err
		}},
		{"CloseTicket", fresh, func(t *testing.T, w *wk, id, etag string) (*supportv1.Ticket, error) {
			r, err := w.s.Support().CloseTicket(w.partner(t), &supportv1.CloseTicketRequest{TicketId: id, Etag: etag})
			return r.GetTicket(), err
		}},
		{"ReopenTicket", func(t *testing.T, w *wk) *supportv1.Ticket { return w.ticketIn(t, wkResolved) },
			func(t *testing.T, w *wk, id, etag string) (*supportv1.Ticket, error) {
				r, err := w.s.Support().ReopenTicket(w.partner(t), &supportv1.ReopenTicketRequest{TicketId: id, Etag: etag})
				return r.GetTicket(), err
			}},
		{"AcknowledgeTicket", fresh, func(t *testing.T, w *wk, id, etag string) (*supportv1.Ticket, error) {
			r, err := w.s.Agent().AcknowledgeTicket(w.agent(t), &supportv1.AcknowledgeTicketRequest{TicketId: id, Message: "m", Etag: etag})
			return r.GetTicket(), err
		}},
		{"SetTicketStatus", fresh, func(t *testing.T, w *wk, id, etag string) (*supportv1.Ticket, error) {
			r, err := w.s.Agent().SetTicketStatus(w.agent(t), &supportv1.SetTicketStatusRequest{TicketId: id, Status: wkProgress, Etag: etag})
			return r.GetTicket(), err
		}},
		{"AddAgentNote", fresh, func(t *testing.T, w *wk, id, etag string) (*supportv1.Ticket, error) {
			r, err := w.s.Agent().AddAgentNote(w.agent(t), &supportv1.AddAgentNoteRequest{TicketId: id, Text: "n", Etag: etag})
			return r.GetTicket(), err
		}},
		{"ReassignTicket", fresh, func(t *testing.T, w *wk, id, etag string) (*supportv1.Ticket, error) {
			r, err := w.s.Agent().ReassignTicket(w.agent(t), &supportv1.ReassignTicketRequest{TicketId: id, Queue: wkQO365, Etag: etag})
			return r.GetTicket(), err
		}},
	}
}

func TestWorkingEtags(t *testing.T) {
	w := startWorking(t)
	for _, c := range etagCalls() {
		t.Run(c.name, func(t *testing.T) {
			tk := c.prepare(t, w)
			// Make the ticket's etag stale with a note.
			resp, err := w.s.Agent().AddAgentNote(w.agent(t), &supportv1.AddAgentNoteRequest{TicketId: tk.GetId(), Text: "bump"})
			if err != nil {
				t.Fatal(err)
			}
			current := resp.GetTicket()
			if current.GetEtag() == tk.GetEtag() {
				t.Fatalf("etag did not change: %s", tk.GetEtag())
			}
			log := w.track(t, tk.GetId())

			_, err = c.call(t, w, tk.GetId(), tk.GetEtag())
			wantInfo(t, err, codes.Aborted, "ETAG_MISMATCH", map[string]string{"id": tk.GetId()})
			for _, garbage := range []string{"garbage", "v", "v0", "v-1", "1", "W/\"v1\""} {
				_, err = c.call(t, w, tk.GetId(), garbage)
				wantFields(t, err, "etag")
			}
			log.none(t)
			if still := w.get(t, tk.GetId()); still.GetEtag() != current.GetEtag() {
				t.Fatalf("a refused call changed the ticket: etag %s, was %s", still.GetEtag(), current.GetEtag())
			}

			got, err := c.call(t, w, tk.GetId(), current.GetEtag())
			if err != nil {
				t.Fatalf("with the current etag: %v", err)
			}
			if got.GetEtag() == current.GetEtag() {
				t.Fatal("a change kept the etag")
			}
			if evs := wkEvents(t, w.s, tk.GetId()); len(evs) != log.seen+1 {
				t.Fatalf("%d events appended, want 1", len(evs)-log.seen)
			}
			w.sameAsStored(t, got)
		})
	}
}

func TestWorkingRoles(t *testing.T) {
	w := startWorking(t)
	tk := w.file(t, wkSevB)
	log := w.track(t, tk.GetId())
	partner, agent, admin := w.partner(t), w.agent(t), w.s.Admin(t)
	ag, sup := w.s.Agent(), w.s.Support()
	id := tk.GetId()

	agentCalls := map[string]func(ctx context.Context) error{
		"ListQueueTickets": func(ctx context.Context) error {
			_, err := ag.ListQueueTickets(ctx, &supportv1.ListQueueTicketsRequest{Queue: wkQAzure})
			return err
		},
		"AcknowledgeTicket": func(ctx context.Context) error {
			_, err := ag.AcknowledgeTicket(ctx, &supportv1.AcknowledgeTicketRequest{TicketId: id, Message: "m"})
			return err
		},
		"SetTicketStatus": func(ctx context.Context) error {
			_, err := ag.SetTicketStatus(ctx, &supportv1.SetTicketStatusRequest{TicketId: id, Status: wkProgress})
			return err
		},
		"AddAgentNote": func(ctx context.Context) error {
			_, err := ag.AddAgentNote(ctx, &supportv1.AddAgentNoteRequest{TicketId: id, Text: "n"})
			return err
		},
		"ReassignTicket": func(ctx context.Context) error {
			_, err := ag.ReassignTicket(ctx, &supportv1.ReassignTicketRequest{TicketId: id, Queue: wkQO365})
			return err
		},
	}
	supportCalls := map[string]func(ctx context.Context) error{
		"GetTicket": func(ctx context.Context) error {
			_, err := sup.GetTicket(ctx, &supportv1.GetTicketRequest{TicketId: id})
			return err
		},
		"AddTicketNote": func(ctx context.Context) error {
			_, err := sup.AddTicketNote(ctx, &supportv1.AddTicketNoteRequest{TicketId: id, Text: "n"})
			return err
		},
		"ChangeTicketSeverity": func(ctx context.Context) error {
			_, err := sup.ChangeTicketSeverity(ctx, &supportv1.ChangeTicketSeverityRequest{TicketId: id, Severity: wkSevA, Reason: "r"})
			return err
		},
		"EscalateTicket": func(ctx context.Context) error {
			_, err := sup.EscalateTicket(ctx, &supportv1.EscalateTicketRequest{TicketId: id,
				Reason: supportv1.EscalationReason_ESCALATION_REASON_BUSINESS_IMPACT, Justification: "j"})
			return err
		},
		"CloseTicket": func(ctx context.Context) error {
			_, err := sup.CloseTicket(ctx, &supportv1.CloseTicketRequest{TicketId: id})
			return err
		},
		"ReopenTicket": func(ctx context.Context) error {
			_, err := sup.ReopenTicket(ctx, &supportv1.ReopenTicketRequest{TicketId: id})
			return err
		},
	}
	for name, call := range agentCalls {
		t.Run("AgentService."+name, func(t *testing.T) {
			wantCode(t, call(partner), codes.PermissionDenied)
			wantCode(t, call(admin), codes.PermissionDenied)
			wantCode(t, call(context.Background()), codes.Unauthenticated)
			wantCode(t, call(testserver.Auth(context.Background(), "sk_nope")), codes.Unauthenticated)
		})
	}
	for name, call := range supportCalls {
		t.Run("SupportService."+name, func(t *testing.T) {
			wantCode(t, call(agent), codes.PermissionDenied)
			wantCode(t, call(admin), codes.PermissionDenied)
			wantCode(t, call(context.Background()), codes.Unauthenticated)
		})
	}
	log.none(t)
	if still := w.get(t, id); still.GetEtag() != tk.GetEtag() {
		t.Fatalf("refused calls changed the ticket: %v", still)
	}
}

func TestWorkingIsolation(t *testing.T) {
	w := startWorking(t)
	tk := w.file(t, wkSevB)
	resolved := w.ticketIn(t, wkResolved)
	other := w.s.SeedDirectory(t, "fabrikam")
	b := testserver.Auth(t.Context(), other.PartnerKey)
	sup := w.s.Support()

	for _, target := range []*supportv1.Ticket{tk, resolved} {
		id := target.GetId()
		log := w.track(t, id)
		calls := map[string]error{}
		_, calls["GetTicket"] = sup.GetTicket(b, &supportv1.GetTicketRequest{TicketId: id})
		_, calls["AddTicketNote"] = sup.AddTicketNote(b, &supportv1.AddTicketNoteRequest{TicketId: id, Text: "n"})
		_, calls["ChangeTicketSeverity"] = sup.ChangeTicketSeverity(b, &supportv1.ChangeTicketSeverityRequest{TicketId: id, Severity: wkSevA, Reason: "r"})
		_, calls["EscalateTicket"] = sup.EscalateTicket(b, &supportv1.EscalateTicketRequest{TicketId: id,
			Reason: supportv1.EscalationReason_ESCALATION_REASON_BUSINESS_IMPACT, Justification: "j"})
		_, calls["CloseTicket"] = sup.CloseTicket(b, &supportv1.CloseTicketRequest{TicketId: id})
		_, calls["ReopenTicket"] = sup.ReopenTicket(b, &supportv1.ReopenTicketRequest{TicketId: id})
		// With a valid etag too: the scope check comes before the etag.
		_, calls["CloseTicket with etag"] = sup.CloseTicket(b, &supportv1.CloseTicketRequest{TicketId: id, Etag: target.GetEtag()})
		for name, err := range calls {
			t.Run(name, func(t *testing.T) {
				st := wantCode(t, err, codes.NotFound)
				// Same answer as for a ticket that does not exist.
				if strings.Contains(st.Message(), "adatum") {
					t.Fatalf("NOT_FOUND message %q reveals the owner", st.Message())
				}
			})
		}
		log.none(t)
		if still := w.get(t, id); still.GetEtag() != target.GetEtag() {
			t.Fatalf("partner B changed partner A's ticket: %v", still)
		}
	}
	// B's listing is empty; A's has both.
	resp, err := sup.ListTickets(b, &supportv1.ListTicketsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.GetTickets()) != 0 {
		t.Fatalf("partner B lists %v", wkIDs(resp.GetTickets()))
	}
	resp, err = sup.ListTickets(w.partner(t), &supportv1.ListTicketsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.GetTickets()) != 2 {
		t.Fatalf("partner A lists %v", wkIDs(resp.GetTickets()))
	}
	_, err = sup.ListTickets(b, &supportv1.ListTicketsRequest{CustomerId: w.dir.EndCustomer.GetId()})
	if err == nil {
		resp, _ := sup.ListTickets(b, &supportv1.ListTicketsRequest{CustomerId: w.dir.EndCustomer.GetId()})
		if len(resp.GetTickets()) != 0 {
			t.Fatalf("partner B lists A's customer's tickets: %v", wkIDs(resp.GetTickets()))
		}
	}
}
