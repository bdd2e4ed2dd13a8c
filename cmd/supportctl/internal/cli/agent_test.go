package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protojson"

	"github.com/supportd/supportd/cmd/supportctl/internal/cli"
	supportv1 "github.com/supportd/supportd/gen/support/v1"
)

// TestAgentWorksATicket takes a partner's ticket through an agent's day:
// queue, acknowledge, reply (from a file and from standard input), status
// and reassignment, each visible to the partner.
func TestAgentWorksATicket(t *testing.T) {
	c := newCtl(t)
	tk := c.create()
	agent := []string{"--key", c.s.Keys.Agent}
	ag := func(args ...string) string {
		c.t.Helper()
		return c.ok(append(append([]string{}, agent...), args...)...)
	}

	out := ag("agent", "queue", "azure")
	if !strings.HasPrefix(out, "ID") || !strings.Contains(out, tk.GetId()) || !strings.Contains(out, "AGE") {
		t.Fatalf("agent queue azure:\n%s", out)
	}
	if ids := ag("-o", "name", "agent", "queue", "azure"); !strings.Contains(ids, tk.GetId()+"\n") {
		t.Errorf("queue -o name: %q", ids)
	}
	out = ag("agent", "ack", tk.GetId(), "Looking at it now")
	if !strings.Contains(out, "in-progress") || !strings.Contains(out, "FIRST RESPONSE") {
		t.Errorf("ack:\n%s", out)
	}
	long := filepath.Join(t.TempDir(), "reply.txt")
	if err := os.WriteFile(long, []byte("Please send the boot diagnostics.\nThanks."), 0o600); err != nil {
		t.Fatal(err)
	}
	ag("agent", "reply", tk.GetId(), "--text-file", long)
	var out2, errb syncBuffer
	code := cli.RunWithInput(t.Context(), append(append([]string{}, agent...), "agent", "reply", tk.GetId(), "--text-file", "-"),
		strings.NewReader("from stdin"), &out2, &errb, func(k string) string { return c.env[k] }, dialer(c)...)
	if code != 0 {
		t.Fatalf("reply --text-file -: exit %d %s", code, errb.String())
	}
	ag("agent", "status", tk.GetId(), "waiting-on-partner", "--message", "Waiting for the diagnostics")
	out = ag("-o", "json", "agent", "reassign", tk.GetId(), "billing")
	var got supportv1.Ticket
	if err := protojson.Unmarshal([]byte(out), &got); err != nil || got.GetQueue() != supportv1.Queue_QUEUE_BILLING {
		t.Errorf("reassign billing: %v %v", got.GetQueue(), err)
	}

	// The partner sees the conversation, in order.
	notes := c.ok("tickets", "notes", tk.GetId())
	for _, want := range []string{"Looking at it now", "Please send the boot diagnostics. Thanks.", "from stdin", "Waiting for the diagnostics"} {
		if !strings.Contains(notes, want) {
			t.Errorf("partner notes lack %q:\n%s", want, notes)
		}
	}
	if agentNotes := ag("agent", "notes", tk.GetId()); !strings.Contains(agentNotes, "from stdin") {
		t.Errorf("agent notes:\n%s", agentNotes)
	}

	// Usage errors: text twice, no text, a bad status or queue.
	for _, args := range [][]string{
		{"agent", "reply", tk.GetId(), "x", "--text-file", long},
		{"agent", "ack", tk.GetId()},
		{"agent", "status", tk.GetId(), "sleeping"},
		{"agent", "reassign", tk.GetId(), "mars"},
		{"agent", "queue", "mars"},
	} {
		if code, _, errs := c.run(append(append([]string{}, agent...), args...)...); code != cli.ExitUsage {
			t.Errorf("%v: exit %d %q; want 2", args, code, errs)
		}
	}
	// A partner key on the agent side is refused.
	if code, _, errs := c.run("agent", "queue", "azure"); code != cli.ExitError || !strings.Contains(errs, "PERMISSION_DENIED") {
		t.Errorf("partner key: exit %d %q", code, errs)
	}
}

// TestWatchOfOneTicketEndsWhenClosed: the history replays, the close
// event ends the watch with exit 0.
func TestWatchOfOneTicketEndsWhenClosed(t *testing.T) {
	c := newCtl(t)
	tk := c.create()
	c.ok("tickets", "close", tk.GetId())
	out := c.ok("tickets", "watch", tk.GetId())
	if !strings.Contains(out, "closed") {
		t.Errorf("watch of a closed ticket:\n%s", out)
	}
}

// TestCompletionOffersEnumsAndIDs: flag values and ticket ids.
func TestCompletionOffersEnumsAndIDs(t *testing.T) {
	c := newCtl(t)
	tk := c.create()
	out := c.ok("__complete", "admin", "customers", "create", "x", "--kind", "")
	for _, want := range []string{"end-customer", "partner-self"} {
		if !strings.Contains(out, want) {
			t.Errorf("--kind completion lacks %q:\n%s", want, out)
		}
	}
	if out := c.ok("__complete", "agent", "queue", ""); !strings.Contains(out, "office-365") {
		t.Errorf("queue completion:\n%s", out)
	}
	if out := c.ok("__complete", "tickets", "get", ""); !strings.Contains(out, tk.GetId()) {
		t.Errorf("ticket id completion:\n%s", out)
	}
	if out := c.ok("__complete", "tickets", "severity", tk.GetId(), ""); !strings.Contains(out, "A\n") {
		t.Errorf("severity completion:\n%s", out)
	}
}

// TestCompletionOffersEveryEnumAndDirectoryID: the partner side's enum
// flags, -o, contexts, and the admin side's partner and key ids.
func TestCompletionOffersEveryEnumAndDirectoryID(t *testing.T) {
	c := newCtl(t)
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"topics", "list", "--service", ""}, []string{"azure", "office-365"}},
		{[]string{"tickets", "create", "--severity", ""}, []string{"a", "b", "c"}},
		{[]string{"tickets", "create", "--contact-method", ""}, []string{"email", "phone"}},
		{[]string{"entitlement", "check", "--proof-kind", ""}, []string{"azure-support-plan"}},
		{[]string{"tickets", "list", "--status", ""}, []string{"waiting-on-partner"}},
		{[]string{"tickets", "escalate", "x", "--reason", ""}, []string{"business-impact"}},
		{[]string{"-o", ""}, []string{"table", "json", "yaml", "name"}},
	} {
		out := c.ok(append([]string{"__complete"}, tc.args...)...)
		for _, w := range tc.want {
			if !strings.Contains(out, w+"\n") {
				t.Errorf("%v: completion lacks %q:\n%s", tc.args, w, out)
			}
		}
	}

	// Ticket ids, then a ticket's attachment ids (download) or files (attach).
	tk := c.create()
	file := filepath.Join(t.TempDir(), "trace.txt")
	if err := os.WriteFile(file, []byte("trace"), 0o600); err != nil {
		t.Fatal(err)
	}
	c.ok("tickets", "attach", tk.GetId(), file)
	att := strings.TrimSpace(c.ok("-o", "name", "tickets", "attachments", tk.GetId()))
	if out := c.ok("__complete", "tickets", "attach", ""); !strings.Contains(out, tk.GetId()+"\n") {
		t.Errorf("attach: no ticket id offered:\n%s", out)
	}
	if out := c.ok("__complete", "tickets", "attach", tk.GetId(), ""); !strings.HasSuffix(out, ":0\n") {
		t.Errorf("attach ID: files are not offered (directive 0):\n%s", out)
	}
	if out := c.ok("__complete", "tickets", "download", tk.GetId(), ""); att == "" || !strings.Contains(out, att+"\n") {
		t.Errorf("download ID: attachment %q not offered:\n%s", att, out)
	}

	c.ok("config", "set-context", "staging", "--addr", "127.0.0.1:8443")
	for _, args := range [][]string{{"--context", ""}, {"config", "use-context", ""}} {
		if out := c.ok(append([]string{"__complete"}, args...)...); !strings.Contains(out, "staging\n") {
			t.Errorf("%v: completion lacks the context:\n%s", args, out)
		}
	}

	admin := []string{"__complete", "--key", c.s.Keys.Admin, "admin"}
	if out := c.ok(append(admin, "customers", "create", "x", "--partner", "")...); !strings.Contains(out, "adatum\n") {
		t.Errorf("--partner completion:\n%s", out)
	}
	if out := c.ok(append(admin, "partners", "get", "")...); !strings.Contains(out, "adatum\n") {
		t.Errorf("partners get completion:\n%s", out)
	}
	ids := c.ok("--key", c.s.Keys.Admin, "-o", "name", "admin", "keys", "list")
	first := strings.SplitN(ids, "\n", 2)[0]
	if out := c.ok(append(admin, "keys", "revoke", "")...); first == "" || !strings.Contains(out, first+"\n") {
		t.Errorf("keys revoke completion lacks %q:\n%s", first, out)
	}
}
