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

// endWithKey holds every authenticated stream under its key (see
// auth.Authenticator.Hold): when the key is revoked or expires, the
// stream's context ends and the call ends with UNAUTHENTICATED saying
// why, whatever the handler returned as its context ended.
func endWithKey(a *auth.Authenticator) grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, _ *grpc.StreamServerInfo, h grpc.StreamHandler) error {
		p, ok := auth.FromContext(ss.Context())
		if !ok { // health and reflection: no key
			return h(srv, ss)
		}
		ctx, release := a.Hold(ss.Context(), p)
		defer release()
		err := h(srv, &wrappedStream{ServerStream: ss, ctx: ctx})
		if ctx.Err() == nil || ss.Context().Err() != nil {
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
}
