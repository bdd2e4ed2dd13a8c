package auth

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/supportd/supportd/server/store"
)

// streamSet is the registry of the open streams of each key, so that a
// key that stops being valid ends them.
type streamSet struct {
	mu    sync.Mutex
	byKey map[string]map[*heldStream]struct{}
}

// heldStream is one open stream: how to end it and when its key expires.
type heldStream struct {
	cancel context.CancelCauseFunc
	expire time.Time // zero: never
}

func newStreamSet() streamSet {
	return streamSet{byKey: make(map[string]map[*heldStream]struct{})}
}

func (s *streamSet) add(keyID string, h *heldStream) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.byKey[keyID] == nil {
		s.byKey[keyID] = make(map[*heldStream]struct{})
	}
	s.byKey[keyID][h] = struct{}{}
}

func (s *streamSet) remove(keyID string, h *heldStream) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.byKey[keyID], h)
	if len(s.byKey[keyID]) == 0 {
		delete(s.byKey, keyID)
	}
}

// end ends every stream of keyID with cause.
func (s *streamSet) end(keyID string, cause error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for h := range s.byKey[keyID] {
		h.cancel(cause)
	}
}

// keys returns the ids of the keys with open streams.
func (s *streamSet) keys() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.byKey))
	for id := range s.byKey {
		out = append(out, id)
	}
	return out
}

// Hold registers a stream opened with p's key until release is called.
// The returned context (derived from ctx) ends, with cause ErrRevokedKey
// or ErrExpiredKey, when the key is revoked (Revoked, RecheckStreams) or
// expires (ExpireStreams).
func (a *Authenticator) Hold(ctx context.Context, p Principal) (context.Context, func()) {
	ctx, cancel := context.WithCancelCause(ctx)
	h := &heldStream{cancel: cancel, expire: p.ExpireTime}
	a.streams.add(p.KeyID, h)
	release := func() {
		a.streams.remove(p.KeyID, h)
		cancel(nil)
	}
	// A revocation noticed after the call's key was read but before the
	// stream was registered was broadcast to nobody: when one may have
	// been (some key was forgotten since; rare), read the key once more,
	// now that a later broadcast would find the stream.
	if a.forgetCount() != p.forgets {
		if k, err := a.read(ctx, p.KeyID); err == nil {
			if err := validity(k, a.now()); err != nil {
				cancel(err)
			}
		} // else: the periodic RecheckStreams reads it again
	}
	return ctx, release
}

// ExpireStreams ends the held streams whose key has expired by the clock.
// It reads nothing: the server runs it every second.
func (a *Authenticator) ExpireStreams() {
	now := a.now()
	a.streams.mu.Lock()
	defer a.streams.mu.Unlock()
	for _, hs := range a.streams.byKey {
		for h := range hs {
			if !h.expire.IsZero() && !now.Before(h.expire) {
				h.cancel(ErrExpiredKey)
			}
		}
	}
}

// RecheckStreams reads the keys of the held streams again (one read
// transaction, one point read per distinct key) and ends the streams of
// keys found revoked or expired: revocations made by another process
// sharing the database end this process's streams too. The server runs it
// every few seconds; its cost is bounded by the number of open streams.
func (a *Authenticator) RecheckStreams(ctx context.Context) error {
	ids := a.streams.keys()
	if len(ids) == 0 {
		return nil
	}
	invalid := map[string]error{}
	now := a.now()
	err := a.st.ReadTx(ctx, func(tx store.Reader) error {
		for _, id := range ids {
			k, err := tx.GetAPIKey(ctx, id)
			if errors.Is(err, store.ErrNotFound) {
				invalid[id] = ErrUnknownKey
				continue
			}
			if err != nil {
				return err
			}
			if err := validity(k, now); err != nil {
				invalid[id] = err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for id, cause := range invalid {
		a.Forget(id)
		a.streams.end(id, cause)
	}
	return nil
}
