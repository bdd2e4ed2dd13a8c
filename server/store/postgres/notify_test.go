package postgres

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/supportd/supportd/internal/pgtest"
	"github.com/supportd/supportd/server/domain"
	"github.com/supportd/supportd/server/store"
)

// waitCommit takes sub's notifications until one reaches last.
func waitCommit(t *testing.T, sub *store.CommitSubscription, last int64) []store.Commit {
	t.Helper()
	var got []store.Commit
	for {
		select {
		case <-sub.Ready():
		case <-t.Context().Done():
			t.Fatalf("no notification up to %d; got %+v", last, got)
		}
		got = sub.Take(got)
		if len(got) > 0 && got[len(got)-1].Last >= last {
			return got
		}
	}
}

// TestCommitOfAnotherReplicaNotified: a commit on one store reaches the
// subscribers of another store over the same database, as its last
// sequence (the subscriber reads the events from the log), and the own
// commits of a store carry their events.
func TestCommitOfAnotherReplicaNotified(t *testing.T) {
	url := pgtest.NewDatabase(t)
	a, b := openURL(t, url, Options{}), openURL(t, url, Options{})
	ctx := t.Context()
	subA, subB := a.SubscribeCommits(), b.SubscribeCommits()
	defer subA.Close()
	defer subB.Close()
	appendOne := func(s *Store) {
		if err := s.ReadWriteTx(ctx, func(tx store.ReadWriter) error {
			_, err := tx.AppendEvent(ctx, domain.Event{Type: domain.EventPartnerUpdated, Actor: "a", Time: time.Unix(1, 0)})
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	appendOne(a)
	own := waitCommit(t, subA, 1)
	if c := own[len(own)-1]; len(c.Events) != 1 || c.Events[0].Sequence != 1 {
		t.Errorf("own commit notified as %+v, want its event 1", c)
	}
	other := waitCommit(t, subB, 1)
	if c := other[len(other)-1]; c.Last != 1 || c.Events != nil {
		t.Errorf("other replica's commit notified as %+v, want Last 1 without events", c)
	}
	appendOne(b)
	waitCommit(t, subA, 2)
	waitCommit(t, subB, 2)
}

// TestKeyRevocationReachesEveryReplica: a revocation committed on one
// store is told to the OnKeyRevoked functions of every store.
func TestKeyRevocationReachesEveryReplica(t *testing.T) {
	url := pgtest.NewDatabase(t)
	a, b := openURL(t, url, Options{}), openURL(t, url, Options{})
	ctx := t.Context()
	revoked := make(chan string, 10)
	b.OnKeyRevoked(func(id string) { revoked <- id })
	if err := a.ReadWriteTx(ctx, func(tx store.ReadWriter) error {
		return tx.CreateAPIKey(ctx, store.APIKey{ID: "k1", Hash: []byte("h"), Role: domain.RoleAdmin, CreateTime: time.Unix(1, 0)})
	}); err != nil {
		t.Fatal(err)
	}
	if err := a.ReadWriteTx(ctx, func(tx store.ReadWriter) error {
		return tx.RevokeAPIKey(ctx, "k1", time.Unix(2, 0))
	}); err != nil {
		t.Fatal(err)
	}
	select {
	case id := <-revoked:
		if id != "k1" {
			t.Errorf("revoked %q, want k1", id)
		}
	case <-ctx.Done():
		t.Fatal("revocation not told to the other replica")
	}
}

// TestDatabaseRestartUnavailableThenReconnects: while PostgreSQL restarts
// calls may fail with ErrUnavailable (never another error); afterwards the
// same store works again and hears other replicas' commits again.
func TestDatabaseRestartUnavailableThenReconnects(t *testing.T) {
	url := pgtest.NewDatabase(t)
	a := openURL(t, url, Options{PollInterval: 50 * time.Millisecond})
	ctx := t.Context()
	pgtest.Restart(t)
	read := func() error {
		return a.ReadTx(ctx, func(tx store.Reader) error { _, err := tx.LastSequence(ctx); return err })
	}
	// The pool's idle connections were cut: the first calls may fail,
	// as unavailable, until the pool has connected again.
	for i := 0; ; i++ {
		err := read()
		if err == nil {
			break
		}
		if !errors.Is(err, store.ErrUnavailable) {
			t.Fatalf("read after a restart: %v, want ErrUnavailable", err)
		}
		if i == 10 {
			t.Fatalf("still unavailable after %d reads: %v", i, err)
		}
	}
	b := openURL(t, url, Options{})
	sub := a.SubscribeCommits()
	defer sub.Close()
	if err := b.ReadWriteTx(ctx, func(tx store.ReadWriter) error {
		_, err := tx.AppendEvent(ctx, domain.Event{Type: domain.EventPartnerUpdated, Actor: "a", Time: time.Unix(1, 0)})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	waitCommit(t, sub, 1)
}

// TestRevocationWhileNotListeningToldOnReconnect revokes a key (on
// another store) while a store's listening connection is down after a
// restart of PostgreSQL: the store misses the notification, and must
// tell of the revocation once it listens again, not leave the key to its
// users' caches.
func TestRevocationWhileNotListeningToldOnReconnect(t *testing.T) {
	url := pgtest.NewDatabase(t)
	ctx := t.Context()
	others := make(chan *Store, 1)
	restarted := make(chan struct{})
	var once sync.Once
	a := openURL(t, url, Options{PollInterval: 50 * time.Millisecond, listenerLost: func() {
		once.Do(func() {
			<-restarted // revoke once PostgreSQL runs again, before a listens
			b := <-others
			// b's pool connects again after the restart: its first
			// tries may find the database unavailable.
			for attempt := 1; ; attempt++ {
				err := b.ReadWriteTx(ctx, func(tx store.ReadWriter) error { return tx.RevokeAPIKey(ctx, "k1", time.Now()) })
				if err == nil {
					return
				}
				if !errors.Is(err, store.ErrUnavailable) || attempt == 10 {
					t.Errorf("revoke while the other store is not listening: %v", err)
					return
				}
			}
		})
	}})
	revoked := make(chan string, 10)
	a.OnKeyRevoked(func(id string) { revoked <- id })
	if err := a.ReadWriteTx(ctx, func(tx store.ReadWriter) error {
		return tx.CreateAPIKey(ctx, store.APIKey{ID: "k1", Hash: []byte("h"), Role: domain.RoleAdmin, CreateTime: time.Now()})
	}); err != nil {
		t.Fatal(err)
	}
	others <- openURL(t, url, Options{})
	pgtest.Restart(t)
	close(restarted)
	select {
	case id := <-revoked:
		if id != "k1" {
			t.Errorf("revoked %q, want k1", id)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("a revocation made while the store was not listening was never told")
	}
}
