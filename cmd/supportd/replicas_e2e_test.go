package main

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"google.golang.org/grpc/codes"

	"github.com/supportd/supportd/client"
	supportv1 "github.com/supportd/supportd/gen/support/v1"
	"github.com/supportd/supportd/server/domain"
)

// TestReplicasIdempotentCreates sends each request id to every replica
// at once (a client that retries on another replica while its first call
// still runs): each request files one ticket, and every call answers it.
// A later retry on any replica answers the same ticket; the request id
// with another body is refused on every replica. The tickets list in
// pages asked of the replicas in turn (page tokens made by one replica
// verify on the others).
func TestReplicasIdempotentCreates(t *testing.T) {
	const replicas, requests = 3, 20
	s := startReplicas(t, replicas, "")
	clients := make([]*client.Client, replicas)
	for i := range clients {
		clients[i] = s.partner(i)
	}
	ctx := t.Context()
	rids := make([]string, requests)
	answers := make([][]string, requests) // request -> ticket id answered by each replica
	start := make(chan struct{})
	var wg sync.WaitGroup
	for q := range requests {
		rids[q] = uuid.NewString()
		answers[q] = make([]string, replicas)
		for r := range replicas {
			wg.Go(func() {
				<-start
				tk, err := clients[r].CreateTicket(ctx, crashFiling(rids[q]))
				if err != nil {
					t.Errorf("request %d on replica %d: %v", q, r, err)
					return
				}
				answers[q][r] = tk.GetId()
			})
		}
	}
	close(start)
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	tickets := map[string]string{} // ticket id -> request id
	for q, ids := range answers {
		for r, id := range ids {
			if id != ids[0] {
				t.Errorf("request %d: replica 0 answered ticket %s, replica %d ticket %s", q, ids[0], r, id)
			}
		}
		tickets[ids[0]] = rids[q]
	}
	for q, rid := range rids {
		for r, c := range clients {
			tk, err := c.CreateTicket(ctx, crashFiling(rid))
			if err != nil || tk.GetId() != answers[q][0] {
				t.Errorf("retry of request %d on replica %d: ticket %q, %v; want %s", q, r, tk.GetId(), err, answers[q][0])
			}
			other := crashFiling(rid)
			other.Title = "another request"
			if _, err := c.CreateTicket(ctx, other); client.Code(err) != codes.AlreadyExists {
				t.Errorf("request id %d with another body on replica %d: %v, want ALREADY_EXISTS", q, r, err)
			}
		}
	}
	// Listed in pages of 3, each page asked of the next replica with the
	// page token another replica gave.
	listed := map[string]bool{}
	req := &supportv1.ListTicketsRequest{CustomerId: "litware", PageSize: 3}
	for page := 0; ; page++ {
		resp, err := clients[page%replicas].ListTickets(ctx, req)
		if err != nil {
			t.Fatalf("page %d on replica %d: %v", page, page%replicas, err)
		}
		for _, tk := range resp.GetTickets() {
			if _, ok := tickets[tk.GetId()]; !ok || listed[tk.GetId()] {
				t.Errorf("ticket %s (%q) listed twice or answered to no request", tk.GetId(), tk.GetTitle())
			}
			listed[tk.GetId()] = true
		}
		if req.PageToken = resp.GetNextPageToken(); req.PageToken == "" {
			break
		}
	}
	if len(listed) != requests {
		t.Errorf("%d tickets listed, want %d (one per request id)", len(listed), requests)
	}
	created := map[string]int{}
	for _, e := range s.events(0) {
		if e.Type == domain.EventCreated {
			created[e.TicketID]++
		}
	}
	for id, c := range created {
		if c != 1 {
			t.Errorf("ticket %s has %d CREATED events", id, c)
		}
	}
	if len(created) != requests {
		t.Errorf("%d tickets have a CREATED event, want %d", len(created), requests)
	}
}

// revokeBound is how soon every replica must refuse a key revoked on one
// of them (the revocation's notification, not the 30-second key cache,
// tells them).
const revokeBound = time.Second

// TestReplicasRefuseARevokedKey revokes a partner key on each replica in
// turn, after every replica served (and cached) it and holds a watch
// stream open with it: every other replica refuses it within revokeBound
// of the revocation's answer, the revoking replica at once, and every
// replica ends the key's stream (UNAUTHENTICATED) within revokeBound.
func TestReplicasRefuseARevokedKey(t *testing.T) {
	const replicas = 3
	s := startReplicas(t, replicas, "")
	ctx := t.Context()
	for revoker := range replicas {
		dir := s.directory(revoker)
		key, err := dir.CreateAPIKey(ctx, supportv1.Role_ROLE_PARTNER, "adatum")
		if err != nil {
			t.Fatal(err)
		}
		with := make([]*client.Client, replicas)
		streamEnded := make([]<-chan error, replicas)
		for r := range replicas {
			c, err := client.New(s.replicas[r].addr, client.WithAPIKey(key.GetSecret()), client.WithInsecure(), client.WithRetry(1, 0, 0))
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			with[r] = c
			if _, err := c.ListSupportTopics(ctx, supportv1.Service_SERVICE_AZURE); err != nil {
				t.Fatalf("new key on replica %d: %v", r, err)
			}
			streamEnded[r] = holdStream(t, c)
		}
		if err := dir.RevokeAPIKey(ctx, key.GetKeyId()); err != nil {
			t.Fatal(err)
		}
		revoked := time.Now()
		if _, err := with[revoker].ListSupportTopics(ctx, supportv1.Service_SERVICE_AZURE); client.Code(err) != codes.Unauthenticated {
			t.Errorf("replica %d, which revoked the key: %v, want UNAUTHENTICATED", revoker, err)
		}
		var wg sync.WaitGroup
		for r := range replicas {
			wg.Go(func() {
				if r == revoker {
					select {
					case err := <-streamEnded[r]:
						if client.Code(err) != codes.Unauthenticated {
							t.Errorf("stream of the revoked key on replica %d ended with %v, want UNAUTHENTICATED", r, err)
						}
					case <-time.After(revokeBound):
						t.Errorf("replica %d still streams with a key it revoked %v ago", r, revokeBound)
					}
					return
				}
				bound, cancel := context.WithDeadline(ctx, revoked.Add(revokeBound))
				defer cancel()
				select {
				case err := <-streamEnded[r]:
					if client.Code(err) != codes.Unauthenticated {
						t.Errorf("stream of the revoked key on replica %d ended with %v, want UNAUTHENTICATED", r, err)
					}
				case <-bound.Done():
					t.Errorf("replica %d still streams with a key revoked on replica %d %v ago", r, revoker, revokeBound)
				}
				for {
					_, err := with[r].ListSupportTopics(bound, supportv1.Service_SERVICE_AZURE)
					switch {
					case client.Code(err) == codes.Unauthenticated:
						t.Logf("key revoked on replica %d refused by replica %d after %v", revoker, r, time.Since(revoked).Round(time.Millisecond))
						return
					case bound.Err() != nil:
						t.Errorf("replica %d still accepts a key revoked on replica %d %v ago", r, revoker, revokeBound)
						return
					case err != nil:
						t.Errorf("revoked key on replica %d: %v, want UNAUTHENTICATED", r, err)
						return
					}
				}
			})
		}
		wg.Wait()
	}
}

// holdStream opens a watch with c's key, waits until it is established
// (its first checkpoint), and returns the channel on which the error that
// ends it will come.
func holdStream(t *testing.T, c *client.Client) <-chan error {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	t.Cleanup(cancel)
	open := make(chan struct{})
	var once sync.Once
	w := c.WatchTickets(ctx, "", "", client.OnCheckpoint(func(*supportv1.Checkpoint) { once.Do(func() { close(open) }) }))
	ended := make(chan error, 1)
	go func() {
		for _, err := range w.Events() {
			if err != nil {
				ended <- err
				return
			}
		}
	}()
	select {
	case <-open:
	case err := <-ended:
		t.Fatalf("watch with a new key: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("watch with a new key: no checkpoint in 30s")
	}
	return ended
}
