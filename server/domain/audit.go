package domain

import "time"

// AuditEvent is one entry of the audit trail: an administrative or key
// change, who made it, and the resource before and after it. The trail is
// kept apart from the watch event log (partners never see it) and is
// never pruned by the log's retention.
type AuditEvent struct {
	// ID is assigned by the store on append: increasing in commit order.
	ID       int64
	Time     time.Time
	Actor    string // "admin:<key id>", "operator:<name>" or "system"
	Kind     AuditKind
	Resource string // e.g. "partners/adatum", "apiKeys/0123456789abcdef"
	// Before and After are the resource's API JSON form (never a secret or
	// a key hash); Before is nil on creation.
	Before, After []byte
}

// AuditKind says what an audit event records: "<resource>.<verb>".
type AuditKind string

// The audit kinds.
const (
	AuditPartnerCreated      AuditKind = "partner.created"
	AuditPartnerUpdated      AuditKind = "partner.updated"
	AuditCustomerCreated     AuditKind = "customer.created"
	AuditSubscriptionCreated AuditKind = "subscription.created"
	AuditSubscriptionUpdated AuditKind = "subscription.updated"
	AuditContractRegistered  AuditKind = "contract.registered"
	AuditTopicCreated        AuditKind = "topic.created"
	AuditTopicUpdated        AuditKind = "topic.updated"
	AuditAPIKeyCreated       AuditKind = "api_key.created"
	AuditAPIKeyRevoked       AuditKind = "api_key.revoked"
)

// Directory event types that earlier versions wrote to the watch event log
// with every administrative change. They are no longer written (the audit
// trail holds those changes, see AuditEvent); a log written before may
// still hold them until its retention prunes them, and streams skip them
// like every event that is not a ticket event.
const (
	EventPartnerCreated      EventType = "PARTNER_CREATED"
	EventPartnerUpdated      EventType = "PARTNER_UPDATED"
	EventCustomerCreated     EventType = "CUSTOMER_CREATED"
	EventSubscriptionCreated EventType = "SUBSCRIPTION_CREATED"
	EventSubscriptionUpdated EventType = "SUBSCRIPTION_UPDATED"
	EventContractRegistered  EventType = "CONTRACT_REGISTERED"
	EventAPIKeyCreated       EventType = "API_KEY_CREATED"
	EventAPIKeyRevoked       EventType = "API_KEY_REVOKED"
	EventTopicCreated        EventType = "SUPPORT_TOPIC_CREATED"
	EventTopicUpdated        EventType = "SUPPORT_TOPIC_UPDATED"
)

// IsTicketEvent reports whether t is one of the ticket event types that
// partners and agents see on watch streams.
func (t EventType) IsTicketEvent() bool {
	switch t {
	case EventCreated, EventAcknowledged, EventStatusChanged, EventNoteAdded,
		EventSeverityChanged, EventEscalated, EventSLAWarning, EventSLABreached, EventReassigned,
		EventAttachmentAdded:
		return true
	}
	return false
}

// NextEscalation returns the instant of the ticket's next pending automatic
// escalation stage: the SLA warning while the clock runs, the breach once
// warned. ok is false when no stage is pending (first response given,
// breach already fired, or ticket no longer open: TicketStatus.IsOpen).
func (t Ticket) NextEscalation() (at time.Time, ok bool) {
	if !t.FirstResponseTime.IsZero() || !t.Status.IsOpen() {
		return time.Time{}, false
	}
	switch t.SLAState {
	case SLARunning:
		return t.WarnTime, true
	case SLAWarning:
		return t.ResponseDueTime, true
	}
	return time.Time{}, false
}
