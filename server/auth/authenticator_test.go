package auth_test

import (
	"errors"
	"testing"
	"time"

	"github.com/supportd/supportd/server/auth"
	"github.com/supportd/supportd/server/domain"
	"github.com/supportd/supportd/server/store"
)

// TestAuthenticate: each kind of bad key gets its own error, and a valid
// key its principal.
func TestAuthenticate(t *testing.T) {
	t.Parallel()
	f := newFixture(t, time.Hour)
	p, err := f.a.Authenticate(t.Context(), f.secret)
	if err != nil || p.KeyID != f.key.ID || p.Role != domain.RoleAdmin || !p.ExpireTime.Equal(f.key.ExpireTime) {
		t.Fatalf("Authenticate(valid) = %+v, %v", p, err)
	}
	_, unknownSecret := auth.NewKey(domain.RoleAdmin, "", f.clock.Now())
	wrongSecret := "sk_" + f.key.ID + "_not-the-secret"
	for _, c := range []struct {
		name, secret string
		want         error
	}{
		{"malformed", "Bearer nope", auth.ErrMalformedKey},
		{"unknown id", unknownSecret, auth.ErrUnknownKey},
		{"known id, wrong secret", wrongSecret, auth.ErrUnknownKey},
	} {
		if _, err := f.a.Authenticate(t.Context(), c.secret); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}

	// Expiry is decided by the clock: valid until the instant of expiry.
	f.clock.Advance(time.Hour - time.Nanosecond)
	if _, err := f.a.Authenticate(t.Context(), f.secret); err != nil {
		t.Fatalf("just before expiry: %v", err)
	}
	f.clock.Advance(time.Nanosecond)
	if _, err := f.a.Authenticate(t.Context(), f.secret); !errors.Is(err, auth.ErrExpiredKey) {
		t.Fatalf("at expiry: %v, want ErrExpiredKey", err)
	}
}

// TestAuthenticateRevokedBeforeExpired: a revoked key is refused as
// revoked, even once it has also expired (revocation is the deliberate
// act, and what the caller must be told).
func TestAuthenticateRevokedBeforeExpired(t *testing.T) {
	t.Parallel()
	f := newFixture(t, time.Hour)
	if err := f.st.ReadWriteTx(t.Context(), func(tx store.ReadWriter) error {
		return tx.RevokeAPIKey(t.Context(), f.key.ID, f.clock.Now())
	}); err != nil {
		t.Fatal(err)
	}
	f.a.Revoked(f.key.ID)
	if _, err := f.a.Authenticate(t.Context(), f.secret); !errors.Is(err, auth.ErrRevokedKey) {
		t.Fatalf("revoked: %v, want ErrRevokedKey", err)
	}
	f.clock.Advance(2 * time.Hour)
	if _, err := f.a.Authenticate(t.Context(), f.secret); !errors.Is(err, auth.ErrRevokedKey) {
		t.Fatalf("revoked and expired: %v, want ErrRevokedKey", err)
	}
}
