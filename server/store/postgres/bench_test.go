package postgres

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/supportd/supportd/internal/pgcluster"
	"github.com/supportd/supportd/server/domain"
	"github.com/supportd/supportd/server/store"
)

// BenchmarkAppendCommit measures the ceiling that the single write order
// sets on the whole cluster: 50 writers (spread over 1 or 2 stores on one
// database: replicas) each commit write transactions that append one
// event and nothing else, on a cluster with PostgreSQL's durable defaults
// (fsync, synchronous_commit on; started by the benchmark, not the
// fsync-off cluster of the tests). Every such transaction holds the event
// counter's row lock from its append to its commit, so commits/s is how
// many writes a second the database lets through one at a time, whatever
// the number of replicas; pg-us/op is PostgreSQL's CPU per commit.
func BenchmarkAppendCommit(b *testing.B) {
	bin, err := pgcluster.FindBin()
	if err != nil {
		b.Skip(err)
	}
	c, err := pgcluster.Start(bin, pgcluster.Options{Durable: true})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Stop()
	for _, replicas := range []int{1, 2} {
		b.Run(fmt.Sprintf("replicas=%d", replicas), func(b *testing.B) {
			ctx := context.Background()
			url, err := c.CreateDatabase(ctx, fmt.Sprintf("append_%d_%d", replicas, time.Now().UnixNano()))
			if err != nil {
				b.Fatal(err)
			}
			stores := make([]*Store, replicas)
			for i := range stores {
				stores[i] = openURL(b, url, Options{})
			}
			var writer atomic.Int64
			b.SetParallelism(25) // 25 x GOMAXPROCS (2 here): 50 writers
			cpu0 := c.CPUTime()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				s := stores[int(writer.Add(1))%replicas]
				for pb.Next() {
					err := s.ReadWriteTx(ctx, func(tx store.ReadWriter) error {
						_, err := tx.AppendEvent(ctx, domain.Event{Type: domain.EventPartnerUpdated, Actor: "bench",
							Time: time.Now(), Detail: "append"})
						return err
					})
					if err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.StopTimer()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "commits/s")
			b.ReportMetric(float64(c.CPUTime()-cpu0)/float64(time.Microsecond)/float64(b.N), "pg-us/op")
		})
	}
}
