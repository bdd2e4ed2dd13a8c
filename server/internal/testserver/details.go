package testserver

import (
	"testing"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/supportd/supportd/server/api"
)

// WantCode fails the test unless err is a status error with code, and
// returns its status.
func WantCode(t testing.TB, err error, code codes.Code) *status.Status {
	t.Helper()
	st, ok := status.FromError(err)
	if !ok {
		t.Fatalf("error %v is not a gRPC status", err)
	}
	if st.Code() != code {
		t.Fatalf("code = %v (%q), want %v", st.Code(), st.Message(), code)
	}
	return st
}

// WantInfo fails the test unless err has code and an ErrorInfo of the
// supportd domain with reason and (at least) the given metadata.
func WantInfo(t testing.TB, err error, code codes.Code, reason string, meta map[string]string) {
	t.Helper()
	st := WantCode(t, err, code)
	info := DetailsOf(err).Info
	if info == nil {
		t.Fatalf("%v %q has no ErrorInfo (details %v)", code, st.Message(), st.Details())
	}
	if info.GetReason() != reason || info.GetDomain() != api.ErrorDomain {
		t.Fatalf("ErrorInfo = %s/%s, want %s/%s", info.GetDomain(), info.GetReason(), api.ErrorDomain, reason)
	}
	for k, v := range meta {
		if info.GetMetadata()[k] != v {
			t.Fatalf("ErrorInfo metadata %s = %q, want %q (all: %v)", k, info.GetMetadata()[k], v, info.GetMetadata())
		}
	}
}

// Details are the standard error details of a status error, by type; a
// detail the status does not carry is nil.
type Details struct {
	Info         *errdetails.ErrorInfo
	BadRequest   *errdetails.BadRequest
	Precondition *errdetails.PreconditionFailure
	Quota        *errdetails.QuotaFailure
	Retry        *errdetails.RetryInfo
}

// DetailsOf returns the details of err's status (all nil for an error
// that is not a status).
func DetailsOf(err error) Details {
	var d Details
	for _, x := range status.Convert(err).Details() {
		switch x := x.(type) {
		case *errdetails.ErrorInfo:
			d.Info = x
		case *errdetails.BadRequest:
			d.BadRequest = x
		case *errdetails.PreconditionFailure:
			d.Precondition = x
		case *errdetails.QuotaFailure:
			d.Quota = x
		case *errdetails.RetryInfo:
			d.Retry = x
		}
	}
	return d
}

// FieldDescription returns the description of the BadRequest violation
// of field ("" when there is none).
func (d Details) FieldDescription(field string) string {
	for _, v := range d.BadRequest.GetFieldViolations() {
		if v.GetField() == field {
			return v.GetDescription()
		}
	}
	return ""
}
