package app_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/protobuf/proto"

	supportv1 "github.com/supportd/supportd/gen/support/v1"
	"github.com/supportd/supportd/server/app"
	"github.com/supportd/supportd/server/config"
	"github.com/supportd/supportd/server/domain"

	"github.com/supportd/supportd/server/internal/testserver"
)

// httpEnv is a test server with its HTTP handler served by httptest and a
// seeded partner.
type httpEnv struct {
	s    *testserver.Server
	srv  *httptest.Server
	seed testserver.Seeded
}

func startHTTP(t *testing.T, opts ...testserver.Option) *httpEnv {
	t.Helper()
	s := testserver.Start(t, opts...)
	srv := httptest.NewServer(s.App.HTTPHandler())
	t.Cleanup(srv.Close)
	return &httpEnv{s: s, srv: srv, seed: s.SeedDirectory(t, "adatum")}
}

// call sends a REST request with the partner key and decodes the JSON
// answer into a map; it returns the status code.
func (e *httpEnv) call(t testing.TB, method, path, body string) (int, map[string]any) {
	t.Helper()
	return e.callKey(t, e.seed.PartnerKey, method, path, body)
}

func (e *httpEnv) callKey(t testing.TB, key, method, path, body string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, e.srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("%s %s: %d, not JSON: %q", method, path, resp.StatusCode, raw)
	}
	return resp.StatusCode, out
}

// createBody is a CreateTicket request of the seeded end customer.
func (e *httpEnv) createBody() string {
	return `{"requestId":"` + uuid.NewString() + `","customerId":"adatum-end","service":"SERVICE_AZURE",
		"supportTopicId":"azure-vm-connectivity","severity":"SEVERITY_B","language":"en-US",
		"title":"VM unreachable","description":"RDP times out since 10:00",
		"contact":{"name":"Ann Smith","email":"ann@adatum.example"}}`
}

func (e *httpEnv) create(t testing.TB) map[string]any {
	t.Helper()
	code, out := e.call(t, "POST", "/v1/tickets", e.createBody())
	if code != http.StatusOK {
		t.Fatalf("POST /v1/tickets: %d %v", code, out)
	}
	return out["ticket"].(map[string]any)
}

// TestHTTPSupportRoutes calls every REST route of SupportService (but the
// client stream UploadAttachment, which has none) and checks the answer.
func TestHTTPSupportRoutes(t *testing.T) {
	e := startHTTP(t)
	ok := func(method, path, body string) map[string]any {
		t.Helper()
		code, out := e.call(t, method, path, body)
		if code != http.StatusOK {
			t.Fatalf("%s %s: %d %v", method, path, code, out)
		}
		return out
	}
	if topics := ok("GET", "/v1/topics?service=SERVICE_AZURE", "")["topics"].([]any); len(topics) == 0 {
		t.Error("GET /v1/topics: no topics")
	}
	check := ok("POST", "/v1/entitlement:check", `{"customerId":"adatum-end","service":"SERVICE_AZURE",
		"supportTopicId":"azure-vm-connectivity","severity":"SEVERITY_B","language":"en-US"}`)
	if check["entitled"] != true {
		t.Errorf("POST /v1/entitlement:check: %v, want entitled", check)
	}
	first, second := e.create(t), e.create(t)
	id := first["id"].(string)
	if got := ok("GET", "/v1/tickets/"+id, "")["ticket"].(map[string]any)["id"]; got != id {
		t.Errorf("GET /v1/tickets/%s: id %v", id, got)
	}
	page := ok("GET", "/v1/tickets?customerId=adatum-end&pageSize=1", "")
	next, _ := page["nextPageToken"].(string)
	if len(page["tickets"].([]any)) != 1 || next == "" {
		t.Fatalf("GET /v1/tickets page 1: %v", page)
	}
	page2 := ok("GET", "/v1/tickets?customerId=adatum-end&pageSize=1&pageToken="+next, "")
	ids := []any{page["tickets"].([]any)[0].(map[string]any)["id"], page2["tickets"].([]any)[0].(map[string]any)["id"]}
	if ids[0] != second["id"] || ids[1] != id { // newest first
		t.Errorf("GET /v1/tickets pages: %v, want [%v %v]", ids, second["id"], id)
	}
	ok("POST", "/v1/tickets/"+id+"/notes", `{"text":"logs attached"}`)
	notes := ok("GET", "/v1/tickets/"+id+"/notes", "")["notes"].([]any)
	if len(notes) != 1 || notes[0].(map[string]any)["text"] != "logs attached" {
		t.Errorf("GET /v1/tickets/%s/notes: %v", id, notes)
	}
	sev := ok("POST", "/v1/tickets/"+id+":changeSeverity", `{"severity":"SEVERITY_A","reason":"production down"}`)
	if got := sev["ticket"].(map[string]any)["severity"]; got != "SEVERITY_A" {
		t.Errorf(":changeSeverity: severity %v", got)
	}
	ok("GET", "/v1/tickets/"+id+"/attachments", "")
	ok("POST", "/v1/tickets/"+id+":escalate", `{"reason":"ESCALATION_REASON_BUSINESS_IMPACT","justification":"all users blocked"}`)
	closed := ok("POST", "/v1/tickets/"+id+":close", `{}`)
	if got := closed["ticket"].(map[string]any)["status"]; got != "TICKET_STATUS_CLOSED" {
		t.Errorf(":close: status %v", got)
	}
	// Reopen needs a resolved ticket: a closed one is refused, with its code.
	if code, out := e.call(t, "POST", "/v1/tickets/"+id+":reopen", `{}`); code != http.StatusBadRequest || out["code"] != float64(connect.CodeFailedPrecondition) {
		t.Errorf(":reopen of a closed ticket: %d %v, want 400 FAILED_PRECONDITION", code, out)
	}
}

// TestHTTPErrorShape: a REST error is the Google JSON error (code,
// message, details with @type) carrying the same details as over gRPC,
// with the HTTP status of the code.
func TestHTTPErrorShape(t *testing.T) {
	e := startHTTP(t)
	code, out := e.call(t, "POST", "/v1/tickets", `{"customerId":"adatum-end","service":"SERVICE_AZURE"}`)
	if code != http.StatusBadRequest || out["code"] != float64(connect.CodeInvalidArgument) || out["message"] == "" {
		t.Fatalf("POST /v1/tickets without fields: %d %v, want 400 INVALID_ARGUMENT", code, out)
	}
	var badRequest map[string]any
	for _, d := range out["details"].([]any) {
		if d := d.(map[string]any); d["@type"] == "type.googleapis.com/google.rpc.BadRequest" {
			badRequest = d
		}
	}
	if badRequest == nil || len(badRequest["fieldViolations"].([]any)) == 0 {
		t.Errorf("details %v: want a BadRequest with field violations", out["details"])
	}
	code, out = e.call(t, "GET", "/v1/tickets/T-nope", "")
	if code != http.StatusNotFound || out["code"] != float64(connect.CodeNotFound) {
		t.Errorf("GET /v1/tickets/T-nope: %d %v, want 404 NOT_FOUND", code, out)
	}
	// A misspelt field is refused, not ignored, as a message that does not
	// decode (the ErrorInfo of gRPC's codec refusal).
	code, out = e.call(t, "POST", "/v1/tickets", `{"custmerId":"adatum-end"}`)
	if code != http.StatusBadRequest {
		t.Errorf("POST /v1/tickets with an unknown field: %d %v, want 400", code, out)
	}
	malformed := false
	for _, d := range out["details"].([]any) {
		d := d.(map[string]any)
		malformed = malformed || d["@type"] == "type.googleapis.com/google.rpc.ErrorInfo" && d["reason"] == "MALFORMED_MESSAGE"
	}
	if !malformed {
		t.Errorf("details %v: want an ErrorInfo MALFORMED_MESSAGE", out["details"])
	}
	if code, out := e.callKey(t, e.s.AdminKey, "POST", "/v1/admin/partners", `{"id":"x","displayNme":"X"}`); code != http.StatusBadRequest {
		t.Errorf("POST /v1/admin/partners with an unknown field: %d %v, want 400", code, out)
	}
}

// connectClient is a Connect (or, with connect.WithGRPCWeb, gRPC-Web)
// client of one procedure on e's HTTP handler.
func connectClient[Req, Resp any](e *httpEnv, procedure string, opts ...connect.ClientOption) *connect.Client[Req, Resp] {
	return connect.NewClient[Req, Resp](e.srv.Client(), e.srv.URL+procedure, opts...)
}

func authed[T any](msg *T, key string) *connect.Request[T] {
	req := connect.NewRequest(msg)
	req.Header().Set("Authorization", "Bearer "+key)
	return req
}

// TestHTTPConnectAndGRPCWeb: GetTicket over Connect (JSON and binary) and
// gRPC-Web, a typed error with its details over Connect, and a server
// stream (WatchTicket) over Connect and gRPC-Web, all on the HTTP handler.
func TestHTTPConnectAndGRPCWeb(t *testing.T) {
	e := startHTTP(t)
	id := e.create(t)["id"].(string)
	const get = "/support.v1.SupportService/GetTicket"
	for name, opts := range map[string][]connect.ClientOption{
		"connect+json":  {connect.WithProtoJSON()},
		"connect+proto": nil,
		"grpc-web":      {connect.WithGRPCWeb()},
	} {
		c := connectClient[supportv1.GetTicketRequest, supportv1.GetTicketResponse](e, get, opts...)
		resp, err := c.CallUnary(t.Context(), authed(&supportv1.GetTicketRequest{TicketId: id}, e.seed.PartnerKey))
		if err != nil || resp.Msg.GetTicket().GetId() != id {
			t.Errorf("%s GetTicket: %v %v", name, resp, err)
		}
		_, err = c.CallUnary(t.Context(), authed(&supportv1.GetTicketRequest{TicketId: "T-nope"}, e.seed.PartnerKey))
		var ce *connect.Error
		if !errors.As(err, &ce) || ce.Code() != connect.CodeNotFound {
			t.Errorf("%s GetTicket(T-nope): %v, want NOT_FOUND", name, err)
		} else if !hasDetail[*errdetails.ErrorInfo](ce) {
			t.Errorf("%s GetTicket(T-nope): details %v, want an ErrorInfo", name, ce.Details())
		}

		w := connectClient[supportv1.WatchTicketRequest, supportv1.WatchTicketResponse](e, "/support.v1.SupportService/WatchTicket", opts...)
		ctx, cancel := context.WithCancel(t.Context())
		stream, err := w.CallServerStream(ctx, authed(&supportv1.WatchTicketRequest{TicketId: id}, e.seed.PartnerKey))
		if err != nil {
			t.Fatalf("%s WatchTicket: %v", name, err)
		}
		if !stream.Receive() {
			t.Fatalf("%s WatchTicket: no event: %v", name, stream.Err())
		}
		if ev := stream.Msg().GetEvent(); ev.GetTicketId() != id || ev.GetType() != supportv1.TicketEventType_TICKET_EVENT_TYPE_CREATED {
			t.Errorf("%s WatchTicket first message: %v, want the CREATED event", name, stream.Msg())
		}
		cancel()
		_ = stream.Close()
	}
}

// hasDetail reports whether err carries a detail of type T.
func hasDetail[T proto.Message](err *connect.Error) bool {
	for _, d := range err.Details() {
		v, derr := d.Value()
		if _, ok := v.(T); ok && derr == nil {
			return true
		}
	}
	return false
}

// TestHTTPCORS: a preflight from an origin of http.cors_origins is
// allowed, with the headers of the protocols and authorization; one from
// another origin gets no CORS headers (the browser refuses the call).
func TestHTTPCORS(t *testing.T) {
	cfg := config.Default()
	cfg.HTTP.CORSOrigins = []string{"https://app.example.com"}
	e := startHTTP(t, testserver.WithOptions(func(o *app.Options) { o.Config = cfg }))
	preflight := func(origin string) http.Header {
		req, _ := http.NewRequest(http.MethodOptions, e.srv.URL+"/support.v1.SupportService/GetTicket", nil)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", "POST")
		req.Header.Set("Access-Control-Request-Headers", "authorization,connect-protocol-version,content-type")
		resp, err := e.srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.Header
	}
	h := preflight("https://app.example.com")
	if h.Get("Access-Control-Allow-Origin") != "https://app.example.com" || !strings.Contains(strings.ToLower(h.Get("Access-Control-Allow-Headers")), "authorization") {
		t.Errorf("allowed origin: headers %v", h)
	}
	if h := preflight("https://evil.example.com"); h.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("refused origin: Access-Control-Allow-Origin %q", h.Get("Access-Control-Allow-Origin"))
	}
}

// TestHTTPAuthAndRateLimits: the HTTP protocols go through the gRPC
// interceptors: no key is UNAUTHENTICATED (401), a key of another role
// PERMISSION_DENIED (403), and a key over its burst RESOURCE_EXHAUSTED
// (429) with the QuotaFailure and RetryInfo of gRPC, whatever the protocol.
func TestHTTPAuthAndRateLimits(t *testing.T) {
	cfg := config.Default()
	cfg.Limits.Burst = 20 // the seeding's admin calls fit
	e := startHTTP(t, testserver.KeepRateLimits(), testserver.WithOptions(func(o *app.Options) { o.Config = cfg }))
	if code, out := e.callKey(t, "", "GET", "/v1/tickets/T-1", ""); code != http.StatusUnauthorized || out["code"] != float64(connect.CodeUnauthenticated) {
		t.Errorf("no key: %d %v, want 401", code, out)
	}
	if code, out := e.callKey(t, e.s.AdminKey, "GET", "/v1/tickets/T-1", ""); code != http.StatusForbidden {
		t.Errorf("admin key on SupportService: %d %v, want 403", code, out)
	}
	// The burst: REST calls and one Connect call; then both are refused.
	for range cfg.Limits.Burst - 1 {
		e.call(t, "GET", "/v1/tickets/T-1", "")
	}
	c := connectClient[supportv1.GetTicketRequest, supportv1.GetTicketResponse](e, "/support.v1.SupportService/GetTicket")
	_, err := c.CallUnary(t.Context(), authed(&supportv1.GetTicketRequest{TicketId: "T-1"}, e.seed.PartnerKey))
	if connect.CodeOf(err) != connect.CodeNotFound {
		t.Fatalf("second call: %v, want NOT_FOUND (within the burst)", err)
	}
	code, out := e.call(t, "GET", "/v1/tickets/T-1", "")
	if code != http.StatusTooManyRequests || out["code"] != float64(connect.CodeResourceExhausted) {
		t.Fatalf("REST over the burst: %d %v, want 429", code, out)
	}
	types := map[any]bool{}
	for _, d := range out["details"].([]any) {
		types[d.(map[string]any)["@type"]] = true
	}
	if !types["type.googleapis.com/google.rpc.QuotaFailure"] || !types["type.googleapis.com/google.rpc.RetryInfo"] {
		t.Errorf("REST over the burst: details %v, want QuotaFailure and RetryInfo", out["details"])
	}
	_, err = c.CallUnary(t.Context(), authed(&supportv1.GetTicketRequest{TicketId: "T-1"}, e.seed.PartnerKey))
	var ce *connect.Error
	if !errors.As(err, &ce) || ce.Code() != connect.CodeResourceExhausted || !hasDetail[*errdetails.RetryInfo](ce) {
		t.Errorf("Connect over the burst: %v, want RESOURCE_EXHAUSTED with RetryInfo", err)
	}
}

// TestHTTPOpenAPIAndOtherServices: /openapi.json is the embedded document
// listing the REST routes; the agent and directory services have theirs.
func TestHTTPOpenAPIAndOtherServices(t *testing.T) {
	e := startHTTP(t)
	resp, err := e.srv.Client().Get(e.srv.URL + "/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var doc struct {
		Paths map[string]any `json:"paths"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("/openapi.json: %v %v", err, resp.Header)
	}
	for _, p := range []string{"/v1/tickets", "/v1/tickets/{ticketId}", "/v1/agent/tickets", "/v1/admin/partners"} {
		if doc.Paths[p] == nil {
			t.Errorf("/openapi.json: no path %s", p)
		}
	}
	id := e.create(t)["id"].(string)
	agent := e.s.NewKey(t, domain.RoleAgent, "")
	if code, out := e.callKey(t, agent, "GET", "/v1/agent/tickets/"+id, ""); code != http.StatusOK {
		t.Errorf("GET /v1/agent/tickets/%s: %d %v", id, code, out)
	}
	if code, out := e.callKey(t, agent, "POST", "/v1/agent/tickets/"+id+":acknowledge", `{"message":"on it"}`); code != http.StatusOK {
		t.Errorf(":acknowledge: %d %v", code, out)
	}
	if code, out := e.callKey(t, e.s.AdminKey, "GET", "/v1/admin/partners/adatum", ""); code != http.StatusOK || out["partner"].(map[string]any)["id"] != "adatum" {
		t.Errorf("GET /v1/admin/partners/adatum: %d %v", code, out)
	}
}
