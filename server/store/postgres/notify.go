package postgres

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/supportd/supportd/server/store"
)

// defaultPollInterval is how often a store reads the last sequence when no
// notification came (Options.PollInterval).
const defaultPollInterval = time.Second

// notifier publishes the commits of every replica to the store's
// subscribers: its own commits with their events (publishOwn), the other
// replicas' as the last sequence (LISTEN on EventsChannel, and a periodic
// read of the last sequence that heals a notification lost while the
// listening connection was down).
type notifier struct {
	feed store.CommitFeed

	mu        sync.Mutex
	published int64 // highest Last published: publications only grow

	keysMu    sync.Mutex
	onRevoked []func(keyID string)
	onCreated []func(keyID string)
}

// publish publishes c unless a later commit was published already. Events
// are passed on only when they follow the last publication without a
// hole; otherwise subscribers are told to read the log (nil Events).
func (n *notifier) publish(c store.Commit) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if c.Last <= n.published {
		return
	}
	if len(c.Events) == 0 || c.Events[0].Sequence != n.published+1 {
		c.Events = nil
	}
	n.published = c.Last
	n.feed.Publish(c)
}

// keyChanged tells the registered functions of a key revoked or created,
// as the payload of a KeysChannel notification says.
func (n *notifier) keyChanged(payload string) {
	if id, created := strings.CutPrefix(payload, keyCreatedPrefix); created {
		n.tell(n.created(), id)
		return
	}
	n.keyRevoked(payload)
}

// keyRevoked tells the registered functions of a revoked key.
func (n *notifier) keyRevoked(id string) { n.tell(n.revoked(), id) }

// revoked and created return copies of the registered functions, to call
// without the lock.
func (n *notifier) revoked() []func(string) {
	n.keysMu.Lock()
	defer n.keysMu.Unlock()
	return slices.Clone(n.onRevoked)
}

func (n *notifier) created() []func(string) {
	n.keysMu.Lock()
	defer n.keysMu.Unlock()
	return slices.Clone(n.onCreated)
}

func (n *notifier) tell(fns []func(string), id string) {
	for _, fn := range fns {
		fn(id)
	}
}

// keysMissed tells every registered function that key changes may have
// been missed (the empty id, see store.KeyChangeSource).
func (n *notifier) keysMissed() {
	n.keysMu.Lock()
	fns := slices.Concat(n.onRevoked, n.onCreated)
	n.keysMu.Unlock()
	for _, fn := range fns {
		fn("")
	}
}

// SubscribeCommits implements store.Store: the commits of this store
// with their events, once committed (visible to new read transactions),
// before ReadWriteTx returns; other replicas' commits as their last
// sequence, as soon as their notification arrives, or at the latest after
// Options.PollInterval.
func (s *Store) SubscribeCommits() *store.CommitSubscription { return s.notes.feed.Subscribe() }

// OnKeyRevoked implements store.KeyChangeSource: fn is called with the
// id of every key whose revocation commits, on this replica or another
// (through KeysChannel). fn must not block.
func (s *Store) OnKeyRevoked(fn func(keyID string)) {
	s.notes.keysMu.Lock()
	defer s.notes.keysMu.Unlock()
	s.notes.onRevoked = append(s.notes.onRevoked, fn)
}

// revocationReplayMargin is how long before its listening connection
// failed a store looks back for key revocations once it listens again: a
// connection can be dead a while before its failure shows, and replicas'
// clocks (which date revocations) differ a little.
const revocationReplayMargin = time.Minute

// OnKeyCreated implements store.KeyChangeSource: fn is called with the id
// of every key whose creation commits, on this replica or another
// (through KeysChannel). fn must not block.
func (s *Store) OnKeyCreated(fn func(keyID string)) {
	s.notes.keysMu.Lock()
	defer s.notes.keysMu.Unlock()
	s.notes.onCreated = append(s.notes.onCreated, fn)
}

// listen handles the notifications of conn, the dedicated listening
// connection Open made, then of the connections it makes again after a
// failure (one try every PollInterval), until ctx ends.
func (s *Store) listen(ctx context.Context, conn *pgx.Conn) {
	var lost time.Time // when the last listening connection failed
	for {
		if conn != nil {
			err := s.serveNotifications(ctx, conn)
			conn.Close(context.Background()) //nolint:errcheck // reconnecting anyway
			if ctx.Err() != nil {
				return
			}
			s.log("listen for commit notifications", err)
			lost = time.Now()
			if s.opts.listenerLost != nil {
				s.opts.listenerLost()
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(s.opts.PollInterval):
		}
		var err error
		if conn, err = s.connectListener(ctx); err != nil {
			conn = nil
			if ctx.Err() == nil {
				s.log("reconnect the listening connection", err)
			}
			continue
		}
		// Commits and revocations made while no connection listened
		// are heard of now. Revocations must not be missed (commits are
		// healed by the next poll anyway): when they cannot be read, the
		// store stops listening and tries again later, from the same
		// instant.
		s.poll(ctx)
		if err := s.replayRevocations(ctx, lost.Add(-revocationReplayMargin)); err != nil {
			conn.Close(context.Background()) //nolint:errcheck // reconnecting anyway
			conn = nil
			if ctx.Err() == nil {
				s.log("read the keys revoked while not listening", err)
			}
			continue
		}
		// Other key changes (creations) were missed too: every cached
		// key, and every id found unknown, is forgotten.
		s.notes.keysMissed()
	}
}

// replayRevocations tells of the keys revoked since the instant since,
// whose notifications a store that was not listening missed (telling
// again of a revoked key is harmless). Without it a replica would accept
// such a key until its key cache expires. The keys are those revoked in
// the minutes the connection was down: few.
func (s *Store) replayRevocations(ctx context.Context, since time.Time) error {
	var ids []string
	err := s.ReadTx(ctx, func(tx store.Reader) error {
		var err error
		ids, err = tx.(*txView).revokedSince(since)
		return err
	})
	for _, id := range ids {
		s.notes.keyRevoked(id)
	}
	return err
}

// connectListener opens a connection that LISTENs on EventsChannel and
// KeysChannel.
func (s *Store) connectListener(ctx context.Context) (*pgx.Conn, error) {
	conn, err := pgx.ConnectConfig(ctx, s.pool.Config().ConnConfig.Copy())
	if err != nil {
		return nil, mapErr(err)
	}
	for _, ch := range []string{EventsChannel, KeysChannel} {
		if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{ch}.Sanitize()); err != nil {
			conn.Close(context.Background()) //nolint:errcheck // failing anyway
			return nil, mapErr(err)
		}
	}
	return conn, nil
}

// serveNotifications handles conn's notifications until it fails or ctx
// ends.
func (s *Store) serveNotifications(ctx context.Context, conn *pgx.Conn) error {
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		switch n.Channel {
		case EventsChannel:
			seq, origin, _ := strings.Cut(n.Payload, " ")
			if last, err := strconv.ParseInt(seq, 10, 64); err == nil && origin != s.id {
				s.notes.publish(store.Commit{Last: last})
			}
		case KeysChannel:
			// This replica's own key changes come back too: telling
			// again of them is harmless.
			s.notes.keyChanged(n.Payload)
		}
	}
}

// pollLoop reads the last sequence every PollInterval until ctx ends.
func (s *Store) pollLoop(ctx context.Context) {
	t := time.NewTicker(s.opts.PollInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			s.poll(ctx)
		}
	}
}

// poll publishes the last committed sequence if no publication reached
// it: a notification lost (the listening connection was down) delays a
// watcher by one PollInterval at most.
func (s *Store) poll(ctx context.Context) {
	var last int64
	err := s.ReadTx(ctx, func(tx store.Reader) (err error) {
		last, err = tx.LastSequence(ctx)
		return err
	})
	if err != nil {
		if ctx.Err() == nil {
			s.log("poll the last sequence", err)
		}
		return
	}
	s.notes.publish(store.Commit{Last: last})
}
