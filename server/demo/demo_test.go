package demo_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/supportd/supportd/server/api"
	"github.com/supportd/supportd/server/auth"
	"github.com/supportd/supportd/server/demo"
	"github.com/supportd/supportd/server/directory"
	"github.com/supportd/supportd/server/domain"
	"github.com/supportd/supportd/server/store"
	"github.com/supportd/supportd/server/store/sqlite"
)

func openDirectory(t *testing.T) (*directory.Service, *auth.Authenticator) {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "demo.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return directory.New(st, time.Now, nil, api.AuditJSON), auth.NewAuthenticator(st, time.Now)
}

// TestEnsure: --demo seeds an empty database, mints fresh working keys
// when restarted on the demo database, and leaves another directory alone.
func TestEnsure(t *testing.T) {
	ctx := context.Background()
	dir, authn := openDirectory(t)
	first, err := demo.Ensure(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	customers, err := dir.ListCustomers(ctx, demo.PartnerID, store.Page{})
	if err != nil || len(customers) != 3 {
		t.Fatalf("demo customers = %v, %v; want litware, fabrikam and the own tenant", customers, err)
	}
	second, err := demo.Ensure(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	if second == first {
		t.Fatal("a restart of --demo printed the same keys: secrets are shown once, new ones are needed")
	}
	for _, k := range []struct {
		secret string
		role   domain.Role
	}{{first.Admin, domain.RoleAdmin}, {second.Agent, domain.RoleAgent}, {second.Partner, domain.RolePartner}} {
		p, err := authn.Authenticate(ctx, k.secret)
		if err != nil || p.Role != k.role {
			t.Fatalf("demo key %s: %v, %v", k.role, p, err)
		}
	}

	other, _ := openDirectory(t)
	if _, err := other.CreatePartner(ctx, "test", domain.Partner{ID: "contoso", DisplayName: "Contoso", Status: domain.PartnerActive}); err != nil {
		t.Fatal(err)
	}
	if _, err := demo.Ensure(ctx, other); !errors.Is(err, demo.ErrNotDemo) {
		t.Fatalf("Ensure on another directory = %v, want ErrNotDemo", err)
	}
}
