package app

import (
	"context"
	"errors"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"

	"github.com/supportd/supportd/server/api"
	"github.com/supportd/supportd/server/auth"
)

// Intervals of the checks that end the streams of keys that stopped being
// valid (a revocation in this process ends them at once, see
// auth.Authenticator.Revoked).
const (
	// keyExpiryInterval: expiry is checked against the clock, no reads.
	keyExpiryInterval = time.Second
	// keyRecheckInterval: the keys of open streams are read again, to
	// catch revocations made by another process sharing the database.
	keyRecheckInterval = 5 * time.Second
)

// endWithKey runs h holding the stream under its key (see
// auth.Authenticator.Hold): when the key is revoked or expires, the
// stream's context ends and the call ends with UNAUTHENTICATED saying
// why, whatever the handler returned as its context ended. A stream
// without a principal (health, reflection: no key) runs as it is. ss's
// context must be replaceable by the hold's (malformedStream's ctx).
func endWithKey(a *auth.Authenticator, srv any, ss *malformedStream, h grpc.StreamHandler) error {
	outer := ss.ctx
	p, ok := auth.FromContext(outer)
	if !ok {
		return h(srv, ss)
	}
	ctx, release := a.Hold(outer, p)
	defer release()
	ss.ctx = ctx
	err := h(srv, ss)
	if ctx.Err() == nil || outer.Err() != nil {
		return err // not ended by its key (the client left, or shutdown)
	}
	switch cause := context.Cause(ctx); {
	case errors.Is(cause, auth.ErrRevokedKey):
		return api.Refusal(codes.Unauthenticated, "API_KEY_REVOKED", "API key revoked: the stream ended; use a valid key")
	case errors.Is(cause, auth.ErrExpiredKey):
		return api.Refusal(codes.Unauthenticated, "API_KEY_EXPIRED", "API key expired: the stream ended; use a valid key")
	case errors.Is(cause, auth.ErrUnknownKey):
		return api.Refusal(codes.Unauthenticated, "INVALID_API_KEY", "unknown API key: the stream ended")
	}
	return err
}
