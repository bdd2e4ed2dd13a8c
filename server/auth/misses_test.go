package auth_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/supportd/supportd/server/auth"
	"github.com/supportd/supportd/server/domain"
	"github.com/supportd/supportd/server/store"
)

// countingStore counts the read transactions of the store it wraps.
type countingStore struct {
	store.Store
	reads atomic.Int64
}

func (c *countingStore) ReadTx(ctx context.Context, fn func(tx store.Reader) error) error {
	c.reads.Add(1)
	return c.Store.ReadTx(ctx, fn)
}

// unknownKey returns a well-formed secret whose key is not stored, and
// the record it would have.
func unknownKey(f *fixture) (store.APIKey, string) {
	return auth.NewKey(domain.RoleAgent, "", f.clock.Now())
}

// newMissFixture is a fixture whose authenticator remembers up to size
// unknown ids for ttl and reads through a counting store.
func newMissFixture(t *testing.T, size int, ttl time.Duration) (*fixture, *countingStore) {
	f := newFixture(t, 0)
	cs := &countingStore{Store: f.st}
	f.a = auth.NewAuthenticator(cs, f.clock.Now, auth.WithUnknownKeyCache(size, ttl))
	return f, cs
}

func wantUnknown(t *testing.T, f *fixture, secret string) {
	t.Helper()
	if _, err := f.a.Authenticate(t.Context(), secret); !errors.Is(err, auth.ErrUnknownKey) {
		t.Fatalf("Authenticate(unknown key) = %v, want ErrUnknownKey", err)
	}
}

func TestUnknownKeyFloodReadsTheStoreOncePerTTL(t *testing.T) {
	f, cs := newMissFixture(t, 100, 10*time.Second)
	_, bad := unknownKey(f)
	for range 1000 {
		wantUnknown(t, f, bad)
	}
	if n := cs.reads.Load(); n != 1 {
		t.Fatalf("1000 calls with one unknown key read the store %d times, want 1", n)
	}
	f.clock.Advance(10 * time.Second) // the miss expires
	wantUnknown(t, f, bad)
	wantUnknown(t, f, bad)
	if n := cs.reads.Load(); n != 2 {
		t.Fatalf("after the TTL: %d reads in all, want 2 (one more)", n)
	}
	// Known keys are unaffected: the valid key is read once, then cached.
	if _, err := f.a.Authenticate(t.Context(), f.secret); err != nil {
		t.Fatalf("valid key: %v", err)
	}
}

func TestUnknownKeyCacheIsBoundedOldestForgottenFirst(t *testing.T) {
	const size = 3
	f, cs := newMissFixture(t, size, time.Minute)
	var secrets []string
	for range size + 2 {
		_, s := unknownKey(f)
		secrets = append(secrets, s)
		wantUnknown(t, f, s)
	}
	reads := cs.reads.Load()
	// The last size ids are remembered...
	for _, s := range secrets[2:] {
		wantUnknown(t, f, s)
	}
	if n := cs.reads.Load(); n != reads {
		t.Fatalf("the %d newest unknown ids were read again (%d reads)", size, n-reads)
	}
	// ...the two oldest were forgotten to make room.
	wantUnknown(t, f, secrets[0])
	if n := cs.reads.Load(); n != reads+1 {
		t.Fatalf("the oldest unknown id: %d reads, want 1 (forgotten when the cache filled)", n-reads)
	}
}

func TestUnknownKeyForgottenWhenTheKeyIsCreated(t *testing.T) {
	f, _ := newMissFixture(t, 100, time.Hour)
	rec, secret := unknownKey(f)
	wantUnknown(t, f, secret) // remembered as unknown
	if err := f.st.ReadWriteTx(t.Context(), func(tx store.ReadWriter) error { return tx.CreateAPIKey(t.Context(), rec) }); err != nil {
		t.Fatal(err)
	}
	wantUnknown(t, f, secret) // the cache answers: nobody said the key exists
	f.a.Forget(rec.ID)        // the notice of its creation
	p, err := f.a.Authenticate(t.Context(), secret)
	if err != nil || p.KeyID != rec.ID {
		t.Fatalf("Authenticate after the creation notice = %+v, %v; want the new key", p, err)
	}
}

func TestUnknownKeyNotRememberedWithoutTheCache(t *testing.T) {
	f := newFixture(t, 0)
	cs := &countingStore{Store: f.st}
	f.a = auth.NewAuthenticator(cs, f.clock.Now)
	_, bad := unknownKey(f)
	wantUnknown(t, f, bad)
	wantUnknown(t, f, bad)
	if n := cs.reads.Load(); n != 2 {
		t.Fatalf("without WithUnknownKeyCache: %d reads for two calls, want 2", n)
	}
}

func TestForgetAllReadsEveryKeyAgain(t *testing.T) {
	f, cs := newMissFixture(t, 100, time.Hour)
	_, bad := unknownKey(f)
	wantUnknown(t, f, bad)
	if _, err := f.a.Authenticate(t.Context(), f.secret); err != nil {
		t.Fatal(err)
	}
	reads := cs.reads.Load()
	f.a.Forget("") // changes may have been missed
	wantUnknown(t, f, bad)
	if _, err := f.a.Authenticate(t.Context(), f.secret); err != nil {
		t.Fatal(err)
	}
	if n := cs.reads.Load() - reads; n != 2 {
		t.Fatalf("after Forget(\"\"): %d reads for one unknown and one known key, want 2", n)
	}
}

// BenchmarkAuthenticateUnknownKey is one call with a well-formed key that
// does not exist, as in a flood of a bad key: remembered=no reads the
// store (SQLite) each time, remembered=yes answers from the negative
// cache.
func BenchmarkAuthenticateUnknownKey(b *testing.B) {
	for _, remembered := range []bool{false, true} {
		name := map[bool]string{false: "remembered=no", true: "remembered=yes"}[remembered]
		b.Run(name, func(b *testing.B) {
			f := newFixture(b, 0)
			if remembered {
				f.a = auth.NewAuthenticator(f.st, f.clock.Now, auth.WithUnknownKeyCache(10000, time.Hour))
			}
			_, bad := unknownKey(f)
			ctx := context.Background()
			for b.Loop() {
				if _, err := f.a.Authenticate(ctx, bad); !errors.Is(err, auth.ErrUnknownKey) {
					b.Fatal(err)
				}
			}
		})
	}
}
