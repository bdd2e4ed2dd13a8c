package cli_test

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/protojson"

	"github.com/supportd/supportd/client"
	"github.com/supportd/supportd/cmd/supportctl/internal/cli"
	supportv1 "github.com/supportd/supportd/gen/support/v1"
	"github.com/supportd/supportd/internal/livetest"
)

// syncBuffer is a bytes.Buffer safe for a writer and a concurrent reader,
// which can wait for the next write (changed).
type syncBuffer struct {
	mu      sync.Mutex
	b       bytes.Buffer
	written chan struct{} // closed and replaced by every write
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.written != nil {
		close(s.written)
		s.written = nil
	}
	return s.b.Write(p)
}

// changed returns the contents and a channel closed by the next write.
func (s *syncBuffer) changed() (string, <-chan struct{}) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.written == nil {
		s.written = make(chan struct{})
	}
	return s.b.String(), s.written
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

type ctl struct {
	t   *testing.T
	s   *livetest.Server
	env map[string]string
}

func newCtl(t *testing.T) *ctl {
	s := livetest.Start(t)
	// XDG_CONFIG_HOME: no credentials file of the machine's is read.
	return &ctl{t: t, s: s, env: map[string]string{"SUPPORT_KEY": s.Keys.Partner, "XDG_CONFIG_HOME": t.TempDir()}}
}

func (c *ctl) runContext(ctx context.Context, stdout, stderr io.Writer, args ...string) int {
	return cli.RunContext(ctx, args, stdout, stderr, func(k string) string { return c.env[k] }, dialer(c)...)
}

// dialer are the client options reaching c's in-process server.
func dialer(c *ctl) []client.Option {
	return []client.Option{client.WithContextDialer(c.s.Dial), client.WithWatchBackoff(5*time.Millisecond, 50*time.Millisecond)}
}

// run runs a command line and returns its exit code, stdout and stderr.
func (c *ctl) run(args ...string) (int, string, string) {
	c.t.Helper()
	var out, errb syncBuffer
	code := c.runContext(c.t.Context(), &out, &errb, args...)
	return code, out.String(), errb.String()
}

// ok runs a command line that must succeed and returns its stdout.
func (c *ctl) ok(args ...string) string {
	c.t.Helper()
	code, out, errs := c.run(args...)
	if code != 0 {
		c.t.Fatalf("supportctl %s: exit %d\n%s", strings.Join(args, " "), code, errs)
	}
	return out
}

var createArgs = []string{"tickets", "create", "--customer", "litware", "--service", "azure", "--topic", "azure-vm-connectivity",
	"--severity", "B", "--title", "VM unreachable", "--description", "RDP times out since 10:00",
	"--contact-name", "Ann Smith", "--contact-email", "ann@adatum.example"}

// create files a ticket with -o json and returns it.
func (c *ctl) create() *supportv1.Ticket {
	c.t.Helper()
	out := c.ok(append([]string{"-o", "json"}, createArgs...)...)
	var tk supportv1.Ticket
	if err := protojson.Unmarshal([]byte(out), &tk); err != nil {
		c.t.Fatalf("create -o json output %q: %v", out, err)
	}
	return &tk
}

func TestTopicsAndEntitlement(t *testing.T) {
	c := newCtl(t)
	out := c.ok("topics", "list", "--service", "azure")
	if !strings.HasPrefix(out, "ID") || !strings.Contains(out, "azure-vm-connectivity") || !strings.Contains(out, "technical") {
		t.Errorf("topics table:\n%s", out)
	}
	out = c.ok("topics", "list", "--service", "SERVICE_AZURE", "-o", "json")
	var topics supportv1.ListSupportTopicsResponse
	if err := protojson.Unmarshal([]byte(out), &topics); err != nil || len(topics.GetTopics()) == 0 {
		t.Fatalf("topics json %q: %v", out, err)
	}
	if !strings.Contains(out, `"TOPIC_CATEGORY_TECHNICAL"`) || !strings.Contains(out, `"topics"`) {
		t.Errorf("json lacks enum names:\n%s", out)
	}

	out = c.ok("entitlement", "check", "--customer", "litware", "--service", "azure", "--topic", "azure-vm-connectivity",
		"--severity", "B", "--language", "en-US", "--submit-time", "2026-03-02T10:00:00Z")
	for _, want := range []string{"ENTITLED", "yes", "QUEUE", "azure", "RESPONSE DUE"} {
		if !strings.Contains(out, want) {
			t.Errorf("entitlement table lacks %q:\n%s", want, out)
		}
	}
	// "Not entitled" is an answer, printed in full, and exit 1 for scripts.
	code, out, errs := c.run("entitlement", "check", "--customer", "adatum-self", "--service", "azure", "--topic", "azure-vm-connectivity", "--severity", "B")
	if code != cli.ExitError || !strings.Contains(out, "OWN_SUBSCRIPTION_REQUIRES_PROOF") || !strings.Contains(errs, "not entitled: OWN_SUBSCRIPTION_REQUIRES_PROOF") {
		t.Errorf("own tenant without proof: exit %d\n%s\n%s", code, out, errs)
	}
	out = c.ok("entitlement", "check", "--customer", "adatum-self", "--service", "azure", "--topic", "azure-vm-connectivity", "--severity", "B",
		"--proof-kind", "azure-support-plan", "--proof-ref", "ASP-7", "-o", "json")
	var check supportv1.CheckEntitlementResponse
	if err := protojson.Unmarshal([]byte(out), &check); err != nil || !check.GetEntitled() {
		t.Errorf("own tenant with proof: %v %v\n%s", check.GetEntitled(), err, out)
	}
}

func TestTickets(t *testing.T) {
	c := newCtl(t)
	out := c.ok(createArgs...)
	if !strings.Contains(out, "STATUS") || !strings.Contains(out, "new") || !strings.Contains(out, "VM unreachable") {
		t.Errorf("create table:\n%s", out)
	}
	tk := c.create()
	id := tk.GetId()

	out = c.ok("tickets", "get", id)
	if !strings.Contains(out, id) || !strings.Contains(out, "Ann Smith <ann@adatum.example>") {
		t.Errorf("get:\n%s", out)
	}
	out = c.ok("tickets", "list", "--customer", "litware")
	if lines := strings.Split(strings.TrimSpace(out), "\n"); len(lines) != 3 || !strings.HasPrefix(lines[0], "ID") || !strings.HasPrefix(lines[1], id) {
		t.Errorf("list table (newest first):\n%s", out)
	}
	code, out, errs := c.run("tickets", "list", "--page-size", "1")
	if code != 0 || strings.Count(out, "\n") != 2 || !strings.Contains(errs, "--page-token") {
		t.Errorf("one page: %d\n%s\n%s", code, out, errs)
	}
	out = c.ok("tickets", "list", "--all", "--page-size", "1", "--status", "new", "--service", "azure", "-o", "json")
	var list supportv1.ListTicketsResponse
	if err := protojson.Unmarshal([]byte(out), &list); err != nil || len(list.GetTickets()) != 2 {
		t.Fatalf("list --all json: %v, %d tickets\n%s", err, len(list.GetTickets()), out)
	}

	out = c.ok("tickets", "note", id, "logs attached")
	if !strings.Contains(out, "NOTES             1") {
		t.Errorf("note:\n%s", out)
	}
	out = c.ok("tickets", "severity", id, "a", "--reason", "production down", "-o", "json")
	var changed supportv1.Ticket
	if err := protojson.Unmarshal([]byte(out), &changed); err != nil || changed.GetSeverity() != supportv1.Severity_SEVERITY_A {
		t.Errorf("severity json: %v\n%s", err, out)
	}
	out = c.ok("tickets", "escalate", id, "--reason", "business-impact", "--justification", "all users blocked")
	if !strings.Contains(out, "ESCALATION LEVEL  1") {
		t.Errorf("escalate:\n%s", out)
	}
	out = c.ok("tickets", "close", id)
	if !strings.Contains(out, "closed") {
		t.Errorf("close:\n%s", out)
	}
	// Reopening a closed ticket is refused by the server: exit 1, one line.
	code, out, errs = c.run("tickets", "reopen", id)
	if code != cli.ExitError || out != "" || !strings.Contains(errs, "FAILED_PRECONDITION") || strings.Count(errs, "\n") != 1 {
		t.Errorf("reopen closed: exit %d, stdout %q, stderr %q", code, out, errs)
	}
}

func TestErrorsAndExitCodes(t *testing.T) {
	c := newCtl(t)
	// Field violations on one line of stderr, exit 1.
	args := append([]string{}, createArgs...)
	args[len(args)-1] = "ann@elsewhere"
	code, out, errs := c.run(args...)
	if code != cli.ExitError || out != "" {
		t.Fatalf("bad email: exit %d, stdout %q", code, out)
	}
	if !strings.HasPrefix(errs, "supportctl: INVALID_ARGUMENT") || !strings.Contains(errs, "contact.email") || strings.Count(errs, "\n") != 1 || strings.Contains(errs, "goroutine") {
		t.Errorf("bad email stderr %q", errs)
	}
	// Not entitled: the reason code.
	args = append([]string{}, createArgs...)
	args[3] = "adatum-self"
	code, _, errs = c.run(args...)
	if code != cli.ExitError || !strings.Contains(errs, "FAILED_PRECONDITION") || !strings.Contains(errs, "reason OWN_SUBSCRIPTION_REQUIRES_PROOF") {
		t.Errorf("not entitled: exit %d, stderr %q", code, errs)
	}
	code, _, errs = c.run("tickets", "get", "nope")
	if code != cli.ExitError || !strings.Contains(errs, "NOT_FOUND") {
		t.Errorf("get unknown: exit %d, stderr %q", code, errs)
	}
	// A wrong key: UNAUTHENTICATED.
	code, _, errs = c.run("--key", "sk_wrong", "topics", "list", "--service", "azure")
	if code != cli.ExitError || !strings.Contains(errs, "UNAUTHENTICATED") {
		t.Errorf("wrong key: exit %d, stderr %q", code, errs)
	}

	// Usage errors: exit 2, no call made.
	for _, args := range [][]string{
		{"tickets", "get"},
		{"tickets", "frobnicate"},
		{"topics", "list"},
		{"topics", "list", "--service", "gcp"},
		{"tickets", "severity", "x", "Z", "--reason", "r"},
		{"tickets", "list", "--status", "sleeping"},
		{"-o", "xml", "tickets", "list"},
		{"--tls", "--insecure", "tickets", "list"},
		{"entitlement", "check", "--customer", "c", "--service", "azure", "--topic", "t", "--severity", "B", "--proof-kind", "mpn"},
	} {
		code, _, errs := c.run(args...)
		if code != cli.ExitUsage || !strings.HasPrefix(errs, "supportctl: ") {
			t.Errorf("%v: exit %d, stderr %q; want 2", args, code, errs)
		}
	}
	delete(c.env, "SUPPORT_KEY")
	if code, _, errs := c.run("tickets", "list"); code != cli.ExitUsage || !strings.Contains(errs, "SUPPORT_KEY") {
		t.Errorf("no key: exit %d, stderr %q", code, errs)
	}
	// --key works without the environment.
	c.ok("--key", c.s.Keys.Partner, "tickets", "list")
}

func TestCompletion(t *testing.T) {
	c := newCtl(t)
	out := c.ok("completion", "bash")
	if !strings.Contains(out, "supportctl") {
		t.Errorf("completion bash: %q", out[:min(len(out), 200)])
	}
}

// TestWatchFollowsAcrossRestart follows a ticket live, restarts the server
// under it, and checks every event is printed once, in order.
func TestWatchFollowsAcrossRestart(t *testing.T) {
	c := newCtl(t)
	id := c.create().GetId()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var out, errs syncBuffer
	done := make(chan int, 1)
	go func() { done <- c.runContext(ctx, &out, &errs, "tickets", "watch", id) }()
	waitFor := func(n int, what string) {
		t.Helper()
		waitOutput(t, &out, &errs, n, what)
	}
	waitFor(1, "created")
	c.ok("tickets", "note", id, "first")
	waitFor(1, "note-added")
	c.s.Stop()
	c.s.Restart()
	c.ok("tickets", "note", id, "second")
	waitFor(2, "note-added")
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("watch exit %d: %s", code, errs.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 4 || !strings.HasPrefix(lines[0], "TIME") {
		t.Fatalf("watch output (header + 3 events):\n%s", out.String())
	}
	if !strings.Contains(errs.String(), "reconnecting") || !strings.Contains(errs.String(), "resume with: --from ") {
		t.Errorf("watch stderr:\n%s", errs.String())
	}

	// JSON lines, resumed from the printed token: only what came after.
	token := strings.TrimSpace(strings.SplitAfter(errs.String(), "--from ")[1])
	c.ok("tickets", "note", id, "third")
	ctx2, cancel2 := context.WithCancel(t.Context())
	defer cancel2()
	var out2, errs2 syncBuffer
	done2 := make(chan int, 1)
	go func() {
		done2 <- c.runContext(ctx2, &out2, &errs2, "-o", "json", "tickets", "watch", id, "--from", token)
	}()
	waitOutput(t, &out2, &errs2, 1, "\n")
	// A later note is the barrier: once it is printed, anything the resumed
	// stream would wrongly replay has been printed before it.
	c.ok("tickets", "note", id, "fourth")
	waitOutput(t, &out2, &errs2, 2, "\n")
	cancel2()
	<-done2
	got := strings.Split(strings.TrimSpace(out2.String()), "\n")
	if len(got) != 2 {
		t.Fatalf("resumed watch printed %d lines, want the 2 notes after the token:\n%s", len(got), out2.String())
	}
	for _, line := range got {
		var ev supportv1.TicketEvent
		if err := protojson.Unmarshal([]byte(line), &ev); err != nil || ev.GetType() != supportv1.TicketEventType_TICKET_EVENT_TYPE_NOTE_ADDED {
			t.Fatalf("resumed event %q: %v", line, err)
		}
	}
}

// TestVersion: `supportctl version` prints the build without a server or
// a key.
func TestVersion(t *testing.T) {
	var out, errb bytes.Buffer
	if code := cli.Run([]string{"version"}, &out, &errb, nil); code != cli.ExitOK {
		t.Fatalf("version: exit %d\n%s", code, errb.String())
	}
	if !strings.HasPrefix(out.String(), "supportctl ") || !strings.Contains(out.String(), runtime.Version()) {
		t.Errorf("version printed %q, want supportctl, the version and %s", out.String(), runtime.Version())
	}
}

func TestAttachments(t *testing.T) {
	c := newCtl(t)
	tk := c.create()
	dir := t.TempDir()
	log := filepath.Join(dir, "app.log")
	content := strings.Repeat("line of the log\n", 40000) // 640 KB: several chunks
	if err := os.WriteFile(log, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	shot := filepath.Join(dir, "shot.png")
	if err := os.WriteFile(shot, []byte("\x89PNG\r\n\x1a\nrest"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := c.ok("tickets", "attach", tk.GetId(), log, shot)
	if !strings.Contains(out, "app.log") || !strings.Contains(out, "shot.png") || !strings.Contains(out, "image/png") {
		t.Errorf("attach printed:\n%s", out)
	}

	var list supportv1.ListAttachmentsResponse
	if err := protojson.Unmarshal([]byte(c.ok("-o", "json", "tickets", "attachments", tk.GetId())), &list); err != nil {
		t.Fatal(err)
	}
	if len(list.GetAttachments()) != 2 || list.GetAttachments()[0].GetFilename() != "app.log" {
		t.Fatalf("attachments = %v", list.GetAttachments())
	}
	id := list.GetAttachments()[0].GetId()
	if table := c.ok("tickets", "attachments", tk.GetId()); !strings.Contains(table, id) || !strings.Contains(table, "FILENAME") {
		t.Errorf("attachments table:\n%s", table)
	}

	// Download into the current directory under the attachment's name,
	// then refuse to overwrite it without --force.
	t.Chdir(t.TempDir())
	c.ok("tickets", "download", tk.GetId(), id)
	if got, err := os.ReadFile("app.log"); err != nil || string(got) != content {
		t.Fatalf("downloaded app.log: %d bytes, %v", len(got), err)
	}
	code, _, errs := c.run("tickets", "download", tk.GetId(), id)
	if code != cli.ExitError || !strings.Contains(errs, "--force") {
		t.Errorf("download over an existing file: exit %d, %s", code, errs)
	}
	c.ok("tickets", "download", tk.GetId(), id, "--force")
	c.ok("tickets", "download", tk.GetId(), id, "-f", "copy.log")
	if got, _ := os.ReadFile("copy.log"); string(got) != content {
		t.Errorf("copy.log: %d bytes", len(got))
	}
	if out := c.ok("tickets", "download", tk.GetId(), id, "--output-file", "-"); out != content {
		t.Errorf("download to stdout: %d bytes, want %d", len(out), len(content))
	}
	code, _, _ = c.run("tickets", "download", tk.GetId(), "no-such-attachment", "-f", "missing.log")
	if _, err := os.Stat("missing.log"); code != cli.ExitError || !os.IsNotExist(err) {
		t.Errorf("failed download: exit %d, file left behind: %v", code, err)
	}
	code, _, errs = c.run("tickets", "attach", tk.GetId(), filepath.Join(dir, "nope.txt"))
	if code != cli.ExitError || !strings.Contains(errs, "nope.txt") {
		t.Errorf("attach of a missing file: exit %d, %s", code, errs)
	}
}

func TestWatchShowsAttachmentName(t *testing.T) {
	c := newCtl(t)
	tk := c.create()
	f := filepath.Join(t.TempDir(), "trace.txt")
	if err := os.WriteFile(f, []byte("trace"), 0o644); err != nil {
		t.Fatal(err)
	}
	c.ok("tickets", "attach", tk.GetId(), f)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var out, errb syncBuffer
	done := make(chan int)
	go func() { done <- c.runContext(ctx, &out, &errb, "tickets", "watch", tk.GetId()) }()
	for !strings.Contains(out.String(), "attachment-added") {
		select {
		case code := <-done:
			t.Fatalf("watch ended with %d: %s", code, errb.String())
		default:
			runtime.Gosched()
		}
	}
	cancel()
	<-done
	for _, line := range strings.Split(out.String(), "\n") {
		if strings.Contains(line, "attachment-added") && !strings.Contains(line, "trace.txt (text/plain; charset=utf-8, 5 bytes)") {
			t.Errorf("watch line %q lacks the file name", line)
		}
	}
}

// waitOutput waits, write by write, until out holds what n times (10 s at
// most: a failure guard, not a timing assertion).
func waitOutput(t *testing.T, out, errs *syncBuffer, n int, what string) {
	t.Helper()
	guard := time.NewTimer(10 * time.Second)
	defer guard.Stop()
	for {
		got, written := out.changed()
		if strings.Count(got, what) >= n {
			return
		}
		select {
		case <-written:
		case <-guard.C:
			t.Fatalf("no %d× %q in watch output:\n%s\nstderr:\n%s", n, what, out.String(), errs.String())
		}
	}
}
