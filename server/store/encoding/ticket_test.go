package encoding

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	gojson "github.com/goccy/go-json"

	"github.com/supportd/supportd/server/domain"
)

var update = flag.Bool("update", false, "rewrite the golden files of the current format versions")

// golden compares got with testdata/name, or rewrites the file with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("stored form changed (%s): a format change needs a new version, see the package doc\ngot  %s\nwant %s", path, got, want)
	}
}

func readGolden(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestEncodeTicketGolden pins the bytes of the version 1 ticket format.
func TestEncodeTicketGolden(t *testing.T) {
	t.Parallel()
	b, err := EncodeTicket(fullTicket())
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "ticket_v1.json", b)
	ev, err := EncodeEventTicket(new(fullTicket()))
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "ticket_v1.json", ev) // an event's snapshot is the ticket format
}

// TestDecodeTicketGolden decodes every stored form this binary must read:
// version 1, and rows written before the format carried a version (the
// reflective JSON of domain.Ticket, frozen in testdata).
func TestDecodeTicketGolden(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file string
		want domain.Ticket
	}{
		{"ticket_v1.json", fullTicket()},
		{"ticket_unversioned.json", fullTicket()},
		{"ticket_unversioned_zero.json", domain.Ticket{}},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			data := readGolden(t, tc.file)
			got, err := DecodeTicket(data)
			if err != nil {
				t.Fatal(err)
			}
			if !equalTickets(got, tc.want) {
				t.Errorf("decoded\n%#v\nwant\n%#v", got, tc.want)
			}
			ev, err := DecodeEventTicket(data)
			if err != nil || ev == nil || !equalTickets(*ev, tc.want) {
				t.Errorf("event snapshot decoded as %#v, %v", ev, err)
			}
		})
	}
}

// equalTickets compares tickets with times compared as instants and by
// zone offset (what the stored form keeps), not by *time.Location.
func equalTickets(a, b domain.Ticket) bool {
	norm := func(t domain.Ticket) domain.Ticket {
		for _, p := range []*time.Time{&t.ResponseDueTime, &t.WarnTime, &t.FirstResponseTime, &t.CreateTime, &t.UpdateTime} {
			_, off := p.Zone()
			*p = p.In(time.FixedZone("", off))
		}
		return t
	}
	return reflect.DeepEqual(norm(a), norm(b))
}

func TestEventTicketAbsent(t *testing.T) {
	t.Parallel()
	b, err := EncodeEventTicket(nil)
	if b != nil || err != nil {
		t.Errorf("EncodeEventTicket(nil) = %q, %v; want nil, nil", b, err)
	}
	for _, data := range [][]byte{nil, {}} {
		if tk, err := DecodeEventTicket(data); tk != nil || err != nil {
			t.Errorf("DecodeEventTicket(%q) = %v, %v; want nil, nil", data, tk, err)
		}
	}
}

// TestDecodeTicketRefuses checks the errors: a newer version is a
// *VersionError that names both versions, even when its fields no longer
// fit version 1; broken documents are plain decode errors.
func TestDecodeTicketRefuses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, data string
		version    bool
	}{
		{"newer version", `{"v":2,"ID":"t1"}`, true},
		{"newer version, retyped field", `{"v":3,"Priority":"high","Contact":"ann"}`, true},
		{"negative version", `{"v":-1}`, true},
		{"truncated", `{"Title":`, false},
		{"not an object", `[1,2]`, false},
		{"wrong type in version 1", `{"v":1,"Priority":"high"}`, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := DecodeTicket([]byte(tc.data))
			if err == nil {
				t.Fatal("decoded without error")
			}
			var verr *VersionError
			if got := errors.As(err, &verr); got != tc.version || errors.Is(err, ErrUnknownVersion) != tc.version {
				t.Fatalf("error %q: version error %v, want %v", err, got, tc.version)
			}
			if tc.version && !strings.Contains(err.Error(), "up to 1") {
				t.Errorf("error %q does not name the versions this binary reads", err)
			}
		})
	}
}

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
	return domain.Ticket{
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
}

// TestTicketRoundTrip checks that DecodeTicket (goccy/go-json) reads both
// what EncodeTicket writes and what the unversioned code wrote exactly as
// encoding/json reads the unversioned form, for tickets with escapes,
// multi-byte text, zero and zoned times.
func TestTicketRoundTrip(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	tickets := []domain.Ticket{{}, fullTicket()}
	for range 3000 {
		tickets = append(tickets, randomTicket(r))
	}
	for i, tk := range tickets {
		legacy, err := json.Marshal(tk) // the reflective form rows were written in
		if err != nil {
			t.Fatal(err)
		}
		var want domain.Ticket
		if err := json.Unmarshal(legacy, &want); err != nil {
			t.Fatal(err)
		}
		current, err := EncodeTicket(tk)
		if err != nil {
			t.Fatal(err)
		}
		for _, data := range [][]byte{current, legacy} {
			got, err := DecodeTicket(data)
			if err != nil {
				t.Fatalf("ticket %d: decode %s: %v", i, data, err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("ticket %d: decoded %s\nas   %#v\nwant %#v", i, data, got, want)
			}
		}
	}
}

// BenchmarkDecodeTicket decodes a typical new ticket (version 1) with
// DecodeTicket, against encoding/json reading the same bytes into
// domain.Ticket as a reference, and goccy/go-json reading them straight
// into domain.Ticket (the decoder before the explicit format). The ticket is the one the store's
// benchmarks file (the same data as before the format had versions).
func BenchmarkDecodeTicket(b *testing.B) {
	now := time.Unix(1_780_000_000, 0).UTC()
	tk := domain.Ticket{
		ID: "01890a5d-ac96-774b-bcce-b302099a8057", PartnerID: "p1", CustomerID: "c1", Service: domain.ServiceAzure,
		SupportTopicID: "topic", Category: domain.CategoryTechnical, Title: "Cannot start VM",
		Description: strings.Repeat("details ", 40), Severity: domain.SeverityB, Language: "en-US",
		Contact:                domain.Contact{Name: "Ada", Email: "ada@p1.example"},
		PreferredContactMethod: domain.ContactEmail, Status: domain.StatusNew,
		SupportPlan: domain.PlanCloudSolutionProvider, Fee: domain.FeeBilled, Queue: domain.QueueAzure,
		SLAState: domain.SLARunning, ResponseDueTime: now.Add(2 * time.Hour), WarnTime: now.Add(time.Hour),
		CreateTime: now, UpdateTime: now, Version: 1, NoteCount: 1,
	}
	data, err := EncodeTicket(tk)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("encoding/json", func(b *testing.B) {
		for b.Loop() {
			var t domain.Ticket
			if err := json.Unmarshal(data, &t); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("goccy-reflective", func(b *testing.B) { // the decoder before explicit formats
		for b.Loop() {
			var t domain.Ticket
			if err := gojson.Unmarshal(data, &t); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("DecodeTicket", func(b *testing.B) {
		for b.Loop() {
			if _, err := DecodeTicket(data); err != nil {
				b.Fatal(err)
			}
		}
	})
}
