package api_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	supportv1 "github.com/supportd/supportd/gen/support/v1"
	"github.com/supportd/supportd/server/api"
	"github.com/supportd/supportd/server/app"
	"github.com/supportd/supportd/server/config"
	"github.com/supportd/supportd/server/domain"
	"github.com/supportd/supportd/server/internal/testserver"
)

// noteLimits sets limits.note_bytes and limits.notes_per_ticket.
func noteLimits(noteBytes, perTicket int) testserver.Option {
	return testserver.WithOptions(func(o *app.Options) {
		c := config.Default()
		c.Escalation.CheckInterval = 24 * time.Hour
		c.Limits.NoteBytes, c.Limits.NotesPerTicket = noteBytes, perTicket
		o.Config = c
	})
}

// notePage lists one page of a ticket's notes as the partner.
func (w *wk) notePage(t *testing.T, id string, size int32, token string) *supportv1.ListTicketNotesResponse {
	t.Helper()
	resp, err := w.s.Support().ListTicketNotes(w.partner(t), &supportv1.ListTicketNotesRequest{TicketId: id, PageSize: size, PageToken: token})
	if err != nil {
		t.Fatalf("ListTicketNotes %s: %v", id, err)
	}
	return resp
}

// addNote adds a partner note, failing the test on error.
func (w *wk) addNote(t *testing.T, id, text string) {
	t.Helper()
	if _, err := w.s.Support().AddTicketNote(w.partner(t), &supportv1.AddTicketNoteRequest{TicketId: id, Text: text}); err != nil {
		t.Fatalf("AddTicketNote %s: %v", id, err)
	}
}

// wantNumbered fails unless notes are numbered 1, 2, ... in order with the
// texts "note <n>" and non-decreasing times: oldest first, none twice,
// none skipped.
func wantNumbered(t *testing.T, notes []*supportv1.Note) {
	t.Helper()
	for i, n := range notes {
		if n.GetId() != strconv.Itoa(i+1) || n.GetText() != fmt.Sprintf("note %d", i+1) {
			t.Fatalf("note at %d is %s %q, want %d %q", i, n.GetId(), n.GetText(), i+1, fmt.Sprintf("note %d", i+1))
		}
		if i > 0 && n.GetCreateTime().AsTime().Before(notes[i-1].GetCreateTime().AsTime()) {
			t.Fatalf("note %s is older than note %s", n.GetId(), notes[i-1].GetId())
		}
	}
}

// Notes added while a reader pages through them show up on later pages:
// never twice, never skipped, oldest first; the last page has no token.
func TestNotesPagingWhileAdding(t *testing.T) {
	w := startWorking(t)
	tk := w.file(t, wkSevB)
	for i := 1; i <= 10; i++ {
		w.s.Clock.Advance(time.Second)
		w.addNote(t, tk.GetId(), fmt.Sprintf("note %d", i))
	}

	// Deterministic: two notes are added after every page.
	var seen []*supportv1.Note
	next := 10
	token := ""
	for {
		page := w.notePage(t, tk.GetId(), 4, token)
		if len(page.GetNotes()) > 4 {
			t.Fatalf("page of %d notes, asked for 4", len(page.GetNotes()))
		}
		seen = append(seen, page.GetNotes()...)
		if token = page.GetNextPageToken(); token == "" {
			break
		}
		if next < 20 {
			for range 2 {
				next++
				w.s.Clock.Advance(time.Second)
				w.addNote(t, tk.GetId(), fmt.Sprintf("note %d", next))
			}
		}
	}
	wantNumbered(t, seen)
	if len(seen) != next {
		t.Fatalf("paged %d notes, %d were added", len(seen), next)
	}

	// Concurrent: a writer adds notes while a reader pages with small pages.
	var wg sync.WaitGroup
	wg.Add(1)
	errs := make(chan error, 1)
	go func() {
		defer wg.Done()
		for i := next + 1; i <= next+40; i++ {
			_, err := w.s.Support().AddTicketNote(testserver.Auth(context.Background(), w.dir.PartnerKey),
				&supportv1.AddTicketNoteRequest{TicketId: tk.GetId(), Text: fmt.Sprintf("note %d", i)})
			if err != nil {
				errs <- err
				return
			}
		}
	}()
	seen = nil
	token = ""
	for {
		page := w.notePage(t, tk.GetId(), 3, token)
		seen = append(seen, page.GetNotes()...)
		if token = page.GetNextPageToken(); token == "" {
			break
		}
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		t.Fatal(err)
	}
	wantNumbered(t, seen)
	if len(seen) < next {
		t.Fatalf("paged %d notes while adding, at least %d were there", len(seen), next)
	}
	all := w.notes(t, tk.GetId())
	wantNumbered(t, all)
	if len(all) != next+40 {
		t.Fatalf("%d notes in the end, want %d", len(all), next+40)
	}
	if got := w.get(t, tk.GetId()).GetNoteCount(); got != int32(len(all)) {
		t.Fatalf("note_count %d, %d notes listed", got, len(all))
	}

	// Page sizes: the default is 50, at most 500, negative is invalid.
	if n := len(w.notePage(t, tk.GetId(), 0, "").GetNotes()); n != api.DefaultPageSize {
		t.Errorf("default page: %d notes, want %d", n, api.DefaultPageSize)
	}
	_, err := w.s.Support().ListTicketNotes(w.partner(t), &supportv1.ListTicketNotesRequest{TicketId: tk.GetId(), PageSize: -1})
	wantFields(t, err, "page_size")
}

// A page stops short of MaxPageBytes, whatever page_size asks, and the
// following pages continue after its last note.
func TestNotesPageByteBound(t *testing.T) {
	const noteBytes = 1_000_000 // under the 1 MiB request limit
	w := startWorking(t, noteLimits(noteBytes, 100))
	tk := w.file(t, wkSevB)
	for i := 1; i <= 8; i++ {
		text := fmt.Sprintf("note %d ", i) + strings.Repeat("x", noteBytes-10)
		if _, err := w.s.Support().AddTicketNote(w.partner(t), &supportv1.AddTicketNoteRequest{TicketId: tk.GetId(), Text: text}); err != nil {
			t.Fatal(err)
		}
	}
	var ids []string
	token := ""
	for pages := 0; ; pages++ {
		page := w.notePage(t, tk.GetId(), 500, token)
		size := 0
		for _, n := range page.GetNotes() {
			size += len(n.GetText())
			ids = append(ids, n.GetId())
		}
		if size > api.MaxPageBytes || len(page.GetNotes()) == 0 {
			t.Fatalf("page %d: %d notes, %d bytes of text (bound %d)", pages, len(page.GetNotes()), size, api.MaxPageBytes)
		}
		if token = page.GetNextPageToken(); token == "" {
			break
		}
	}
	if strings.Join(ids, ",") != "1,2,3,4,5,6,7,8" {
		t.Fatalf("paged notes %v, want 1..8 once each", ids)
	}
}

// A note over limits.note_bytes is INVALID_ARGUMENT and a ticket holding
// limits.notes_per_ticket notes RESOURCE_EXHAUSTED with a QuotaFailure,
// whichever call adds the note; a refused call commits nothing.
func TestNoteLimitsCommitNothing(t *testing.T) {
	w := startWorking(t, noteLimits(100, 3))
	tk := w.file(t, wkSevB)
	before := w.s.LastSequence(t)
	for _, text := range []string{strings.Repeat("x", 101), strings.Repeat("é", 50) + "x"} {
		_, err := w.s.Support().AddTicketNote(w.partner(t), &supportv1.AddTicketNoteRequest{TicketId: tk.GetId(), Text: text})
		wantFields(t, err, "text")
		_, err = w.s.Agent().AddAgentNote(w.agent(t), &supportv1.AddAgentNoteRequest{TicketId: tk.GetId(), Text: text})
		wantFields(t, err, "text")
		_, err = w.s.Agent().AcknowledgeTicket(w.agent(t), &supportv1.AcknowledgeTicketRequest{TicketId: tk.GetId(), Message: text})
		wantFields(t, err, "message")
		_, err = w.s.Agent().SetTicketStatus(w.agent(t), &supportv1.SetTicketStatusRequest{TicketId: tk.GetId(), Status: wkProgress, Message: text})
		wantFields(t, err, "message")
	}
	if after := w.s.LastSequence(t); after != before {
		t.Fatalf("refused notes appended events (sequence %d -> %d)", before, after)
	}
	w.addNote(t, tk.GetId(), strings.Repeat("é", 50)) // exactly 100 bytes
	w.addNote(t, tk.GetId(), "two")
	w.addNote(t, tk.GetId(), "three")
	full := w.get(t, tk.GetId())
	before = w.s.LastSequence(t)

	quota := func(err error) {
		t.Helper()
		st := wantCode(t, err, codes.ResourceExhausted)
		wantInfo(t, err, codes.ResourceExhausted, "NOTES_PER_TICKET", map[string]string{"subject": "tickets/" + tk.GetId()})
		if qf := testserver.DetailsOf(err).Quota; len(qf.GetViolations()) == 1 &&
			qf.GetViolations()[0].GetSubject() == "tickets/"+tk.GetId() && qf.GetViolations()[0].GetDescription() != "" {
			return
		}
		t.Fatalf("RESOURCE_EXHAUSTED %q without a QuotaFailure on the ticket: %v", st.Message(), st.Details())
	}
	_, err := w.s.Support().AddTicketNote(w.partner(t), &supportv1.AddTicketNoteRequest{TicketId: tk.GetId(), Text: "four"})
	quota(err)
	_, err = w.s.Agent().AddAgentNote(w.agent(t), &supportv1.AddAgentNoteRequest{TicketId: tk.GetId(), Text: "four"})
	quota(err)
	_, err = w.s.Agent().AcknowledgeTicket(w.agent(t), &supportv1.AcknowledgeTicketRequest{TicketId: tk.GetId(), Message: "on it"})
	quota(err)
	_, err = w.s.Agent().SetTicketStatus(w.agent(t), &supportv1.SetTicketStatusRequest{TicketId: tk.GetId(), Status: wkProgress, Message: "on it"})
	quota(err)
	if after := w.s.LastSequence(t); after != before {
		t.Fatalf("refused notes appended events (sequence %d -> %d)", before, after)
	}
	if again := w.get(t, tk.GetId()); again.GetEtag() != full.GetEtag() || again.GetNoteCount() != 3 || again.GetStatus() != wkNew {
		t.Fatalf("a refused call changed the ticket: %v", again)
	}
	if n := len(w.notes(t, tk.GetId())); n != 3 {
		t.Fatalf("%d notes stored, want 3", n)
	}
	// Changes that add no note go on.
	if _, err := w.s.Agent().SetTicketStatus(w.agent(t), &supportv1.SetTicketStatusRequest{TicketId: tk.GetId(), Status: wkProgress}); err != nil {
		t.Fatalf("status change without a message on a full ticket: %v", err)
	}
}

// ListTicketNotes is scoped to the caller's partner; page tokens are bound
// to the ticket and the method.
func TestNotesIsolation(t *testing.T) {
	w := startWorking(t)
	tk := w.file(t, wkSevB)
	for i := range 3 {
		w.addNote(t, tk.GetId(), fmt.Sprintf("note %d", i+1))
	}
	other := w.s.SeedDirectory(t, "contoso")
	octx := testserver.Auth(t.Context(), other.PartnerKey)
	_, err := w.s.Support().ListTicketNotes(octx, &supportv1.ListTicketNotesRequest{TicketId: tk.GetId()})
	wantInfo(t, err, codes.NotFound, "NOT_FOUND", map[string]string{"kind": "ticket", "id": tk.GetId()})
	_, err = w.s.Support().ListTicketNotes(w.partner(t), &supportv1.ListTicketNotesRequest{TicketId: "no-such-ticket"})
	wantCode(t, err, codes.NotFound)
	_, err = w.s.Support().ListTicketNotes(w.partner(t), &supportv1.ListTicketNotesRequest{})
	wantFields(t, err, "ticket_id")

	page := w.notePage(t, tk.GetId(), 1, "")
	second := w.file(t, wkSevC)
	_, err = w.s.Support().ListTicketNotes(w.partner(t), &supportv1.ListTicketNotesRequest{TicketId: second.GetId(), PageToken: page.GetNextPageToken()})
	wantFields(t, err, "page_token")
	_, err = w.s.Agent().ListAgentTicketNotes(w.agent(t), &supportv1.ListAgentTicketNotesRequest{TicketId: tk.GetId(), PageToken: page.GetNextPageToken()})
	wantFields(t, err, "page_token")
	_, err = w.s.Support().ListTicketNotes(w.partner(t), &supportv1.ListTicketNotesRequest{TicketId: tk.GetId(), PageToken: "garbage"})
	wantFields(t, err, "page_token")
}

// Support reads any partner's ticket and notes.
func TestAgentTicketAndNotes(t *testing.T) {
	w := startWorking(t)
	tk := w.file(t, wkSevB)
	w.s.Clock.Advance(time.Minute)
	w.addNote(t, tk.GetId(), "from the partner")
	if _, err := w.s.Agent().AddAgentNote(w.agent(t), &supportv1.AddAgentNoteRequest{TicketId: tk.GetId(), Text: "from support"}); err != nil {
		t.Fatal(err)
	}
	resp, err := w.s.Agent().GetAgentTicket(w.agent(t), &supportv1.GetAgentTicketRequest{TicketId: tk.GetId()})
	if err != nil {
		t.Fatal(err)
	}
	w.sameAsStored(t, resp.GetTicket())
	if resp.GetTicket().GetNoteCount() != 2 {
		t.Fatalf("agent ticket note_count %d, want 2", resp.GetTicket().GetNoteCount())
	}
	var notes []*supportv1.Note
	req := &supportv1.ListAgentTicketNotesRequest{TicketId: tk.GetId(), PageSize: 1}
	for {
		page, err := w.s.Agent().ListAgentTicketNotes(w.agent(t), req)
		if err != nil {
			t.Fatal(err)
		}
		notes = append(notes, page.GetNotes()...)
		if req.PageToken = page.GetNextPageToken(); req.PageToken == "" {
			break
		}
	}
	now := w.s.Clock.Now()
	want := []wkNote{{1, w.partnerActor, "from the partner", now}, {2, w.agentActor, "from support", now}}
	if len(notes) != len(want) {
		t.Fatalf("agent listed %d notes, want 2", len(notes))
	}
	for i, n := range notes {
		if n.GetId() != strconv.FormatInt(want[i].id, 10) || n.GetAuthor() != want[i].author || n.GetText() != want[i].text ||
			!n.GetCreateTime().AsTime().Equal(want[i].at) {
			t.Errorf("agent note %d = %v, want %+v", i, n, want[i])
		}
	}

	_, err = w.s.Agent().GetAgentTicket(w.agent(t), &supportv1.GetAgentTicketRequest{TicketId: "no-such-ticket"})
	wantCode(t, err, codes.NotFound)
	_, err = w.s.Agent().GetAgentTicket(w.agent(t), &supportv1.GetAgentTicketRequest{})
	wantFields(t, err, "ticket_id")
	_, err = w.s.Agent().ListAgentTicketNotes(w.agent(t), &supportv1.ListAgentTicketNotesRequest{TicketId: "no-such-ticket"})
	wantCode(t, err, codes.NotFound)
	// A partner key is not an agent key.
	_, err = w.s.Agent().GetAgentTicket(w.partner(t), &supportv1.GetAgentTicketRequest{TicketId: tk.GetId()})
	wantCode(t, err, codes.PermissionDenied)
}

// A status change with a message records the move and then the note, each
// with its event; the note event carries the note.
func TestSetStatusMessageIsANote(t *testing.T) {
	w := startWorking(t)
	tk := w.file(t, wkSevB)
	if _, err := w.s.Agent().AcknowledgeTicket(w.agent(t), &supportv1.AcknowledgeTicketRequest{TicketId: tk.GetId(), Message: "ack"}); err != nil {
		t.Fatal(err)
	}
	log := w.track(t, tk.GetId())
	w.s.Clock.Advance(time.Minute)
	resp, err := w.s.Agent().SetTicketStatus(w.agent(t), &supportv1.SetTicketStatusRequest{TicketId: tk.GetId(), Status: wkWaiting, Message: "need the logs"})
	if err != nil {
		t.Fatal(err)
	}
	evs := log.next(t, w.agentActor, resp.GetTicket(), domain.EventStatusChanged, domain.EventNoteAdded)
	note := wkNote{2, w.agentActor, "need the logs", w.s.Clock.Now()}
	wantEventNote(t, evs[1], note)
	if evs[0].Note != nil {
		t.Fatalf("STATUS_CHANGED carries a note: %+v", evs[0].Note)
	}
	w.wantNotes(t, tk.GetId(), wkNote{1, w.agentActor, "ack", tk.GetCreateTime().AsTime()}, note)
}

// Listings of tickets stop short of MaxPageBytes too: 90 tickets of the
// largest size (10,000 four-byte characters of description, ~40 KB each)
// would make a page of 500 about 3.6 MB.
func TestTicketPagesByteBound(t *testing.T) {
	w := startWorking(t)
	big := strings.Repeat("😀", 10000)
	want := map[string]bool{}
	for range 90 {
		tk := w.file(t, wkSevB, func(r *supportv1.CreateTicketRequest) { r.Description = big })
		want[tk.GetId()] = true
	}
	checkPages := func(name string, pages [][]*supportv1.Ticket) {
		t.Helper()
		seen := map[string]bool{}
		for i, p := range pages {
			size := 0
			for _, tk := range p {
				size += len(tk.GetDescription())
				if seen[tk.GetId()] {
					t.Fatalf("%s: ticket %s twice", name, tk.GetId())
				}
				seen[tk.GetId()] = true
			}
			if size > api.MaxPageBytes || len(p) == 0 {
				t.Fatalf("%s page %d: %d tickets, %d bytes of description", name, i, len(p), size)
			}
		}
		if len(pages) < 2 || len(seen) != len(want) {
			t.Fatalf("%s: %d tickets in %d pages, want all %d in more than one page", name, len(seen), len(pages), len(want))
		}
	}

	var pages [][]*supportv1.Ticket
	req := &supportv1.ListTicketsRequest{PageSize: 500}
	for {
		resp, err := w.s.Support().ListTickets(w.partner(t), req)
		if err != nil {
			t.Fatal(err)
		}
		pages = append(pages, resp.GetTickets())
		if req.PageToken = resp.GetNextPageToken(); req.PageToken == "" {
			break
		}
	}
	checkPages("ListTickets", pages)

	pages = nil
	qreq := &supportv1.ListQueueTicketsRequest{Queue: supportv1.Queue_QUEUE_AZURE, PageSize: 500}
	for {
		resp, err := w.s.Agent().ListQueueTickets(w.agent(t), qreq)
		if err != nil {
			t.Fatal(err)
		}
		pages = append(pages, resp.GetTickets())
		if qreq.PageToken = resp.GetNextPageToken(); qreq.PageToken == "" {
			break
		}
	}
	checkPages("ListQueueTickets", pages)
}
