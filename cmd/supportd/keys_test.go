package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/supportd/supportd/server/domain"
	"github.com/supportd/supportd/server/store"
	"github.com/supportd/supportd/server/store/sqlite"
)

// runKeys runs `supportd keys ...` in-process and returns its output.
func runKeys(t *testing.T, args ...string) (string, error) {
	t.Helper()
	cmd := keysCommand()
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(context.Background())
	return out.String(), err
}

// TestKeysCreateRecordsOperatorAndExpiry: the key is audited as created by
// operator:<--actor> and expires when asked; bad expiries are refused.
func TestKeysCreateRecordsOperatorAndExpiry(t *testing.T) {
	db := filepath.Join(t.TempDir(), "keys.db")
	before := time.Now()
	out, err := runKeys(t, "create", "--db", db, "--role", "admin", "--actor", "ann", "--expire-in", "720h")
	if err != nil {
		t.Fatalf("keys create: %v\n%s", err, out)
	}
	if !strings.Contains(out, "expires ") {
		t.Fatalf("output %q does not say when the key expires", out)
	}
	if _, err := runKeys(t, "create", "--db", db, "--role", "agent", "--expire-time", "2020-01-01T00:00:00Z"); err == nil {
		t.Fatal("a key expiring in the past was created")
	}
	if _, err := runKeys(t, "create", "--db", db, "--role", "agent", "--expire-time", "tomorrow"); err == nil {
		t.Fatal("a malformed --expire-time was accepted")
	}
	if _, err := runKeys(t, "create", "--db", db, "--role", "agent", "--expire-in", "1h", "--expire-time", "2030-01-01T00:00:00Z"); err == nil {
		t.Fatal("--expire-in and --expire-time together were accepted")
	}
	if _, err := runKeys(t, "create", "--db", db, "--role", "agent"); err != nil { // the OS user by default
		t.Fatalf("keys create without --actor: %v", err)
	}

	st, err := sqlite.Open(t.Context(), db, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var keys []store.APIKey
	var audit []domain.AuditEvent
	err = st.ReadTx(t.Context(), func(tx store.Reader) error {
		if keys, err = tx.ListAPIKeys(t.Context(), ""); err != nil {
			return err
		}
		audit, err = tx.ListAuditEvents(t.Context(), store.AuditFilter{}, store.Page{Limit: 10})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 2 || len(audit) != 2 {
		t.Fatalf("%d keys, %d audit events; want 2 of each", len(keys), len(audit))
	}
	admin := audit[1] // oldest last
	if admin.Actor != "operator:ann" || admin.Kind != domain.AuditAPIKeyCreated || admin.Resource != "apiKeys/"+keys[0].ID {
		t.Fatalf("audit event = %+v", admin)
	}
	if exp := keys[0].ExpireTime; exp.Before(before.Add(720*time.Hour)) || exp.After(time.Now().Add(720*time.Hour)) {
		t.Fatalf("expire time %v, want 720h after the command ran", exp)
	}
	if !strings.HasPrefix(audit[0].Actor, "operator:") || audit[0].Actor == "operator:" {
		t.Fatalf("default actor = %q, want operator:<OS user>", audit[0].Actor)
	}
}
