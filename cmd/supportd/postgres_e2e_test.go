package main

import (
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	supportv1 "github.com/supportd/supportd/gen/support/v1"
	"github.com/supportd/supportd/internal/pgtest"
)

// TestReplicasOverPostgreSQL runs two `supportd serve` over one PostgreSQL
// database: the schema is applied by `supportd migrate`, a key made by
// `keys create` works on both, a write on one is read on the other, and a
// key revoked on one is refused by the other at once (its notification,
// not the 30-second key cache, tells it). `backup` points to pg_dump.
func TestReplicasOverPostgreSQL(t *testing.T) {
	url := pgtest.NewDatabase(t)
	bin := buildSupportd(t)
	out, err := exec.Command(bin, "migrate", "--db", url).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "schema version") {
		t.Fatalf("migrate: %v\n%s", err, out)
	}
	admin := createKey(t, bin, url, "--role", "admin")
	a, b := startServer(t, bin, url), startServer(t, bin, url)
	connA, connB := dial(t, a.addr), dial(t, b.addr)
	waitServing(t, connA)
	waitServing(t, connB)
	dirA, dirB := supportv1.NewDirectoryServiceClient(connA), supportv1.NewDirectoryServiceClient(connB)
	ctx := bearer(t.Context(), admin)

	if _, err := dirA.CreatePartner(ctx, &supportv1.CreatePartnerRequest{Partner: &supportv1.Partner{
		Id: "adatum", DisplayName: "Adatum", Status: supportv1.PartnerStatus_PARTNER_STATUS_ACTIVE}}); err != nil {
		t.Fatal(err)
	}
	if _, err := dirB.GetPartner(ctx, &supportv1.GetPartnerRequest{PartnerId: "adatum"}); err != nil {
		t.Fatalf("partner created on A, read on B: %v", err)
	}
	// A second admin key, used (so cached) on B, then revoked on A.
	k, err := dirA.CreateApiKey(ctx, &supportv1.CreateApiKeyRequest{Role: supportv1.Role_ROLE_ADMIN})
	if err != nil {
		t.Fatal(err)
	}
	withK := bearer(t.Context(), k.GetSecret())
	if _, err := dirB.GetPartner(withK, &supportv1.GetPartnerRequest{PartnerId: "adatum"}); err != nil {
		t.Fatalf("new key on B: %v", err)
	}
	if _, err := dirA.RevokeApiKey(ctx, &supportv1.RevokeApiKeyRequest{KeyId: k.GetKeyId()}); err != nil {
		t.Fatal(err)
	}
	// The notification is asynchronous: B refuses the key once it
	// arrives, far within the key cache's 30 seconds.
	deadline, cancel := context.WithTimeout(withK, 10*time.Second)
	defer cancel()
	for {
		_, err := dirB.GetPartner(deadline, &supportv1.GetPartnerRequest{PartnerId: "adatum"})
		if status.Code(err) == codes.Unauthenticated {
			break
		}
		// Refused by the key's rate limit (this loop runs faster than
		// it allows): the key is still accepted, as with no error.
		if err != nil && status.Code(err) != codes.ResourceExhausted {
			t.Fatalf("revoked key on B: %v, want UNAUTHENTICATED", err)
		}
		if deadline.Err() != nil {
			t.Fatal("B still accepts a key revoked on A")
		}
	}

	out, err = exec.Command(bin, "backup", "--db", url, "--out", t.TempDir()+"/copy").CombinedOutput()
	if err == nil || !strings.Contains(string(out), "pg_dump") {
		t.Fatalf("backup of PostgreSQL: %v\n%s", err, out)
	}
	a.stop(t)
	b.stop(t)
}
