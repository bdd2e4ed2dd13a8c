package app_test

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"

	supportv1 "github.com/supportd/supportd/gen/support/v1"
	"github.com/supportd/supportd/server/api"
	"github.com/supportd/supportd/server/app"
	"github.com/supportd/supportd/server/config"
	"github.com/supportd/supportd/server/domain"
	"github.com/supportd/supportd/server/internal/testserver"
)

// withLimits starts a server whose limits are changed by set (on the
// defaults), keeping the per-key rate limit.
func withLimits(t *testing.T, set func(*config.Limits), opts ...testserver.Option) *testserver.Server {
	t.Helper()
	cfg := config.Default()
	set(&cfg.Limits)
	opts = append(opts, testserver.KeepRateLimits(), testserver.WithOptions(func(o *app.Options) { o.Config = cfg }))
	return testserver.Start(t, opts...)
}

// getMissing is a GetTicket of a ticket that does not exist: NOT_FOUND
// when the handler runs, so a RESOURCE_EXHAUSTED shows the handler did not.
func getMissing(ctx context.Context, s *testserver.Server) error {
	_, err := s.Support().GetTicket(ctx, &supportv1.GetTicketRequest{TicketId: "T-nope"})
	return err
}

// details returns the error details of st by type.
func details(st *status.Status) (info *errdetails.ErrorInfo, quota *errdetails.QuotaFailure, retry *errdetails.RetryInfo) {
	d := testserver.DetailsOf(st.Err())
	return d.Info, d.Quota, d.Retry
}

// TestRateLimitPerKey: a key that spends its burst is refused before any
// handler runs, with RESOURCE_EXHAUSTED, RATE_LIMITED, a QuotaFailure on
// the key naming the config keys, and a RetryInfo; another key of the same
// partner is unaffected, unauthenticated health checks are not counted,
// and once the told delay has passed (on the server's clock) the key
// passes again.
func TestRateLimitPerKey(t *testing.T) {
	s := withLimits(t, func(l *config.Limits) { l.RequestsPerSecond, l.Burst = 10, 5 })
	s.SeedPartner(t, "adatum") // one call of the admin key's burst
	key := s.NewKey(t, domain.RolePartner, "adatum")
	flooder := testserver.Auth(t.Context(), key)
	other := testserver.Auth(t.Context(), s.NewKey(t, domain.RolePartner, "adatum"))
	keyID := strings.Split(key, "_")[1]

	for range 5 {
		wantCode(t, getMissing(flooder, s), codes.NotFound) // handled: passed the limiter
	}
	st := wantCode(t, getMissing(flooder, s), codes.ResourceExhausted)
	info, quota, retry := details(st)
	if info == nil || info.GetReason() != "RATE_LIMITED" || info.GetDomain() != api.ErrorDomain {
		t.Fatalf("ErrorInfo %v, want reason RATE_LIMITED in %s", info, api.ErrorDomain)
	}
	if quota == nil || len(quota.GetViolations()) != 1 || quota.GetViolations()[0].GetSubject() != "api_keys/"+keyID {
		t.Fatalf("QuotaFailure %v, want one violation on api_keys/%s", quota, keyID)
	}
	for _, want := range []string{"limits.requests_per_second", "limits.burst"} {
		if !strings.Contains(quota.GetViolations()[0].GetDescription(), want) {
			t.Errorf("QuotaFailure description %q does not name %s", quota.GetViolations()[0].GetDescription(), want)
		}
	}
	if retry == nil || retry.GetRetryDelay().AsDuration() != 100*time.Millisecond {
		t.Fatalf("RetryInfo %v, want a delay of 100ms (one token at 10/s)", retry)
	}

	// Other callers are unaffected.
	wantCode(t, getMissing(other, s), codes.NotFound)
	if _, err := s.Health().Check(t.Context(), &healthpb.HealthCheckRequest{}); err != nil {
		t.Fatalf("health Check while a key is limited: %v", err)
	}

	// A stream open counts as a call.
	stream, err := s.Support().WatchTickets(flooder, &supportv1.WatchTicketsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = stream.Recv()
	wantCode(t, err, codes.ResourceExhausted)

	// Just before the told delay: still refused; at it: passes.
	s.Clock.Advance(retry.GetRetryDelay().AsDuration() - time.Millisecond)
	wantCode(t, getMissing(flooder, s), codes.ResourceExhausted)
	s.Clock.Advance(time.Millisecond)
	wantCode(t, getMissing(flooder, s), codes.NotFound)
}

// TestRateLimitCountsRefusedCallsAsNothing: refusals take no token, so a
// key that keeps calling while limited gets its next call through as soon
// as the bucket refills.
func TestRateLimitCountsRefusedCallsAsNothing(t *testing.T) {
	s := withLimits(t, func(l *config.Limits) { l.RequestsPerSecond, l.Burst = 1, 1 })
	s.SeedPartner(t, "adatum")
	ctx := testserver.Auth(t.Context(), s.NewKey(t, domain.RolePartner, "adatum"))
	wantCode(t, getMissing(ctx, s), codes.NotFound)
	for range 20 {
		wantCode(t, getMissing(ctx, s), codes.ResourceExhausted)
	}
	s.Clock.Advance(time.Second)
	wantCode(t, getMissing(ctx, s), codes.NotFound)
}

// TestRateLimitHoldsRefusals: a refused call is answered after the wait it
// is told (on the server's clock), so a caller that waits as told loses
// nothing, and one that ignores RetryInfo cannot call faster than its
// holds allow.
func TestRateLimitHoldsRefusals(t *testing.T) {
	var (
		clock *testserver.Clock
		mu    sync.Mutex
		holds []time.Duration
	)
	s := withLimits(t, func(l *config.Limits) { l.RequestsPerSecond, l.Burst = 10, 1 },
		testserver.WithOptions(func(o *app.Options) {
			o.Wait = func(_ context.Context, d time.Duration) {
				mu.Lock()
				holds = append(holds, d)
				mu.Unlock()
				clock.Advance(d) // as if the server had waited
			}
		}))
	clock = s.Clock
	s.SeedPartner(t, "adatum") // the admin key's one call
	ctx := testserver.Auth(t.Context(), s.NewKey(t, domain.RolePartner, "adatum"))
	wantCode(t, getMissing(ctx, s), codes.NotFound)
	_, _, retry := details(wantCode(t, getMissing(ctx, s), codes.ResourceExhausted))
	mu.Lock()
	got := slices.Clone(holds)
	mu.Unlock()
	if len(got) != 1 || got[0] != 100*time.Millisecond {
		t.Fatalf("holds %v, want one of 100ms (one token at 10/s)", got)
	}
	if retry.GetRetryDelay().AsDuration() != time.Millisecond {
		t.Fatalf("RetryInfo after the hold %v, want 1ms (the wait is over)", retry.GetRetryDelay().AsDuration())
	}
	wantCode(t, getMissing(ctx, s), codes.NotFound) // the token the hold waited for
}
