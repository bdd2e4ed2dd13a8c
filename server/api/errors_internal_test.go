package api

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"testing"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/supportd/supportd/server/store"
)

// TestToStatusOfEndedCallsAndFailures: the statuses of calls that ended
// without a domain error (context ended, server stopping, a failure
// whose cause is only logged) still carry an ErrorInfo, and never the
// cause's text.
func TestToStatusOfEndedCallsAndFailures(t *testing.T) {
	t.Parallel()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	for _, tc := range []struct {
		err    error
		code   codes.Code
		reason string
	}{
		{fmt.Errorf("read: %w", context.Canceled), codes.Canceled, "CANCELLED"},
		{fmt.Errorf("read: %w", context.DeadlineExceeded), codes.DeadlineExceeded, "DEADLINE_EXCEEDED"},
		{fmt.Errorf("write: %w", store.ErrClosed), codes.Unavailable, "SHUTTING_DOWN"},
		{fmt.Errorf("write: %w", store.ErrUnavailable), codes.Unavailable, "DATABASE_UNAVAILABLE"},
		{errors.New("SELECT secret FROM somewhere failed"), codes.Internal, "INTERNAL"},
		{Internal(), codes.Internal, "INTERNAL"},
		{ShuttingDown("reconnect and resume"), codes.Unavailable, "SHUTTING_DOWN"},
	} {
		t.Run(tc.reason, func(t *testing.T) {
			st := status.Convert(toStatus(t.Context(), log, tc.err))
			if st.Code() != tc.code {
				t.Fatalf("code %v, want %v", st.Code(), tc.code)
			}
			if len(st.Details()) != 1 {
				t.Fatalf("details %v, want one ErrorInfo", st.Details())
			}
			info, ok := st.Details()[0].(*errdetails.ErrorInfo)
			if !ok || info.GetReason() != tc.reason || info.GetDomain() != ErrorDomain {
				t.Fatalf("detail %v, want ErrorInfo %s in %s", st.Details()[0], tc.reason, ErrorDomain)
			}
			if st.Code() == codes.Internal && st.Message() != "internal error" {
				t.Fatalf("INTERNAL message %q repeats its cause", st.Message())
			}
		})
	}
}
