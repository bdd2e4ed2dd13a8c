package cli_test

import (
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/supportd/supportd/cmd/supportctl/internal/cli"
)

// TestAdminSetsUpAPartnerFromScratch registers a partner, its customer,
// a subscription and a contract, creates the partner's key and files a
// ticket with it: a server set up with supportctl alone.
func TestAdminSetsUpAPartnerFromScratch(t *testing.T) {
	c := newCtl(t)
	c.env["SUPPORT_KEY"] = c.s.Keys.Admin
	c.ok("admin", "partners", "create", "northwind", "--name", "Northwind Traders", "--domain", "northwind.example", "--benefit", "mpn")
	c.ok("admin", "customers", "create", "contoso", "--partner", "northwind", "--name", "Contoso", "--domain", "contoso.example")
	c.ok("admin", "subscriptions", "create", "sub-contoso", "--customer", "contoso", "--service", "azure")
	c.ok("admin", "contracts", "register", "nw-premier", "--partner", "northwind", "--kind", "premier", "--reference", "PREM-1")
	key := c.ok("admin", "keys", "create", "--role", "partner", "--partner", "northwind", "--expire-in", "30d")
	lines := strings.Split(strings.TrimSpace(key), "\n")
	secret := lines[len(lines)-1]
	if !strings.HasPrefix(secret, "sk_") || !strings.Contains(key, "partner") {
		t.Fatalf("keys create output:\n%s", key)
	}

	id := strings.TrimSpace(c.ok("--key", secret, "-o", "name", "tickets", "create", "--customer", "contoso", "--service", "azure",
		"--topic", "azure-vm-connectivity", "--severity", "C", "--title", "Slow disk", "--description", "IOPS capped",
		"--contact-name", "Nina", "--contact-email", "nina@northwind.example"))
	if id == "" || strings.Contains(id, "\n") {
		t.Fatalf("-o name of a created ticket: %q", id)
	}

	// Lists: the table, its rows without headers, the ids, YAML.
	out := c.ok("admin", "partners", "list")
	if !strings.HasPrefix(out, "ID") || !strings.Contains(out, "northwind") || !strings.Contains(out, "mpn") {
		t.Errorf("partners list:\n%s", out)
	}
	out = c.ok("admin", "partners", "list", "--no-headers")
	if strings.HasPrefix(out, "ID") || !strings.Contains(out, "northwind") {
		t.Errorf("partners list --no-headers:\n%s", out)
	}
	if out := c.ok("-o", "name", "admin", "customers", "list", "--partner", "northwind"); out != "contoso\n" {
		t.Errorf("customers -o name: %q", out)
	}
	out = c.ok("-o", "yaml", "admin", "subscriptions", "list", "--customer", "contoso")
	var subs struct {
		Subscriptions []struct{ ID, State string } `yaml:"subscriptions"`
	}
	if err := yaml.Unmarshal([]byte(out), &subs); err != nil || len(subs.Subscriptions) != 1 || subs.Subscriptions[0].State != "SUBSCRIPTION_STATE_ACTIVE" {
		t.Errorf("subscriptions -o yaml (%v):\n%s", err, out)
	}
	if out := c.ok("-o", "name", "admin", "contracts", "list", "--partner", "northwind"); out != "nw-premier\n" {
		t.Errorf("contracts -o name: %q", out)
	}

	// The topic catalogue: a new topic, then the list as partners see it.
	c.ok("admin", "topics", "create", "azure-cost", "--service", "azure", "--name", "Cost questions", "--category", "advisory")
	out = c.ok("admin", "topics", "list", "--service", "azure")
	if !strings.HasPrefix(out, "ID") || !strings.Contains(out, "azure-vm-connectivity") || !strings.Contains(out, "Cost questions") {
		t.Errorf("topics list:\n%s", out)
	}
	if ids := c.ok("-o", "name", "admin", "topics", "list", "--service", "azure"); !strings.HasSuffix(ids, "\nazure-cost\n") {
		t.Errorf("topics list -o name (the new More... topic last): %q", ids)
	}

	// Suspension through update; the partner key then cannot escalate.
	out = c.ok("admin", "partners", "update", "northwind", "--status", "suspended")
	if !strings.Contains(out, "suspended") {
		t.Errorf("update --status suspended:\n%s", out)
	}
	code, _, errs := c.run("--key", secret, "tickets", "escalate", id, "--reason", "business-impact", "--justification", "x")
	if code != cli.ExitError || !strings.Contains(errs, "PARTNER_SUSPENDED") {
		t.Errorf("escalate while suspended: exit %d %q", code, errs)
	}
	c.ok("admin", "subscriptions", "update", "sub-contoso", "--state", "suspended")

	// Keys: revoke, and the key fails from then on.
	keyID := strings.TrimSpace(c.ok("-o", "name", "admin", "keys", "list", "--partner", "northwind"))
	c.ok("admin", "keys", "revoke", keyID)
	if code, _, errs := c.run("--key", secret, "tickets", "list"); code != cli.ExitError || !strings.Contains(errs, "UNAUTHENTICATED") {
		t.Errorf("revoked key: exit %d %q", code, errs)
	}

	// The audit trail has it all, filterable by kind.
	out = c.ok("admin", "audit", "--kind", "api_key.revoked", "--since", "2020-01-01T00:00:00Z")
	if !strings.Contains(out, "apiKeys/"+keyID) {
		t.Errorf("audit --kind api_key.revoked:\n%s", out)
	}

	// Usage errors: nothing to change, a bad enum, a bad duration.
	for _, args := range [][]string{
		{"admin", "partners", "update", "northwind"},
		{"admin", "partners", "create", "x", "--name", "X", "--status", "sleeping"},
		{"admin", "keys", "create", "--role", "agent", "--expire-in", "soon"},
		{"admin", "audit", "--since", "yesterday"},
		{"admin", "topics", "list"},
		{"admin", "topics", "list", "--service", "mars"},
	} {
		if code, _, errs := c.run(args...); code != cli.ExitUsage {
			t.Errorf("%v: exit %d %q; want 2", args, code, errs)
		}
	}
	// A partner key on the directory: refused (exit 1).
	if code, _, errs := c.run("--key", c.s.Keys.Partner, "admin", "partners", "list"); code != cli.ExitError || !strings.Contains(errs, "PERMISSION_DENIED") {
		t.Errorf("partner key on admin: exit %d %q", code, errs)
	}
}

// TestUnreachableServerExitsThree: a refused connection is not a refused
// call.
func TestUnreachableServerExitsThree(t *testing.T) {
	var out, errb syncBuffer
	code := cli.Run([]string{"--addr", "127.0.0.1:1", "--key", "sk_x", "--timeout", "5s", "tickets", "list"}, &out, &errb, nil)
	if code != cli.ExitUnreachable {
		t.Errorf("connection refused: exit %d, stderr %q", code, errb.String())
	}
}
