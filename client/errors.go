package client

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Error is a failed call, decoded from its gRPC status and error details.
// Every method of the package returns RPC failures as *Error:
//
//	var e *client.Error
//	if errors.As(err, &e) && e.Code == codes.FailedPrecondition {
//		fmt.Println(e.Reason) // e.g. NO_ACTIVE_SUBSCRIPTION
//	}
type Error struct {
	// Code is the gRPC status code.
	Code codes.Code
	// Message is the status message.
	Message string
	// Reason is the ErrorInfo reason (e.g. an entitlement reason code,
	// ETAG_MISMATCH, RESUME_TOKEN_EXPIRED); empty without an ErrorInfo.
	Reason string
	// Domain and Metadata are the rest of the ErrorInfo.
	Domain   string
	Metadata map[string]string
	// FieldViolations are the BadRequest details (INVALID_ARGUMENT).
	FieldViolations []FieldViolation
	// PreconditionViolations are the PreconditionFailure details
	// (FAILED_PRECONDITION: every entitlement violation).
	PreconditionViolations []PreconditionViolation
	// RetryDelay is the RetryInfo delay: how long to wait before the same
	// call would be accepted (RESOURCE_EXHAUSTED of the rate limit); zero
	// without a RetryInfo.
	RetryDelay time.Duration

	status *status.Status
}

// FieldViolation is one bad request field, named by its path
// (e.g. "contact.email").
type FieldViolation struct {
	Field       string
	Description string
}

// PreconditionViolation is one failed precondition; Type is the reason code.
type PreconditionViolation struct {
	Type        string
	Subject     string
	Description string
}

// Error returns a one-line message: code, message, reason and violations.
func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s", codeName(e.Code), e.Message)
	if e.Reason != "" {
		fmt.Fprintf(&b, " [reason %s]", e.Reason)
	}
	// Violations the message does not already spell out.
	for _, v := range e.FieldViolations {
		if !strings.Contains(e.Message, v.Field) || !strings.Contains(e.Message, v.Description) {
			fmt.Fprintf(&b, "; %s: %s", v.Field, v.Description)
		}
	}
	for _, v := range e.PreconditionViolations {
		if v.Type == e.Reason && (v.Description == "" || strings.Contains(e.Message, v.Description)) {
			continue
		}
		if v.Description != "" && strings.Contains(e.Message, v.Description) {
			fmt.Fprintf(&b, "; %s", v.Type)
			continue
		}
		fmt.Fprintf(&b, "; %s", v.Type)
		if v.Description != "" {
			fmt.Fprintf(&b, ": %s", v.Description)
		}
	}
	return b.String()
}

// GRPCStatus returns the original status, so status.FromError and
// status.Code work on an *Error.
func (e *Error) GRPCStatus() *status.Status { return e.status }

// Is reports whether target is an *Error with the same code (and, when the
// target has one, the same reason): errors.Is(err, &client.Error{Code: codes.NotFound}).
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	if !ok {
		return false
	}
	return t.Code == e.Code && (t.Reason == "" || t.Reason == e.Reason)
}

// Violation returns the field violation of path, if any.
func (e *Error) Violation(field string) (FieldViolation, bool) {
	for _, v := range e.FieldViolations {
		if v.Field == field {
			return v, true
		}
	}
	return FieldViolation{}, false
}

func codeName(c codes.Code) string {
	// codes.Code.String gives "NotFound"; the wire name is NOT_FOUND.
	names := map[codes.Code]string{
		codes.OK: "OK", codes.Canceled: "CANCELLED", codes.Unknown: "UNKNOWN",
		codes.InvalidArgument: "INVALID_ARGUMENT", codes.DeadlineExceeded: "DEADLINE_EXCEEDED",
		codes.NotFound: "NOT_FOUND", codes.AlreadyExists: "ALREADY_EXISTS",
		codes.PermissionDenied: "PERMISSION_DENIED", codes.ResourceExhausted: "RESOURCE_EXHAUSTED",
		codes.FailedPrecondition: "FAILED_PRECONDITION", codes.Aborted: "ABORTED",
		codes.OutOfRange: "OUT_OF_RANGE", codes.Unimplemented: "UNIMPLEMENTED",
		codes.Internal: "INTERNAL", codes.Unavailable: "UNAVAILABLE", codes.DataLoss: "DATA_LOSS",
		codes.Unauthenticated: "UNAUTHENTICATED",
	}
	if n, ok := names[c]; ok {
		return n
	}
	return c.String()
}

// CodeName returns the canonical wire name of a code (NOT_FOUND, ...).
func CodeName(c codes.Code) string { return codeName(c) }

// Code returns the gRPC code of err: OK for nil, the code of an *Error or
// a status error, Canceled/DeadlineExceeded for context errors, Unknown
// otherwise.
func Code(err error) codes.Code {
	if err == nil {
		return codes.OK
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	if errors.Is(err, context.Canceled) {
		return codes.Canceled
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return codes.DeadlineExceeded
	}
	return status.Code(err)
}

// FromError decodes err; it returns nil for nil and err itself when it
// carries no gRPC status.
func FromError(err error) error {
	if err == nil {
		return nil
	}
	var already *Error
	if errors.As(err, &already) {
		return err
	}
	st, ok := status.FromError(err)
	if !ok {
		return err
	}
	e := &Error{Code: st.Code(), Message: st.Message(), status: st}
	for _, d := range st.Details() {
		switch d := d.(type) {
		case *errdetails.ErrorInfo:
			e.Reason, e.Domain, e.Metadata = d.GetReason(), d.GetDomain(), d.GetMetadata()
		case *errdetails.BadRequest:
			for _, v := range d.GetFieldViolations() {
				e.FieldViolations = append(e.FieldViolations, FieldViolation{Field: v.GetField(), Description: v.GetDescription()})
			}
		case *errdetails.RetryInfo:
			e.RetryDelay = d.GetRetryDelay().AsDuration()
		case *errdetails.PreconditionFailure:
			for _, v := range d.GetViolations() {
				e.PreconditionViolations = append(e.PreconditionViolations, PreconditionViolation{Type: v.GetType(), Subject: v.GetSubject(), Description: v.GetDescription()})
			}
		}
	}
	return e
}
