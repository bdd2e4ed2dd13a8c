package cli

import (
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/supportd/supportd/client"
)

// TestUnreachable: a status the server sent (it carries an ErrorInfo) is
// never taken for a failed connection, whatever its words; grpc-go's own
// connection failures are.
func TestUnreachable(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		err  error
		want bool
	}{
		{"refused by the transport", status.Error(codes.Unavailable, "connection error: desc = \"transport: Error while dialing: dial tcp: connection refused\""), true},
		{"no such host", &client.Error{Code: codes.Unavailable, Message: "name resolver error: produced zero addresses: no such host"}, true},
		{"the server shutting down", &client.Error{Code: codes.Unavailable, Message: "the server is shutting down; a connection error", Reason: "SHUTTING_DOWN"}, false},
		{"the database unavailable", &client.Error{Code: codes.Unavailable, Message: "the database is unavailable; retry", Reason: "DATABASE_UNAVAILABLE"}, false},
		{"another code", &client.Error{Code: codes.NotFound, Message: "connection refused"}, false},
	} {
		if got := unreachable(tc.err); got != tc.want {
			t.Errorf("%s: unreachable = %v, want %v", tc.name, got, tc.want)
		}
	}
}
