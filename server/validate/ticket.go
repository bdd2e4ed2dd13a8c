package validate

import "github.com/supportd/supportd/server/domain"

// Text bounds of the ticket actions, in characters (a note's bound is
// limits.note_bytes, passed to Note).
const (
	MaxJustificationLength = 2000
	MaxReasonLength        = 2000
)

// TicketID checks the id of the ticket a call is about.
func TicketID(id string) error { return RecordID("ticket_id", id) }

// AttachmentIDs checks the ids naming one attachment of a ticket.
func AttachmentIDs(ticketID, attachmentID string) error {
	var v Violations
	v.Required("ticket_id", ticketID != "")
	v.Required("attachment_id", attachmentID != "")
	return v.Err()
}

// SeverityChange checks a severity change: a severity (A, B or C) and a
// reason.
func SeverityChange(sev domain.Severity, reason string) error {
	var v Violations
	if !sev.Valid() {
		v.Add("severity", "required: A, B or C")
	}
	v.Text("reason", reason, MaxReasonLength)
	return v.Err()
}

// Escalation checks a partner's escalation: a known reason and a
// justification.
func Escalation(reason domain.EscalationReason, justification string) error {
	var v Violations
	if !reason.Valid() {
		v.Add("reason", "required: BUSINESS_IMPACT, RESOLUTION_TIME or TECHNICAL_EXPERTISE")
	}
	v.Text("justification", justification, MaxJustificationLength)
	return v.Err()
}

// StatusChange checks support's move of a ticket's status: a status,
// and a message that, when given, is a note's (see Note).
func StatusChange(status domain.TicketStatus, message string, maxBytes int) error {
	var v Violations
	v.Required("status", status != "")
	if message != "" {
		v.TextBytes("message", message, maxBytes, "limits.note_bytes")
	}
	return v.Err()
}

// Note checks the text of a note in the request field that carries it:
// not blank, at most maxBytes of UTF-8 (limits.note_bytes).
func Note(field, text string, maxBytes int) error {
	var v Violations
	v.TextBytes(field, text, maxBytes, "limits.note_bytes")
	return v.Err()
}
