package postgres

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/supportd/supportd/internal/pgtest"
	"github.com/supportd/supportd/server/domain"
	"github.com/supportd/supportd/server/store"
)

// TestReplicasEventLogGapFreeInCommitOrder runs writers on several stores
// over one database (replicas) while watchers on each read the log the way
// the watch hub does, from the last sequence they saw: no watcher may skip
// a sequence (one committed after a higher one became visible), and the
// log has no gaps although some transactions roll back.
func TestReplicasEventLogGapFreeInCommitOrder(t *testing.T) {
	url := pgtest.NewDatabase(t)
	const replicas, writersPer, perWriter = 3, 3, 40
	stores := make([]*Store, replicas)
	for i := range stores {
		stores[i] = openURL(t, url, Options{MaxConns: 6})
	}
	ctx := t.Context()
	errBoom := errors.New("boom")
	var committed atomic.Int64
	var writers sync.WaitGroup
	for r, s := range stores {
		for w := range writersPer {
			writers.Go(func() {
				rnd := rand.New(rand.NewPCG(uint64(r), uint64(w)))
				for i := range perWriter {
					err := s.ReadWriteTx(ctx, func(tx store.ReadWriter) error {
						if _, err := tx.AppendEvent(ctx, domain.Event{Type: domain.EventPartnerUpdated, Actor: "w",
							Time: time.Unix(1, 0), Detail: fmt.Sprintf("%d-%d-%d", r, w, i)}); err != nil {
							return err
						}
						if rnd.IntN(5) == 0 {
							return errBoom // rolled back: its sequence is given back
						}
						return nil
					})
					switch {
					case err == nil:
						committed.Add(1)
					case !errors.Is(err, errBoom):
						t.Errorf("write: %v", err)
						return
					}
				}
			})
		}
	}
	var writing atomic.Bool
	writing.Store(true)
	var watchers sync.WaitGroup
	for _, s := range stores {
		watchers.Go(func() {
			var last int64
			for {
				done := !writing.Load() // read once more after the writers end
				var evs []domain.Event
				err := s.ReadTx(ctx, func(tx store.Reader) (err error) {
					evs, err = tx.ListEvents(ctx, last, store.EventFilter{}, 50)
					return err
				})
				if err != nil {
					t.Errorf("watch: %v", err)
					return
				}
				for _, e := range evs {
					if e.Sequence != last+1 {
						t.Errorf("watcher at %d saw %d next: skipped a sequence", last, e.Sequence)
						return
					}
					last = e.Sequence
				}
				if done && len(evs) == 0 {
					if last != committed.Load() {
						t.Errorf("watcher ended at %d, %d committed", last, committed.Load())
					}
					return
				}
			}
		})
	}
	writers.Wait()
	writing.Store(false)
	watchers.Wait()
}
