package app

import (
	"context"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"

	"github.com/supportd/supportd/server/api"
	"github.com/supportd/supportd/server/auth"
	"github.com/supportd/supportd/server/config"
	"github.com/supportd/supportd/server/domain"
	"github.com/supportd/supportd/server/ratelimit"
)

// Limiter decides whether a call may run; a non-nil error is the status
// the call is refused with. It has the shape of go-grpc-middleware's
// ratelimit.Limiter, but that package's interceptors rewrap the error
// into a new status and so drop its details (RetryInfo, QuotaFailure):
// the interceptors below return it as it is.
type Limiter interface {
	Limit(ctx context.Context) error
}

// Refusal holding: a refused call is answered after the wait it was told
// (at most MaxRefusalHold), not at once, and at most MaxHeldRefusals are
// held at a time (beyond, they are answered at once). A client that waits
// as told loses nothing (the RetryInfo it then gets is what remains of the
// wait, usually nothing), while a client that ignores RetryInfo and calls
// again at once can only make as many calls as it has callers per hold: a
// flood costs the server a few calls a second instead of thousands.
const (
	MaxRefusalHold  = time.Second
	MaxHeldRefusals = 10000
)

// keyRate limits the calls of each API key with a token bucket
// (limits.requests_per_second, limits.burst). Calls without a principal
// (health, reflection) are not counted here: they are bounded by the
// connection, stream and health watch limits.
type keyRate struct {
	buckets *ratelimit.Keyed
	limits  config.Limits
	now     func() time.Time
	wait    func(context.Context, time.Duration)
	held    atomic.Int64
	log     *slog.Logger
}

func newKeyRate(l config.Limits, now func() time.Time, wait func(context.Context, time.Duration), log *slog.Logger) *keyRate {
	return &keyRate{buckets: ratelimit.New(l.RequestsPerSecond, l.Burst, now), limits: l, now: now, wait: wait, log: log}
}

// Limit takes a token of the caller's key, or refuses the call with
// RESOURCE_EXHAUSTED, RATE_LIMITED, a QuotaFailure on the key and a
// RetryInfo telling when a token is back (after holding the answer, see
// MaxRefusalHold). A refused call never reached its handler, so retrying
// it is safe even when it changes state.
func (k *keyRate) Limit(ctx context.Context) error {
	p, ok := auth.FromContext(ctx)
	if !ok {
		return nil
	}
	ok, wait := k.buckets.Take(p.KeyID)
	if ok {
		return nil
	}
	wait = k.hold(ctx, p.KeyID, wait)
	return api.ToStatus(ctx, k.log, &domain.QuotaError{
		Reason:  "RATE_LIMITED",
		Subject: "api_keys/" + p.KeyID,
		Description: fmt.Sprintf("API key %s exceeded %g calls per second with bursts of %d (limits.requests_per_second, limits.burst): retry in %v",
			p.KeyID, k.limits.RequestsPerSecond, k.limits.Burst, wait),
		RetryAfter: wait,
	})
}

// hold delays a refusal by up to the told wait and returns what remains
// of it on the clock (at least a millisecond).
func (k *keyRate) hold(ctx context.Context, keyID string, wait time.Duration) time.Duration {
	defer k.held.Add(-1)
	if k.held.Add(1) > MaxHeldRefusals {
		return wait
	}
	release := k.buckets.Hold(keyID)
	defer release()
	start := k.now()
	k.wait(ctx, min(wait, MaxRefusalHold))
	return max(wait-k.now().Sub(start), time.Millisecond)
}

// sleep waits d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// limitUnary refuses unary calls that l refuses; it runs after
// authentication, so the caller's key is known.
func limitUnary(l Limiter) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
		if err := l.Limit(ctx); err != nil {
			return nil, err
		}
		return h(ctx, req)
	}
}

// healthWatchSlots bounds the concurrent health Watch streams
// (limits.health_watches): they need no key, so nothing else bounds them
// per caller.
type healthWatchSlots struct {
	slots chan struct{}
	log   *slog.Logger
}

func newHealthWatchSlots(n int, log *slog.Logger) *healthWatchSlots {
	return &healthWatchSlots{slots: make(chan struct{}, n), log: log}
}

// acquire takes a slot, or returns the RESOURCE_EXHAUSTED status of a
// refused watch; release gives the slot back.
func (h *healthWatchSlots) acquire(ctx context.Context) error {
	select {
	case h.slots <- struct{}{}:
		return nil
	default:
	}
	return api.ToStatus(ctx, h.log, &domain.QuotaError{
		Reason:      "HEALTH_WATCHES",
		Subject:     "grpc.health.v1.Health/Watch",
		Description: fmt.Sprintf("too many health watches open (limits.health_watches = %d): use Check, or watch again later", cap(h.slots)),
	})
}

func (h *healthWatchSlots) release() { <-h.slots }
