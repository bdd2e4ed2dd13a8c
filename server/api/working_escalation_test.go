package api_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/test/bufconn"

	supportv1 "github.com/supportd/supportd/gen/support/v1"
	"github.com/supportd/supportd/server/app"
	"github.com/supportd/supportd/server/config"
	"github.com/supportd/supportd/server/domain"
	"github.com/supportd/supportd/server/internal/testserver"
	"github.com/supportd/supportd/server/store/sqlite"
)

// restart stops the server (App shut down, store closed) and starts a new
// store and App on the same database file with the same clock, served on
// a new bufconn listener; w.s then points at the new server. The old
// server's cleanups are harmless afterwards (Shutdown and Close are
// idempotent); the new one is shut down by a cleanup of its own.
func (w *wk) restart(t *testing.T) {
	t.Helper()
	s := w.s
	ctx := context.Background()
	sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	s.App.Shutdown(sctx)
	cancel()
	if err := s.Store.Close(); err != nil {
		t.Fatalf("restart: close store: %v", err)
	}
	if err := s.Conn.Close(); err != nil {
		t.Fatalf("restart: close client connection: %v", err)
	}

	st, err := sqlite.Open(ctx, s.DBPath, sqlite.Options{})
	if err != nil {
		t.Fatalf("restart: open store: %v", err)
	}
	c := config.Default()
	c.Escalation.CheckInterval = 24 * time.Hour
	a, err := app.New(ctx, app.Options{Store: st, Now: s.Clock.Now, Config: c, GracePeriod: 2 * time.Second,
		Logger: slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))})
	if err != nil {
		_ = st.Close()
		t.Fatalf("restart: app.New: %v", err)
	}
	lis := bufconn.Listen(1 << 20)
	served := make(chan error, 1)
	go func() { served <- a.Serve(lis) }()
	t.Cleanup(func() {
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		a.Shutdown(sctx)
		if err := <-served; err != nil && !errors.Is(err, grpc.ErrServerStopped) {
			t.Errorf("restarted server: serve: %v", err)
		}
		if err := st.Close(); err != nil {
			t.Errorf("restarted server: close store: %v", err)
		}
	})
	s.App, s.Store, s.Listener = a, st, lis
	s.Conn = s.Dial(t) // closed by testserver's cleanup, which reads s.Conn
}

// fileMany files n tickets of severity sev concurrently at the clock's time.
func (w *wk) fileMany(t *testing.T, n int, sev supportv1.Severity) []*supportv1.Ticket {
	t.Helper()
	out := make([]*supportv1.Ticket, n)
	var wg sync.WaitGroup
	errs := make(chan error, n)
	const workers = 8
	for g := range workers {
		wg.Go(func() {
			for i := g; i < n; i += workers {
				resp, err := w.s.Support().CreateTicket(w.partner(t), w.fileReq(sev))
				if err != nil {
					errs <- err
					return
				}
				out[i] = resp.GetTicket()
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("CreateTicket: %v", err)
	}
	return out
}

// at sets the clock to the instant d after the ticket's creation.
func (w *wk) at(tk *supportv1.Ticket, d time.Duration) {
	w.s.Clock.Set(tk.GetCreateTime().AsTime().Add(d))
}

func TestWorkingEscalationStages(t *testing.T) {
	w := startWorking(t)
	tk := w.file(t, wkSevA) // 10:00; target 2 h: warning 11:30, due 12:00
	created := tk.GetCreateTime().AsTime()
	if !tk.GetSlaWarningTime().AsTime().Equal(created.Add(90*time.Minute)) || !tk.GetResponseDueTime().AsTime().Equal(created.Add(2*time.Hour)) {
		t.Fatalf("filed A ticket: warning %v, due %v", tk.GetSlaWarningTime().AsTime(), tk.GetResponseDueTime().AsTime())
	}
	other := w.file(t, wkSevC) // due 18:00: stays quiet throughout
	quiet := w.track(t, other.GetId())
	log := w.track(t, tk.GetId())

	w.at(tk, 90*time.Minute-time.Nanosecond)
	w.sweep(t, 0)
	log.none(t)

	// SLA_WARNING at the warning instant exactly, once.
	w.at(tk, 90*time.Minute)
	w.sweep(t, 1)
	got := w.get(t, tk.GetId())
	if got.GetSlaState() != wkSLAWarn || got.GetEscalationLevel() != 0 || got.GetDutyManagerTier() || got.GetStatus() != wkNew {
		t.Fatalf("after the warning: %v", got)
	}
	evs := log.next(t, wkSystem, got, domain.EventSLAWarning)
	if evs[0].Ticket.SLAState != domain.SLAWarning {
		t.Fatalf("SLA_WARNING snapshot: %+v", evs[0].Ticket)
	}
	for range 5 {
		w.sweep(t, 0)
	}
	w.at(tk, 2*time.Hour-time.Nanosecond)
	w.sweep(t, 0)
	log.none(t)

	// SLA_BREACHED and ESCALATED at the deadline exactly, once.
	w.at(tk, 2*time.Hour)
	w.sweep(t, 1)
	got = w.get(t, tk.GetId())
	if got.GetSlaState() != wkSLABr || got.GetEscalationLevel() != 1 || !got.GetDutyManagerTier() || got.GetStatus() != wkNew ||
		got.GetQueue() != wkQAzure || got.GetFirstResponseTime() != nil {
		t.Fatalf("after the breach: %v", got)
	}
	evs = log.next(t, wkSystem, got, domain.EventSLABreached, domain.EventEscalated)
	if b := evs[0].Ticket; b.SLAState != domain.SLABreached || b.EscalationLevel != 1 || !b.DutyManagerTier {
		t.Fatalf("SLA_BREACHED snapshot: %+v", b)
	}
	if evs[0].Ticket.Version != evs[1].Ticket.Version {
		t.Fatal("SLA_BREACHED and ESCALATED record different versions of one change")
	}
	for _, d := range []time.Duration{2 * time.Hour, 3 * time.Hour, 6*time.Hour - time.Second} { // other warns at 6 h
		w.at(tk, d)
		for range 3 {
			w.sweep(t, 0)
		}
	}
	log.none(t)
	quiet.none(t)

	// Still escalatable by the partner on top; the automatic escalation
	// does not come back.
	resp, err := w.s.Support().EscalateTicket(w.partner(t), &supportv1.EscalateTicketRequest{TicketId: tk.GetId(),
		Reason: supportv1.EscalationReason_ESCALATION_REASON_BUSINESS_IMPACT, Justification: "still nothing"})
	if err != nil {
		t.Fatal(err)
	}
	if resp.GetTicket().GetEscalationLevel() != 2 {
		t.Fatalf("partner escalation after the automatic one: level %d", resp.GetTicket().GetEscalationLevel())
	}
	log.next(t, w.partnerActor, resp.GetTicket(), domain.EventEscalated)
	w.sweep(t, 0)
	log.none(t)
}

func TestWorkingEscalationAllAtOnce(t *testing.T) {
	w := startWorking(t)
	tk := w.file(t, wkSevB)
	log := w.track(t, tk.GetId())
	// The server was down from before the warning to after the deadline:
	// one sweep fires all three, in order.
	w.at(tk, 10*time.Hour)
	w.sweep(t, 1)
	got := w.get(t, tk.GetId())
	evs := log.next(t, wkSystem, got, domain.EventSLAWarning, domain.EventSLABreached, domain.EventEscalated)
	// One write, one version: the three events carry the same snapshot,
	// the ticket after the sweep's change.
	for _, e := range evs {
		wkSnapshot(t, e, got)
	}
	if got.GetEscalationLevel() != 1 || got.GetSlaState() != wkSLABr {
		t.Fatalf("after the sweep: %v", got)
	}
	w.sweep(t, 0)
	log.none(t)
}

func TestWorkingEscalationNotAfterAcknowledge(t *testing.T) {
	w := startWorking(t)
	early := w.file(t, wkSevA)
	warned := w.file(t, wkSevA)
	resolvedOrClosed := []*supportv1.Ticket{w.ticketIn(t, wkResolved), w.ticketIn(t, wkClosed), w.ticketIn(t, wkWaiting)}

	// Acknowledged before the warning: nothing ever fires.
	w.at(early, time.Hour)
	if _, err := w.s.Agent().AcknowledgeTicket(w.agent(t), &supportv1.AcknowledgeTicketRequest{TicketId: early.GetId(), Message: "hi"}); err != nil {
		t.Fatal(err)
	}
	// Warned, then acknowledged before the deadline: MET, no breach.
	w.at(warned, 100*time.Minute)
	w.sweep(t, 1)
	wl := w.track(t, warned.GetId())
	resp, err := w.s.Agent().AcknowledgeTicket(w.agent(t), &supportv1.AcknowledgeTicketRequest{TicketId: warned.GetId(), Message: "hi"})
	if err != nil {
		t.Fatal(err)
	}
	if resp.GetTicket().GetSlaState() != wkSLAMet {
		t.Fatalf("warned then acknowledged on time: SLA %v, want MET", resp.GetTicket().GetSlaState())
	}
	wl.next(t, w.agentActor, resp.GetTicket(), domain.EventAcknowledged)

	logs := []*wkLog{w.track(t, early.GetId()), wl}
	for _, tk := range resolvedOrClosed {
		logs = append(logs, w.track(t, tk.GetId()))
	}
	for _, d := range []time.Duration{2 * time.Hour, 5 * time.Hour, 9 * time.Hour, 72 * time.Hour} {
		w.at(early, d)
		w.sweep(t, 0)
	}
	for _, l := range logs {
		l.none(t)
	}
	if got := w.get(t, early.GetId()); got.GetSlaState() != wkSLAMet || got.GetEscalationLevel() != 0 {
		t.Fatalf("acknowledged ticket after the deadline: %v", got)
	}
}

func TestWorkingEscalationManyDue(t *testing.T) {
	w := startWorking(t)
	const n = 1200 // more than one sweep batch (500)
	tickets := w.fileMany(t, n, wkSevA)
	latest := tickets[0]
	for _, tk := range tickets {
		if tk.GetResponseDueTime().AsTime().After(latest.GetResponseDueTime().AsTime()) {
			latest = tk
		}
	}
	start := w.s.LastSequence(t)

	w.s.Clock.Set(latest.GetResponseDueTime().AsTime().Add(-30 * time.Minute)) // every warning due, no deadline
	w.sweep(t, n)
	w.sweep(t, 0)
	mid := w.s.LastSequence(t)
	w.s.Clock.Set(latest.GetResponseDueTime().AsTime())
	// Concurrent sweeps (as if two loops ran) still fire each stage once.
	var wg sync.WaitGroup
	var mu sync.Mutex
	total := 0
	for range 4 {
		wg.Go(func() {
			k, err := w.s.App.Sweep(context.Background())
			if err != nil {
				t.Errorf("Sweep: %v", err)
			}
			mu.Lock()
			total += k
			mu.Unlock()
		})
	}
	wg.Wait()
	if total != n {
		t.Fatalf("concurrent sweeps changed %d tickets in all, want %d", total, n)
	}
	for range 3 {
		w.sweep(t, 0)
	}

	perTicket := map[string][]domain.EventType{}
	for _, e := range w.s.EventsAfter(t, start) {
		if e.Actor != wkSystem {
			t.Fatalf("unexpected event %+v", e)
		}
		perTicket[e.TicketID] = append(perTicket[e.TicketID], e.Type)
		if e.Sequence <= mid && e.Type != domain.EventSLAWarning {
			t.Fatalf("first sweep wrote %s", e.Type)
		}
	}
	if len(perTicket) != n {
		t.Fatalf("%d tickets got events, want %d", len(perTicket), n)
	}
	want := fmt.Sprint([]domain.EventType{domain.EventSLAWarning, domain.EventSLABreached, domain.EventEscalated})
	for _, tk := range tickets {
		if got := fmt.Sprint(perTicket[tk.GetId()]); got != want {
			t.Fatalf("ticket %s events %s, want %s", tk.GetId(), got, want)
		}
	}
}

func TestWorkingEscalationRestart(t *testing.T) {
	w := startWorking(t)
	tk := w.file(t, wkSevA)
	ack := w.file(t, wkSevA)
	log := w.track(t, tk.GetId())
	w.at(tk, 95*time.Minute)
	w.sweep(t, 2)
	log.next(t, wkSystem, nil, domain.EventSLAWarning)
	if _, err := w.s.Agent().AcknowledgeTicket(w.agent(t), &supportv1.AcknowledgeTicketRequest{TicketId: ack.GetId(), Message: "hi"}); err != nil {
		t.Fatal(err)
	}
	ackLog := w.track(t, ack.GetId())

	// The warning is not repeated by the new process.
	w.restart(t)
	w.sweep(t, 0)
	log.none(t)

	w.at(tk, 2*time.Hour)
	w.sweep(t, 1)
	log.next(t, wkSystem, w.get(t, tk.GetId()), domain.EventSLABreached, domain.EventEscalated)

	// Nor the breach by the next one, even much later.
	w.restart(t)
	w.at(tk, 48*time.Hour)
	w.sweep(t, 0)
	log.none(t)
	ackLog.none(t)
	if got := w.get(t, tk.GetId()); got.GetEscalationLevel() != 1 || got.GetSlaState() != wkSLABr {
		t.Fatalf("after two restarts: %v", got)
	}
}

// TestWorkingEscalationBackgroundLoop runs the real escalation loop (every
// 50 ms) alongside explicit sweeps: each stage still fires once, also after
// further rounds of the loop (observed through the SweepRound hook).
func TestWorkingEscalationBackgroundLoop(t *testing.T) {
	rounds := make(chan struct{}, 1)
	w := startWorking(t, testserver.WithOptions(func(o *app.Options) {
		o.Config.Escalation.CheckInterval = 50 * time.Millisecond
		o.SweepRound = func() {
			select {
			case rounds <- struct{}{}:
			default: // a round nobody waits for yet
			}
		}
	}))
	tk := w.file(t, wkSevA)
	log := w.track(t, tk.GetId())
	w.at(tk, 2*time.Hour)
	nextRound := func() {
		t.Helper()
		select {
		case <-rounds:
		case <-time.After(10 * time.Second):
			t.Fatal("the escalation loop ran no round within 10 s")
		}
	}
	for w.get(t, tk.GetId()).GetSlaState() != wkSLABr {
		_, _ = w.s.App.Sweep(t.Context())
		nextRound()
	}
	// Rounds of the loop that started after the breach add nothing: drop a
	// round signalled earlier, then see two whole rounds more.
	select {
	case <-rounds:
	default:
	}
	for range 3 {
		nextRound()
	}
	log.next(t, wkSystem, w.get(t, tk.GetId()), domain.EventSLAWarning, domain.EventSLABreached, domain.EventEscalated)
}

func TestWorkingEscalationSeverityChange(t *testing.T) {
	change := func(t *testing.T, w *wk, tk *supportv1.Ticket, sev supportv1.Severity) *supportv1.Ticket {
		t.Helper()
		resp, err := w.s.Support().ChangeTicketSeverity(w.partner(t), &supportv1.ChangeTicketSeverityRequest{TicketId: tk.GetId(), Severity: sev, Reason: "impact changed"})
		if err != nil {
			t.Fatal(err)
		}
		return resp.GetTicket()
	}

	t.Run("C to A brings the stages forward", func(t *testing.T) {
		w := startWorking(t)
		tk := w.file(t, wkSevC) // warning 16:00, due 18:00
		log := w.track(t, tk.GetId())
		w.at(tk, 30*time.Minute)
		got := change(t, w, tk, wkSevA) // warning 11:30, due 12:00
		if got.GetSlaState() != wkSLARun || !got.GetSlaWarningTime().AsTime().Equal(tk.GetCreateTime().AsTime().Add(90*time.Minute)) {
			t.Fatalf("after C -> A: %v", got)
		}
		log.next(t, w.partnerActor, got, domain.EventSeverityChanged)
		w.at(tk, 90*time.Minute)
		w.sweep(t, 1)
		log.next(t, wkSystem, nil, domain.EventSLAWarning)
		w.at(tk, 2*time.Hour)
		w.sweep(t, 1)
		log.next(t, wkSystem, nil, domain.EventSLABreached, domain.EventEscalated)
		w.at(tk, 8*time.Hour) // the old deadline
		w.sweep(t, 0)
		log.none(t)
	})
	t.Run("C to A after the new deadline fires everything at once", func(t *testing.T) {
		w := startWorking(t)
		tk := w.file(t, wkSevC)
		log := w.track(t, tk.GetId())
		w.at(tk, 3*time.Hour) // C: nothing due yet; A would be breached
		w.sweep(t, 0)
		change(t, w, tk, wkSevA)
		log.next(t, w.partnerActor, nil, domain.EventSeverityChanged)
		w.sweep(t, 1)
		log.next(t, wkSystem, w.get(t, tk.GetId()), domain.EventSLAWarning, domain.EventSLABreached, domain.EventEscalated)
	})
	t.Run("A to C puts the stages off", func(t *testing.T) {
		w := startWorking(t)
		tk := w.file(t, wkSevA)
		log := w.track(t, tk.GetId())
		w.at(tk, 30*time.Minute)
		change(t, w, tk, wkSevC) // warning 16:00, due 18:00
		log.next(t, w.partnerActor, nil, domain.EventSeverityChanged)
		for _, d := range []time.Duration{90 * time.Minute, 2 * time.Hour, 6*time.Hour - time.Nanosecond} {
			w.at(tk, d)
			w.sweep(t, 0)
		}
		log.none(t)
		w.at(tk, 6*time.Hour)
		w.sweep(t, 1)
		log.next(t, wkSystem, nil, domain.EventSLAWarning)
		w.at(tk, 8*time.Hour)
		w.sweep(t, 1)
		log.next(t, wkSystem, nil, domain.EventSLABreached, domain.EventEscalated)
	})
	t.Run("a warning given fires again when the warning point moves ahead", func(t *testing.T) {
		w := startWorking(t)
		tk := w.file(t, wkSevA)
		log := w.track(t, tk.GetId())
		w.at(tk, 100*time.Minute)
		w.sweep(t, 1)
		log.next(t, wkSystem, nil, domain.EventSLAWarning)
		got := change(t, w, tk, wkSevC) // warning 16:00 is ahead: the clock runs again
		if got.GetSlaState() != wkSLARun {
			t.Fatalf("after A -> C past the A warning: SLA %v, want RUNNING", got.GetSlaState())
		}
		log.next(t, w.partnerActor, got, domain.EventSeverityChanged)
		w.at(tk, 2*time.Hour) // the old deadline
		w.sweep(t, 0)
		log.none(t)
		w.at(tk, 6*time.Hour)
		w.sweep(t, 1)
		log.next(t, wkSystem, nil, domain.EventSLAWarning)
		w.at(tk, 8*time.Hour)
		w.sweep(t, 1)
		log.next(t, wkSystem, nil, domain.EventSLABreached, domain.EventEscalated)
	})
	t.Run("a warning given stays given when the new warning point has passed", func(t *testing.T) {
		w := startWorking(t)
		tk := w.file(t, wkSevC) // warning 16:00, due 18:00
		log := w.track(t, tk.GetId())
		w.at(tk, 6*time.Hour+30*time.Minute)
		w.sweep(t, 1)
		log.next(t, wkSystem, nil, domain.EventSLAWarning)
		got := change(t, w, tk, wkSevB) // warning 13:00 and due 14:00 both passed
		if got.GetSlaState() != wkSLAWarn {
			t.Fatalf("after C -> B: SLA %v, want WARNING", got.GetSlaState())
		}
		log.next(t, w.partnerActor, got, domain.EventSeverityChanged)
		w.sweep(t, 1) // the breach only: no second warning
		log.next(t, wkSystem, nil, domain.EventSLABreached, domain.EventEscalated)
	})
	t.Run("a breach is never undone", func(t *testing.T) {
		w := startWorking(t)
		tk := w.file(t, wkSevA)
		log := w.track(t, tk.GetId())
		w.at(tk, 2*time.Hour)
		w.sweep(t, 1)
		log.next(t, wkSystem, nil, domain.EventSLAWarning, domain.EventSLABreached, domain.EventEscalated)
		w.at(tk, 150*time.Minute)
		got := change(t, w, tk, wkSevC) // due 18:00, ahead
		if got.GetSlaState() != wkSLABr || got.GetEscalationLevel() != 1 || !got.GetDutyManagerTier() {
			t.Fatalf("after A -> C on a breached ticket: %v", got)
		}
		log.next(t, w.partnerActor, got, domain.EventSeverityChanged)
		// A first response before the new deadline: still BREACHED.
		resp, err := w.s.Agent().AcknowledgeTicket(w.agent(t), &supportv1.AcknowledgeTicketRequest{TicketId: tk.GetId(), Message: "hi"})
		if err != nil {
			t.Fatal(err)
		}
		if resp.GetTicket().GetSlaState() != wkSLABr {
			t.Fatalf("acknowledged breached ticket: SLA %v", resp.GetTicket().GetSlaState())
		}
		log.next(t, w.agentActor, resp.GetTicket(), domain.EventAcknowledged)
		for _, d := range []time.Duration{6 * time.Hour, 8 * time.Hour, 24 * time.Hour} {
			w.at(tk, d)
			w.sweep(t, 0)
		}
		log.none(t)
	})
}
