package app

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/grpc-ecosystem/go-grpc-middleware/v2/interceptors/logging"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"

	"github.com/supportd/supportd/server/auth"
	"github.com/supportd/supportd/server/domain"
)

// TestLogUnaryMatchesMiddleware logs the same calls through logUnary and
// through the go-grpc-middleware logging interceptor it replaces and
// compares the lines: message, level, keys in order and values (but the
// timestamp and the duration).
func TestLogUnaryMatchesMiddleware(t *testing.T) {
	type call struct {
		name      string
		err       error
		principal bool
		deadline  bool
	}
	calls := []call{
		{name: "ok with principal and deadline", principal: true, deadline: true},
		{name: "not found", err: status.Error(codes.NotFound, "ticket x not found"), principal: true},
		{name: "permission denied (warn)", err: status.Error(codes.PermissionDenied, "no")},
		{name: "internal (error)", err: status.Error(codes.Internal, "internal error")},
		{name: "plain error (unknown)", err: errors.New("boom")},
	}
	info := &grpc.UnaryServerInfo{FullMethod: "/support.v1.SupportService/GetTicket"}
	for _, c := range calls {
		t.Run(c.name, func(t *testing.T) {
			lines := make([][]byte, 2)
			for i := range lines {
				var buf bytes.Buffer
				log := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
				var ic grpc.UnaryServerInterceptor
				if i == 0 {
					ic = logging.UnaryServerInterceptor(slogLogger(log),
						logging.WithLogOnEvents(logging.FinishCall),
						logging.WithFieldsFromContextAndCallMeta(principalFields))
				} else {
					ic = logUnary(log)
				}
				ctx := peer.NewContext(context.Background(), &peer.Peer{Addr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 4242}})
				if c.deadline {
					var cancel context.CancelFunc
					ctx, cancel = context.WithDeadline(ctx, time.Now().Add(time.Hour))
					defer cancel()
				}
				ctx, slot := auth.WithSlot(ctx)
				if c.principal {
					slot.Set(auth.Principal{KeyID: "k1", Role: domain.RolePartner, PartnerID: "adatum"})
				}
				_, _ = ic(ctx, nil, info, func(context.Context, any) (any, error) { return nil, c.err })
				lines[i] = buf.Bytes()
			}
			want, got := orderedFields(t, lines[0]), orderedFields(t, lines[1])
			if len(want) != len(got) {
				t.Fatalf("fields\n got %v\nwant %v", got, want)
			}
			for i := range want {
				if want[i][0] != got[i][0] || (want[i][0] != "time" && want[i][0] != "grpc.time_ms" && want[i][1] != got[i][1]) {
					t.Fatalf("field %d: got %v, want %v\n got %s\nwant %s", i, got[i], want[i], lines[1], lines[0])
				}
			}
		})
	}
}

// orderedFields returns the key/value pairs of a JSON log line in order.
func orderedFields(t *testing.T, line []byte) [][2]string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(line))
	if _, err := dec.Token(); err != nil {
		t.Fatalf("log line %q: %v", line, err)
	}
	var out [][2]string
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		var v any
		if err := dec.Decode(&v); err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(v)
		out = append(out, [2]string{k.(string), string(b)})
	}
	return out
}

// BenchmarkUnaryCallLog compares the finished-call log of logUnary with
// the go-grpc-middleware interceptor's (JSON to io.Discard).
func BenchmarkUnaryCallLog(b *testing.B) {
	log := slog.New(slog.NewJSONHandler(io.Discard, nil))
	info := &grpc.UnaryServerInfo{FullMethod: "/support.v1.SupportService/GetTicket"}
	ctx := peer.NewContext(context.Background(), &peer.Peer{Addr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 4242}})
	ctx, slot := auth.WithSlot(ctx)
	slot.Set(auth.Principal{KeyID: "k1", Role: domain.RolePartner, PartnerID: "adatum"})
	h := func(context.Context, any) (any, error) { return nil, nil }
	for _, ic := range []struct {
		name string
		ic   grpc.UnaryServerInterceptor
	}{
		{"middleware", logging.UnaryServerInterceptor(slogLogger(log), logging.WithLogOnEvents(logging.FinishCall),
			logging.WithFieldsFromContextAndCallMeta(principalFields))},
		{"logUnary", logUnary(log)},
	} {
		b.Run(ic.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_, _ = ic.ic(ctx, nil, info, h)
			}
		})
	}
}
