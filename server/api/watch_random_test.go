package api_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	supportv1 "github.com/supportd/supportd/gen/support/v1"
	"github.com/supportd/supportd/server/domain"
	"github.com/supportd/supportd/server/internal/testserver"
)

// randomWatcher is one client of TestWatchRandomResume: it watches, drops
// the connection at random points and resumes with its last token.
type randomWatcher struct {
	name     string
	key      string
	ticket   string // WatchTicket when set
	customer string // WatchTickets filter
	partner  string
	after    int64 // expected events are those after this position

	got      []*supportv1.TicketEvent
	token    string // last token received (event or checkpoint)
	sessions int
}

// open starts a stream from w.token (nothing: the RPC's default start).
func (w *randomWatcher) open(ctx context.Context, s *watchServer) (func() (wUpdate, error), error) {
	cl := s.Support()
	ctx = testserver.Auth(ctx, w.key)
	if w.ticket != "" {
		st, err := cl.WatchTicket(ctx, &supportv1.WatchTicketRequest{TicketId: w.ticket, ResumeToken: w.token})
		if err != nil {
			return nil, err
		}
		return func() (wUpdate, error) { return st.Recv() }, nil
	}
	st, err := cl.WatchTickets(ctx, &supportv1.WatchTicketsRequest{CustomerId: w.customer, ResumeToken: w.token})
	if err != nil {
		return nil, err
	}
	return func() (wUpdate, error) { return st.Recv() }, nil
}

// session reads one stream until it has taken limit messages, or its
// token names end (done), then drops it.
func (w *randomWatcher) session(ctx context.Context, s *watchServer, limit int, end func() string) (done bool, err error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	w.sessions++
	recv, err := w.open(ctx, s)
	if err != nil {
		return false, err
	}
	for range limit {
		u, err := recv()
		if err != nil {
			return false, fmt.Errorf("session %d: %w", w.sessions, err)
		}
		if e := u.GetEvent(); e != nil {
			w.got = append(w.got, e)
			w.token = e.GetResumeToken()
		} else {
			w.token = u.GetCheckpoint().GetResumeToken()
		}
		if end != nil && w.token == end() {
			return true, nil
		}
	}
	return false, nil
}

// Concurrent writers and watchers that disconnect at random points and
// resume with their last token: what each watcher saw, in order, is the
// committed log filtered to what it watches, nothing missing or twice.
func TestWatchRandomResume(t *testing.T) {
	seed := uint64(20260302)
	if v := os.Getenv("WATCH_SEED"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		seed = n
	}
	t.Logf("seed %d (set WATCH_SEED to replay)", seed)

	s := startWatchServer(t, watchConfig(30*time.Millisecond, 0))
	pa := s.partner(t, "pa")
	pb := s.partner(t, "pb")
	agent := s.NewKey(t, domain.RoleAgent, "")
	watched := s.mustTicket(t, pa, "")
	for range 3 { // the token watcher starts 3 events before the others
		s.mustNote(t, pa, watched, "before the watchers")
	}
	start := s.LastSequence(t)

	watchers := []*randomWatcher{
		{name: "pa all", key: pa.key, partner: pa.id, after: start},
		{name: "pb all", key: pb.key, partner: pb.id, after: start},
		{name: "pa other customer", key: pa.key, partner: pa.id, customer: pa.other, after: start},
		{name: "pa one ticket", key: pa.key, partner: pa.id, ticket: watched, after: 0},
		{name: "pb all from a token", key: pb.key, partner: pb.id, after: start - 3, token: s.token(start - 3)},
	}
	// Fix the WatchTickets starting points before anything is written.
	for _, w := range watchers {
		if w.ticket != "" || w.token != "" {
			continue
		}
		if _, err := w.session(t.Context(), s, 1, nil); err != nil {
			t.Fatalf("%s: %v", w.name, err)
		}
		if w.token != s.token(start) || len(w.got) != 0 {
			t.Fatalf("%s: first message is not a checkpoint at the log's end", w.name)
		}
	}

	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()

	// Writers: each its own partner's tickets, with its own random source.
	type writer struct {
		p   wPartner
		rng *rand.Rand
	}
	var writers []writer
	for i, p := range []wPartner{pa, pa, pb, pb} {
		writers = append(writers, writer{p, rand.New(rand.NewPCG(seed, uint64(10+i)))})
	}
	var writing sync.WaitGroup
	errs := make(chan error, 64)
	for wi, wr := range writers {
		writing.Go(func() {
			var mine []string
			if wr.p.id == pa.id && wi == 0 {
				mine = append(mine, watched)
			}
			for op := range 40 {
				if ctx.Err() != nil {
					return
				}
				var err error
				switch r := wr.rng.IntN(10); {
				case len(mine) == 0 || r == 0:
					customer := wr.p.customer
					if wr.rng.IntN(2) == 0 {
						customer = wr.p.other
					}
					var id string
					if id, err = s.createTicket(wr.p, customer); err == nil {
						mine = append(mine, id)
					}
				case r == 1:
					_, err = s.Agent().AddAgentNote(testserver.Auth(ctx, agent), &supportv1.AddAgentNoteRequest{
						TicketId: mine[wr.rng.IntN(len(mine))], Text: fmt.Sprintf("agent %d/%d", wi, op)})
				default:
					err = s.addNote(wr.p, mine[wr.rng.IntN(len(mine))], fmt.Sprintf("writer %d op %d", wi, op))
				}
				if err != nil {
					errs <- fmt.Errorf("writer %d op %d: %w", wi, op, err)
					return
				}
				if wr.rng.IntN(4) == 0 {
					// Random jitter that only shapes the interleaving (not
					// synchronisation: the checks hold for any timing).
					time.Sleep(time.Duration(wr.rng.IntN(3)) * time.Millisecond)
				}
			}
		})
	}

	// The log's end once every writer is done; until then nothing is the end.
	var endMu sync.Mutex
	endToken := ""
	end := func() string {
		endMu.Lock()
		defer endMu.Unlock()
		return endToken
	}

	var watching sync.WaitGroup
	werrs := make([]error, len(watchers))
	for i, w := range watchers {
		wrng := rand.New(rand.NewPCG(seed, uint64(100+i)))
		watching.Go(func() {
			for ctx.Err() == nil {
				done, err := w.session(ctx, s, 1+wrng.IntN(8), end)
				if err != nil {
					werrs[i] = fmt.Errorf("%s: %w", w.name, err)
					return
				}
				if done {
					return
				}
				if wrng.IntN(3) == 0 { // stay away while events are written
					// Jitter shaping the interleaving, not synchronisation.
					time.Sleep(time.Duration(wrng.IntN(15)) * time.Millisecond)
				}
			}
			werrs[i] = fmt.Errorf("%s: %w", w.name, ctx.Err())
		})
	}

	writing.Wait()
	close(errs)
	for err := range errs {
		cancel()
		watching.Wait()
		t.Fatal(err)
	}
	last := s.LastSequence(t)
	endMu.Lock()
	endToken = s.token(last)
	endMu.Unlock()
	watching.Wait()

	for i, w := range watchers {
		if werrs[i] != nil {
			if errors.Is(werrs[i], context.DeadlineExceeded) || codeIs(werrs[i], codes.DeadlineExceeded) {
				t.Errorf("%s did not reach the log's end %d in time (%d events, %d sessions)", w.name, last, len(w.got), w.sessions)
				continue
			}
			t.Errorf("%v", werrs[i])
			continue
		}
		want := s.ticketEvents(t, w.after, w.partner, w.customer, w.ticket)
		t.Logf("%s: %d events in %d sessions", w.name, len(w.got), w.sessions)
		if len(want) == 0 {
			t.Errorf("%s: nothing to watch: the test wrote nothing for it", w.name)
		}
		t.Run(w.name, func(t *testing.T) { s.checkEvents(t, w.got, want) })
	}
}

func codeIs(err error, c codes.Code) bool { return code(err) == c }
