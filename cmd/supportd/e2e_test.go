package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	supportv1 "github.com/supportd/supportd/gen/support/v1"
	"github.com/supportd/supportd/internal/pgtest"
)

func TestMain(m *testing.M) {
	pgtest.Main(leakChecked{m})
}

// leakChecked runs the tests, then fails them if goroutines leaked.
type leakChecked struct{ m *testing.M }

func (l leakChecked) Run() int {
	code := l.m.Run()
	if built.dir != "" {
		os.RemoveAll(built.dir)
	}
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintf(os.Stderr, "goleak: %v\n", err)
			return 1
		}
	}
	return code
}

// built is the supportd binary the tests share: built once per test
// binary (linking takes seconds), removed when the tests end.
var built struct {
	once     sync.Once
	dir, bin string
	err      error
}

// buildSupportd builds the command, once, into a temporary directory and
// returns the binary's path. Tests run it; none may change it.
func buildSupportd(t *testing.T) string {
	t.Helper()
	built.once.Do(func() {
		if built.dir, built.err = os.MkdirTemp("", "supportd-e2e-"); built.err != nil {
			return
		}
		bin := filepath.Join(built.dir, "supportd")
		if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
			built.err = fmt.Errorf("go build: %v\n%s", err, out)
			return
		}
		built.bin = bin
	})
	if built.err != nil {
		t.Fatal(built.err)
	}
	return built.bin
}

// createKey runs `supportd keys create` and returns the secret from the
// last line of standard output.
func createKey(t *testing.T, bin, db string, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"keys", "create", "--db", db}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("keys create %v: %v\n%s", args, err, stderr.String())
	}
	lines := strings.Split(strings.TrimRight(string(out), "\n"), "\n")
	secret := lines[len(lines)-1]
	if !strings.HasPrefix(secret, "sk_") || strings.ContainsAny(secret, " \t") {
		t.Fatalf("last line of keys create is %q, want the secret alone (output %q)", secret, out)
	}
	return secret
}

// process is a running `supportd serve`.
type process struct {
	cmd    *exec.Cmd
	addr   string
	mu     sync.Mutex
	stderr bytes.Buffer
	exited chan struct{}
	err    error // of Wait, once exited is closed
}

func (p *process) log() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stderr.String()
}

var addrPattern = regexp.MustCompile(`msg="supportd serving" addr=(\S+)`)

// startServer starts `supportd serve` on a loopback port chosen by the
// system and returns once it logged its address.
func startServer(t *testing.T, bin, db string, extra ...string) *process {
	t.Helper()
	args := append([]string{"serve", "--http-listen", "", "--listen", "127.0.0.1:0", "--db", db, "--metrics-listen", "", "--grace-period", "5s"}, extra...)
	cmd := exec.Command(bin, args...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &process{cmd: cmd, exited: make(chan struct{})}
	addrc := make(chan string, 1)
	scanned := make(chan struct{})
	go func() {
		defer close(scanned)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			p.mu.Lock()
			p.stderr.WriteString(line + "\n")
			p.mu.Unlock()
			if m := addrPattern.FindStringSubmatch(line); m != nil {
				select {
				case addrc <- m[1]:
				default:
				}
			}
		}
	}()
	go func() {
		<-scanned // Wait must not run before the pipe is drained
		p.err = cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(func() {
		select {
		case <-p.exited:
		default:
			_ = cmd.Process.Kill()
			<-p.exited
		}
	})
	select {
	case p.addr = <-addrc:
	case <-p.exited:
		t.Fatalf("supportd exited before serving: %v\n%s", p.err, p.log())
	case <-time.After(30 * time.Second):
		t.Fatalf("supportd did not log its address:\n%s", p.log())
	}
	return p
}

// stop sends SIGTERM and waits for a clean exit.
func (p *process) stop(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	p.wait(t)
}

func (p *process) wait(t *testing.T) {
	t.Helper()
	select {
	case <-p.exited:
	case <-time.After(20 * time.Second):
		t.Fatalf("supportd did not exit after SIGTERM:\n%s", p.log())
	}
	if p.err != nil {
		t.Fatalf("supportd exited with %v (want status 0):\n%s", p.err, p.log())
	}
	if !strings.Contains(p.log(), `msg=stopped`) {
		t.Fatalf("supportd did not log its graceful stop:\n%s", p.log())
	}
}

func dial(t *testing.T, addr string) *grpc.ClientConn {
	t.Helper()
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

func bearer(ctx context.Context, secret string) context.Context {
	return metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+secret)
}

func waitServing(t *testing.T, conn *grpc.ClientConn) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	resp, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{}, grpc.WaitForReady(true))
	if err != nil {
		t.Fatalf("health: %v", err)
	}
	if resp.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		t.Fatalf("health = %v", resp.GetStatus())
	}
}

// directorySnapshot reads everything provisioned for partner id.
type directorySnapshot struct {
	partner       *supportv1.Partner
	customers     []*supportv1.Customer
	subscriptions []*supportv1.Subscription
	contracts     []*supportv1.Contract
	keys          []*supportv1.ApiKey
}

func snapshot(t *testing.T, ctx context.Context, dir supportv1.DirectoryServiceClient, id string) directorySnapshot {
	t.Helper()
	var s directorySnapshot
	p, err := dir.GetPartner(ctx, &supportv1.GetPartnerRequest{PartnerId: id})
	if err != nil {
		t.Fatal(err)
	}
	s.partner = p.GetPartner()
	cs, err := dir.ListCustomers(ctx, &supportv1.ListCustomersRequest{PartnerId: id})
	if err != nil {
		t.Fatal(err)
	}
	s.customers = cs.GetCustomers()
	for _, c := range s.customers {
		subs, err := dir.ListSubscriptions(ctx, &supportv1.ListSubscriptionsRequest{CustomerId: c.GetId()})
		if err != nil {
			t.Fatal(err)
		}
		s.subscriptions = append(s.subscriptions, subs.GetSubscriptions()...)
	}
	ks, err := dir.ListContracts(ctx, &supportv1.ListContractsRequest{PartnerId: id})
	if err != nil {
		t.Fatal(err)
	}
	s.contracts = ks.GetContracts()
	keys, err := dir.ListApiKeys(ctx, &supportv1.ListApiKeysRequest{})
	if err != nil {
		t.Fatal(err)
	}
	s.keys = keys.GetApiKeys()
	return s
}

func asMessages[M proto.Message](ms []M) []proto.Message {
	out := make([]proto.Message, len(ms))
	for i, m := range ms {
		out[i] = m
	}
	return out
}

func mustMask(paths ...string) *fieldmaskpb.FieldMask { return &fieldmaskpb.FieldMask{Paths: paths} }

func (s directorySnapshot) equal(o directorySnapshot) error {
	eq := func(a, b []proto.Message) bool {
		if len(a) != len(b) {
			return false
		}
		for i := range a {
			if !proto.Equal(a[i], b[i]) {
				return false
			}
		}
		return true
	}
	switch {
	case !proto.Equal(s.partner, o.partner):
		return fmt.Errorf("partner %v, was %v", o.partner, s.partner)
	case !eq(asMessages(s.customers), asMessages(o.customers)):
		return fmt.Errorf("customers %v, were %v", o.customers, s.customers)
	case !eq(asMessages(s.subscriptions), asMessages(o.subscriptions)):
		return fmt.Errorf("subscriptions %v, were %v", o.subscriptions, s.subscriptions)
	case !eq(asMessages(s.contracts), asMessages(o.contracts)):
		return fmt.Errorf("contracts %v, were %v", o.contracts, s.contracts)
	case !eq(asMessages(s.keys), asMessages(o.keys)):
		return fmt.Errorf("keys %v, were %v", o.keys, s.keys)
	}
	return nil
}

func TestEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the supportd binary")
	}
	bin := buildSupportd(t)
	db := filepath.Join(t.TempDir(), "supportd.db")
	admin := createKey(t, bin, db, "--role", "admin")
	// A bootstrap key of another role, for a partner that does not exist yet, fails.
	if out, err := exec.Command(bin, "keys", "create", "--db", db, "--role", "partner", "--partner", "adatum").CombinedOutput(); err == nil {
		t.Fatalf("keys create for an unknown partner succeeded: %s", out)
	}
	if out, err := exec.Command(bin, "keys", "create", "--db", db, "--role", "wizard").CombinedOutput(); err == nil {
		t.Fatalf("keys create with an unknown role succeeded: %s", out)
	}

	// First run: provision over gRPC.
	srv := startServer(t, bin, db)
	conn := dial(t, srv.addr)
	waitServing(t, conn)
	dir := supportv1.NewDirectoryServiceClient(conn)
	ctx := bearer(t.Context(), admin)

	if _, err := dir.ListPartners(t.Context(), &supportv1.ListPartnersRequest{}); status.Code(err) != codes.Unauthenticated {
		t.Fatalf("call without a key: %v, want UNAUTHENTICATED", err)
	}
	mustDo := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	mustDo(dir.CreatePartner(ctx, &supportv1.CreatePartnerRequest{Partner: &supportv1.Partner{
		Id: "adatum", DisplayName: "Adatum Corporation", Status: supportv1.PartnerStatus_PARTNER_STATUS_TRIAL,
		VerifiedDomains: []string{"adatum.example"}, Benefits: []supportv1.Benefit{supportv1.Benefit_BENEFIT_MPN},
	}}))
	mustDo(dir.CreatePartner(ctx, &supportv1.CreatePartnerRequest{Partner: &supportv1.Partner{
		Id: "contoso", DisplayName: "Contoso", Status: supportv1.PartnerStatus_PARTNER_STATUS_ACTIVE,
	}}))
	mustDo(dir.CreateCustomer(ctx, &supportv1.CreateCustomerRequest{Customer: &supportv1.Customer{
		Id: "litware", PartnerId: "adatum", DisplayName: "Litware, Inc.", Kind: supportv1.CustomerKind_CUSTOMER_KIND_END_CUSTOMER, Domains: []string{"litware.example"},
	}}))
	mustDo(dir.CreateCustomer(ctx, &supportv1.CreateCustomerRequest{Customer: &supportv1.Customer{
		Id: "adatum-self", PartnerId: "adatum", DisplayName: "Adatum (own)", Kind: supportv1.CustomerKind_CUSTOMER_KIND_PARTNER_SELF,
	}}))
	mustDo(dir.CreateSubscription(ctx, &supportv1.CreateSubscriptionRequest{Subscription: &supportv1.Subscription{
		Id: "sub-1", CustomerId: "litware", Service: supportv1.Service_SERVICE_AZURE, State: supportv1.SubscriptionState_SUBSCRIPTION_STATE_ACTIVE,
	}}))
	mustDo(dir.CreateSubscription(ctx, &supportv1.CreateSubscriptionRequest{Subscription: &supportv1.Subscription{
		Id: "sub-2", CustomerId: "adatum-self", Service: supportv1.Service_SERVICE_OFFICE_365, State: supportv1.SubscriptionState_SUBSCRIPTION_STATE_ACTIVE,
	}}))
	mustDo(dir.UpdateSubscription(ctx, &supportv1.UpdateSubscriptionRequest{
		Subscription: &supportv1.Subscription{Id: "sub-2", State: supportv1.SubscriptionState_SUBSCRIPTION_STATE_SUSPENDED},
		UpdateMask:   mustMask("state"),
	}))
	mustDo(dir.RegisterContract(ctx, &supportv1.RegisterContractRequest{Contract: &supportv1.Contract{
		Id: "asp-7", PartnerId: "adatum", Kind: supportv1.ProofKind_PROOF_KIND_AZURE_SUPPORT_PLAN, Reference: "ASP-7",
	}}))
	partnerKey, err := dir.CreateApiKey(ctx, &supportv1.CreateApiKeyRequest{Role: supportv1.Role_ROLE_PARTNER, PartnerId: "adatum"})
	if err != nil {
		t.Fatal(err)
	}
	agentKey, err := dir.CreateApiKey(ctx, &supportv1.CreateApiKeyRequest{Role: supportv1.Role_ROLE_AGENT})
	if err != nil {
		t.Fatal(err)
	}
	revoked, err := dir.CreateApiKey(ctx, &supportv1.CreateApiKeyRequest{Role: supportv1.Role_ROLE_AGENT})
	if err != nil {
		t.Fatal(err)
	}
	mustDo(dir.RevokeApiKey(ctx, &supportv1.RevokeApiKeyRequest{KeyId: revoked.GetKeyId()}))
	page1, err := dir.ListPartners(ctx, &supportv1.ListPartnersRequest{PageSize: 1})
	if err != nil {
		t.Fatal(err)
	}
	if page1.GetNextPageToken() == "" {
		t.Fatal("no next page token")
	}
	before := snapshot(t, ctx, dir, "adatum")
	if len(before.customers) != 2 || len(before.subscriptions) != 2 || len(before.contracts) != 1 || len(before.keys) != 4 {
		t.Fatalf("provisioned %+v", before)
	}

	// Graceful shutdown: a health watcher sees NOT_SERVING, the process exits 0.
	wctx, stopWatch := context.WithCancel(t.Context())
	watch, err := healthpb.NewHealthClient(conn).Watch(wctx, &healthpb.HealthCheckRequest{Service: "support.v1.DirectoryService"})
	if err != nil {
		t.Fatal(err)
	}
	if resp, err := watch.Recv(); err != nil || resp.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		t.Fatalf("health watch: %v, %v", resp, err)
	}
	if err := srv.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	resp, err := watch.Recv()
	if err != nil {
		t.Fatalf("health watch after SIGTERM: %v\n%s", err, srv.log())
	}
	if resp.GetStatus() != healthpb.HealthCheckResponse_NOT_SERVING {
		t.Fatalf("health after SIGTERM = %v, want NOT_SERVING", resp.GetStatus())
	}
	stopWatch()
	srv.wait(t)
	if !strings.Contains(srv.log(), "shutting down") {
		t.Fatalf("no shutdown log:\n%s", srv.log())
	}
	conn.Close()

	// Second run on the same database: everything is still there.
	srv = startServer(t, bin, db)
	conn = dial(t, srv.addr)
	waitServing(t, conn)
	dir = supportv1.NewDirectoryServiceClient(conn)
	after := snapshot(t, ctx, dir, "adatum")
	if err := before.equal(after); err != nil {
		t.Fatalf("after restart: %v", err)
	}
	for _, k := range after.keys {
		if (k.GetKeyId() == revoked.GetKeyId()) != (k.GetRevokeTime() != nil) {
			t.Fatalf("key %v: revoke_time wrong after restart", k)
		}
	}
	// Page tokens survive a restart (the signing key is stored).
	page2, err := dir.ListPartners(ctx, &supportv1.ListPartnersRequest{PageSize: 1, PageToken: page1.GetNextPageToken()})
	if err != nil {
		t.Fatalf("page token of the previous run: %v", err)
	}
	if len(page2.GetPartners()) != 1 || page2.GetPartners()[0].GetId() != "contoso" {
		t.Fatalf("second page = %v", page2.GetPartners())
	}
	// Keys: the admin key still works (it just did), the revoked one does not,
	// the partner and agent keys reach their services.
	_, err = supportv1.NewAgentServiceClient(conn).ListQueueTickets(bearer(t.Context(), revoked.GetSecret()), &supportv1.ListQueueTicketsRequest{Queue: supportv1.Queue_QUEUE_AZURE})
	if st := status.Convert(err); st.Code() != codes.Unauthenticated || st.Message() != "API key revoked" {
		t.Fatalf("revoked key after restart: %v", err)
	}
	_, err = supportv1.NewSupportServiceClient(conn).ListSupportTopics(bearer(t.Context(), partnerKey.GetSecret()), &supportv1.ListSupportTopicsRequest{Service: supportv1.Service_SERVICE_AZURE})
	if c := status.Code(err); c == codes.Unauthenticated || c == codes.PermissionDenied {
		t.Fatalf("partner key after restart: %v", err)
	}
	_, err = supportv1.NewAgentServiceClient(conn).ListQueueTickets(bearer(t.Context(), agentKey.GetSecret()), &supportv1.ListQueueTicketsRequest{Queue: supportv1.Queue_QUEUE_AZURE})
	if c := status.Code(err); c == codes.Unauthenticated || c == codes.PermissionDenied {
		t.Fatalf("agent key after restart: %v", err)
	}
	_, err = dir.ListPartners(bearer(t.Context(), partnerKey.GetSecret()), &supportv1.ListPartnersRequest{})
	if status.Code(err) != codes.PermissionDenied {
		t.Fatalf("partner key on DirectoryService: %v, want PERMISSION_DENIED", err)
	}
	// The database is the server's: keys create refuses it and points to
	// the API, and a second server refuses to start on it.
	out, err := exec.Command(bin, "keys", "create", "--db", db, "--role", "agent").CombinedOutput()
	if err == nil || !strings.Contains(string(out), "database in use") || !strings.Contains(string(out), "DirectoryService.CreateApiKey") {
		t.Fatalf("keys create beside a running server: %v\n%s", err, out)
	}
	out, err = exec.Command(bin, "serve", "--http-listen", "", "--listen", "127.0.0.1:0", "--db", db, "--metrics-listen", "").CombinedOutput()
	if err == nil || !strings.Contains(string(out), "database in use") || !strings.Contains(string(out), "pid ") {
		t.Fatalf("second server on the same database: %v\n%s", err, out)
	}
	conn.Close()
	srv.stop(t)
}

func TestServeFailsOnBusyAddress(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the supportd binary")
	}
	bin := buildSupportd(t)
	db := filepath.Join(t.TempDir(), "supportd.db")
	srv := startServer(t, bin, db)
	cmd := exec.Command(bin, "serve", "--http-listen", "", "--listen", srv.addr, "--db", filepath.Join(t.TempDir(), "other.db"), "--metrics-listen", "")
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() == 0 {
		t.Fatalf("second server on %s: %v\n%s", srv.addr, err, out)
	}
	srv.stop(t)
	_ = os.Remove(db)
}
