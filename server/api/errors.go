// Package api implements the gRPC services of support.v1 as thin handlers:
// check what only the wire form can get wrong (a missing sub-message, an
// unknown enum number, an invalid timestamp, a token this server did not
// sign, a negative page size), convert the request to domain values, call
// the domain service (which applies the field, reference and state rules,
// see server/validate), and map domain errors to gRPC statuses with error
// details in one place (toStatus). Driver and other internal errors never
// reach clients.
package api

import (
	"context"
	"errors"
	"log/slog"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/protoadapt"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/supportd/supportd/server/domain"
	"github.com/supportd/supportd/server/store"
)

// ErrorDomain is the ErrorInfo domain of every supportd error.
const ErrorDomain = "supportd.support.v1"

// MaxMessageBytes bounds the message of every status toStatus returns;
// client-provided values inside it are already cut to domain.ClipBytes.
const MaxMessageBytes = 1024

// ToStatus is toStatus for the interceptors of server/app: they refuse
// calls with domain errors (domain.LimitError) mapped here, in one place.
func ToStatus(ctx context.Context, log *slog.Logger, err error) error { return toStatus(ctx, log, err) }

// Refusal is the status of a call refused before its handler ran
// (UNAUTHENTICATED, PERMISSION_DENIED, ...): code and message with an
// ErrorInfo of reason in ErrorDomain, so that clients can tell the causes
// apart without parsing messages.
func Refusal(code codes.Code, reason, msg string) error { return withInfo(code, msg, reason, nil) }

// Internal is the status of a failure whose cause is logged, never sent
// (a bug, a storage failure, a recovered panic): INTERNAL, the message
// "internal error" and an ErrorInfo INTERNAL.
func Internal() error { return withInfo(codes.Internal, "internal error", "INTERNAL", nil) }

// ShuttingDown is the status of a call the server ended or refused
// because it is stopping: UNAVAILABLE (clients retry, watches resume
// elsewhere) with an ErrorInfo SHUTTING_DOWN; what says what to do.
func ShuttingDown(what string) error {
	return withInfo(codes.Unavailable, "the server is shutting down; "+what, "SHUTTING_DOWN", nil)
}

// toStatus maps an error of the domain or store to a gRPC status error.
// Unknown errors are logged and become INTERNAL without their text. The
// message and the detail strings are bounded (MaxMessageBytes,
// domain.ClipBytes): they may repeat client input.
func toStatus(ctx context.Context, log *slog.Logger, err error) error {
	if err == nil {
		return nil
	}
	if st, ok := status.FromError(err); ok {
		return clipStatus(st, err)
	}
	var (
		invalid     *domain.ValidationError
		notFound    *domain.NotFoundError
		exists      *domain.AlreadyExistsError
		reused      *domain.RequestIDReusedError
		notEntitled *domain.NotEntitledError
		precond     *domain.PreconditionError
		conflict    *domain.ConflictError
		outOfRange  *domain.OutOfRangeError
		limit       *domain.LimitError
		quota       *domain.QuotaError
	)
	switch {
	case errors.As(err, &invalid):
		return badRequest(invalid)
	case errors.As(err, &notFound):
		return withInfo(codes.NotFound, notFound.Error(), "NOT_FOUND", map[string]string{"kind": notFound.Kind, "id": notFound.ID})
	case errors.As(err, &reused):
		return withInfo(codes.AlreadyExists, reused.Error()+" with a different request: use a new request_id for a new request",
			"REQUEST_ID_REUSED", map[string]string{"request_id": reused.RequestID})
	case errors.As(err, &exists):
		return withInfo(codes.AlreadyExists, exists.Error(), "ALREADY_EXISTS", map[string]string{"kind": exists.Kind, "id": exists.ID})
	case errors.As(err, &notEntitled):
		return notEntitledStatus(notEntitled)
	case errors.As(err, &precond):
		return preconditionStatus(precond)
	case errors.As(err, &conflict):
		return withInfo(codes.Aborted, conflict.Error(), "ETAG_MISMATCH", map[string]string{"kind": conflict.Kind, "id": conflict.ID})
	case errors.As(err, &outOfRange):
		return withInfo(codes.OutOfRange, outOfRange.Message, "RESUME_TOKEN_EXPIRED", nil)
	case errors.As(err, &limit):
		return withInfo(codes.ResourceExhausted, limit.Message, limit.Limit, nil)
	case errors.As(err, &quota):
		return quotaStatus(quota)
	case errors.Is(err, context.Canceled):
		return withInfo(codes.Canceled, "the call was cancelled", "CANCELLED", nil)
	case errors.Is(err, context.DeadlineExceeded):
		return withInfo(codes.DeadlineExceeded, "the deadline passed before the call completed", "DEADLINE_EXCEEDED", nil)
	case errors.Is(err, store.ErrStorageFull):
		// RESOURCE_EXHAUSTED, not UNAVAILABLE: clients retry UNAVAILABLE
		// at once, and a full disk stays full until an operator acts.
		// Not logged here: the store's watch logs the change of state once.
		return withInfo(codes.ResourceExhausted, "storage is full: the server cannot save changes until disk space is freed; reads still work", "STORAGE_FULL", nil)
	case errors.Is(err, store.ErrClosed):
		return ShuttingDown("retry")
	case errors.Is(err, store.ErrUnavailable):
		log.WarnContext(ctx, "database unavailable", "error", err)
		return withInfo(codes.Unavailable, "the database is unavailable; retry", "DATABASE_UNAVAILABLE", nil)
	}
	log.ErrorContext(ctx, "internal error", "error", err)
	return Internal()
}

func withInfo(code codes.Code, msg, reason string, meta map[string]string) error {
	msg = domain.ClipTo(msg, MaxMessageBytes)
	for k, v := range meta {
		meta[k] = domain.Clip(v)
	}
	st, err := status.New(code, msg).WithDetails(&errdetails.ErrorInfo{Reason: reason, Domain: ErrorDomain, Metadata: meta})
	if err != nil {
		return status.Error(code, msg)
	}
	return st.Err()
}

// clipStatus returns err, or a copy of its status with the message cut to
// MaxMessageBytes when it is longer (details are kept).
func clipStatus(st *status.Status, err error) error {
	if len(st.Message()) <= MaxMessageBytes {
		return err
	}
	p := st.Proto()
	p.Message = domain.ClipTo(p.Message, MaxMessageBytes)
	return status.FromProto(p).Err()
}

func badRequest(e *domain.ValidationError) error {
	br := &errdetails.BadRequest{}
	for _, v := range e.Violations {
		br.FieldViolations = append(br.FieldViolations, &errdetails.BadRequest_FieldViolation{
			Field: domain.Clip(v.Field), Description: domain.ClipTo(v.Description, MaxMessageBytes)})
	}
	msg := domain.ClipTo(e.Error(), MaxMessageBytes)
	st, err := status.New(codes.InvalidArgument, msg).WithDetails(br)
	if err != nil {
		return status.Error(codes.InvalidArgument, msg)
	}
	return st.Err()
}

func notEntitledStatus(e *domain.NotEntitledError) error {
	pf := &errdetails.PreconditionFailure{}
	for _, v := range e.Violations {
		pf.Violations = append(pf.Violations, &errdetails.PreconditionFailure_Violation{Type: v.Reason, Subject: "entitlement", Description: v.Message})
	}
	reason := "NOT_ENTITLED"
	if len(e.Violations) > 0 {
		reason = e.Violations[0].Reason
	}
	info := &errdetails.ErrorInfo{Reason: reason, Domain: ErrorDomain}
	msg := domain.ClipTo(e.Error(), MaxMessageBytes)
	st, err := status.New(codes.FailedPrecondition, msg).WithDetails(info, pf)
	if err != nil {
		return status.Error(codes.FailedPrecondition, msg)
	}
	return st.Err()
}

func preconditionStatus(e *domain.PreconditionError) error {
	subject, msg := domain.Clip(e.Subject), domain.ClipTo(e.Message, MaxMessageBytes)
	info := &errdetails.ErrorInfo{Reason: e.Reason, Domain: ErrorDomain, Metadata: map[string]string{"subject": subject}}
	pf := &errdetails.PreconditionFailure{Violations: []*errdetails.PreconditionFailure_Violation{{Type: e.Reason, Subject: subject, Description: msg}}}
	st, err := status.New(codes.FailedPrecondition, msg).WithDetails(info, pf)
	if err != nil {
		return status.Error(codes.FailedPrecondition, msg)
	}
	return st.Err()
}

// quotaStatus is RESOURCE_EXHAUSTED with an ErrorInfo (the quota's reason
// and subject), a QuotaFailure naming the subject whose quota is used up,
// and a RetryInfo when waiting is enough for the call to pass (a rate).
func quotaStatus(e *domain.QuotaError) error {
	reason := e.Reason
	if reason == "" {
		reason = "QUOTA_EXCEEDED"
	}
	subject, msg := domain.Clip(e.Subject), domain.ClipTo(e.Description, MaxMessageBytes)
	details := []protoadapt.MessageV1{
		&errdetails.ErrorInfo{Reason: reason, Domain: ErrorDomain, Metadata: map[string]string{"subject": subject}},
		&errdetails.QuotaFailure{Violations: []*errdetails.QuotaFailure_Violation{{Subject: subject, Description: msg}}},
	}
	if e.RetryAfter > 0 {
		details = append(details, &errdetails.RetryInfo{RetryDelay: durationpb.New(e.RetryAfter)})
	}
	st, err := status.New(codes.ResourceExhausted, msg).WithDetails(details...)
	if err != nil {
		return status.Error(codes.ResourceExhausted, msg)
	}
	return st.Err()
}
