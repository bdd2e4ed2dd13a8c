package cli_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/protojson"

	supportv1 "github.com/supportd/supportd/gen/support/v1"
)

// hostile is text a user might send to attack terminals: ANSI colour,
// screen clearing, a C1 CSI and a right-to-left override.
const hostile = "\x1b[31mRED\x1b[0m \x1b[2J\u009b1m \u202eevil"

// rawControl reports whether out holds a raw escape or override that
// would reach the terminal (newlines and tabs of the layout aside).
func rawControl(out string) bool {
	return strings.ContainsAny(out, "\x1b\u009b\u202e\x07")
}

func TestTicketsNotes(t *testing.T) {
	c := newCtl(t)
	id := c.create().GetId()
	c.ok("tickets", "note", id, "logs attached")
	c.ok("tickets", "note", id, "two\nlines "+hostile)

	out := c.ok("tickets", "notes", id)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "ID") || !strings.Contains(lines[0], "TIME") ||
		!strings.Contains(lines[0], "AUTHOR") || !strings.Contains(lines[0], "TEXT") {
		t.Fatalf("notes table (header + 2 notes, one line each):\n%s", out)
	}
	if !strings.HasPrefix(lines[1], "1 ") || !strings.Contains(lines[1], "partner:adatum") || !strings.HasSuffix(lines[1], "logs attached") {
		t.Errorf("first note row: %q", lines[1])
	}
	if !strings.HasPrefix(lines[2], "2 ") || !strings.HasSuffix(lines[2], `two lines \x1b[31mRED\x1b[0m \x1b[2J\x9b1m \u202eevil`) {
		t.Errorf("second note row: %q", lines[2])
	}
	if rawControl(out) {
		t.Errorf("notes table passes control characters to the terminal: %q", out)
	}

	out = c.ok("-o", "json", "tickets", "notes", id)
	var resp supportv1.ListTicketNotesResponse
	if err := protojson.Unmarshal([]byte(out), &resp); err != nil || len(resp.GetNotes()) != 2 {
		t.Fatalf("notes json: %v\n%s", err, out)
	}
	if resp.GetNotes()[1].GetText() != "two\nlines "+hostile || resp.GetNotes()[0].GetId() != "1" {
		t.Errorf("notes json decodes to %v", resp.GetNotes())
	}
	if rawControl(out) {
		t.Errorf("notes json passes control characters to the terminal: %q", out)
	}

	code, _, errs := c.run("tickets", "notes", "nope")
	if code != 1 || !strings.Contains(errs, "NOT_FOUND") {
		t.Errorf("notes of an unknown ticket: exit %d, %q", code, errs)
	}
}

// A ticket whose title and contact hold escape sequences prints them
// escaped in every table and in JSON.
func TestHostileTextEscaped(t *testing.T) {
	c := newCtl(t)
	args := append([]string(nil), createArgs...)
	for i, a := range args {
		switch a {
		case "VM unreachable":
			args[i] = "VM " + hostile
		case "Ann Smith":
			args[i] = "Ann\x1b]0;pwned\x07"
		}
	}
	out := c.ok(args...)
	if rawControl(out) || !strings.Contains(out, `VM \x1b[31mRED\x1b[0m`) || !strings.Contains(out, `Ann\x1b]0;pwned\x07`) {
		t.Errorf("create table:\n%q", out)
	}
	for _, cmd := range [][]string{{"tickets", "list"}, {"-o", "json", "tickets", "list"}} {
		if out := c.ok(cmd...); rawControl(out) || !strings.Contains(out, "RED") {
			t.Errorf("%v passes control characters: %q", cmd, out)
		}
	}
}

// signalWriter is a syncBuffer that signals when its content first
// contains want.
type signalWriter struct {
	syncBuffer
	want string
	once sync.Once
	seen chan struct{}
}

func (w *signalWriter) Write(p []byte) (int, error) {
	n, err := w.syncBuffer.Write(p)
	if strings.Contains(w.String(), w.want) {
		w.once.Do(func() { close(w.seen) })
	}
	return n, err
}

// tickets watch shows the text of a note on its NOTE_ADDED line, escaped.
func TestWatchShowsNoteText(t *testing.T) {
	c := newCtl(t)
	id := c.create().GetId()
	c.ok("tickets", "note", id, "first\n"+hostile)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	out := &signalWriter{want: `evil`, seen: make(chan struct{})}
	var errs syncBuffer
	done := make(chan int, 1)
	go func() { done <- c.runContext(ctx, out, &errs, "tickets", "watch", id) }()
	select {
	case <-out.seen:
	case <-time.After(10 * time.Second):
		t.Fatalf("no note text in the watch output:\n%s", out.String())
	}
	cancel()
	<-done
	text := out.String()
	if rawControl(text) || !strings.Contains(text, `note-added`) || !strings.Contains(text, `first \x1b[31mRED\x1b[0m \x1b[2J\x9b1m \u202eevil`) {
		t.Errorf("watch output:\n%q", text)
	}
}
