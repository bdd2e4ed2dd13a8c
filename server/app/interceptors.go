package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strings"
	"time"

	grpcprom "github.com/grpc-ecosystem/go-grpc-middleware/providers/prometheus"
	"github.com/grpc-ecosystem/go-grpc-middleware/v2/interceptors"
	grpcauth "github.com/grpc-ecosystem/go-grpc-middleware/v2/interceptors/auth"
	"github.com/grpc-ecosystem/go-grpc-middleware/v2/interceptors/logging"
	"github.com/grpc-ecosystem/go-grpc-middleware/v2/interceptors/recovery"
	"github.com/grpc-ecosystem/go-grpc-middleware/v2/interceptors/selector"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"

	"github.com/supportd/supportd/server/api"
	"github.com/supportd/supportd/server/auth"
	"github.com/supportd/supportd/server/config"
	"github.com/supportd/supportd/server/domain"
	"github.com/supportd/supportd/server/store"
)

// unauthenticatedServices are reachable without an API key.
var unauthenticatedServices = map[string]bool{
	"grpc.health.v1.Health":                    true,
	"grpc.reflection.v1.ServerReflection":      true,
	"grpc.reflection.v1alpha.ServerReflection": true,
}

// needsAuth selects the calls the auth interceptor applies to.
func needsAuth(_ context.Context, c interceptors.CallMeta) bool {
	return !unauthenticatedServices[c.Service]
}

// authFunc authenticates the bearer key and authorises its role for the
// called service: UNAUTHENTICATED for a missing, malformed, unknown or
// revoked or expired key; PERMISSION_DENIED for a valid key of the wrong
// role.
func authFunc(a *auth.Authenticator, log *slog.Logger) grpcauth.AuthFunc {
	return func(ctx context.Context) (context.Context, error) {
		token, err := grpcauth.AuthFromMD(ctx, "bearer")
		if err != nil {
			return nil, api.Refusal(codes.Unauthenticated, "MISSING_API_KEY", `missing API key: send the metadata "authorization: Bearer <key>"`)
		}
		p, err := a.Authenticate(ctx, token)
		switch {
		case errors.Is(err, auth.ErrRevokedKey):
			return nil, api.Refusal(codes.Unauthenticated, "API_KEY_REVOKED", "API key revoked")
		case errors.Is(err, auth.ErrExpiredKey):
			return nil, api.Refusal(codes.Unauthenticated, "API_KEY_EXPIRED", "API key expired")
		case errors.Is(err, auth.ErrUnknownKey), errors.Is(err, auth.ErrMalformedKey):
			return nil, api.Refusal(codes.Unauthenticated, "INVALID_API_KEY", "unknown API key")
		case errors.Is(err, store.ErrUnavailable):
			// The same answer as any call that needs the database now.
			log.WarnContext(ctx, "authentication failed: database unavailable", "error", err)
			return nil, api.Refusal(codes.Unavailable, "DATABASE_UNAVAILABLE", "the database is unavailable, the API key cannot be checked now; retry")
		case err != nil:
			log.ErrorContext(ctx, "authentication failed", "error", err)
			return nil, api.Refusal(codes.Unavailable, "AUTH_UNAVAILABLE", "cannot check the API key now; retry")
		}
		method, _ := grpc.Method(ctx)
		service := serviceOf(method)
		want, ok := auth.RoleForService(service)
		if !ok || want != p.Role {
			return nil, api.Refusal(codes.PermissionDenied, "WRONG_ROLE", fmt.Sprintf("%s key may not call %s", keyKind(p.Role), service))
		}
		return auth.WithPrincipal(ctx, p), nil
	}
}

// keyKind names a role's key with its article: "an admin", "a partner".
func keyKind(r domain.Role) string {
	if r == domain.RoleAdmin || r == domain.RoleAgent {
		return "an " + strings.ToLower(string(r))
	}
	return "a " + strings.ToLower(string(r))
}

// serviceOf returns "pkg.Service" of "/pkg.Service/Method".
func serviceOf(fullMethod string) string {
	s := strings.TrimPrefix(fullMethod, "/")
	if i := strings.LastIndex(s, "/"); i >= 0 {
		return s[:i]
	}
	return s
}

// callFields adds to the log line of a call the caller (never its
// secret), read from the slot the auth interceptor fills, and, once
// timeUnary has measured the call, its start and duration on the server's
// clock. These take precedence over the middleware's own grpc.start_time
// and grpc.time_ms, which are wrong for a call logged after it ended (see
// logUnary).
func callFields(ctx context.Context, _ interceptors.CallMeta) logging.Fields {
	var f logging.Fields
	if slot, ok := auth.SlotFromContext(ctx); ok {
		if p, ok := slot.Get(); ok {
			f = append(f, "principal", p.Actor())
		}
	}
	if t, ok := ctx.Value(callTimeKey{}).(*callTime); ok {
		if start, took, done := t.measured(); done {
			f = append(f, "grpc.start_time", start.Format(time.RFC3339))
			f = append(f, logging.DurationToTimeMillisFields(took)...)
		}
	}
	return f
}

// slotUnary puts in the context the slots that interceptors after the
// logging one fill for it: the principal and the call's duration.
func slotUnary(ctx context.Context, req any, _ *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
	ctx, _ = auth.WithSlot(ctx)
	ctx = context.WithValue(ctx, callTimeKey{}, newCallTime())
	return h(ctx, req)
}

// wrappedStream replaces a stream's context.
type wrappedStream struct {
	grpc.ServerStream
	ctx context.Context
}

func (w *wrappedStream) Context() context.Context { return w.ctx }

// streamContext gives each stream, outside the metrics and logging
// interceptors, the slot logging reads (the principal, filled further
// down) and a context that the end of shutdown cancels, so that a stream
// blocked sending to a client that does not read ends at once instead of
// holding the drain until the grace period runs out.
func streamContext(shutdown context.Context) grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, _ *grpc.StreamServerInfo, h grpc.StreamHandler) error {
		ctx, cancel := context.WithCancel(ss.Context())
		defer cancel()
		stop := context.AfterFunc(shutdown, cancel)
		defer stop()
		ctx, _ = auth.WithSlot(ctx)
		err := h(srv, &wrappedStream{ServerStream: ss, ctx: ctx})
		if err != nil && shutdown.Err() != nil && ss.Context().Err() == nil {
			// Ended by the shutdown, not by the client: tell it to come back.
			return api.ShuttingDown("reconnect and resume")
		}
		return err
	}
}

// guardStream does for a stream, in one interceptor, what the unary chain
// does in several: authentication and role authorisation (skipping health
// and reflection), the per-key rate limit, the suspension gate, the hold
// that ends the stream when its key stops being valid (endWithKey), and
// the refusal of received messages that did not decode. One interceptor
// rather than five because a stream's goroutine waits at the bottom of the
// chain for the stream's whole life: each level of a chain costs its stack
// ~250 B, and with five fewer an idle watch stream's stack stays at 8 KiB
// instead of growing to 16 (docs/benchmarks.md, "Watch streams").
func guardStream(codec malformedCodec, af grpcauth.AuthFunc, limiter Limiter, gate *api.SuspensionGate, a *auth.Authenticator) grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, h grpc.StreamHandler) error {
		ctx := ss.Context()
		if !unauthenticatedServices[serviceOf(info.FullMethod)] {
			var err error
			if ctx, err = af(ctx); err != nil {
				return err
			}
		}
		if err := limiter.Limit(ctx); err != nil {
			return err
		}
		if err := gate.Check(ctx, info.FullMethod); err != nil {
			return err
		}
		return endWithKey(a, srv, &malformedStream{ServerStream: ss, ctx: ctx, codec: codec}, h)
	}
}

// recoverFunc turns a handler panic into INTERNAL without leaking it.
func recoverFunc(log *slog.Logger) recovery.RecoveryHandlerFuncContext {
	return func(ctx context.Context, p any) error {
		log.ErrorContext(ctx, "panic in handler", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
		return api.Internal()
	}
}

// chain builds the interceptors in their deliberate order: metrics (every
// call counted), the slots logging reads (principal, duration), logging
// (method, code, duration, principal; level by code), the call's timing,
// the refusal of requests that did not decode (codec.go; before anything
// that can answer without the handler), authentication and role
// authorisation (skipping health and reflection), the per-key rate limit
// (after authentication: it counts per key, and refuses before any
// handler runs), the suspension gate (api.SuspendedPartnerMay), for
// streams the hold that ends them when their key stops being valid, then
// panic recovery innermost so that a recovered panic is logged and
// counted as INTERNAL. Streams get the same in fewer interceptors (see
// guardStream): the end of shutdown and the slots outermost
// (streamContext), metrics, logging, then guardStream, then recovery.
func chain(metrics *grpcprom.ServerMetrics, a *auth.Authenticator, limiter Limiter, gate *api.SuspensionGate, tickets *api.TicketMessages, log *slog.Logger, cfg *config.Config, now func() time.Time, shutdown context.Context) []grpc.ServerOption {
	logOpts := []logging.Option{
		logging.WithLogOnEvents(logging.FinishCall),
		logging.WithFieldsFromContextAndCallMeta(callFields),
		logging.WithLevels(callLevel),
	}
	callLog := newCallLogger(log, cfg.Log.SlowCallThreshold, now)
	recOpts := []recovery.Option{recovery.WithRecoveryHandlerContext(recoverFunc(log))}
	af := authFunc(a, log)
	codec := newMalformedCodec(tickets)
	return []grpc.ServerOption{
		grpc.ForceServerCodecV2(codec),
		grpc.ChainUnaryInterceptor(
			metrics.UnaryServerInterceptor(),
			slotUnary,
			logUnary(logging.UnaryServerInterceptor(callLog, logOpts...), callLog),
			timeUnary(now),
			codec.unary,
			selector.UnaryServerInterceptor(grpcauth.UnaryServerInterceptor(af), selector.MatchFunc(needsAuth)),
			limitUnary(limiter),
			gate.Unary(),
			recovery.UnaryServerInterceptor(recOpts...),
		),
		grpc.ChainStreamInterceptor(
			streamContext(shutdown),
			metrics.StreamServerInterceptor(),
			logging.StreamServerInterceptor(callLog, logOpts...),
			guardStream(codec, af, limiter, gate, a),
			recovery.StreamServerInterceptor(recOpts...),
		),
	}
}
