package client_test

import (
	"context"
	"net"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/test/bufconn"

	"github.com/supportd/supportd/client"
	supportv1 "github.com/supportd/supportd/gen/support/v1"
)

// flaky is a SupportService proxy in front of the real server that answers
// UNAVAILABLE to the first calls of each method: failBefore calls fail
// without reaching the server, then failAfter calls reach it but their
// answer is lost (replaced by UNAVAILABLE).
type flaky struct {
	supportv1.UnimplementedSupportServiceServer
	real supportv1.SupportServiceClient

	mu         sync.Mutex
	failBefore int
	failAfter  int
	calls      map[string]int
	requestIDs []string
}

func (f *flaky) interceptor(ctx context.Context, req any, info *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
	f.mu.Lock()
	f.calls[info.FullMethod]++
	n := f.calls[info.FullMethod]
	if r, ok := req.(*supportv1.CreateTicketRequest); ok {
		f.requestIDs = append(f.requestIDs, r.GetRequestId())
	}
	f.mu.Unlock()
	if n <= f.failBefore {
		return nil, status.Error(codes.Unavailable, "flaky: not now")
	}
	resp, err := h(ctx, req)
	if n <= f.failBefore+f.failAfter {
		return nil, status.Error(codes.Unavailable, "flaky: answer lost")
	}
	return resp, err
}

func (f *flaky) count(method string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls["/support.v1.SupportService/"+method]
}

func forward(ctx context.Context) context.Context {
	md, _ := metadata.FromIncomingContext(ctx)
	return metadata.NewOutgoingContext(ctx, metadata.Pairs("authorization", md.Get("authorization")[0]))
}

func (f *flaky) CreateTicket(ctx context.Context, r *supportv1.CreateTicketRequest) (*supportv1.CreateTicketResponse, error) {
	return f.real.CreateTicket(forward(ctx), r)
}

func (f *flaky) GetTicket(ctx context.Context, r *supportv1.GetTicketRequest) (*supportv1.GetTicketResponse, error) {
	return f.real.GetTicket(forward(ctx), r)
}

func (f *flaky) AddTicketNote(ctx context.Context, r *supportv1.AddTicketNoteRequest) (*supportv1.AddTicketNoteResponse, error) {
	return f.real.AddTicketNote(forward(ctx), r)
}

// startFlaky starts the proxy and returns it with a partner client on it.
func startFlaky(t *testing.T, e *env, failBefore, failAfter int, opts ...client.Option) (*flaky, *client.Client) {
	t.Helper()
	realConn, err := grpc.NewClient("passthrough:///real",
		grpc.WithContextDialer(e.s.Dial), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	f := &flaky{real: supportv1.NewSupportServiceClient(realConn), failBefore: failBefore, failAfter: failAfter, calls: map[string]int{}}
	srv := grpc.NewServer(grpc.UnaryInterceptor(f.interceptor))
	supportv1.RegisterSupportServiceServer(srv, f)
	lis := bufconn.Listen(1 << 20)
	go srv.Serve(lis)
	c, err := client.New("flaky", append(fast(e.keys.Partner, client.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) {
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
	return f, c
}

func TestRetryUnavailable(t *testing.T) {
	e := start(t)
	tk := mustCreate(t, e.c, "retried read")
	f, c := startFlaky(t, e, 2, 0)
	got, err := c.GetTicket(t.Context(), tk.GetId())
	if err != nil || got.GetId() != tk.GetId() {
		t.Fatalf("GetTicket through 2 failures = %v, %v", got, err)
	}
	if n := f.count("GetTicket"); n != 3 {
		t.Errorf("GetTicket attempts = %d, want 3", n)
	}
}

func TestRetryGivesUp(t *testing.T) {
	e := start(t)
	f, c := startFlaky(t, e, 10, 0)
	_, err := c.GetTicket(t.Context(), "x")
	if client.Code(err) != codes.Unavailable {
		t.Fatalf("GetTicket = %v, want UNAVAILABLE", err)
	}
	if n := f.count("GetTicket"); n != 4 {
		t.Errorf("attempts = %d, want the 4 of WithRetry", n)
	}
	// How long it waited between attempts is TestBackoffBounds's subject.
}

func TestRetryDisabled(t *testing.T) {
	e := start(t)
	f, c := startFlaky(t, e, 1, 0, client.WithRetry(1, time.Millisecond, time.Millisecond))
	if _, err := c.GetTicket(t.Context(), "x"); client.Code(err) != codes.Unavailable {
		t.Fatalf("GetTicket = %v, want UNAVAILABLE", err)
	}
	if n := f.count("GetTicket"); n != 1 {
		t.Errorf("attempts = %d, want 1", n)
	}
}

// TestCreateTicketRetryIsIdempotent loses the answers of the first two
// CreateTicket attempts after the server filed the ticket: the retries
// carry the same request id, so there is one ticket.
func TestCreateTicketRetryIsIdempotent(t *testing.T) {
	e := start(t)
	f, c := startFlaky(t, e, 1, 2)
	tk, err := c.CreateTicket(t.Context(), ticketRequest("filed once"))
	if err != nil {
		t.Fatalf("CreateTicket: %v", err)
	}
	if n := f.count("CreateTicket"); n != 4 {
		t.Errorf("CreateTicket attempts = %d, want 4", n)
	}
	f.mu.Lock()
	ids := append([]string(nil), f.requestIDs...)
	f.mu.Unlock()
	for _, id := range ids {
		if id == "" || id != ids[0] {
			t.Fatalf("request ids of the attempts %q: want one, non-empty", ids)
		}
	}
	var titles []string
	for got, err := range e.c.AllTickets(t.Context(), &supportv1.ListTicketsRequest{}) {
		if err != nil {
			t.Fatal(err)
		}
		titles = append(titles, got.GetTitle())
		if got.GetId() != tk.GetId() {
			t.Errorf("extra ticket %s %q", got.GetId(), got.GetTitle())
		}
	}
	if len(titles) != 1 {
		t.Fatalf("tickets %q, want exactly one", titles)
	}
}

// TestMutationsAreNotRetried: a note whose answer was lost is not sent again.
func TestMutationsAreNotRetried(t *testing.T) {
	e := start(t)
	tk := mustCreate(t, e.c, "note once")
	f, c := startFlaky(t, e, 0, 1)
	if _, err := c.AddTicketNote(t.Context(), tk.GetId(), "only once"); client.Code(err) != codes.Unavailable {
		t.Fatalf("AddTicketNote = %v, want UNAVAILABLE", err)
	}
	if n := f.count("AddTicketNote"); n != 1 {
		t.Errorf("AddTicketNote attempts = %d, want 1", n)
	}
	got, err := e.c.GetTicket(t.Context(), tk.GetId())
	if err != nil || got.GetNoteCount() != 1 {
		t.Fatalf("notes after a lost answer: %d, %v", got.GetNoteCount(), err)
	}
	if notes := notesOf(t, e.c.AllTicketNotes(t.Context(), tk.GetId())); len(notes) != 1 || notes[0].GetText() != "only once" {
		t.Fatalf("notes after a lost answer: %v", notes)
	}
}

func TestDefaultTimeout(t *testing.T) {
	e := start(t)
	// A server that never answers within the timeout: block in the interceptor.
	block := make(chan struct{})
	srv := grpc.NewServer(grpc.UnaryInterceptor(func(_ context.Context, _ any, _ *grpc.UnaryServerInfo, _ grpc.UnaryHandler) (any, error) {
		<-block // past the client's deadline: the client gives up first
		return nil, status.Error(codes.Canceled, "gone")
	}))
	supportv1.RegisterSupportServiceServer(srv, supportv1.UnimplementedSupportServiceServer{})
	lis := bufconn.Listen(1 << 20)
	go srv.Serve(lis)
	defer srv.Stop()
	defer close(block)
	c, err := client.New("slow", fast(e.keys.Partner, client.WithTimeout(100*time.Millisecond),
		client.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }))...)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.GetTicket(t.Context(), "x"); client.Code(err) != codes.DeadlineExceeded {
		t.Fatalf("GetTicket = %v, want DEADLINE_EXCEEDED", err)
	}
}
