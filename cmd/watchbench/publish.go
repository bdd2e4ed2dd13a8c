package main

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	supportv1 "github.com/supportd/supportd/gen/support/v1"
	"github.com/supportd/supportd/internal/benchkit"
)

// publisher adds notes at a fixed rate (pace), round robin over
// tickets, each call in its own goroutine so that a slow commit does not
// lower the rate: every watch stream of the demo partner receives every
// note's event.
type publisher struct {
	published, errors atomic.Int64
	firstErr          atomic.Value // error
	mu                sync.Mutex
	calls             []time.Duration // AddTicketNote, call to answer
	stop              chan struct{}
	wg                sync.WaitGroup
}

// startPublisher starts publishing through client with actx (which
// carries the partner's key) until halt.
func startPublisher(actx context.Context, client supportv1.SupportServiceClient, ids []string, rate float64) *publisher {
	p := &publisher{stop: make(chan struct{})}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		pace(rate, p.stop, func(n int) {
			p.wg.Add(1)
			go func() {
				defer p.wg.Done()
				start := time.Now()
				_, err := client.AddTicketNote(actx, &supportv1.AddTicketNoteRequest{TicketId: ids[n%len(ids)],
					Text: fmt.Sprintf("watchbench note %d at %s", n, time.Now().Format(time.RFC3339Nano))})
				took := time.Since(start)
				p.mu.Lock()
				p.calls = append(p.calls, took)
				p.mu.Unlock()
				if err != nil {
					if p.errors.Add(1) == 1 {
						p.firstErr.Store(err)
					}
					return
				}
				p.published.Add(1)
			}()
		})
	}()
	return p
}

// halt stops publishing and waits for the calls in flight.
func (p *publisher) halt() {
	close(p.stop)
	p.wg.Wait()
}

// record fills d's publishing figures (after halt and the drain of w,
// whose streams each should have received every published event).
func (p *publisher) record(d *delivery, w *watchers) {
	d.published = p.published.Load()
	d.lost = d.published*int64(len(w.stats)) - d.events
	d.commitP50, d.commitP99 = percentile(p.calls, 0.50), percentile(p.calls, 0.99)
	d.pubErrors = p.errors.Load()
	if e, ok := p.firstErr.Load().(error); ok {
		d.firstPubEr = e
	}
}

// createTickets files n tickets of the demo partner (actx carries its
// key) and returns their ids.
func createTickets(actx context.Context, client supportv1.SupportServiceClient, n int) ([]string, error) {
	ids := make([]string, n)
	for i := range ids {
		resp, err := client.CreateTicket(actx, benchkit.Filing(uuid.NewString()))
		if err != nil {
			return nil, fmt.Errorf("create ticket: %w", err)
		}
		ids[i] = resp.GetTicket().GetId()
	}
	return ids, nil
}

// drain waits (up to 10 s) until every stream of each of ws received
// every one of the published events.
func drain(published int64, ws ...*watchers) {
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		done := true
		for _, w := range ws {
			var got int64
			for _, st := range w.stats {
				got += atomic.LoadInt64(&st.events)
			}
			done = done && got >= published*int64(len(w.stats))
		}
		if done {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
}
