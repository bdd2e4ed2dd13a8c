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
		NoteCount: r.IntN(6000), AttachmentCount: r.IntN(60),
	}
	return t
}

// TestDecodeTicket checks that decodeTicket (goccy/go-json) decodes every
// document the store writes exactly as encoding/json does, for tickets
// with escapes, multi-byte text, zero and zoned times and counts.
func TestDecodeTicket(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	tickets := []domain.Ticket{{}, benchTicket("tk-1")}
	for range 3000 {
		tickets = append(tickets, randomTicket(r))
	}
	for i, tk := range tickets {
		data := mustJSON(tk)
		var want domain.Ticket
		if err := json.Unmarshal(data, &want); err != nil {
			t.Fatal(err)
		}
		got, err := decodeTicket(data)
		if err != nil {
			t.Fatalf("ticket %d: decode %s: %v", i, data, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("ticket %d: decoded %s\nas   %#v\nwant %#v", i, data, got, want)
		}
	}
	if _, err := decodeTicket([]byte(`{"Title":`)); err == nil {
		t.Error("a truncated document decoded without error")
	}
}

func BenchmarkDecodeTicket(b *testing.B) {
	tk := benchTicket("01890a5d-ac96-774b-bcce-b302099a8057")
	tk.NoteCount = 1
	data, _ := json.Marshal(tk)
	b.Run("encoding/json", func(b *testing.B) {
		for b.Loop() {
			var t domain.Ticket
			if err := json.Unmarshal(data, &t); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("goccy/go-json", func(b *testing.B) {
		for b.Loop() {
			if _, err := decodeTicket(data); err != nil {
				b.Fatal(err)
			}
		}
	})
}
