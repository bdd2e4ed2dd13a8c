package auth_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/supportd/supportd/internal/fakeclock"
	"github.com/supportd/supportd/server/auth"
	"github.com/supportd/supportd/server/domain"
	"github.com/supportd/supportd/server/store"
	"github.com/supportd/supportd/server/store/sqlite"
)

// fixture is a store with an admin key and an authenticator over it.
type fixture struct {
	st     store.Store
	clock  *fakeclock.Clock
	a      *auth.Authenticator
	secret string
	key    store.APIKey
}

func newFixture(t testing.TB, expire time.Duration) *fixture {
	t.Helper()
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "auth.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	c := fakeclock.New(time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC))
	k, secret := auth.NewKey(domain.RoleAdmin, "", c.Now())
	if expire > 0 {
		k.ExpireTime = c.Now().Add(expire)
	}
	if err := st.ReadWriteTx(t.Context(), func(tx store.ReadWriter) error { return tx.CreateAPIKey(t.Context(), k) }); err != nil {
		t.Fatal(err)
	}
	return &fixture{st: st, clock: c, a: auth.NewAuthenticator(st, c.Now), secret: secret, key: k}
}

// revokeElsewhere revokes the key in the store only, as another process
// sharing the database would: this authenticator gets no notice.
func (f *fixture) revokeElsewhere(t *testing.T) {
	t.Helper()
	if err := f.st.ReadWriteTx(t.Context(), func(tx store.ReadWriter) error {
		return tx.RevokeAPIKey(t.Context(), f.key.ID, f.clock.Now())
	}); err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) hold(t *testing.T) (context.Context, func()) {
	t.Helper()
	p, err := f.a.Authenticate(t.Context(), f.secret)
	if err != nil {
		t.Fatal(err)
	}
	ctx, release := f.a.Hold(t.Context(), p)
	t.Cleanup(release)
	return ctx, release
}

func wantEnded(t *testing.T, ctx context.Context, cause error) {
	t.Helper()
	if ctx.Err() == nil || !errors.Is(context.Cause(ctx), cause) {
		t.Fatalf("stream context: err %v, cause %v; want ended by %v", ctx.Err(), context.Cause(ctx), cause)
	}
}

func wantOpen(t *testing.T, ctx context.Context) {
	t.Helper()
	if ctx.Err() != nil {
		t.Fatalf("stream ended: %v", context.Cause(ctx))
	}
}

func TestRevokedEndsHeldStreamsOfThatKeyOnly(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 0)
	ctx, _ := f.hold(t)
	other := newFixture(t, 0)
	otherCtx, _ := other.hold(t)
	f.a.Revoked("someone-else")
	wantOpen(t, ctx)
	f.revokeElsewhere(t)
	f.a.Revoked(f.key.ID)
	wantEnded(t, ctx, auth.ErrRevokedKey)
	wantOpen(t, otherCtx)
	if _, err := f.a.Authenticate(t.Context(), f.secret); !errors.Is(err, auth.ErrRevokedKey) {
		t.Fatalf("Authenticate after Revoked: %v", err)
	}
}

func TestRecheckStreamsCatchesRevocationsOfOtherProcesses(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 0)
	ctx, _ := f.hold(t)
	if err := f.a.RecheckStreams(t.Context()); err != nil {
		t.Fatal(err)
	}
	wantOpen(t, ctx)
	f.revokeElsewhere(t)
	// The cache still trusts the key for a while: unary calls pass ...
	if _, err := f.a.Authenticate(t.Context(), f.secret); err != nil {
		t.Fatalf("cached key refused before its TTL: %v", err)
	}
	// ... the recheck ends the stream and forgets the key.
	if err := f.a.RecheckStreams(t.Context()); err != nil {
		t.Fatal(err)
	}
	wantEnded(t, ctx, auth.ErrRevokedKey)
	if _, err := f.a.Authenticate(t.Context(), f.secret); !errors.Is(err, auth.ErrRevokedKey) {
		t.Fatalf("Authenticate after the recheck: %v", err)
	}
}

func TestKeyCacheExpiresRevocationsOfOtherProcesses(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 0)
	if _, err := f.a.Authenticate(t.Context(), f.secret); err != nil {
		t.Fatal(err)
	}
	f.revokeElsewhere(t)
	f.clock.Advance(30 * time.Second)
	if _, err := f.a.Authenticate(t.Context(), f.secret); !errors.Is(err, auth.ErrRevokedKey) {
		t.Fatalf("Authenticate past the cache's TTL: %v", err)
	}
}

func TestHoldSeesARevocationThatRacedAuthentication(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 0)
	p, err := f.a.Authenticate(t.Context(), f.secret)
	if err != nil {
		t.Fatal(err)
	}
	f.revokeElsewhere(t) // committed and broadcast before the stream registered
	f.a.Revoked(f.key.ID)
	ctx, release := f.a.Hold(t.Context(), p)
	defer release()
	wantEnded(t, ctx, auth.ErrRevokedKey)
}

func TestExpireStreamsEndsStreamsAtExpiry(t *testing.T) {
	t.Parallel()
	f := newFixture(t, time.Hour)
	ctx, _ := f.hold(t)
	lasting := newFixture(t, 0)
	lastingCtx, _ := lasting.hold(t)
	f.clock.Advance(time.Hour - time.Nanosecond)
	f.a.ExpireStreams()
	wantOpen(t, ctx)
	f.clock.Advance(time.Nanosecond)
	if _, err := f.a.Authenticate(t.Context(), f.secret); !errors.Is(err, auth.ErrExpiredKey) {
		t.Fatalf("Authenticate at expiry: %v", err)
	}
	f.a.ExpireStreams()
	wantEnded(t, ctx, auth.ErrExpiredKey)
	lasting.a.ExpireStreams()
	wantOpen(t, lastingCtx)
}

func TestReleaseForgetsTheStream(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 0)
	ctx, release := f.hold(t)
	release()
	if !errors.Is(ctx.Err(), context.Canceled) || context.Cause(ctx) != context.Canceled {
		t.Fatalf("released stream: %v / %v", ctx.Err(), context.Cause(ctx))
	}
	f.revokeElsewhere(t)
	if err := f.a.RecheckStreams(t.Context()); err != nil { // nothing held: reads nothing
		t.Fatal(err)
	}
	if _, err := f.a.Authenticate(t.Context(), f.secret); err != nil {
		t.Fatalf("a released stream's key was rechecked: %v", err)
	}
}
