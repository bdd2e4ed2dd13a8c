package api_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	supportv1 "github.com/supportd/supportd/gen/support/v1"
	"github.com/supportd/supportd/server/app"
	"github.com/supportd/supportd/server/auth"
	"github.com/supportd/supportd/server/config"
	"github.com/supportd/supportd/server/domain"
	"github.com/supportd/supportd/server/internal/testserver"
)

// keyStream is an open WatchTickets stream of one key, past its first
// checkpoint (so it is registered under its key).
type keyStream struct {
	stream supportv1.SupportService_WatchTicketsClient
	cancel context.CancelFunc
}

func openKeyStream(t *testing.T, s *watchServer, key string) *keyStream {
	t.Helper()
	ctx, cancel := context.WithTimeout(testserver.Auth(context.Background(), key), watchWait)
	t.Cleanup(cancel)
	stream, err := s.Support().WatchTickets(ctx, &supportv1.WatchTicketsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	m, err := stream.Recv()
	if err != nil || m.GetCheckpoint() == nil {
		t.Fatalf("first message = %v, %v; want a checkpoint", m, err)
	}
	return &keyStream{stream: stream, cancel: cancel}
}

// wantEnd waits (bounded by the stream's deadline, a failure guard) for
// the stream to end with code and a message mentioning word, skipping
// checkpoints.
func (k *keyStream) wantEnd(t *testing.T, code codes.Code, word, reason string) {
	t.Helper()
	for {
		m, err := k.stream.Recv()
		if err == nil {
			if m.GetEvent() != nil {
				t.Fatalf("the stream delivered %v after its key stopped being valid", m.GetEvent())
			}
			continue
		}
		st := status.Convert(err)
		if st.Code() != code || !strings.Contains(st.Message(), word) {
			t.Fatalf("stream ended with %v %q, want %v mentioning %q", st.Code(), st.Message(), code, word)
		}
		wantInfo(t, err, code, reason, nil)
		return
	}
}

// wantEvent waits for the next event of the stream (checkpoints skipped).
func (k *keyStream) wantEvent(t *testing.T, ticketID string) {
	t.Helper()
	for {
		m, err := k.stream.Recv()
		if err != nil {
			t.Fatalf("stream of another key ended: %v", err)
		}
		if e := m.GetEvent(); e != nil {
			if e.GetTicketId() != ticketID {
				t.Fatalf("event of %s, want %s", e.GetTicketId(), ticketID)
			}
			return
		}
	}
}

func keyID(t *testing.T, secret string) string {
	t.Helper()
	id, err := auth.ParseKeyID(secret)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// TestRevokedKeyEndsItsStreams: revoking a key ends its open watch
// streams with UNAUTHENTICATED; the streams of the partner's other key go
// on and still receive events.
func TestRevokedKeyEndsItsStreams(t *testing.T) {
	s := startWatchServer(t)
	p := s.partner(t, "pa")
	other := s.NewKey(t, domain.RolePartner, "pa")
	leaked1, leaked2 := openKeyStream(t, s, p.key), openKeyStream(t, s, p.key)
	kept := openKeyStream(t, s, other)

	if _, err := s.Directory().RevokeApiKey(s.Admin(t), &supportv1.RevokeApiKeyRequest{KeyId: keyID(t, p.key)}); err != nil {
		t.Fatal(err)
	}
	leaked1.wantEnd(t, codes.Unauthenticated, "revoked", "API_KEY_REVOKED")
	leaked2.wantEnd(t, codes.Unauthenticated, "revoked", "API_KEY_REVOKED")

	// A new stream with the revoked key is refused at once.
	ctx, cancel := context.WithTimeout(testserver.Auth(context.Background(), p.key), watchWait)
	defer cancel()
	stream, err := s.Support().WatchTickets(ctx, &supportv1.WatchTicketsRequest{})
	if err == nil {
		_, err = stream.Recv()
	}
	if status.Code(err) != codes.Unauthenticated {
		t.Fatalf("new stream with the revoked key: %v, want UNAUTHENTICATED", err)
	}

	id := s.mustTicket(t, wPartner{id: p.id, customer: p.customer, key: other}, "")
	kept.wantEvent(t, id)
}

// TestExpiredKeyIsRefusedAndEndsItsStreams: a key is accepted until its
// expiry (by the server's clock); from then on calls are UNAUTHENTICATED
// saying it expired, and its open streams end the same way.
func TestExpiredKeyIsRefusedAndEndsItsStreams(t *testing.T) {
	s := startWatchServer(t)
	p := s.partner(t, "pa")
	expiring := s.NewExpiringKey(t, domain.RolePartner, "pa", s.Clock.Now().Add(time.Hour))
	lasting := openKeyStream(t, s, p.key)
	stream := openKeyStream(t, s, expiring)
	ctx := testserver.Auth(t.Context(), expiring)
	topics := &supportv1.ListSupportTopicsRequest{Service: supportv1.Service_SERVICE_AZURE}
	if _, err := s.Support().ListSupportTopics(ctx, topics); err != nil {
		t.Fatalf("before expiry: %v", err)
	}

	s.Clock.Advance(time.Hour) // the expiry instant itself is refused
	_, err := s.Support().ListSupportTopics(ctx, topics)
	if st := status.Convert(err); st.Code() != codes.Unauthenticated || !strings.Contains(st.Message(), "expired") {
		t.Fatalf("at expiry: %v, want UNAUTHENTICATED saying expired", err)
	}
	wantInfo(t, err, codes.Unauthenticated, "API_KEY_EXPIRED", nil)
	stream.wantEnd(t, codes.Unauthenticated, "expired", "API_KEY_EXPIRED")

	id := s.mustTicket(t, p, "")
	lasting.wantEvent(t, id)
}

// TestWatchStreamsPerKey: one key may hold limits.watch_streams_per_key
// streams; beyond, RESOURCE_EXHAUSTED with a QuotaFailure; another key of
// the same partner is not affected; closing a stream frees its slot.
func TestWatchStreamsPerKey(t *testing.T) {
	s := startWatchServer(t, testserver.WithOptions(func(o *app.Options) {
		c := config.Default()
		c.Limits.WatchStreamsPerKey = 2
		o.Config = c
	}))
	p := s.partner(t, "pa")
	first := openKeyStream(t, s, p.key)
	openKeyStream(t, s, p.key)

	ctx, cancel := context.WithTimeout(testserver.Auth(context.Background(), p.key), watchWait)
	defer cancel()
	stream, err := s.Support().WatchTickets(ctx, &supportv1.WatchTicketsRequest{})
	if err == nil {
		_, err = stream.Recv()
	}
	st := wantCode(t, err, codes.ResourceExhausted)
	quota := testserver.DetailsOf(err).Quota
	if quota == nil || len(quota.GetViolations()) != 1 || quota.GetViolations()[0].GetSubject() != "api_keys/"+keyID(t, p.key) {
		t.Fatalf("details = %v, want a QuotaFailure on the key", st.Details())
	}
	wantInfo(t, err, codes.ResourceExhausted, "WATCH_STREAMS_PER_KEY", nil)

	openKeyStream(t, s, s.NewKey(t, domain.RolePartner, "pa"))

	first.cancel()
	if _, err := first.stream.Recv(); status.Code(err) != codes.Canceled {
		t.Fatalf("cancelled stream: %v", err)
	}
	// The slot is freed when the server's handler returns, shortly after
	// the client's cancel: retry until it is (the deadline is a failure
	// guard only).
	for deadline := time.Now().Add(watchWait); time.Now().Before(deadline); {
		ctx, cancel := context.WithTimeout(testserver.Auth(context.Background(), p.key), watchWait)
		stream, err := s.Support().WatchTickets(ctx, &supportv1.WatchTicketsRequest{})
		if err == nil {
			_, err = stream.Recv()
		}
		cancel()
		if err == nil {
			return
		}
		if status.Code(err) != codes.ResourceExhausted {
			t.Fatalf("after closing a stream: %v", err)
		}
	}
	t.Fatal("closing a stream did not free its slot")
}

// TestCreateApiKeyExpiry: expire_time is optional, must be in the future
// and at most five years ahead; it is returned and listed.
func TestCreateApiKeyExpiry(t *testing.T) {
	s := testserver.Start(t)
	dir, ctx := s.Directory(), s.Admin(t)
	now := s.Clock.Now()
	for _, bad := range []time.Time{now.Add(-time.Second), now, now.Add(5*365*24*time.Hour + time.Second)} {
		_, err := dir.CreateApiKey(ctx, &supportv1.CreateApiKeyRequest{Role: supportv1.Role_ROLE_AGENT, ExpireTime: timestamppb.New(bad)})
		wantFields(t, err, "expire_time")
	}
	_, err := dir.CreateApiKey(ctx, &supportv1.CreateApiKeyRequest{Role: supportv1.Role_ROLE_AGENT, ExpireTime: &timestamppb.Timestamp{Seconds: 1, Nanos: -1}})
	wantFields(t, err, "expire_time")

	expire := now.Add(30 * 24 * time.Hour)
	resp, err := dir.CreateApiKey(ctx, &supportv1.CreateApiKeyRequest{Role: supportv1.Role_ROLE_AGENT, ExpireTime: timestamppb.New(expire)})
	if err != nil {
		t.Fatal(err)
	}
	if !resp.GetApiKey().GetExpireTime().AsTime().Equal(expire) {
		t.Fatalf("expire_time = %v, want %v", resp.GetApiKey().GetExpireTime(), expire)
	}
	list, err := dir.ListApiKeys(ctx, &supportv1.ListApiKeysRequest{})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range list.GetApiKeys() {
		want := k.GetKeyId() == resp.GetKeyId()
		if got := k.GetExpireTime() != nil; got != want {
			t.Fatalf("listed key %s expire_time %v", k.GetKeyId(), k.GetExpireTime())
		}
	}
}

// TestWatchQueueStreamsPerKey: an agent key's queue watches count against
// its own limit too (agents have no partner limit).
func TestWatchQueueStreamsPerKey(t *testing.T) {
	s := startWatchServer(t, testserver.WithOptions(func(o *app.Options) {
		c := config.Default()
		c.Limits.WatchStreamsPerKey = 1
		o.Config = c
	}))
	open := func(key string) error {
		ctx, cancel := context.WithTimeout(testserver.Auth(context.Background(), key), watchWait)
		t.Cleanup(cancel)
		stream, err := s.Agent().WatchQueueTickets(ctx, &supportv1.WatchQueueTicketsRequest{})
		if err != nil {
			return err
		}
		_, err = stream.Recv()
		return err
	}
	agent := s.NewKey(t, domain.RoleAgent, "")
	if err := open(agent); err != nil {
		t.Fatal(err)
	}
	wantInfo(t, open(agent), codes.ResourceExhausted, "WATCH_STREAMS_PER_KEY", nil)
	if err := open(s.NewKey(t, domain.RoleAgent, "")); err != nil {
		t.Fatalf("another agent key: %v", err)
	}
}
