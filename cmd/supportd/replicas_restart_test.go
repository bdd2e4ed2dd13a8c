package main

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"google.golang.org/grpc/codes"

	"github.com/supportd/supportd/client"
	supportv1 "github.com/supportd/supportd/gen/support/v1"
	"github.com/supportd/supportd/internal/pgtest"
)

// TestReplicasThroughADatabaseRestart restarts PostgreSQL under three
// replicas while watchers roam between them: calls fail meanwhile with
// UNAVAILABLE only (never another error), every replica serves again on
// its own, creates retried with their request id file each ticket once,
// a key revoked while the replicas' listening connections are down is
// refused by all once they listen again, and the watchers see every
// event once, in order (the listeners reconnect, or the poll catches
// up).
func TestReplicasThroughADatabaseRestart(t *testing.T) {
	const replicas = 3
	s := startReplicas(t, replicas, "")
	start, token := watchStart(t, s)
	ws := roamers(s)
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	stop := startRoaming(t, ws, token, seed)
	defer stop()

	partners := make([]*client.Client, replicas)
	for r := range partners {
		partners[r] = s.partner(r)
	}
	ctx := t.Context()
	// create files one ticket on replica r, retrying (with the same
	// request id) while the replica answers UNAVAILABLE.
	create := func(r int) string {
		t.Helper()
		rid := uuid.NewString()
		wait, cancel := context.WithTimeout(ctx, time.Minute)
		defer cancel()
		for {
			tk, err := partners[r].CreateTicket(wait, crashFiling(rid))
			switch {
			case err == nil:
				return tk.GetId()
			case wait.Err() != nil:
				t.Fatalf("replica %d still fails a minute after the restart: %v", r, err)
			case client.Code(err) != codes.Unavailable:
				t.Fatalf("create on replica %d: %v, want success or UNAVAILABLE", r, err)
			}
		}
	}
	for r := range replicas {
		create(r)
	}
	// A key every replica has served (and cached), revoked right after
	// the restart, while their listening connections are down: each
	// replica learns of it when it listens again (one poll interval, 1 s,
	// after its connection failed).
	key, err := s.directory(0).CreateAPIKey(ctx, supportv1.Role_ROLE_PARTNER, "adatum")
	if err != nil {
		t.Fatal(err)
	}
	withKey := make([]*client.Client, replicas)
	for r := range replicas {
		if withKey[r], err = client.New(s.replicas[r].addr, client.WithAPIKey(key.GetSecret()), client.WithInsecure(), client.WithRetry(1, 0, 0)); err != nil {
			t.Fatal(err)
		}
		defer withKey[r].Close()
		if _, err := withKey[r].ListSupportTopics(ctx, supportv1.Service_SERVICE_AZURE); err != nil {
			t.Fatalf("new key on replica %d: %v", r, err)
		}
	}
	pgtest.Restart(t)
	create(0) // replica 0 serves again
	if err := s.directory(0).RevokeAPIKey(ctx, key.GetKeyId()); err != nil {
		t.Fatalf("revoke after the restart: %v", err)
	}
	revoked := time.Now()
	for r := range replicas {
		bound, cancel := context.WithDeadline(ctx, revoked.Add(revokeBound+time.Second))
		for {
			_, err := withKey[r].ListSupportTopics(bound, supportv1.Service_SERVICE_AZURE)
			if client.Code(err) == codes.Unauthenticated {
				break
			}
			if bound.Err() != nil {
				t.Errorf("replica %d still accepts a key revoked %v ago, after a restart of the database: %v", r, revokeBound+time.Second, err)
				break
			}
		}
		cancel()
	}
	ids := map[string]bool{}
	for range 3 {
		for r := range replicas {
			id := create(r)
			if ids[id] {
				t.Fatalf("ticket %s answered to two requests", id)
			}
			ids[id] = true
			if _, err := partners[(r+1)%replicas].AddTicketNote(ctx, id, "after the restart"); err != nil {
				t.Fatalf("note on replica %d: %v", (r+1)%replicas, err)
			}
		}
	}
	last := s.lastSequence()
	var want []int64
	for _, e := range s.events(start) {
		want = append(want, e.Sequence)
	}
	wait, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	for _, w := range ws {
		if err := w.waitFor(wait, last); err != nil {
			t.Error(err)
		}
	}
	stop()
	for _, w := range ws {
		w.check(t, want)
	}
	if t.Failed() {
		t.Log(s.logs())
	}
}
