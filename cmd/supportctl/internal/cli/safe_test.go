package cli

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	supportv1 "github.com/supportd/supportd/gen/support/v1"
)

func TestPrintable(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"VM unreachable", "VM unreachable"},
		{"", ""},
		{"  two\n\nlines\t tabbed  ", "two lines tabbed"},
		{"\x1b[31mRED\x1b[0m", `\x1b[31mRED\x1b[0m`},
		{"clear\x1b[2J\x1b[H", `clear\x1b[2J\x1b[H`},
		{"bell\a del\x7f", `bell\x07 del\x7f`},
		{"c1 \u009b31m csi", `c1 \x9b31m csi`},
		{"abc\u202edcba", `abc\u202edcba`},
		{"isolate\u2066x\u2069", `isolate\u2066x\u2069`},
		{"bad \xff utf8", `bad \xff utf8`},
		{"é ✓ 日本語 👍🏽", "é ✓ 日本語 👍🏽"},
		{"zwj 👩\u200d💻 kept", "zwj 👩\u200d💻 kept"},
	} {
		if got := printable(c.in); got != c.want {
			t.Errorf("printable(%q) = %q, want %q", c.in, got, c.want)
		}
		if strings.ContainsFunc(printable(c.in), unsafeRune) {
			t.Errorf("printable(%q) still holds an unsafe rune", c.in)
		}
	}
}

func TestJSONSafe(t *testing.T) {
	for _, in := range []string{
		`{"text":"plain"}`,
		"{\"text\":\"c1 \u009b31m del \x7f rlo \u202e\"}",
		"{\n  \"text\": \"indented \\u001b \u009b\"\n}",
	} {
		out := jsonSafe([]byte(in))
		if bytes.ContainsFunc(out, jsonUnsafe) || bytes.Count(out, []byte("\n")) != strings.Count(in, "\n") {
			t.Errorf("jsonSafe(%q) = %q: unsafe runes left", in, out)
		}
		var a, b map[string]string
		if err := json.Unmarshal([]byte(in), &a); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(out, &b); err != nil || a["text"] != b["text"] {
			t.Errorf("jsonSafe(%q) = %q decodes to %q (%v), want %q", in, out, b["text"], err, a["text"])
		}
	}
}

// A watch line shows the note's text (escaped) on NOTE_ADDED, after the
// detail on ACKNOWLEDGED; JSON lines carry it escaped.
func TestPrintEventNote(t *testing.T) {
	at := timestamppb.New(time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC))
	note := &supportv1.Note{Id: "1", Author: "partner:adatum", Text: "logs\nattached \x1b[31m\u009b", CreateTime: at}
	for _, c := range []struct {
		typ    supportv1.TicketEventType
		detail string
		want   string
	}{
		{supportv1.TicketEventType_TICKET_EVENT_TYPE_NOTE_ADDED, "note added", `  logs attached \x1b[31m\x9b`},
		{supportv1.TicketEventType_TICKET_EVENT_TYPE_ACKNOWLEDGED, "first response; SLA MET", `  first response; SLA MET: logs attached \x1b[31m\x9b`},
	} {
		ev := &supportv1.TicketEvent{Sequence: 7, TicketId: "T-1", Type: c.typ, EventTime: at, Actor: "agent:k\x1b", Message: c.detail, Note: note}
		var b bytes.Buffer
		if err := printEvent(&b, false, ev); err != nil {
			t.Fatal(err)
		}
		line := b.String()
		if !strings.HasSuffix(line, c.want+"\n") || !strings.Contains(line, `agent:k\x1b`) || strings.ContainsFunc(line[:len(line)-1], unsafeRune) {
			t.Errorf("%v line %q, want it to end with %q, actor escaped", c.typ, line, c.want)
		}
		b.Reset()
		if err := printEvent(&b, true, ev); err != nil {
			t.Fatal(err)
		}
		if bytes.ContainsFunc(bytes.TrimSuffix(b.Bytes(), []byte("\n")), unsafeRune) || !strings.Contains(b.String(), `\u001b[31m\u009b`) {
			t.Errorf("%v JSON line %q holds raw control characters", c.typ, b.String())
		}
	}
}
