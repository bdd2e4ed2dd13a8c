package client_test

import (
	"context"
	"testing"
	"time"

	"google.golang.org/grpc"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/supportd/supportd/client"
	supportv1 "github.com/supportd/supportd/gen/support/v1"
	"github.com/supportd/supportd/internal/livetest"
	"github.com/supportd/supportd/server/demo"
)

// env is a testserver with the demo directory (partner adatum, customers
// litware, fabrikam, adatum-self) and clients of each side.
type env struct {
	s     *livetest.Server
	keys  demo.Keys
	c     *client.Client
	agent *client.Agent
	dir   *client.Directory
}

// bufDialer dials the in-process server.
func bufDialer(s *livetest.Server) client.Option {
	return client.WithContextDialer(s.Dial)
}

// fast are the options of test clients: plaintext, short backoffs.
func fast(key string, more ...client.Option) []client.Option {
	return append([]client.Option{
		client.WithInsecure(),
		client.WithAPIKey(key),
		client.WithRetry(4, time.Millisecond, 20*time.Millisecond),
		client.WithWatchBackoff(5*time.Millisecond, 50*time.Millisecond),
		client.WithTimeout(10 * time.Second),
	}, more...)
}

func start(t *testing.T) *env {
	t.Helper()
	s := livetest.Start(t)
	keys := s.Keys
	e := &env{s: s, keys: keys}
	var err error
	e.c, err = client.New("bufconn", fast(keys.Partner, bufDialer(s))...)
	if err != nil {
		t.Fatal(err)
	}
	e.agent, err = client.NewAgent("bufconn", fast(keys.Agent, bufDialer(s))...)
	if err != nil {
		t.Fatal(err)
	}
	e.dir, err = client.NewDirectory("bufconn", fast(keys.Admin, bufDialer(s))...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		e.c.Close()
		e.agent.Close()
		e.dir.Close()
	})
	return e
}

// ticketRequest is an entitled request of adatum for litware, without a
// request id.
func ticketRequest(title string) *supportv1.CreateTicketRequest {
	return &supportv1.CreateTicketRequest{
		CustomerId:     "litware",
		Service:        supportv1.Service_SERVICE_AZURE,
		SupportTopicId: "azure-vm-connectivity",
		Severity:       supportv1.Severity_SEVERITY_B,
		Title:          title,
		Description:    "RDP times out since 10:00.",
		Language:       "en-US",
		Contact:        &supportv1.Contact{Name: "Ann Smith", Email: "ann@adatum.example"},
	}
}

func mustCreate(t *testing.T, c *client.Client, title string) *supportv1.Ticket {
	t.Helper()
	tk, err := c.CreateTicket(t.Context(), ticketRequest(title))
	if err != nil {
		t.Fatalf("CreateTicket: %v", err)
	}
	return tk
}

// restart stops the server and starts it again on the same database, and
// returns once the clients' connections serve again: a call that changes
// state is not retried after UNAVAILABLE (it may have been applied), so a
// test must not send one while the connection still waits out its
// reconnect backoff. A health check that waits for the connection to be
// ready, and succeeds on it, proves the new server is reached.
func (e *env) restart(t *testing.T) {
	t.Helper()
	e.s.Stop()
	e.s.Restart()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	for _, cc := range []*grpc.ClientConn{e.c.Conn(), e.agent.Conn()} {
		for {
			_, err := healthpb.NewHealthClient(cc).Check(ctx, &healthpb.HealthCheckRequest{}, grpc.WaitForReady(true))
			if err == nil {
				break
			}
			if ctx.Err() != nil {
				t.Fatalf("the server did not come back: %v", err)
			}
		}
	}
}
