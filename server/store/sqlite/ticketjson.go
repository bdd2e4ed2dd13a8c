package sqlite

import (
	"errors"
	"strconv"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/supportd/supportd/server/domain"
)

// Tickets are stored as the JSON encoding/json makes of domain.Ticket.
// Decoding it with encoding/json (reflection, validation pass, one
// allocation per string) was most of the CPU of GetTicket and ListTickets.
// fastDecodeTicket decodes exactly that shape by hand: it converts the
// document to a string once and slices every string field from it, and
// gives up (errFastPath) on anything it does not expect, in which case
// decodeTicket falls back to encoding/json. Its result equals
// encoding/json's for every document it accepts (TestFastDecodeTicket,
// FuzzFastDecodeTicket).

var errFastPath = errors.New("ticket JSON outside the fast path")

type ticketLexer struct {
	s string
	i int
}

func (l *ticketLexer) ws() {
	for l.i < len(l.s) {
		switch l.s[l.i] {
		case ' ', '\t', '\n', '\r':
			l.i++
		default:
			return
		}
	}
}

// byte consumes c (after white space) or fails.
func (l *ticketLexer) byte(c byte) bool {
	l.ws()
	if l.i < len(l.s) && l.s[l.i] == c {
		l.i++
		return true
	}
	return false
}

// peek returns the next non-space byte (0 at the end).
func (l *ticketLexer) peek() byte {
	l.ws()
	if l.i < len(l.s) {
		return l.s[l.i]
	}
	return 0
}

// literal consumes the keyword lit.
func (l *ticketLexer) literal(lit string) bool {
	l.ws()
	if len(l.s)-l.i >= len(lit) && l.s[l.i:l.i+len(lit)] == lit {
		l.i += len(lit)
		return true
	}
	return false
}

// str reads a JSON string: a substring of the document when it has no
// escape, else a new string.
func (l *ticketLexer) str() (string, error) {
	if !l.byte('"') {
		return "", errFastPath
	}
	start := l.i
	for l.i < len(l.s) {
		c := l.s[l.i]
		switch {
		case c == '"':
			s := l.s[start:l.i]
			l.i++
			return s, nil
		case c == '\\':
			return l.escaped(start)
		case c < 0x20:
			return "", errFastPath
		case c < utf8.RuneSelf:
			l.i++
		default:
			r, size := utf8.DecodeRuneInString(l.s[l.i:])
			if r == utf8.RuneError && size == 1 {
				return "", errFastPath // encoding/json would substitute U+FFFD
			}
			l.i += size
		}
	}
	return "", errFastPath
}

// escaped finishes a string with escapes that started at start.
func (l *ticketLexer) escaped(start int) (string, error) {
	b := make([]byte, 0, l.i-start+16)
	b = append(b, l.s[start:l.i]...)
	for l.i < len(l.s) {
		c := l.s[l.i]
		switch {
		case c == '"':
			l.i++
			return string(b), nil
		case c == '\\':
			if l.i+1 >= len(l.s) {
				return "", errFastPath
			}
			e := l.s[l.i+1]
			l.i += 2
			switch e {
			case '"', '\\', '/':
				b = append(b, e)
			case 'b':
				b = append(b, '\b')
			case 'f':
				b = append(b, '\f')
			case 'n':
				b = append(b, '\n')
			case 'r':
				b = append(b, '\r')
			case 't':
				b = append(b, '\t')
			case 'u':
				r, ok := l.hex4()
				if !ok {
					return "", errFastPath
				}
				if utf16.IsSurrogate(r) {
					// Only a valid pair is on the fast path.
					if len(l.s)-l.i < 6 || l.s[l.i] != '\\' || l.s[l.i+1] != 'u' {
						return "", errFastPath
					}
					l.i += 2
					r2, ok := l.hex4()
					if !ok {
						return "", errFastPath
					}
					if r = utf16.DecodeRune(r, r2); r == utf8.RuneError {
						return "", errFastPath
					}
				}
				b = utf8.AppendRune(b, r)
			default:
				return "", errFastPath
			}
		case c < 0x20:
			return "", errFastPath
		case c < utf8.RuneSelf:
			b = append(b, c)
			l.i++
		default:
			r, size := utf8.DecodeRuneInString(l.s[l.i:])
			if r == utf8.RuneError && size == 1 {
				return "", errFastPath
			}
			b = append(b, l.s[l.i:l.i+size]...)
			l.i += size
		}
	}
	return "", errFastPath
}

func (l *ticketLexer) hex4() (rune, bool) {
	if len(l.s)-l.i < 4 {
		return 0, false
	}
	var r rune
	for _, c := range []byte(l.s[l.i : l.i+4]) {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		r = r*16 + rune(c)
	}
	l.i += 4
	return r, true
}

// int reads an integer written without fraction or exponent.
func (l *ticketLexer) int() (int64, error) {
	l.ws()
	start := l.i
	if l.i < len(l.s) && l.s[l.i] == '-' {
		l.i++
	}
	digits := l.i
	for l.i < len(l.s) && '0' <= l.s[l.i] && l.s[l.i] <= '9' {
		l.i++
	}
	if l.i-digits > 1 && l.s[digits] == '0' {
		return 0, errFastPath // a leading zero is not JSON
	}
	if l.i < len(l.s) {
		switch l.s[l.i] {
		case '.', 'e', 'E':
			return 0, errFastPath
		}
	}
	n, err := strconv.ParseInt(l.s[start:l.i], 10, 64)
	if err != nil {
		return 0, errFastPath
	}
	return n, nil
}

func (l *ticketLexer) bool() (bool, error) {
	switch {
	case l.literal("true"):
		return true, nil
	case l.literal("false"):
		return false, nil
	}
	return false, errFastPath
}

func (l *ticketLexer) time() (time.Time, error) {
	s, err := l.str()
	if err != nil {
		return time.Time{}, err
	}
	var t time.Time
	if err := t.UnmarshalText([]byte(s)); err != nil { // what time.Time.UnmarshalJSON does
		return time.Time{}, errFastPath
	}
	return t, nil
}

// object calls field for each key of an object until its end.
func (l *ticketLexer) object(field func(key string) error) error {
	if !l.byte('{') {
		return errFastPath
	}
	if l.byte('}') {
		return nil
	}
	for {
		key, err := l.str()
		if err != nil {
			return err
		}
		if !l.byte(':') {
			return errFastPath
		}
		if err := field(key); err != nil {
			return err
		}
		if l.byte(',') {
			continue
		}
		if l.byte('}') {
			return nil
		}
		return errFastPath
	}
}

func (l *ticketLexer) contact(c *domain.Contact) error {
	return l.object(func(key string) (err error) {
		switch key {
		case "Name":
			c.Name, err = l.str()
		case "Email":
			c.Email, err = l.str()
		case "Phone":
			c.Phone, err = l.str()
		default:
			err = errFastPath
		}
		return err
	})
}

func (l *ticketLexer) notes() ([]domain.Note, error) {
	if l.literal("null") {
		return nil, nil
	}
	if !l.byte('[') {
		return nil, errFastPath
	}
	notes := []domain.Note{}
	if l.byte(']') {
		return notes, nil
	}
	for {
		var n domain.Note
		err := l.object(func(key string) (err error) {
			switch key {
			case "Author":
				n.Author, err = l.str()
			case "Text":
				n.Text, err = l.str()
			case "CreateTime":
				n.CreateTime, err = l.time()
			default:
				err = errFastPath
			}
			return err
		})
		if err != nil {
			return nil, err
		}
		notes = append(notes, n)
		if l.byte(',') {
			continue
		}
		if l.byte(']') {
			return notes, nil
		}
		return nil, errFastPath
	}
}

// ticketKeys numbers the keys of a ticket document (one bit each).
var ticketKeys = func() map[string]uint64 {
	keys := []string{"ID", "PartnerID", "CustomerID", "Service", "SupportTopicID", "Category", "Title",
		"Description", "Severity", "Language", "Contact", "PreferredContactMethod", "Status", "SupportPlan",
		"Fee", "Queue", "Priority", "DutyManagerTier", "EscalationLevel", "SLAState", "BusinessHours",
		"ResponseTarget", "CalendarID", "ResponseDueTime", "WarnTime", "FirstResponseTime", "Notes",
		"CreateTime", "UpdateTime", "Version"}
	m := make(map[string]uint64, len(keys))
	for i, k := range keys {
		m[k] = 1 << i
	}
	return m
}()

// fastDecodeTicket decodes a ticket document or returns errFastPath.
func fastDecodeTicket(data []byte) (domain.Ticket, error) {
	var t domain.Ticket
	l := &ticketLexer{s: string(data)}
	str := func(dst *string) error {
		s, err := l.str()
		*dst = s
		return err
	}
	var seen uint64
	err := l.object(func(key string) error {
		bit, ok := ticketKeys[key]
		if !ok || seen&bit != 0 {
			return errFastPath // unknown or repeated: never written by json.Marshal
		}
		seen |= bit
		var s string
		var err error
		switch key {
		case "ID":
			return str(&t.ID)
		case "PartnerID":
			return str(&t.PartnerID)
		case "CustomerID":
			return str(&t.CustomerID)
		case "Service":
			s, err = l.str()
			t.Service = domain.Service(s)
		case "SupportTopicID":
			return str(&t.SupportTopicID)
		case "Category":
			s, err = l.str()
			t.Category = domain.Category(s)
		case "Title":
			return str(&t.Title)
		case "Description":
			return str(&t.Description)
		case "Severity":
			s, err = l.str()
			t.Severity = domain.Severity(s)
		case "Language":
			return str(&t.Language)
		case "Contact":
			return l.contact(&t.Contact)
		case "PreferredContactMethod":
			s, err = l.str()
			t.PreferredContactMethod = domain.ContactMethod(s)
		case "Status":
			s, err = l.str()
			t.Status = domain.TicketStatus(s)
		case "SupportPlan":
			s, err = l.str()
			t.SupportPlan = domain.SupportPlan(s)
		case "Fee":
			s, err = l.str()
			t.Fee = domain.Fee(s)
		case "Queue":
			s, err = l.str()
			t.Queue = domain.Queue(s)
		case "Priority":
			t.Priority, err = l.bool()
		case "DutyManagerTier":
			t.DutyManagerTier, err = l.bool()
		case "EscalationLevel":
			var n int64
			n, err = l.int()
			if n != int64(int(n)) {
				return errFastPath
			}
			t.EscalationLevel = int(n)
		case "SLAState":
			s, err = l.str()
			t.SLAState = domain.SLAState(s)
		case "BusinessHours":
			t.BusinessHours, err = l.bool()
		case "ResponseTarget":
			var n int64
			n, err = l.int()
			t.ResponseTarget = time.Duration(n)
		case "CalendarID":
			return str(&t.CalendarID)
		case "ResponseDueTime":
			t.ResponseDueTime, err = l.time()
		case "WarnTime":
			t.WarnTime, err = l.time()
		case "FirstResponseTime":
			t.FirstResponseTime, err = l.time()
		case "Notes":
			t.Notes, err = l.notes()
		case "CreateTime":
			t.CreateTime, err = l.time()
		case "UpdateTime":
			t.UpdateTime, err = l.time()
		case "Version":
			t.Version, err = l.int()
		default:
			return errFastPath
		}
		return err
	})
	if err != nil {
		return domain.Ticket{}, err
	}
	if l.ws(); l.i != len(l.s) {
		return domain.Ticket{}, errFastPath
	}
	return t, nil
}
