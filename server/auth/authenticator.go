package auth

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/supportd/supportd/server/domain"
	"github.com/supportd/supportd/server/store"
)

// Errors of Authenticate, mapped to UNAUTHENTICATED by the API layer. A
// held stream's context ends with ErrRevokedKey or ErrExpiredKey as its
// cause (see Hold).
var (
	ErrUnknownKey = errors.New("unknown API key")
	ErrRevokedKey = errors.New("API key revoked")
	ErrExpiredKey = errors.New("API key expired")
)

// keyCacheTTL is how long a cached key is trusted before it is read again:
// a revocation made by another process sharing the database reaches this
// one's unary calls within it (its own revocations at once, see Revoked).
const keyCacheTTL = 30 * time.Second

// Authenticator checks bearer secrets against the stored keys and ends
// the streams of keys that stop being valid. It caches keys by id;
// Revoked must be called after a key's revocation commits so that the
// revocation takes effect at once.
type Authenticator struct {
	st  store.Store
	now func() time.Time

	mu    sync.RWMutex
	cache map[string]cachedKey
	// forgets counts Forget calls: a lookup that raced with one does not
	// cache what it read, which may predate the revocation.
	forgets uint64

	streams streamSet
}

// cachedKey is a key record and when it was read (by the clock).
type cachedKey struct {
	key    store.APIKey
	loaded time.Time
}

// NewAuthenticator returns an authenticator over st; now is the clock
// that decides expiry (time.Now in production).
func NewAuthenticator(st store.Store, now func() time.Time) *Authenticator {
	return &Authenticator{st: st, now: now, cache: make(map[string]cachedKey), streams: newStreamSet()}
}

// Authenticate returns the principal a secret stands for, or
// ErrMalformedKey, ErrUnknownKey, ErrRevokedKey or ErrExpiredKey.
func (a *Authenticator) Authenticate(ctx context.Context, secret string) (Principal, error) {
	id, err := ParseKeyID(secret)
	if err != nil {
		return Principal{}, err
	}
	k, gen, err := a.lookup(ctx, id)
	if err != nil {
		return Principal{}, err
	}
	if !Matches(k, secret) {
		return Principal{}, ErrUnknownKey
	}
	if err := validity(k, a.now()); err != nil {
		return Principal{}, err
	}
	return Principal{KeyID: k.ID, Role: k.Role, PartnerID: k.PartnerID, ExpireTime: k.ExpireTime, forgets: gen}, nil
}

// validity is nil for a key valid at now, else ErrRevokedKey or
// ErrExpiredKey (revocation first: it is the deliberate act).
func validity(k store.APIKey, now time.Time) error {
	switch {
	case !k.RevokeTime.IsZero():
		return ErrRevokedKey
	case !k.ExpireTime.IsZero() && !now.Before(k.ExpireTime):
		return ErrExpiredKey
	}
	return nil
}

// lookup returns the key (cached or read) and the Forget count before it
// was looked up.
func (a *Authenticator) lookup(ctx context.Context, id string) (store.APIKey, uint64, error) {
	now := a.now()
	a.mu.RLock()
	c, ok := a.cache[id]
	gen := a.forgets
	a.mu.RUnlock()
	if ok && now.Sub(c.loaded) < keyCacheTTL {
		return c.key, gen, nil
	}
	k, err := a.read(ctx, id)
	if err != nil {
		return k, gen, err
	}
	a.mu.Lock()
	if a.forgets == gen {
		a.cache[id] = cachedKey{key: k, loaded: now}
	}
	a.mu.Unlock()
	return k, gen, nil
}

// forgetCount is the number of Forget calls so far.
func (a *Authenticator) forgetCount() uint64 {
	a.mu.RLock()
	defer a.mu.RUnlock()
	return a.forgets
}

// read reads a key from the store, bypassing the cache.
func (a *Authenticator) read(ctx context.Context, id string) (store.APIKey, error) {
	var k store.APIKey
	err := a.st.ReadTx(ctx, func(tx store.Reader) error {
		var err error
		k, err = tx.GetAPIKey(ctx, id)
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return k, ErrUnknownKey
	}
	if err != nil {
		return k, fmt.Errorf("look up API key: %w", err)
	}
	return k, nil
}

// Forget drops a key from the cache; the next call reads it again.
func (a *Authenticator) Forget(keyID string) {
	a.mu.Lock()
	delete(a.cache, keyID)
	a.forgets++
	a.mu.Unlock()
}

// Revoked is the notice that a key's revocation has committed: calls with
// it are refused from now on and the streams held with it end with
// ErrRevokedKey. It is the in-process broadcast of revocations; other
// processes sharing the database learn of them by RecheckStreams and the
// cache's expiry.
func (a *Authenticator) Revoked(keyID string) {
	a.Forget(keyID)
	a.streams.end(keyID, ErrRevokedKey)
}

// RoleForService is the role that may call the given fully-qualified gRPC
// service; ok is false for services no key may call.
func RoleForService(service string) (domain.Role, bool) {
	switch service {
	case "support.v1.DirectoryService":
		return domain.RoleAdmin, true
	case "support.v1.AgentService":
		return domain.RoleAgent, true
	case "support.v1.SupportService":
		return domain.RolePartner, true
	}
	return "", false
}
