package client_test

import (
	"context"
	"errors"
	"net"
	"sync"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/test/bufconn"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/supportd/supportd/client"
	supportv1 "github.com/supportd/supportd/gen/support/v1"
)

// limiter is an interceptor in front of the forwarding proxy that refuses
// the first refusals calls the way supportd's rate limit does: before the
// call runs, RESOURCE_EXHAUSTED with a RetryInfo of delay.
type limiter struct {
	mu        sync.Mutex
	refusals  int
	delay     time.Duration
	refused   int
	forwarded int
}

func (l *limiter) interceptor(ctx context.Context, req any, _ *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
	l.mu.Lock()
	if l.refused < l.refusals {
		l.refused++
		l.mu.Unlock()
		st, _ := status.New(codes.ResourceExhausted, "rate limited").WithDetails(
			&errdetails.ErrorInfo{Reason: "RATE_LIMITED", Domain: "supportd.support.v1"},
			&errdetails.RetryInfo{RetryDelay: durationpb.New(l.delay)})
		return nil, st.Err()
	}
	l.forwarded++
	l.mu.Unlock()
	return h(ctx, req)
}

func (l *limiter) counts() (refused, forwarded int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.refused, l.forwarded
}

// startLimited starts the limiter and a forwarding proxy to the real server,
// and returns a partner client on it.
func startLimited(t *testing.T, e *env, l *limiter, opts ...client.Option) *client.Client {
	t.Helper()
	realConn, err := grpc.NewClient("passthrough:///real",
		grpc.WithContextDialer(e.s.Dial), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	f := &flaky{real: supportv1.NewSupportServiceClient(realConn), calls: map[string]int{}}
	srv := grpc.NewServer(grpc.ChainUnaryInterceptor(l.interceptor, f.interceptor))
	supportv1.RegisterSupportServiceServer(srv, f)
	lis := bufconn.Listen(1 << 20)
	go srv.Serve(lis)
	c, err := client.New("limited", append(fast(e.keys.Partner, client.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) {
		return lis.DialContext(ctx)
	})), opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c.Close()
		srv.Stop()
		realConn.Close()
	})
	return c
}

// TestRateLimitedCallsWaitAsTold: a call refused with a RetryInfo is sent
// again after the told delay, even one that changes state and is never
// retried on UNAVAILABLE (a note), and it takes effect once.
func TestRateLimitedCallsWaitAsTold(t *testing.T) {
	e := start(t)
	tk := mustCreate(t, e.c, "limited note")
	l := &limiter{refusals: 2, delay: time.Millisecond}
	c := startLimited(t, e, l)
	if _, err := c.AddTicketNote(t.Context(), tk.GetId(), "once, after waiting"); err != nil {
		t.Fatalf("AddTicketNote through 2 rate-limit refusals: %v", err)
	}
	if refused, forwarded := l.counts(); refused != 2 || forwarded != 1 {
		t.Fatalf("refused %d, forwarded %d; want 2 then 1", refused, forwarded)
	}
	got, err := e.c.GetTicket(t.Context(), tk.GetId())
	if err != nil || got.GetNoteCount() != 1 {
		t.Fatalf("notes: %d, %v; want 1", got.GetNoteCount(), err)
	}
}

// TestRateLimitWaitBounded: the client gives up after its attempts, and at
// once when the told delay would pass the call's deadline; the error
// carries the delay.
func TestRateLimitWaitBounded(t *testing.T) {
	e := start(t)
	t.Run("attempts", func(t *testing.T) {
		l := &limiter{refusals: 100, delay: time.Millisecond}
		c := startLimited(t, e, l) // 4 attempts (fast)
		_, err := c.GetTicket(t.Context(), "T-1")
		var ce *client.Error
		if !errors.As(err, &ce) || ce.Code != codes.ResourceExhausted || ce.RetryDelay != time.Millisecond || ce.Reason != "RATE_LIMITED" {
			t.Fatalf("GetTicket = %v, want RESOURCE_EXHAUSTED RATE_LIMITED with a 1ms RetryDelay", err)
		}
		if refused, _ := l.counts(); refused != 4 {
			t.Fatalf("%d attempts, want 4", refused)
		}
	})
	t.Run("deadline", func(t *testing.T) {
		l := &limiter{refusals: 100, delay: time.Hour}
		c := startLimited(t, e, l)
		ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
		defer cancel()
		if _, err := c.GetTicket(ctx, "T-1"); client.Code(err) != codes.ResourceExhausted {
			t.Fatalf("GetTicket = %v, want RESOURCE_EXHAUSTED at once", err)
		}
		if refused, _ := l.counts(); refused != 1 {
			t.Fatalf("%d attempts, want 1 (the delay is past the deadline)", refused)
		}
	})
}

// refusingWatch is a SupportService whose first WatchTickets open is
// refused by the rate limit; the next one sends one event and waits.
type refusingWatch struct {
	supportv1.UnimplementedSupportServiceServer
	mu    sync.Mutex
	opens int
}

func (r *refusingWatch) WatchTickets(_ *supportv1.WatchTicketsRequest, stream grpc.ServerStreamingServer[supportv1.WatchTicketsResponse]) error {
	r.mu.Lock()
	r.opens++
	n := r.opens
	r.mu.Unlock()
	if n == 1 {
		st, _ := status.New(codes.ResourceExhausted, "rate limited").WithDetails(
			&errdetails.RetryInfo{RetryDelay: durationpb.New(7 * time.Millisecond)})
		return st.Err()
	}
	ev := &supportv1.TicketEvent{Sequence: 1, ResumeToken: "t1", TicketId: "T-1"}
	if err := stream.Send(&supportv1.WatchTicketsResponse{Update: &supportv1.WatchTicketsResponse_Event{Event: ev}}); err != nil {
		return err
	}
	<-stream.Context().Done()
	return nil
}

// TestWatchReconnectsAfterToldDelay: a watch refused by the rate limit
// reconnects after the delay the server told, not its own backoff.
func TestWatchReconnectsAfterToldDelay(t *testing.T) {
	srv := grpc.NewServer()
	supportv1.RegisterSupportServiceServer(srv, &refusingWatch{})
	lis := bufconn.Listen(1 << 20)
	go srv.Serve(lis)
	defer srv.Stop()
	c, err := client.New("refusing", client.WithInsecure(), client.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) {
		return lis.DialContext(ctx)
	}), client.WithWatchBackoff(time.Hour, time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var delays []time.Duration
	var codesSeen []codes.Code
	onReconnect := client.OnReconnect(func(_ int, d time.Duration, err error) {
		delays, codesSeen = append(delays, d), append(codesSeen, client.Code(err))
	})
	for ev, err := range c.WatchTickets(t.Context(), "", "", onReconnect).Events() {
		if err != nil {
			t.Fatal(err)
		}
		if ev.GetSequence() != 1 {
			t.Fatalf("event %v", ev)
		}
		break
	}
	if len(delays) != 1 || delays[0] != 7*time.Millisecond || codesSeen[0] != codes.ResourceExhausted {
		t.Fatalf("reconnects %v after %v, want one after RESOURCE_EXHAUSTED with the told 7ms (not the 1h backoff)", codesSeen, delays)
	}
}
