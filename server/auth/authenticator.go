package auth

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/supportd/supportd/server/domain"
	"github.com/supportd/supportd/server/store"
)

// Errors of Authenticate, mapped to UNAUTHENTICATED by the API layer.
var (
	ErrUnknownKey = errors.New("unknown API key")
	ErrRevokedKey = errors.New("API key revoked")
)

// Authenticator checks bearer secrets against the stored keys. It caches
// keys by id; Forget must be called after a key is revoked so that the
// revocation takes effect at once.
type Authenticator struct {
	st    store.Store
	mu    sync.RWMutex
	cache map[string]store.APIKey
	// forgets counts Forget calls: a lookup that raced with one does not
	// cache what it read, which may predate the revocation.
	forgets uint64
}

// NewAuthenticator returns an authenticator over st.
func NewAuthenticator(st store.Store) *Authenticator {
	return &Authenticator{st: st, cache: make(map[string]store.APIKey)}
}

// Authenticate returns the principal a secret stands for, or
// ErrMalformedKey, ErrUnknownKey or ErrRevokedKey.
func (a *Authenticator) Authenticate(ctx context.Context, secret string) (Principal, error) {
	id, err := ParseKeyID(secret)
	if err != nil {
		return Principal{}, err
	}
	k, err := a.lookup(ctx, id)
	if err != nil {
		return Principal{}, err
	}
	if !Matches(k, secret) {
		return Principal{}, ErrUnknownKey
	}
	if !k.RevokeTime.IsZero() {
		return Principal{}, ErrRevokedKey
	}
	return Principal{KeyID: k.ID, Role: k.Role, PartnerID: k.PartnerID}, nil
}

func (a *Authenticator) lookup(ctx context.Context, id string) (store.APIKey, error) {
	a.mu.RLock()
	k, ok := a.cache[id]
	gen := a.forgets
	a.mu.RUnlock()
	if ok {
		return k, nil
	}
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
	a.mu.Lock()
	if a.forgets == gen {
		a.cache[id] = k
	}
	a.mu.Unlock()
	return k, nil
}

// Forget drops a key from the cache; the next call reads it again.
func (a *Authenticator) Forget(keyID string) {
	a.mu.Lock()
	delete(a.cache, keyID)
	a.forgets++
	a.mu.Unlock()
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
