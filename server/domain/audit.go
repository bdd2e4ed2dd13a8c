package domain

import "time"

// Directory audit event types: written to the event log with every
// administrative change, never shown on partners' ticket streams.
const (
	EventPartnerCreated      EventType = "PARTNER_CREATED"
	EventPartnerUpdated      EventType = "PARTNER_UPDATED"
	EventCustomerCreated     EventType = "CUSTOMER_CREATED"
	EventSubscriptionCreated EventType = "SUBSCRIPTION_CREATED"
	EventSubscriptionUpdated EventType = "SUBSCRIPTION_UPDATED"
	EventContractRegistered  EventType = "CONTRACT_REGISTERED"
	EventAPIKeyCreated       EventType = "API_KEY_CREATED"
	EventAPIKeyRevoked       EventType = "API_KEY_REVOKED"
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
// breach already fired, or ticket closed).
func (t Ticket) NextEscalation() (at time.Time, ok bool) {
	if !t.FirstResponseTime.IsZero() || t.Status == StatusClosed || t.Status == StatusResolved {
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

// Audit event types of the support topic catalogue.
const (
	EventTopicCreated EventType = "SUPPORT_TOPIC_CREATED"
	EventTopicUpdated EventType = "SUPPORT_TOPIC_UPDATED"
)
