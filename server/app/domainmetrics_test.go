package app_test

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	supportv1 "github.com/supportd/supportd/gen/support/v1"
	"github.com/supportd/supportd/server/internal/testserver"
)

// TestDomainMetricsMove: filing, escalating and watching show in /metrics
// (tickets by queue and severity, escalations, open streams, the commits'
// group sizes and latency).
func TestDomainMetricsMove(t *testing.T) {
	s := testserver.Start(t)
	d := s.SeedDirectory(t, "p1")
	ctx := testserver.Auth(t.Context(), d.PartnerKey)
	tk, err := s.Support().CreateTicket(ctx, filing(d.EndCustomer.GetId()))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Support().EscalateTicket(ctx, &supportv1.EscalateTicketRequest{TicketId: tk.GetTicket().GetId(),
		Reason: supportv1.EscalationReason_ESCALATION_REASON_BUSINESS_IMPACT, Justification: "all users blocked"}); err != nil {
		t.Fatal(err)
	}
	stream, err := s.Support().WatchTickets(ctx, &supportv1.WatchTicketsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := stream.Recv(); err != nil { // the first checkpoint: the stream is open
		t.Fatal(err)
	}
	if err := s.App.WaitMetrics(t.Context(), s.LastSequence(t)); err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	s.App.MetricsHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	body := rec.Body.String()
	for _, want := range []string{
		`supportd_tickets_created_total{queue="AZURE",severity="B"} 1`,
		`supportd_escalations_total{queue="AZURE"} 1`,
		`supportd_watch_streams 1`,
		`supportd_store_commit_writes_count 2`,
		`supportd_store_commit_seconds_count 2`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if t.Failed() {
		t.Logf("/metrics:\n%s", grepLines(body, "supportd_"))
	}
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// TestOperationsDocNamesExportedMetrics: every metric docs/operations.md
// names (its table and its alerts) is one the server exports, by that
// exact name, once the server has filed, escalated, breached and watched.
func TestOperationsDocNamesExportedMetrics(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "operations.md"))
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, m := range regexp.MustCompile(`\b(?:grpc_server|supportd|process|go)_[a-z_]+`).FindAllString(string(doc), -1) {
		names[strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(m, "_bucket"), "_count"), "_sum")] = true
	}
	if len(names) < 10 {
		t.Fatalf("docs/operations.md names %d metrics: %v", len(names), names)
	}

	s := testserver.Start(t)
	d := s.SeedDirectory(t, "p1")
	ctx := testserver.Auth(t.Context(), d.PartnerKey)
	if _, err := s.Support().CreateTicket(ctx, filing(d.EndCustomer.GetId())); err != nil {
		t.Fatal(err)
	}
	stream, err := s.Support().WatchTickets(ctx, &supportv1.WatchTicketsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := stream.Recv(); err != nil { // a message sent on a stream
		t.Fatal(err)
	}
	s.Clock.Advance(5 * time.Hour) // past the severity B target: warning, breach, escalation
	if _, err := s.App.Sweep(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := s.App.WaitMetrics(t.Context(), s.LastSequence(t)); err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	s.App.MetricsHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	body := rec.Body.String()
	for name := range names {
		if !strings.Contains(body, "\n# TYPE "+name+" ") {
			t.Errorf("docs/operations.md names %s: not exported", name)
		}
	}
	if t.Failed() {
		t.Logf("exported:\n%s", grepLines(body, "# TYPE"))
	}
}
