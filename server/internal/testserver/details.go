package testserver

import (
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/status"
)

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
