package sqlite

import (
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/supportd/supportd/server/domain"
)

// randomString mixes ASCII, characters encoding/json escapes (quotes,
// backslashes, control characters, <>&, U+2028), multi-byte runes and
// runes outside the BMP.
func randomString(r *rand.Rand) string {
	pieces := []string{"a", "Z", " ", "\"", "\\", "\n", "\t", "\r", "\x01", "\x1f", "<", ">", "&", "\u2028",
		"é", "日本", "😀", "/", "\u007f", "0", "\\u0041"}
	var b strings.Builder
	for range r.IntN(12) {
		b.WriteString(pieces[r.IntN(len(pieces))])
	}
	return b.String()
}

func randomTime(r *rand.Rand) time.Time {
	switch r.IntN(4) {
	case 0:
		return time.Time{}
	case 1:
		return time.Unix(r.Int64N(4_000_000_000), r.Int64N(1e9)).UTC()
	case 2:
		return time.Unix(r.Int64N(4_000_000_000), 0).In(time.FixedZone("", 3600*(r.IntN(25)-12)))
	}
	return time.Unix(r.Int64N(4_000_000_000), r.Int64N(1e9)).In(time.FixedZone("", 60*(r.IntN(1000)-500)))
}

func randomTicket(r *rand.Rand) domain.Ticket {
	s := func() string { return randomString(r) }
	t := domain.Ticket{
		ID: s(), PartnerID: s(), CustomerID: s(), Service: domain.Service(s()), SupportTopicID: s(),
		Category: domain.Category(s()), Title: s(), Description: s(), Severity: domain.Severity(s()), Language: s(),
		Contact: domain.Contact{Name: s(), Email: s(), Phone: s()}, PreferredContactMethod: domain.ContactMethod(s()),
		Status: domain.TicketStatus(s()), SupportPlan: domain.SupportPlan(s()), Fee: domain.Fee(s()), Queue: domain.Queue(s()),
		Priority: r.IntN(2) == 0, DutyManagerTier: r.IntN(2) == 0, EscalationLevel: r.IntN(5) - 1,
		SLAState: domain.SLAState(s()), BusinessHours: r.IntN(2) == 0, ResponseTarget: time.Duration(r.Int64() - r.Int64()),
		CalendarID: s(), ResponseDueTime: randomTime(r), WarnTime: randomTime(r), FirstResponseTime: randomTime(r),
		CreateTime: randomTime(r), UpdateTime: randomTime(r), Version: r.Int64N(1 << 40),
	}
	switch r.IntN(3) {
	case 0: // nil
	case 1:
		t.Notes = []domain.Note{}
	default:
		for range 1 + r.IntN(3) {
			t.Notes = append(t.Notes, domain.Note{Author: s(), Text: s(), CreateTime: randomTime(r)})
		}
	}
	return t
}

// TestFastDecodeTicket checks that the fast path accepts every document
// json.Marshal writes and decodes it exactly as encoding/json does.
func TestFastDecodeTicket(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	tickets := []domain.Ticket{{}, benchTicket("tk-1")}
	for range 3000 {
		tickets = append(tickets, randomTicket(r))
	}
	for i, tk := range tickets {
		data, err := json.Marshal(tk)
		if err != nil {
			t.Fatal(err)
		}
		var want domain.Ticket
		if err := json.Unmarshal(data, &want); err != nil {
			t.Fatal(err)
		}
		got, err := fastDecodeTicket(data)
		if err != nil {
			t.Fatalf("ticket %d: fast path refused %s: %v", i, data, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("ticket %d: fast path decoded %s\nas   %#v\nwant %#v", i, data, got, want)
		}
	}
}

// TestFastDecodeTicketRefuses checks documents outside the fast path go
// to encoding/json (and decodeTicket still decodes or rejects them).
func TestFastDecodeTicketRefuses(t *testing.T) {
	for _, doc := range []string{
		`{"ID":"a","ID":"b"}`, `{"id":"a"}`, `{"Version":1.0}`, `{"Version":01}`, `{"Title":null}`,
		`{"Title":"a"} x`, `{"Title":"\x01"}`, `{"Title":"\ud800"}`, "{\"Title\":\"\xff\"}", `{"Extra":1}`,
		`{"Version":99999999999999999999}`, `{"CreateTime":"yesterday"}`, `[]`, ``,
	} {
		if _, err := fastDecodeTicket([]byte(doc)); err == nil {
			t.Errorf("fast path accepted %q", doc)
		}
		var want domain.Ticket
		wantErr := json.Unmarshal([]byte(doc), &want)
		got, err := decodeTicket([]byte(doc))
		if (err != nil) != (wantErr != nil) || (err == nil && !reflect.DeepEqual(got, want)) {
			t.Errorf("decodeTicket(%q) = %v, %v; encoding/json: %v, %v", doc, got, err, want, wantErr)
		}
	}
}

// FuzzFastDecodeTicket: whatever the fast path accepts, encoding/json
// accepts and decodes the same way.
func FuzzFastDecodeTicket(f *testing.F) {
	r := rand.New(rand.NewPCG(3, 4))
	for range 20 {
		data, _ := json.Marshal(randomTicket(r))
		f.Add(data)
	}
	f.Add([]byte(`{"Notes":[{"Author":"a"},{"Text":"\u00e9\ud83d\ude00"}],"Contact":{"Name":"x","Name":"y"}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := fastDecodeTicket(data)
		if err != nil {
			return
		}
		var want domain.Ticket
		if err := json.Unmarshal(data, &want); err != nil {
			t.Fatalf("fast path accepted %q, encoding/json refused it: %v", data, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("fast path decoded %q\nas   %#v\nwant %#v", data, got, want)
		}
	})
}

func BenchmarkDecodeTicket(b *testing.B) {
	tk := benchTicket("01890a5d-ac96-774b-bcce-b302099a8057")
	tk.Notes = []domain.Note{{Author: "agent:x", Text: "Restarted the gateway.\nPlease retry.", CreateTime: tk.CreateTime}}
	data, _ := json.Marshal(tk)
	b.Run("encoding/json", func(b *testing.B) {
		for b.Loop() {
			var t domain.Ticket
			if err := json.Unmarshal(data, &t); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("fast", func(b *testing.B) {
		for b.Loop() {
			if _, err := fastDecodeTicket(data); err != nil {
				b.Fatal(err)
			}
		}
	})
}
