package domain

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// ClipBytes is the most bytes of a client-provided value (an id, a name,
// a message) that errors and logs repeat: a 1 MB id must not make a 1 MB
// error or log line.
const ClipBytes = 256

// Clip returns s cut to at most ClipBytes bytes (see ClipTo).
func Clip(s string) string { return ClipTo(s, ClipBytes) }

// ClipTo returns s cut to at most n bytes, on a rune boundary, followed by
// "...(N bytes)" naming its full length when it was cut.
func ClipTo(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return fmt.Sprintf("%s...(%d bytes)", s[:cut], len(s))
}

// FieldViolation names one bad request field by its API path
// ("contact.email") and says why it is bad.
type FieldViolation struct {
	Field       string
	Description string
}

// ValidationError reports every bad field of a request (INVALID_ARGUMENT).
type ValidationError struct {
	Violations []FieldViolation
}

func (e *ValidationError) Error() string {
	parts := make([]string, len(e.Violations))
	for i, v := range e.Violations {
		parts[i] = v.Field + ": " + v.Description
	}
	return "invalid request: " + strings.Join(parts, "; ")
}

// Invalid returns a ValidationError for the violations, or nil if there are none.
func Invalid(vs ...FieldViolation) error {
	if len(vs) == 0 {
		return nil
	}
	return &ValidationError{Violations: vs}
}

// NotFoundError says a record does not exist or is not visible to the
// caller (NOT_FOUND); it never hints which.
type NotFoundError struct {
	Kind string // "ticket", "customer", ...
	ID   string
}

func (e *NotFoundError) Error() string { return fmt.Sprintf("%s %q not found", e.Kind, Clip(e.ID)) }

// AlreadyExistsError says a record with that id exists (ALREADY_EXISTS).
type AlreadyExistsError struct {
	Kind string
	ID   string
}

func (e *AlreadyExistsError) Error() string {
	return fmt.Sprintf("%s %q already exists", e.Kind, Clip(e.ID))
}

// RequestIDReusedError says a client request id was already used for
// another request (ALREADY_EXISTS, reason REQUEST_ID_REUSED): the same id
// with the same request replays the first result instead.
type RequestIDReusedError struct {
	RequestID string
}

func (e *RequestIDReusedError) Error() string {
	return fmt.Sprintf("request id %q already exists", Clip(e.RequestID))
}

// EntitlementViolation is one failed entitlement rule.
type EntitlementViolation struct {
	Reason  string // reason code, e.g. NO_ACTIVE_SUBSCRIPTION
	Message string
}

// NotEntitledError says a request failed entitlement (FAILED_PRECONDITION);
// Violations holds every failed rule, in rule order.
type NotEntitledError struct {
	Violations []EntitlementViolation
}

func (e *NotEntitledError) Error() string {
	parts := make([]string, len(e.Violations))
	for i, v := range e.Violations {
		parts[i] = v.Reason + ": " + v.Message
	}
	return "not entitled: " + strings.Join(parts, "; ")
}

// PreconditionError says the system is not in a state that allows the
// request (FAILED_PRECONDITION), with a machine-readable reason and the
// subject it is about (for example the ticket whose status forbids a move).
type PreconditionError struct {
	Reason  string
	Subject string
	Message string
}

func (e *PreconditionError) Error() string { return e.Message }

// ConflictError says the record changed since the version the caller named
// (ABORTED): re-read and retry.
type ConflictError struct {
	Kind string
	ID   string
}

func (e *ConflictError) Error() string {
	return fmt.Sprintf("%s %q was changed by another request: read it again and retry", e.Kind, Clip(e.ID))
}

// OutOfRangeError says a position is outside what is retained (OUT_OF_RANGE).
type OutOfRangeError struct {
	Message string
}

func (e *OutOfRangeError) Error() string { return e.Message }

// LimitError says a quota is exhausted (RESOURCE_EXHAUSTED).
type LimitError struct {
	Limit   string
	Message string
}

func (e *LimitError) Error() string { return e.Message }

// QuotaError says a per-record quota is used up (RESOURCE_EXHAUSTED with
// a QuotaFailure), for example the notes one ticket may hold, or the calls
// an API key may make per second. Nothing was changed. Reason is a
// machine-readable code (NOTES_PER_TICKET, RATE_LIMITED); Subject names
// what the quota is counted on ("tickets/<id>", "api_keys/<id>").
type QuotaError struct {
	Reason      string
	Subject     string
	Description string
	// RetryAfter is how long until the same call would be accepted (a
	// rate); zero when waiting alone does not help (a full ticket).
	RetryAfter time.Duration
}

func (e *QuotaError) Error() string { return e.Description }
