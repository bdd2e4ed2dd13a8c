// Package validate holds the field rules of requests: whether each field
// of a request is present and well-formed on its own (ids, names, free
// text and its length, enumerations, update masks), reported all at once,
// by API path ("partner.display_name", "metadata.filename"), as one
// domain.ValidationError (INVALID_ARGUMENT with a BadRequest). It is pure:
// no store, no clock but the one passed in, no configuration but the
// bounds passed in.
//
// Where each kind of rule lives (docs/api.md, "Where each kind of rule is
// checked"):
//   - wire (server/api, server/app codec): the message decodes, required
//     sub-messages are present, enum numbers are known, timestamps valid,
//     server-issued tokens (page, resume, etag) verify;
//   - fields (this package; ticket submissions and previews in
//     server/filing): called by the domain services before any read;
//   - references (server/ticket, server/directory): what the store must
//     say (a topic of the service, a record that exists and is visible);
//   - entitlement (server/entitlement) and state (server/lifecycle):
//     pure rules of the program and of the ticket lifecycle;
//   - limits (server/config Limits, enforced where the thing is counted):
//     RESOURCE_EXHAUSTED with a QuotaFailure; a configured size of one
//     field is passed to the field rule that checks it.
package validate

import (
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/supportd/supportd/server/domain"
)

// Violations accumulates the field violations of one request, in request
// order; Err turns them into the request's error.
type Violations []domain.FieldViolation

// Add records that field is bad, desc saying why.
func (v *Violations) Add(field, desc string) {
	*v = append(*v, domain.FieldViolation{Field: field, Description: desc})
}

// Addf is Add with a formatted description.
func (v *Violations) Addf(field, format string, args ...any) {
	v.Add(field, fmt.Sprintf(format, args...))
}

// Err is a *domain.ValidationError of the violations, or nil when there
// are none.
func (v Violations) Err() error { return domain.Invalid(v...) }

// Required records field as missing unless present.
func (v *Violations) Required(field string, present bool) {
	if !present {
		v.Add(field, "required")
	}
}

// Present checks a field the request must set (an enumeration whose
// unset value means nothing here, a queue, a status): present is whether
// it is set.
func Present(field string, present bool) error {
	var v Violations
	v.Required(field, present)
	return v.Err()
}

// RecordID checks the id naming the record a call is about (to read, to
// list under, to revoke): it is required. Its form is not checked: an id
// of another form names no record, which the store answers (NOT_FOUND).
func RecordID(field, id string) error { return Present(field, id != "") }

// Text checks a required free-text field: not blank (whitespace only
// counts as missing) and at most max characters (runes).
func (v *Violations) Text(field, s string, max int) {
	if strings.TrimSpace(s) == "" {
		v.Add(field, "required")
		return
	}
	v.MaxLength(field, s, max)
}

// MaxLength checks that s has at most max characters (runes) and reports
// whether it has.
func (v *Violations) MaxLength(field, s string, max int) bool {
	if n := utf8.RuneCountInString(s); n > max {
		v.Addf(field, "must be at most %d characters (it has %d)", max, n)
		return false
	}
	return true
}

// TextBytes checks a required free-text field bounded in UTF-8 bytes
// (what is stored and sent, whatever the script); limit names the config
// key of the bound.
func (v *Violations) TextBytes(field, s string, max int, limit string) {
	switch {
	case strings.TrimSpace(s) == "":
		v.Add(field, "required")
	case len(s) > max:
		v.Addf(field, "must be at most %d bytes of UTF-8 (%s); this one has %d", max, limit, len(s))
	}
}

// idPattern is the form of the ids clients choose for directory records
// (partners, customers, subscriptions, contracts, topics).
var idPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// ID checks a required record id chosen by a client: 1 to 64 letters,
// digits, '.', '_' or '-', starting with a letter or digit.
func (v *Violations) ID(field, id string) {
	switch {
	case id == "":
		v.Add(field, "required")
	case !idPattern.MatchString(id):
		v.Add(field, "must be 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit")
	}
}

// RequestIDProblem says what is wrong with a client request id, "" when
// nothing: it is required and must be a UUID in its canonical
// 36-character form (any letter case), not the nil UUID. purpose ends the
// sentence saying why it is required ("a retried upload does not attach
// the file twice").
func RequestIDProblem(s, purpose string) string {
	if s == "" {
		return "required: a UUID chosen by the client, so that " + purpose
	}
	id, err := uuid.Parse(s)
	switch {
	case err != nil || len(s) != 36:
		return fmt.Sprintf("%q is not a UUID (expected the form xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)", domain.Clip(s))
	case id == uuid.Nil:
		return "must not be the nil UUID"
	}
	return ""
}
