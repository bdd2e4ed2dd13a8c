package app_test

import (
	"context"
	"strings"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/mem"

	supportv1 "github.com/supportd/supportd/gen/support/v1"
	"github.com/supportd/supportd/server/domain"
	"github.com/supportd/supportd/server/internal/testserver"
)

// rawCodec sends []byte as the request as it is, so that a test can send
// bytes no proto library would produce.
type rawCodec struct{}

func (rawCodec) Marshal(v any) (mem.BufferSlice, error) {
	return mem.BufferSlice{mem.SliceBuffer(v.([]byte))}, nil
}
func (rawCodec) Unmarshal(data mem.BufferSlice, v any) error {
	*(v.(*[]byte)) = data.Materialize()
	return nil
}
func (rawCodec) Name() string { return "proto" }

// TestMalformedRequestsAreInvalidArgument: a request message that does not
// decode (invalid UTF-8 in a string, truncated wire bytes) is the caller's
// mistake: INVALID_ARGUMENT with reason MALFORMED_MESSAGE, never the
// INTERNAL grpc-go answers by itself; unary and streaming alike, and the
// server goes on serving.
func TestMalformedRequestsAreInvalidArgument(t *testing.T) {
	s := testserver.Start(t)
	s.SeedPartner(t, "adatum")
	ctx := testserver.Auth(t.Context(), s.NewKey(t, domain.RolePartner, "adatum"))
	invalidUTF8 := []byte{0x0a, 0x02, 0xff, 0xfe} // ticket_id = "\xff\xfe"
	truncated := []byte{0x0a, 0x05, 'a'}          // a 5-byte string with 1 byte
	for _, tc := range []struct {
		name string
		body []byte
	}{{"invalid UTF-8", invalidUTF8}, {"truncated", truncated}} {
		t.Run("unary/"+tc.name, func(t *testing.T) {
			var out []byte
			err := s.Conn.Invoke(ctx, "/support.v1.SupportService/GetTicket", tc.body, &out, grpc.ForceCodecV2(rawCodec{}))
			info, _, _ := details(wantCode(t, err, codes.InvalidArgument))
			if info == nil || info.GetReason() != "MALFORMED_MESSAGE" {
				t.Fatalf("ErrorInfo %v, want MALFORMED_MESSAGE", info)
			}
			if !strings.Contains(err.Error(), "support.v1.GetTicketRequest") {
				t.Fatalf("message %q does not name the message type", err)
			}
		})
		t.Run("stream/"+tc.name, func(t *testing.T) {
			sctx, cancel := context.WithCancel(ctx)
			defer cancel()
			cs, err := s.Conn.NewStream(sctx, &grpc.StreamDesc{ServerStreams: true}, "/support.v1.SupportService/WatchTicket", grpc.ForceCodecV2(rawCodec{}))
			if err != nil {
				t.Fatal(err)
			}
			if err := cs.SendMsg(tc.body); err != nil {
				t.Fatal(err)
			}
			var out []byte
			info, _, _ := details(wantCode(t, cs.RecvMsg(&out), codes.InvalidArgument))
			if info == nil || info.GetReason() != "MALFORMED_MESSAGE" {
				t.Fatalf("ErrorInfo %v, want MALFORMED_MESSAGE", info)
			}
		})
	}
	// Unauthenticated and malformed: the decode refusal comes first (the
	// request could not be read), and the server still serves.
	var out []byte
	err := s.Conn.Invoke(t.Context(), "/support.v1.SupportService/GetTicket", invalidUTF8, &out, grpc.ForceCodecV2(rawCodec{}))
	wantCode(t, err, codes.InvalidArgument)
	if _, err := s.Support().ListTickets(ctx, &supportv1.ListTicketsRequest{}); err != nil {
		t.Fatalf("a valid call after malformed ones: %v", err)
	}
}
