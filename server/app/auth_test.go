package app_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	reflectionv1 "google.golang.org/grpc/reflection/grpc_reflection_v1"
	reflectionv1alpha "google.golang.org/grpc/reflection/grpc_reflection_v1alpha"
	"google.golang.org/grpc/status"

	supportv1 "github.com/supportd/supportd/gen/support/v1"
	"github.com/supportd/supportd/internal/pgtest"
	"github.com/supportd/supportd/server/app"
	"github.com/supportd/supportd/server/auth"
	"github.com/supportd/supportd/server/domain"
	"github.com/supportd/supportd/server/internal/testserver"
	"github.com/supportd/supportd/server/store"
)

// TestMain starts a throwaway PostgreSQL cluster for the tests of several
// replicas (they skip without one) and checks that no goroutine leaks.
func TestMain(m *testing.M) {
	pgtest.Main(leakChecked{m})
}

// leakChecked runs the tests, then fails them if goroutines leaked.
type leakChecked struct{ m *testing.M }

func (l leakChecked) Run() int {
	code := l.m.Run()
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintf(os.Stderr, "goleak: %v\n", err)
			return 1
		}
	}
	return code
}

// wantCode is the shared check of testserver.
var wantCode = testserver.WantCode

// call is one unary RPC of each service, with an empty request.
type call struct {
	service string
	role    domain.Role
	do      func(ctx context.Context, s *testserver.Server) error
}

var calls = []call{
	{"support.v1.DirectoryService", domain.RoleAdmin, func(ctx context.Context, s *testserver.Server) error {
		_, err := s.Directory().ListPartners(ctx, &supportv1.ListPartnersRequest{})
		return err
	}},
	{"support.v1.SupportService", domain.RolePartner, func(ctx context.Context, s *testserver.Server) error {
		_, err := s.Support().ListSupportTopics(ctx, &supportv1.ListSupportTopicsRequest{Service: supportv1.Service_SERVICE_AZURE})
		return err
	}},
	{"support.v1.AgentService", domain.RoleAgent, func(ctx context.Context, s *testserver.Server) error {
		_, err := s.Agent().ListQueueTickets(ctx, &supportv1.ListQueueTicketsRequest{Queue: supportv1.Queue_QUEUE_AZURE})
		return err
	}},
}

func TestUnauthenticated(t *testing.T) {
	s := testserver.Start(t)
	adminKey := s.AdminKey
	// A well-formed secret naming the admin key's id with another random part.
	id := strings.Split(adminKey, "_")[1]
	forged := "sk_" + id + "_" + strings.Repeat("A", 43)

	for _, tc := range []struct {
		name string
		md   []string // outgoing metadata pairs
		msg  string   // a substring of the message
	}{
		{"no metadata", nil, "missing API key"},
		{"empty bearer", []string{"authorization", "Bearer "}, ""},
		{"basic scheme", []string{"authorization", "Basic " + adminKey}, "missing API key"},
		{"key without scheme", []string{"authorization", adminKey}, "missing API key"},
		{"malformed key", []string{"authorization", "Bearer not-a-key"}, "unknown API key"},
		{"malformed id", []string{"authorization", "Bearer sk_short_abc"}, "unknown API key"},
		{"unknown key", []string{"authorization", "Bearer sk_0123456789abcdef_" + strings.Repeat("x", 43)}, "unknown API key"},
		{"wrong secret of a known key", []string{"authorization", "Bearer " + forged}, "unknown API key"},
		{"truncated secret", []string{"authorization", "Bearer " + adminKey[:len(adminKey)-1]}, "unknown API key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, c := range calls {
				ctx := t.Context()
				if tc.md != nil {
					ctx = metadata.AppendToOutgoingContext(ctx, tc.md...)
				}
				st := wantCode(t, c.do(ctx, s), codes.Unauthenticated)
				if !strings.Contains(st.Message(), tc.msg) {
					t.Fatalf("%s: message %q, want it to contain %q", c.service, st.Message(), tc.msg)
				}
				if strings.Contains(st.Message(), adminKey) {
					t.Fatalf("message %q echoes the key", st.Message())
				}
			}
		})
	}
	// The scheme is case-insensitive.
	ctx := metadata.AppendToOutgoingContext(t.Context(), "authorization", "bearer "+adminKey)
	if err := calls[0].do(ctx, s); err != nil {
		t.Fatalf("lower-case bearer: %v", err)
	}
}

func TestRevocationIsImmediate(t *testing.T) {
	s := testserver.Start(t)
	dir := s.Directory()
	s.SeedPartner(t, "adatum")
	for _, c := range calls {
		t.Run(string(c.role), func(t *testing.T) {
			partner := ""
			if c.role == domain.RolePartner {
				partner = "adatum"
			}
			resp, err := dir.CreateApiKey(s.Admin(t), &supportv1.CreateApiKeyRequest{Role: supportv1.Role(supportv1.Role_value["ROLE_"+string(c.role)]), PartnerId: partner})
			if err != nil {
				t.Fatal(err)
			}
			ctx := testserver.Auth(t.Context(), resp.GetSecret())
			// Twice, so the key is certainly in the authenticator's cache.
			for range 2 {
				if err := c.do(ctx, s); isAuthError(err) {
					t.Fatalf("fresh key refused: %v", err)
				}
			}
			if _, err := dir.RevokeApiKey(s.Admin(t), &supportv1.RevokeApiKeyRequest{KeyId: resp.GetKeyId()}); err != nil {
				t.Fatal(err)
			}
			st := wantCode(t, c.do(ctx, s), codes.Unauthenticated)
			if st.Message() != "API key revoked" {
				t.Fatalf("message %q", st.Message())
			}
			// Other keys are unaffected.
			if _, err := dir.ListPartners(s.Admin(t), &supportv1.ListPartnersRequest{}); err != nil {
				t.Fatal(err)
			}
		})
	}
	t.Run("an admin revoking its own key", func(t *testing.T) {
		key := s.NewKey(t, domain.RoleAdmin, "")
		ctx := testserver.Auth(t.Context(), key)
		id := strings.Split(key, "_")[1]
		if _, err := dir.RevokeApiKey(ctx, &supportv1.RevokeApiKeyRequest{KeyId: id}); err != nil {
			t.Fatal(err)
		}
		_, err := dir.ListPartners(ctx, &supportv1.ListPartnersRequest{})
		wantCode(t, err, codes.Unauthenticated)
	})
}

func isAuthError(err error) bool {
	c := status.Code(err)
	return c == codes.Unauthenticated || c == codes.PermissionDenied
}

func TestRoles(t *testing.T) {
	s := testserver.Start(t)
	s.SeedPartner(t, "adatum")
	keys := map[domain.Role]string{
		domain.RoleAdmin:   s.AdminKey,
		domain.RoleAgent:   s.NewKey(t, domain.RoleAgent, ""),
		domain.RolePartner: s.NewKey(t, domain.RolePartner, "adatum"),
	}
	for role, key := range keys {
		for _, c := range calls {
			t.Run(string(role)+" on "+c.service, func(t *testing.T) {
				err := c.do(testserver.Auth(t.Context(), key), s)
				if role == c.role {
					if isAuthError(err) {
						t.Fatalf("%s key refused on %s: %v", role, c.service, err)
					}
					return
				}
				st := wantCode(t, err, codes.PermissionDenied)
				if !strings.Contains(st.Message(), c.service) {
					t.Fatalf("message %q does not name the service", st.Message())
				}
			})
		}
	}
	t.Run("every directory method is admin only", func(t *testing.T) {
		// Reflectively call each DirectoryService method with a partner and
		// an agent key: all PERMISSION_DENIED.
		for _, m := range supportv1.DirectoryService_ServiceDesc.Methods {
			for _, role := range []domain.Role{domain.RoleAgent, domain.RolePartner} {
				ctx := testserver.Auth(t.Context(), keys[role])
				err := s.Conn.Invoke(ctx, "/support.v1.DirectoryService/"+m.MethodName, &supportv1.ListPartnersRequest{}, &supportv1.ListPartnersResponse{})
				if status.Code(err) != codes.PermissionDenied {
					t.Errorf("%s with a %s key: %v, want PERMISSION_DENIED", m.MethodName, role, err)
				}
			}
		}
	})
}

func TestHealthAndReflectionNeedNoKey(t *testing.T) {
	s := testserver.Start(t)
	h := s.Health()
	for _, svc := range []string{"", "support.v1.DirectoryService", "support.v1.SupportService", "support.v1.AgentService"} {
		resp, err := h.Check(t.Context(), &healthpb.HealthCheckRequest{Service: svc})
		if err != nil {
			t.Fatalf("Check(%q): %v", svc, err)
		}
		if resp.GetStatus() != healthpb.HealthCheckResponse_SERVING {
			t.Fatalf("Check(%q) = %v, want SERVING", svc, resp.GetStatus())
		}
	}
	_, err := h.Check(t.Context(), &healthpb.HealthCheckRequest{Service: "support.v1.NoSuchService"})
	wantCode(t, err, codes.NotFound)

	// A bad key does not get in the way of health either.
	if _, err := h.Check(testserver.Auth(t.Context(), "garbage"), &healthpb.HealthCheckRequest{}); err != nil {
		t.Fatalf("Check with a bad key: %v", err)
	}

	want := []string{"grpc.health.v1.Health", "support.v1.AgentService", "support.v1.DirectoryService", "support.v1.SupportService"}
	t.Run("reflection v1", func(t *testing.T) {
		stream, err := reflectionv1.NewServerReflectionClient(s.Conn).ServerReflectionInfo(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if err := stream.Send(&reflectionv1.ServerReflectionRequest{MessageRequest: &reflectionv1.ServerReflectionRequest_ListServices{}}); err != nil {
			t.Fatal(err)
		}
		resp, err := stream.Recv()
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, svc := range resp.GetListServicesResponse().GetService() {
			got = append(got, svc.GetName())
		}
		for _, w := range want {
			if !slices.Contains(got, w) {
				t.Fatalf("reflection lists %v, missing %s", got, w)
			}
		}
		// And it describes our files.
		if err := stream.Send(&reflectionv1.ServerReflectionRequest{MessageRequest: &reflectionv1.ServerReflectionRequest_FileContainingSymbol{FileContainingSymbol: "support.v1.DirectoryService"}}); err != nil {
			t.Fatal(err)
		}
		resp, err = stream.Recv()
		if err != nil {
			t.Fatal(err)
		}
		if len(resp.GetFileDescriptorResponse().GetFileDescriptorProto()) == 0 {
			t.Fatalf("no descriptor for DirectoryService: %v", resp)
		}
		if err := stream.CloseSend(); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("reflection v1alpha", func(t *testing.T) {
		stream, err := reflectionv1alpha.NewServerReflectionClient(s.Conn).ServerReflectionInfo(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if err := stream.Send(&reflectionv1alpha.ServerReflectionRequest{MessageRequest: &reflectionv1alpha.ServerReflectionRequest_ListServices{}}); err != nil {
			t.Fatal(err)
		}
		resp, err := stream.Recv()
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, svc := range resp.GetListServicesResponse().GetService() {
			got = append(got, svc.GetName())
		}
		for _, w := range want {
			if !slices.Contains(got, w) {
				t.Fatalf("reflection v1alpha lists %v, missing %s", got, w)
			}
		}
		if err := stream.CloseSend(); err != nil {
			t.Fatal(err)
		}
	})
}

func TestShutdownHealth(t *testing.T) {
	// A grace period of an hour: if the watchers held the graceful stop,
	// Shutdown would not return within the test's wait.
	s := testserver.Start(t, testserver.WithOptions(func(o *app.Options) { o.GracePeriod = time.Hour }))
	metrics := httptest.NewServer(s.App.MetricsHandler())
	defer metrics.Close()
	healthz := func() int {
		resp, err := http.Get(metrics.URL + "/healthz")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := healthz(); code != http.StatusOK {
		t.Fatalf("/healthz = %d before shutdown", code)
	}

	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	watches := map[string]healthpb.Health_WatchClient{}
	for _, svc := range []string{"", "support.v1.DirectoryService", "support.v1.SupportService", "support.v1.AgentService"} {
		w, err := s.Health().Watch(ctx, &healthpb.HealthCheckRequest{Service: svc})
		if err != nil {
			t.Fatal(err)
		}
		resp, err := w.Recv()
		if err != nil {
			t.Fatal(err)
		}
		if resp.GetStatus() != healthpb.HealthCheckResponse_SERVING {
			t.Fatalf("Watch(%q) starts at %v", svc, resp.GetStatus())
		}
		watches[svc] = w
	}

	done := make(chan struct{})
	go func() {
		s.App.Shutdown(context.Background())
		close(done)
	}()
	for svc, w := range watches {
		resp, err := w.Recv()
		if err != nil {
			t.Fatalf("Watch(%q): %v", svc, err)
		}
		if resp.GetStatus() != healthpb.HealthCheckResponse_NOT_SERVING {
			t.Fatalf("Watch(%q) after Shutdown = %v, want NOT_SERVING", svc, resp.GetStatus())
		}
	}
	if code := healthz(); code != http.StatusServiceUnavailable {
		t.Fatalf("/healthz = %d while draining, want 503", code)
	}
	// The watch streams end at shutdown like every stream: the watchers do
	// not hold the graceful stop for the grace period.
	for svc, w := range watches {
		if resp, err := w.Recv(); err != io.EOF {
			t.Fatalf("Watch(%q) after NOT_SERVING: %v, %v; want the stream to end", svc, resp, err)
		}
	}
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Shutdown waits for the health watchers")
	}
	// New calls are refused once stopped.
	if _, err := s.Directory().ListPartners(s.Admin(t), &supportv1.ListPartnersRequest{}); status.Code(err) != codes.Unavailable {
		t.Fatalf("call after shutdown: %v, want UNAVAILABLE", err)
	}
}

func TestShutdownLetsInFlightCallsFinish(t *testing.T) {
	st := &hookStore{}
	s := testserver.Start(t, testserver.WithOptions(func(o *app.Options) {
		st.Store = o.Store
		o.Store = st
	}))
	entered, release := make(chan struct{}), make(chan struct{})
	block := func() {
		close(entered)
		<-release
	}
	st.onRead.Store(&block)
	errc := make(chan error, 1)
	go func() {
		_, err := s.Directory().GetPartner(s.Admin(t), &supportv1.GetPartnerRequest{PartnerId: "nobody"})
		errc <- err
	}()
	<-entered
	st.onRead.Store(nil)
	done := make(chan struct{})
	go func() {
		s.App.Shutdown(context.Background())
		close(done)
	}()
	// Shutdown has reached its wait for in-flight calls once new calls are
	// refused; it must still be waiting then.
	s.AwaitRefusing(t)
	select {
	case <-done:
		t.Fatal("Shutdown returned while a call was in flight")
	default:
	}
	close(release)
	if err := <-errc; status.Code(err) != codes.NotFound {
		t.Fatalf("in-flight call: %v, want its own result NOT_FOUND", err)
	}
	<-done
}

// hookStore wraps a store; onRead, when set, runs at the start of a ReadTx
// made by the handler of a GetPartner call (in the handler's goroutine;
// background workers and authentication are not affected).
type hookStore struct {
	store.Store
	onRead atomic.Pointer[func()]
}

func (h *hookStore) ReadTx(ctx context.Context, fn func(tx store.Reader) error) error {
	method, _ := grpc.Method(ctx)
	_, authed := auth.FromContext(ctx)
	if f := h.onRead.Load(); f != nil && method == "/support.v1.DirectoryService/GetPartner" && authed {
		(*f)()
	}
	return h.Store.ReadTx(ctx, fn)
}

func TestHandlerPanicIsInternal(t *testing.T) {
	st := &hookStore{}
	s := testserver.Start(t, testserver.WithOptions(func(o *app.Options) {
		st.Store = o.Store
		o.Store = st
	}))
	ctx := s.Admin(t)
	// A first call caches the admin key, so the panic below happens in the
	// handler, not in authentication.
	if _, err := s.Directory().ListPartners(ctx, &supportv1.ListPartnersRequest{}); err != nil {
		t.Fatal(err)
	}
	explode := func() { panic("driver exploded: SELECT secret FROM somewhere") }
	st.onRead.Store(&explode)
	_, err := s.Directory().GetPartner(ctx, &supportv1.GetPartnerRequest{PartnerId: "adatum"})
	st.onRead.Store(nil)
	stat := wantCode(t, err, codes.Internal)
	if info, _, _ := details(stat); stat.Message() != "internal error" || len(stat.Details()) != 1 || info.GetReason() != "INTERNAL" {
		t.Fatalf("panic became %q %v, want the generic \"internal error\" with ErrorInfo INTERNAL alone", stat.Message(), stat.Details())
	}
	// The server goes on serving.
	if _, err := s.Directory().ListPartners(ctx, &supportv1.ListPartnersRequest{}); err != nil {
		t.Fatal(err)
	}
}

// errStore fails the ReadTx of calls to ListPartners while failing is set.
type errStore struct {
	store.Store
	failing atomic.Bool
}

func (e *errStore) ReadTx(ctx context.Context, fn func(tx store.Reader) error) error {
	method, _ := grpc.Method(ctx)
	if e.failing.Load() && method == "/support.v1.DirectoryService/ListPartners" {
		return errors.New("disk on fire")
	}
	return e.Store.ReadTx(ctx, fn)
}

func TestKeyLookupFailureIsUnavailable(t *testing.T) {
	st := &errStore{}
	s := testserver.Start(t, testserver.WithOptions(func(o *app.Options) {
		st.Store = o.Store
		o.Store = st
	}))
	st.failing.Store(true)
	_, err := s.Directory().ListPartners(s.Admin(t), &supportv1.ListPartnersRequest{})
	stat := wantCode(t, err, codes.Unavailable)
	if strings.Contains(stat.Message(), "disk on fire") {
		t.Fatalf("message leaks the cause: %q", stat.Message())
	}
	if info, _, _ := details(stat); info.GetReason() != "AUTH_UNAVAILABLE" {
		t.Fatalf("ErrorInfo %v, want AUTH_UNAVAILABLE", info)
	}
	st.failing.Store(false)
	if _, err := s.Directory().ListPartners(s.Admin(t), &supportv1.ListPartnersRequest{}); err != nil {
		t.Fatal(err)
	}
	// A storage failure in a handler is INTERNAL without the cause.
	st.failing.Store(true)
	_, err = s.Directory().ListPartners(s.Admin(t), &supportv1.ListPartnersRequest{})
	stat = wantCode(t, err, codes.Internal)
	if info, _, _ := details(stat); stat.Message() != "internal error" || info.GetReason() != "INTERNAL" {
		t.Fatalf("message %q, ErrorInfo %v; want internal error, INTERNAL", stat.Message(), info)
	}
	st.failing.Store(false)
}

func TestMetricsEndpoint(t *testing.T) {
	s := testserver.Start(t)
	if _, err := s.Directory().ListPartners(s.Admin(t), &supportv1.ListPartnersRequest{}); err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	s.App.MetricsHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `grpc_server_handled_total{grpc_code="OK",grpc_method="ListPartners"`) {
		t.Fatalf("/metrics = %d:\n%.2000s", rec.Code, rec.Body.String())
	}
}
