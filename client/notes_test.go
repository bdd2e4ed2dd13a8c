package client_test

import (
	"context"
	"fmt"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"

	"github.com/supportd/supportd/client"
	supportv1 "github.com/supportd/supportd/gen/support/v1"
)

// notesOf collects an iterator of notes, failing on an error.
func notesOf(t *testing.T, seq func(func(*supportv1.Note, error) bool)) []*supportv1.Note {
	t.Helper()
	var out []*supportv1.Note
	for n, err := range seq {
		if err != nil {
			t.Fatalf("notes: %v", err)
		}
		out = append(out, n)
	}
	return out
}

func TestTicketNotes(t *testing.T) {
	e := start(t)
	ctx := t.Context()
	tk := mustCreate(t, e.c, "a conversation")
	var want []string
	for i := range 3 {
		text := fmt.Sprintf("partner note %d", i+1)
		if _, err := e.c.AddTicketNote(ctx, tk.GetId(), text); err != nil {
			t.Fatal(err)
		}
		want = append(want, text)
	}
	if _, err := e.agent.AddAgentNote(ctx, tk.GetId(), "support note"); err != nil {
		t.Fatal(err)
	}
	want = append(want, "support note")

	page, err := e.c.ListTicketNotes(ctx, &supportv1.ListTicketNotesRequest{TicketId: tk.GetId(), PageSize: 2})
	if err != nil || len(page.GetNotes()) != 2 || page.GetNextPageToken() == "" {
		t.Fatalf("first page of 2: %v, %v", page, err)
	}
	for name, notes := range map[string][]*supportv1.Note{
		"partner": notesOf(t, e.c.AllTicketNotes(ctx, tk.GetId())),
		"agent":   notesOf(t, e.agent.AllAgentTicketNotes(ctx, tk.GetId())),
	} {
		if len(notes) != len(want) {
			t.Fatalf("%s: %d notes, want %d", name, len(notes), len(want))
		}
		for i, n := range notes {
			if n.GetText() != want[i] || n.GetId() != fmt.Sprint(i+1) || n.GetCreateTime() == nil {
				t.Errorf("%s: note %d = %v, want %q", name, i, n, want[i])
			}
		}
		if notes[0].GetAuthor() != "partner:adatum" || notes[3].GetAuthor() == notes[0].GetAuthor() {
			t.Errorf("%s: authors %q and %q", name, notes[0].GetAuthor(), notes[3].GetAuthor())
		}
	}

	got, err := e.agent.GetAgentTicket(ctx, tk.GetId())
	if err != nil {
		t.Fatal(err)
	}
	mine, err := e.c.GetTicket(ctx, tk.GetId())
	if err != nil || !proto.Equal(got, mine) || got.GetNoteCount() != 4 {
		t.Fatalf("agent's ticket %v, partner's %v (%v)", got, mine, err)
	}

	var errs []error
	for _, err := range e.c.AllTicketNotes(ctx, "no-such-ticket") {
		errs = append(errs, err)
	}
	if len(errs) != 1 || client.Code(errs[0]) != codes.NotFound {
		t.Fatalf("notes of an unknown ticket: %v, want one NOT_FOUND", errs)
	}
	if _, err := e.agent.GetAgentTicket(ctx, "no-such-ticket"); client.Code(err) != codes.NotFound {
		t.Fatalf("GetAgentTicket of an unknown ticket: %v", err)
	}
}

// An agent's queue watch follows one queue across a server restart: every
// event once, in order; NOTE_ADDED carries the note; a ticket moved to
// another queue leaves the stream.
func TestWatchQueueTicketsSurvivesRestart(t *testing.T) {
	e := start(t)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	caughtUp := make(chan struct{}, 1)
	w := e.agent.WatchQueueTickets(ctx, supportv1.Queue_QUEUE_AZURE, "", client.OnCheckpoint(func(*supportv1.Checkpoint) {
		select {
		case caughtUp <- struct{}{}:
		default:
		}
	}))
	ch := collect(w)
	<-caughtUp
	tk := mustCreate(t, e.c, "queue watched")
	if _, err := e.c.AddTicketNote(ctx, tk.GetId(), "before the restart"); err != nil {
		t.Fatal(err)
	}
	evs := expect(t, ch, supportv1.TicketEventType_TICKET_EVENT_TYPE_CREATED, supportv1.TicketEventType_TICKET_EVENT_TYPE_NOTE_ADDED)
	if evs[1].GetNote().GetText() != "before the restart" {
		t.Fatalf("NOTE_ADDED carries %v", evs[1].GetNote())
	}

	e.restart(t)
	if _, err := e.c.AddTicketNote(ctx, tk.GetId(), "while down"); err != nil {
		t.Fatal(err)
	}
	other := mustCreate(t, e.c, "filed while down")
	if _, err := e.agent.ReassignTicket(ctx, other.GetId(), supportv1.Queue_QUEUE_BILLING); err != nil {
		t.Fatal(err)
	}
	if _, err := e.agent.AddAgentNote(ctx, tk.GetId(), "after"); err != nil {
		t.Fatal(err)
	}
	evs = expect(t, ch, supportv1.TicketEventType_TICKET_EVENT_TYPE_NOTE_ADDED, supportv1.TicketEventType_TICKET_EVENT_TYPE_CREATED,
		supportv1.TicketEventType_TICKET_EVENT_TYPE_NOTE_ADDED)
	if evs[0].GetNote().GetText() != "while down" || evs[1].GetTicketId() != other.GetId() || evs[2].GetNote().GetText() != "after" {
		t.Fatalf("after the restart: %v", evs)
	}
	if w.LastSequence() != evs[2].GetSequence() {
		t.Fatalf("LastSequence %d, want %d", w.LastSequence(), evs[2].GetSequence())
	}
	cancel()
	for it := range ch {
		if it.err == nil {
			t.Errorf("extra event %v seq %d (the reassignment left the queue)", it.ev.GetType(), it.ev.GetSequence())
		}
	}
}
