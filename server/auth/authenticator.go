package auth

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

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
// the streams of keys that stop being valid. It caches keys by id, and
// (WithUnknownKeyCache) the ids found unknown; Revoked must be called
// after a key's revocation commits so that the revocation takes effect at
// once, and Forget after a key's creation commits, on every process that
// may have found its id unknown.
type Authenticator struct {
	st  store.Store
	now func() time.Time

	mu    sync.RWMutex
	cache map[string]cachedKey
	// misses remembers unknown key ids (nil: none are remembered).
	misses *missCache
	// forgets counts Forget calls: a lookup that raced with one does not
	// cache what it read, which may predate the revocation or the
	// creation.
	forgets uint64
	// reads merges concurrent reads of one key id into one.
	reads singleflight.Group

	streams streamSet
}

// Option configures an Authenticator.
type Option func(*Authenticator)

// WithUnknownKeyCache makes the authenticator remember up to size key ids
// found unknown, each for ttl (limits.unknown_keys_cached and
// limits.unknown_key_ttl): calls naming one are refused without reading
// the store. Without it every call with an unknown key reads the store.
func WithUnknownKeyCache(size int, ttl time.Duration) Option {
	return func(a *Authenticator) {
		if size > 0 && ttl > 0 {
			a.misses = newMissCache(size, ttl)
		}
	}
}

// cachedKey is a key record and when it was read (by the clock).
type cachedKey struct {
	key    store.APIKey
	loaded time.Time
}

// NewAuthenticator returns an authenticator over st; now is the clock
// that decides expiry (time.Now in production).
func NewAuthenticator(st store.Store, now func() time.Time, opts ...Option) *Authenticator {
	a := &Authenticator{st: st, now: now, cache: make(map[string]cachedKey), streams: newStreamSet()}
	for _, o := range opts {
		o(a)
	}
	return a
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
	missed := a.misses != nil && a.misses.has(id, now)
	a.mu.RUnlock()
	if ok && now.Sub(c.loaded) < keyCacheTTL {
		return c.key, gen, nil
	}
	if missed {
		return store.APIKey{}, gen, ErrUnknownKey
	}
	k, err := a.readShared(ctx, id, gen)
	unknown := errors.Is(err, ErrUnknownKey)
	if err != nil && !unknown {
		return k, gen, err
	}
	a.mu.Lock()
	// Not if a Forget came in between: what was read may predate a
	// revocation (or, for a miss, the key's creation).
	if a.forgets == gen {
		if unknown {
			if a.misses != nil {
				a.misses.add(id, now)
			}
		} else {
			a.cache[id] = cachedKey{key: k, loaded: now}
		}
	}
	a.mu.Unlock()
	return k, gen, err
}

// readShared is read, with the concurrent reads of one id merged into
// one: a burst of calls with one key (or one bad key) reads it once. A
// call that began after a Forget (gen, the Forget count it saw) never
// shares a read begun before it, which may predate the change Forget was
// told of. The read does not end with the first caller's context (it is
// a point read).
func (a *Authenticator) readShared(ctx context.Context, id string, gen uint64) (store.APIKey, error) {
	v, err, _ := a.reads.Do(id+"@"+strconv.FormatUint(gen, 10), func() (any, error) {
		return a.read(context.WithoutCancel(ctx), id)
	})
	return v.(store.APIKey), err
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

// Forget drops a key id from the caches, of keys and of unknown ids; the
// next call reads it again. It is also the notice that a key was created:
// a call with it is no longer refused as unknown. The empty id drops
// every key (changes may have been missed, see store.KeyChangeSource).
func (a *Authenticator) Forget(keyID string) {
	a.mu.Lock()
	if keyID == "" {
		clear(a.cache)
		if a.misses != nil {
			a.misses.clear()
		}
	} else {
		delete(a.cache, keyID)
		if a.misses != nil {
			a.misses.forget(keyID)
		}
	}
	a.forgets++
	a.mu.Unlock()
}

// Revoked is the notice that a key's revocation has committed: calls with
// it are refused from now on and the streams held with it end with
// ErrRevokedKey. The empty id is Forget's: every key is read again (the
// streams of a key found revoked then end at the next RecheckStreams).
// It is the in-process broadcast of revocations; other processes sharing
// the database learn of them by RecheckStreams and the cache's expiry.
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
