package domain

import "time"

// Partner is a CSP partner organisation: the tenant every partner key belongs to.
type Partner struct {
	ID              string
	DisplayName     string
	Status          PartnerStatus
	VerifiedDomains []string
	Benefits        []Benefit
	CreateTime      time.Time
	UpdateTime      time.Time
}

// HasBenefit reports whether the partner holds benefit b.
func (p Partner) HasBenefit(b Benefit) bool {
	for _, have := range p.Benefits {
		if have == b {
			return true
		}
	}
	return false
}

// Customer is an organisation the partner manages (partner of record), or the
// partner's own tenant (kind PARTNER_SELF).
type Customer struct {
	ID          string
	PartnerID   string
	DisplayName string
	Kind        CustomerKind
	Domains     []string
	CreateTime  time.Time
}

// Subscription is a customer's subscription to one service.
type Subscription struct {
	ID         string
	CustomerID string
	Service    Service
	State      SubscriptionState
	CreateTime time.Time
	UpdateTime time.Time
}

// Contract is a support contract a partner holds for its own subscriptions;
// its Reference is what a proof of entitlement must match.
type Contract struct {
	ID         string
	PartnerID  string
	Kind       ProofKind
	Reference  string
	CreateTime time.Time
}

// Proof is the proof of entitlement a partner gives for its own subscriptions.
type Proof struct {
	Kind      ProofKind
	Reference string
}

// Topic is a support catalogue entry of one service.
type Topic struct {
	ID       string
	Service  Service
	Name     string
	Category Category
	Featured bool
	// Rank orders topics within a service: featured first, then by rank.
	Rank int
}

// Contact is the partner's person to contact about a ticket.
type Contact struct {
	Name  string
	Email string
	Phone string
}

// Note is a free-text note on a ticket, by a partner or by support.
type Note struct {
	// ID is the note's number within its ticket: 1 for the first note.
	ID         int64
	TicketID   string
	Author     string
	Text       string
	CreateTime time.Time
}

// Attachment is the metadata of a file attached to a ticket; the content
// is stored apart, in chunks.
type Attachment struct {
	ID          string
	TicketID    string
	Filename    string
	ContentType string
	SizeBytes   int64
	SHA256      string // lower-case hex of the content
	Author      string
	CreateTime  time.Time
}

// Ticket is a support request filed by a partner.
type Ticket struct {
	ID                     string
	PartnerID              string
	CustomerID             string
	Service                Service
	SupportTopicID         string
	Category               Category
	Title                  string
	Description            string
	Severity               Severity
	Language               string
	Contact                Contact
	PreferredContactMethod ContactMethod
	Status                 TicketStatus
	SupportPlan            SupportPlan
	Fee                    Fee
	Queue                  Queue
	Priority               bool
	DutyManagerTier        bool
	EscalationLevel        int
	SLAState               SLAState
	BusinessHours          bool
	ResponseTarget         time.Duration
	CalendarID             string // calendar counting the target; "" on the 24x7 clock
	ResponseDueTime        time.Time
	WarnTime               time.Time
	FirstResponseTime      time.Time // zero until acknowledged
	// NoteCount and AttachmentCount count the ticket's notes and
	// attachments, which are stored apart from it (a ticket's size does
	// not grow with its conversation). NoteCount is also the id of the
	// newest note.
	NoteCount       int
	AttachmentCount int
	CreateTime      time.Time
	UpdateTime      time.Time
	// Version increases by one with every change; the API's etag is derived from it.
	Version int64
}

// Event is one committed change, in the order of its sequence number.
type Event struct {
	Sequence   int64
	Type       EventType
	TicketID   string // empty for directory events
	PartnerID  string // tenant the event belongs to; empty for global events
	CustomerID string
	Actor      string
	Time       time.Time
	// Ticket is the ticket after the change (nil for directory events).
	Ticket *Ticket
	// Detail is a short machine-readable description (for example the
	// reason of a severity change or a directory change's summary).
	Detail string
	// Note is the note added, on NOTE_ADDED and ACKNOWLEDGED events.
	Note *Note
	// Attachment is the file attached, on ATTACHMENT_ADDED events.
	Attachment *Attachment
}
