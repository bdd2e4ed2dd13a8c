// Package filing holds the field rules of a ticket submission and of an
// entitlement preview (docs/domain.md §3, CreateTicket and
// CheckEntitlement in docs/api.md). It is pure and reports every bad
// field at once, by its API path, as domain field violations (one
// INVALID_ARGUMENT with a BadRequest detail). The primitives it shares
// with the other field rules are those of server/validate.
//
// Filing checks the fields only: whether the service is in the program,
// the customer visible, the topic of the right service or the request
// entitled is decided elsewhere (server/ticket with the store,
// server/entitlement).
package filing

import (
	"time"

	"github.com/supportd/supportd/server/domain"
	"github.com/supportd/supportd/server/validate"
)

// Field paths, as the API names them in BadRequest field violations.
const (
	FieldCustomerID             = "customer_id"
	FieldService                = "service"
	FieldSupportTopicID         = "support_topic_id"
	FieldSeverity               = "severity"
	FieldTitle                  = "title"
	FieldDescription            = "description"
	FieldLanguage               = "language"
	FieldContactName            = "contact.name"
	FieldContactEmail           = "contact.email"
	FieldContactPhone           = "contact.phone"
	FieldPreferredContactMethod = "preferred_contact_method"
	FieldRequestID              = "request_id"
	FieldProofKind              = "entitlement_proof.kind"
	FieldProofReference         = "entitlement_proof.reference"
	FieldSubmitTime             = "submit_time"
)

// Maximum lengths, in Unicode code points (runes), of the free-text fields.
const (
	MaxIDLength             = 128   // customer_id, support_topic_id
	MaxTitleLength          = 200   // title
	MaxDescriptionLength    = 10000 // description
	MaxContactNameLength    = 200   // contact.name
	MaxEmailLength          = 254   // contact.email (RFC 5321 path limit)
	MaxPhoneLength          = 32    // contact.phone
	MaxProofReferenceLength = 128   // entitlement_proof.reference
)

// NoPhoneSupport is the description of the violation on
// preferred_contact_method when it is PHONE.
const NoPhoneSupport = "the program offers no phone support; use e-mail"

// Request is a ticket submission as the partner sends it, as plain values.
type Request struct {
	RequestID              string
	CustomerID             string
	Service                domain.Service
	SupportTopicID         string
	Severity               domain.Severity
	Title                  string
	Description            string
	Language               string
	Contact                domain.Contact
	PreferredContactMethod domain.ContactMethod // "" means unspecified: e-mail
	// Proof is nil when the request carries no entitlement_proof message.
	Proof *domain.Proof
}

// Submission is a Request plus what validating it needs to know about the
// partner and the customer.
type Submission struct {
	Request

	// PartnerDomains are the partner's verified e-mail domains.
	PartnerDomains []string
	// CustomerDomains are the customer's e-mail domains; they only sharpen
	// the message when the contact uses one of them.
	CustomerDomains []string
	// SupportedLanguage, when not nil, is called with the canonical form of
	// a well-formed language tag (see ParseLanguage) and reports whether the
	// language is served. When nil, only well-formedness is checked and
	// support is the caller's to decide.
	SupportedLanguage func(tag string) bool
}

// Validate returns every field violation of s, in the order of the Field
// constants above (at most one per field), or nil when s is well-formed.
//
// Rules:
//   - request_id is required (idempotency depends on it) and must be a UUID
//     in its canonical 36-character form (any letter case), not the nil UUID.
//   - customer_id, service, support_topic_id, severity, title, description,
//     language, contact.name and contact.email are required; blank
//     (whitespace-only) text counts as missing. severity must be A, B or C.
//   - Lengths: see the Max constants.
//   - language: see ParseLanguage, then SupportedLanguage if set.
//   - contact.email: a bare addr-spec (net/mail, no display name, no
//     surrounding spaces) whose domain equals, ignoring case, one of
//     PartnerDomains exactly (a subdomain does not match). A domain of the
//     customer gets its own message.
//   - contact.phone is optional: digits, spaces and + - ( ) . only, with at
//     least one digit. Giving a phone number is allowed; asking to be called
//     is not.
//   - preferred_contact_method: unspecified or EMAIL; PHONE is rejected with
//     NoPhoneSupport.
//   - entitlement_proof: when present, kind (MPN, PREMIER or
//     AZURE_SUPPORT_PLAN) and reference are both required.
func Validate(s Submission) []domain.FieldViolation {
	var v validate.Violations
	requestID(&v, s.RequestID)
	v.Text(FieldCustomerID, s.CustomerID, MaxIDLength)
	service(&v, s.Service)
	v.Text(FieldSupportTopicID, s.SupportTopicID, MaxIDLength)
	severity(&v, s.Severity)
	v.Text(FieldTitle, s.Title, MaxTitleLength)
	v.Text(FieldDescription, s.Description, MaxDescriptionLength)
	languageTag(&v, s.Language, s.SupportedLanguage)
	v.Text(FieldContactName, s.Contact.Name, MaxContactNameLength)
	email(&v, s.Contact.Email, s.PartnerDomains, s.CustomerDomains)
	phone(&v, s.Contact.Phone)
	contactMethod(&v, s.PreferredContactMethod)
	proof(&v, s.Proof)
	return v
}

// ValidatePreview returns every field violation of an entitlement
// preview: the fields of r a decision depends on (customer_id, service,
// support_topic_id, severity, language, entitlement_proof) by the rules
// of Validate, so that a preview rejects what CreateTicket rejects, and
// the time it is made for (zero: now) within MinSubmitTime and
// MaxSubmitTime. The other fields of r are not looked at.
func ValidatePreview(r Request, submit time.Time, supportedLanguage func(tag string) bool) []domain.FieldViolation {
	var v validate.Violations
	v.Text(FieldCustomerID, r.CustomerID, MaxIDLength)
	service(&v, r.Service)
	v.Text(FieldSupportTopicID, r.SupportTopicID, MaxIDLength)
	severity(&v, r.Severity)
	languageTag(&v, r.Language, supportedLanguage)
	proof(&v, r.Proof)
	if !submit.IsZero() && (submit.Before(MinSubmitTime) || submit.After(MaxSubmitTime)) {
		v.Add(FieldSubmitTime, "must be between 1970-01-01 and 9000-12-31")
	}
	return v
}

// The range of a preview's submit_time: deadlines computed from it stay
// valid timestamps.
var (
	// MinSubmitTime is the earliest submit_time a preview accepts.
	MinSubmitTime = time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)
	// MaxSubmitTime is the latest submit_time a preview accepts.
	MaxSubmitTime = time.Date(9000, 12, 31, 23, 59, 59, 0, time.UTC)
)
