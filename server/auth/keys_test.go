package auth_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/supportd/supportd/server/auth"
	"github.com/supportd/supportd/server/domain"
)

func TestNewKeyMatchesOnlyItsSecret(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.FixedZone("CET", 3600))
	k, secret := auth.NewKey(domain.RolePartner, "adatum", now)
	if k.Role != domain.RolePartner || k.PartnerID != "adatum" || !k.CreateTime.Equal(now) || k.CreateTime.Location() != time.UTC {
		t.Fatalf("record %+v: want a partner key of adatum created at %v in UTC", k, now)
	}
	if id, err := auth.ParseKeyID(secret); err != nil || id != k.ID {
		t.Fatalf("ParseKeyID(secret) = %q, %v; want %q", id, err, k.ID)
	}
	if strings.Contains(string(k.Hash), secret) {
		t.Fatal("the record holds the secret")
	}
	if !auth.Matches(k, secret) {
		t.Fatal("the key does not match its own secret")
	}
	other, otherSecret := auth.NewKey(domain.RolePartner, "adatum", now)
	if other.ID == k.ID || otherSecret == secret {
		t.Fatal("two keys share an id or a secret")
	}
	for _, s := range []string{otherSecret, secret + "x", secret[:len(secret)-1], ""} {
		if auth.Matches(k, s) {
			t.Errorf("the key matches %q", s)
		}
	}
}

func TestParseKeyID(t *testing.T) {
	t.Parallel()
	cases := []struct {
		secret string
		id     string // "" for ErrMalformedKey
	}{
		{"sk_0123456789abcdef_random", "0123456789abcdef"},
		{"sk_0123456789abcdef_", ""},
		{"sk_0123456789abcdef", ""},
		{"sk_0123456789abcde_random", ""},
		{"sk_0123456789abcdef0_random", ""},
		{"pk_0123456789abcdef_random", ""},
		{"0123456789abcdef_random", ""},
		{"", ""},
	}
	for _, c := range cases {
		id, err := auth.ParseKeyID(c.secret)
		switch {
		case c.id == "" && !errors.Is(err, auth.ErrMalformedKey):
			t.Errorf("ParseKeyID(%q) = %q, %v; want ErrMalformedKey", c.secret, id, err)
		case c.id != "" && (err != nil || id != c.id):
			t.Errorf("ParseKeyID(%q) = %q, %v; want %q", c.secret, id, err, c.id)
		}
	}
}

func TestRoleForService(t *testing.T) {
	t.Parallel()
	cases := []struct {
		service string
		role    domain.Role
		ok      bool
	}{
		{"support.v1.DirectoryService", domain.RoleAdmin, true},
		{"support.v1.AgentService", domain.RoleAgent, true},
		{"support.v1.SupportService", domain.RolePartner, true},
		{"grpc.health.v1.Health", "", false},
		{"support.v1.Unknown", "", false},
		{"", "", false},
	}
	for _, c := range cases {
		if role, ok := auth.RoleForService(c.service); role != c.role || ok != c.ok {
			t.Errorf("RoleForService(%q) = %q, %v; want %q, %v", c.service, role, ok, c.role, c.ok)
		}
	}
}
