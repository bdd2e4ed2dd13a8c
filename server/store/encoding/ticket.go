package encoding

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	gojson "github.com/goccy/go-json"

	"github.com/supportd/supportd/server/domain"
)

// TicketVersion is the version of the ticket format this binary writes,
// and the highest it reads.
const TicketVersion = 1

// VersionError is returned when a stored document has a format version
// this binary does not know (written by a newer release).
type VersionError struct {
	Format  string // "ticket"
	Version int
	Max     int // the highest version this binary reads
}

// Error names the format and both versions.
func (e *VersionError) Error() string {
	return fmt.Sprintf("stored %s has format version %d; this binary reads versions up to %d (written by a newer supportd?)",
		e.Format, e.Version, e.Max)
}

// ErrUnknownVersion is matched (errors.Is) by every *VersionError.
var ErrUnknownVersion = errors.New("unknown stored format version")

// Is reports whether target is ErrUnknownVersion.
func (e *VersionError) Is(target error) bool { return target == ErrUnknownVersion }

// ticketV1 is version 1 of the stored ticket. The keys are the Go field
// names earlier releases wrote reflectively; never rename or retype one
// (add a version instead, see the package documentation).
type ticketV1 struct {
	V                      int       `json:"v,omitempty"` // absent in rows written before versions
	ID                     string    `json:"ID"`
	PartnerID              string    `json:"PartnerID"`
	CustomerID             string    `json:"CustomerID"`
	Service                string    `json:"Service"`
	SupportTopicID         string    `json:"SupportTopicID"`
	Category               string    `json:"Category"`
	Title                  string    `json:"Title"`
	Description            string    `json:"Description"`
	Severity               string    `json:"Severity"`
	Language               string    `json:"Language"`
	Contact                contactV1 `json:"Contact"`
	PreferredContactMethod string    `json:"PreferredContactMethod"`
	Status                 string    `json:"Status"`
	SupportPlan            string    `json:"SupportPlan"`
	Fee                    string    `json:"Fee"`
	Queue                  string    `json:"Queue"`
	Priority               bool      `json:"Priority"`
	DutyManagerTier        bool      `json:"DutyManagerTier"`
	EscalationLevel        int       `json:"EscalationLevel"`
	SLAState               string    `json:"SLAState"`
	BusinessHours          bool      `json:"BusinessHours"`
	ResponseTarget         int64     `json:"ResponseTarget"` // nanoseconds
	CalendarID             string    `json:"CalendarID"`
	ResponseDueTime        time.Time `json:"ResponseDueTime"`
	WarnTime               time.Time `json:"WarnTime"`
	FirstResponseTime      time.Time `json:"FirstResponseTime"`
	NoteCount              int       `json:"NoteCount"`
	AttachmentCount        int       `json:"AttachmentCount"`
	CreateTime             time.Time `json:"CreateTime"`
	UpdateTime             time.Time `json:"UpdateTime"`
	Version                int64     `json:"Version"`
}

// contactV1 is version 1 of a ticket's contact.
type contactV1 struct {
	Name  string `json:"Name"`
	Email string `json:"Email"`
	Phone string `json:"Phone"`
}

func ticketToV1(t domain.Ticket) ticketV1 {
	return ticketV1{
		V:                      1,
		ID:                     t.ID,
		PartnerID:              t.PartnerID,
		CustomerID:             t.CustomerID,
		Service:                string(t.Service),
		SupportTopicID:         t.SupportTopicID,
		Category:               string(t.Category),
		Title:                  t.Title,
		Description:            t.Description,
		Severity:               string(t.Severity),
		Language:               t.Language,
		Contact:                contactV1{Name: t.Contact.Name, Email: t.Contact.Email, Phone: t.Contact.Phone},
		PreferredContactMethod: string(t.PreferredContactMethod),
		Status:                 string(t.Status),
		SupportPlan:            string(t.SupportPlan),
		Fee:                    string(t.Fee),
		Queue:                  string(t.Queue),
		Priority:               t.Priority,
		DutyManagerTier:        t.DutyManagerTier,
		EscalationLevel:        t.EscalationLevel,
		SLAState:               string(t.SLAState),
		BusinessHours:          t.BusinessHours,
		ResponseTarget:         int64(t.ResponseTarget),
		CalendarID:             t.CalendarID,
		ResponseDueTime:        t.ResponseDueTime,
		WarnTime:               t.WarnTime,
		FirstResponseTime:      t.FirstResponseTime,
		NoteCount:              t.NoteCount,
		AttachmentCount:        t.AttachmentCount,
		CreateTime:             t.CreateTime,
		UpdateTime:             t.UpdateTime,
		Version:                t.Version,
	}
}

func (s *ticketV1) toDomain() domain.Ticket {
	return domain.Ticket{
		ID:                     s.ID,
		PartnerID:              s.PartnerID,
		CustomerID:             s.CustomerID,
		Service:                domain.Service(s.Service),
		SupportTopicID:         s.SupportTopicID,
		Category:               domain.Category(s.Category),
		Title:                  s.Title,
		Description:            s.Description,
		Severity:               domain.Severity(s.Severity),
		Language:               s.Language,
		Contact:                domain.Contact{Name: s.Contact.Name, Email: s.Contact.Email, Phone: s.Contact.Phone},
		PreferredContactMethod: domain.ContactMethod(s.PreferredContactMethod),
		Status:                 domain.TicketStatus(s.Status),
		SupportPlan:            domain.SupportPlan(s.SupportPlan),
		Fee:                    domain.Fee(s.Fee),
		Queue:                  domain.Queue(s.Queue),
		Priority:               s.Priority,
		DutyManagerTier:        s.DutyManagerTier,
		EscalationLevel:        s.EscalationLevel,
		SLAState:               domain.SLAState(s.SLAState),
		BusinessHours:          s.BusinessHours,
		ResponseTarget:         time.Duration(s.ResponseTarget),
		CalendarID:             s.CalendarID,
		ResponseDueTime:        s.ResponseDueTime,
		WarnTime:               s.WarnTime,
		FirstResponseTime:      s.FirstResponseTime,
		NoteCount:              s.NoteCount,
		AttachmentCount:        s.AttachmentCount,
		CreateTime:             s.CreateTime,
		UpdateTime:             s.UpdateTime,
		Version:                s.Version,
	}
}

// EncodeTicket returns the stored form of t (format version
// TicketVersion). It fails only for a time outside the years 0-9999.
func EncodeTicket(t domain.Ticket) ([]byte, error) {
	b, err := json.Marshal(ticketToV1(t))
	if err != nil {
		return nil, fmt.Errorf("encode ticket %q: %w", t.ID, err)
	}
	return b, nil
}

// DecodeTicket reads a stored ticket of any version this binary knows,
// including rows written before the format had a version. A newer
// version is a *VersionError.
func DecodeTicket(data []byte) (domain.Ticket, error) {
	var s ticketV1
	// goccy/go-json: encoding/json-compatible and several times faster
	// here (BenchmarkDecodeTicket), which matters on list pages.
	if err := gojson.Unmarshal(data, &s); err != nil {
		if verr := probeVersion(data); verr != nil {
			return domain.Ticket{}, verr
		}
		return domain.Ticket{}, fmt.Errorf("decode ticket: %w", err)
	}
	if s.V < 0 || s.V > TicketVersion {
		return domain.Ticket{}, &VersionError{Format: "ticket", Version: s.V, Max: TicketVersion}
	}
	return s.toDomain(), nil
}

// probeVersion reports a *VersionError when data is a document of an
// unknown version whose fields did not fit version 1 (a retyped field
// would otherwise hide the version behind a type error).
func probeVersion(data []byte) error {
	var v struct {
		V int `json:"v"`
	}
	if gojson.Unmarshal(data, &v) != nil || (v.V >= 0 && v.V <= TicketVersion) {
		return nil
	}
	return &VersionError{Format: "ticket", Version: v.V, Max: TicketVersion}
}

// EncodeEventTicket returns the stored form of an event's ticket snapshot:
// the ticket format, or nil when the event carries no ticket (directory
// events).
func EncodeEventTicket(t *domain.Ticket) ([]byte, error) {
	if t == nil {
		return nil, nil
	}
	return EncodeTicket(*t)
}

// DecodeEventTicket reads an event's ticket snapshot: nil for a NULL or
// empty column, else as DecodeTicket.
func DecodeEventTicket(data []byte) (*domain.Ticket, error) {
	if len(data) == 0 {
		return nil, nil
	}
	t, err := DecodeTicket(data)
	if err != nil {
		return nil, err
	}
	return &t, nil
}
