package directory_test

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/supportd/supportd/server/directory"
	"github.com/supportd/supportd/server/domain"
	"github.com/supportd/supportd/server/store"
	"github.com/supportd/supportd/server/store/sqlite"
)

var now = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

// fixture is a directory service over a temporary SQLite store, with an
// audit renderer that is plain JSON unless fail is set.
type fixture struct {
	svc  *directory.Service
	st   store.Store
	fail bool
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "directory.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	f := &fixture{st: st}
	render := func(r any) ([]byte, error) {
		if f.fail {
			return nil, errors.New("render failed")
		}
		return json.Marshal(r)
	}
	f.svc = directory.New(st, func() time.Time { return now }, nil, render)
	return f
}

// audit returns the audit trail, oldest first.
func (f *fixture) audit(t *testing.T) []domain.AuditEvent {
	t.Helper()
	events, err := f.svc.ListAuditEvents(context.Background(), store.AuditFilter{}, store.Page{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	for i, j := 0, len(events)-1; i < j; i, j = i+1, j-1 {
		events[i], events[j] = events[j], events[i]
	}
	return events
}

func (f *fixture) kinds(t *testing.T) []domain.AuditKind {
	t.Helper()
	var out []domain.AuditKind
	for _, e := range f.audit(t) {
		out = append(out, e.Kind)
	}
	return out
}

func adatum() domain.Partner {
	return domain.Partner{ID: "adatum", DisplayName: "Adatum", Status: domain.PartnerActive, VerifiedDomains: []string{"adatum.example"}}
}

func wantErr[E error](t *testing.T, err error) E {
	t.Helper()
	var e E
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T), want %T", err, err, e)
	}
	return e
}

// TestCreatePartnerIsAudited: a created partner is stored with the
// clock's time and audited in the same transaction, by its actor, with
// its form after and none before.
func TestCreatePartnerIsAudited(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	p, err := f.svc.CreatePartner(ctx, "admin:k1", adatum())
	if err != nil {
		t.Fatal(err)
	}
	if !p.CreateTime.Equal(now) || !p.UpdateTime.Equal(now) {
		t.Fatalf("times %v %v, want %v", p.CreateTime, p.UpdateTime, now)
	}
	got, err := f.svc.GetPartner(ctx, "adatum")
	if err != nil || got.DisplayName != "Adatum" {
		t.Fatalf("GetPartner = %+v, %v", got, err)
	}
	events := f.audit(t)
	if len(events) != 1 {
		t.Fatalf("audit %+v, want one event", events)
	}
	e := events[0]
	if e.Kind != domain.AuditPartnerCreated || e.Actor != "admin:k1" || e.Resource != "partners/adatum" || e.Before != nil || len(e.After) == 0 {
		t.Fatalf("audit event %+v", e)
	}
}

// TestRefusedChangesKeepNothing: a change refused by a field rule, by the
// store (a taken id, a missing parent) or by a failing audit record
// stores nothing and audits nothing.
func TestRefusedChangesKeepNothing(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	if _, err := f.svc.CreatePartner(ctx, "admin:k1", adatum()); err != nil {
		t.Fatal(err)
	}
	bad := adatum()
	bad.ID, bad.DisplayName = "other", ""
	wantErr[*domain.ValidationError](t, func() error { _, err := f.svc.CreatePartner(ctx, "admin:k1", bad); return err }())
	wantErr[*domain.AlreadyExistsError](t, func() error { _, err := f.svc.CreatePartner(ctx, "admin:k1", adatum()); return err }())
	nf := wantErr[*domain.NotFoundError](t, func() error {
		_, err := f.svc.CreateCustomer(ctx, "admin:k1", domain.Customer{ID: "litware", PartnerID: "nobody", DisplayName: "Litware", Kind: domain.CustomerEndCustomer})
		return err
	}())
	if nf.Kind != "partner" || nf.ID != "nobody" {
		t.Fatalf("missing parent: %+v, want partner nobody", nf)
	}
	f.fail = true
	renamed := adatum()
	renamed.DisplayName = "Renamed"
	if _, err := f.svc.UpdatePartner(ctx, "admin:k1", renamed, []string{"display_name"}); err == nil {
		t.Fatal("an update whose audit record failed succeeded")
	}
	f.fail = false
	if p, _ := f.svc.GetPartner(ctx, "adatum"); p.DisplayName != "Adatum" {
		t.Fatalf("display name %q after a failed audit, want it unchanged", p.DisplayName)
	}
	if _, err := f.svc.GetPartner(ctx, "other"); err == nil {
		t.Fatal("an invalid partner was stored")
	}
	if kinds := f.kinds(t); len(kinds) != 1 {
		t.Fatalf("audit %v, want the first creation only", kinds)
	}
}

// TestUpdatePartnerChangesTheMaskOnly: an update applies the masked
// fields and no other, and audits the partner before and after.
func TestUpdatePartnerChangesTheMaskOnly(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	if _, err := f.svc.CreatePartner(ctx, "admin:k1", adatum()); err != nil {
		t.Fatal(err)
	}
	change := domain.Partner{ID: "adatum", DisplayName: "Adatum Corp", Status: domain.PartnerSuspended}
	got, err := f.svc.UpdatePartner(ctx, "admin:k2", change, []string{"display_name"})
	if err != nil {
		t.Fatal(err)
	}
	if got.DisplayName != "Adatum Corp" || got.Status != domain.PartnerActive || len(got.VerifiedDomains) != 1 {
		t.Fatalf("updated %+v: want the new name and everything else kept", got)
	}
	wantErr[*domain.ValidationError](t, func() error { _, err := f.svc.UpdatePartner(ctx, "admin:k2", change, nil); return err }())
	wantErr[*domain.ValidationError](t, func() error {
		_, err := f.svc.UpdatePartner(ctx, "admin:k2", change, []string{"id"})
		return err
	}())
	events := f.audit(t)
	if len(events) != 2 || events[1].Kind != domain.AuditPartnerUpdated || events[1].Before == nil || events[1].Actor != "admin:k2" {
		t.Fatalf("audit %+v, want the creation then one update with its before", events)
	}
}

// TestRevokeAPIKeyIsIdempotent: revoking a key twice succeeds twice and
// audits one revocation; an unknown key is not found.
func TestRevokeAPIKeyIsIdempotent(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	k, secret, err := f.svc.CreateAPIKey(ctx, "admin:k1", domain.RoleAgent, "", time.Time{})
	if err != nil || secret == "" {
		t.Fatalf("CreateAPIKey: %v", err)
	}
	for range 2 {
		if err := f.svc.RevokeAPIKey(ctx, "admin:k1", k.ID); err != nil {
			t.Fatal(err)
		}
	}
	wantErr[*domain.NotFoundError](t, f.svc.RevokeAPIKey(ctx, "admin:k1", "0123456789abcdef"))
	wantErr[*domain.ValidationError](t, f.svc.RevokeAPIKey(ctx, "admin:k1", ""))
	kinds := f.kinds(t)
	if len(kinds) != 2 || kinds[0] != domain.AuditAPIKeyCreated || kinds[1] != domain.AuditAPIKeyRevoked {
		t.Fatalf("audit %v, want one creation and one revocation", kinds)
	}
	for _, e := range f.audit(t) {
		if len(e.After) == 0 || strings.Contains(string(e.After), secret) || strings.Contains(string(e.Before), secret) {
			t.Fatalf("audit event %s holds the key's secret", e.Kind)
		}
	}
}

// TestCallsCheckTheirFieldsBeforeReading: the ids a call names and the
// audit time range are field rules, answered before the store is read.
func TestCallsCheckTheirFieldsBeforeReading(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	calls := map[string]func() error{
		"GetPartner":        func() error { _, err := f.svc.GetPartner(ctx, ""); return err },
		"GetCustomer":       func() error { _, err := f.svc.GetCustomer(ctx, ""); return err },
		"ListCustomers":     func() error { _, err := f.svc.ListCustomers(ctx, "", store.Page{Limit: 1}); return err },
		"ListSubscriptions": func() error { _, err := f.svc.ListSubscriptions(ctx, ""); return err },
		"ListContracts":     func() error { _, err := f.svc.ListContracts(ctx, ""); return err },
		"ListAuditEvents": func() error {
			_, err := f.svc.ListAuditEvents(ctx, store.AuditFilter{Start: now, End: now}, store.Page{Limit: 1})
			return err
		},
	}
	if err := f.st.Close(); err != nil { // a read would fail with ErrClosed
		t.Fatal(err)
	}
	for name, call := range calls {
		if v := wantErr[*domain.ValidationError](t, call()); len(v.Violations) != 1 {
			t.Errorf("%s: violations %+v, want one", name, v.Violations)
		}
	}
}
