package main

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// call is one RPC of a load; it returns its error.
type call func(ctx context.Context) error

// result is the outcome of one measured load.
type result struct {
	Name     string
	Calls    int
	Errors   int
	FirstErr error
	Duration time.Duration
	P50, P99 time.Duration
	// CPU is the server process's CPU time (user+system) during the
	// measurement window: less disturbed by other load than the rate.
	CPU time.Duration
	// DBCPU is the database server's CPU time (all its processes) during
	// the window, for the loads on PostgreSQL; 0 otherwise.
	DBCPU time.Duration
}

// CPUPerCall is the server's CPU time per measured call.
func (r result) CPUPerCall() time.Duration {
	if r.Calls == 0 {
		return 0
	}
	return r.CPU / time.Duration(r.Calls)
}

// DBCPUPerCall is the database server's CPU time per measured call.
func (r result) DBCPUPerCall() time.Duration {
	if r.Calls == 0 {
		return 0
	}
	return r.DBCPU / time.Duration(r.Calls)
}

func (r result) Rate() float64 { return float64(r.Calls) / r.Duration.Seconds() }

func (r result) String() string {
	s := fmt.Sprintf("%-28s %9.0f calls/s  p50 %7.3f ms  p99 %7.3f ms  server CPU %6.1f us/call  (%d calls", r.Name, r.Rate(), ms(r.P50), ms(r.P99),
		float64(r.CPUPerCall())/float64(time.Microsecond), r.Calls)
	if r.DBCPU > 0 {
		s += fmt.Sprintf(", postgres CPU %.1f us/call", float64(r.DBCPUPerCall())/float64(time.Microsecond))
	}
	if r.Errors > 0 {
		s += fmt.Sprintf(", %d ERRORS, first: %v", r.Errors, r.FirstErr)
	}
	return s + ")"
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// run keeps concurrency calls in flight for warmup+duration and measures
// the calls that start after the warm-up and finish within the window.
func run(ctx context.Context, name string, concurrency int, warmup, duration time.Duration, cpu func() time.Duration, c call) result {
	start := time.Now()
	measureFrom := start.Add(warmup)
	end := measureFrom.Add(duration)
	cpuDone := make(chan time.Duration, 1)
	go func() {
		time.Sleep(time.Until(measureFrom))
		c0 := cpu()
		time.Sleep(time.Until(end))
		cpuDone <- cpu() - c0
	}()
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		lats     []time.Duration
		errs     atomic.Int64
		firstErr atomic.Value
	)
	for range concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			local := make([]time.Duration, 0, 4096)
			for {
				t0 := time.Now()
				if !t0.Before(end) || ctx.Err() != nil {
					break
				}
				err := c(ctx)
				t1 := time.Now()
				if t0.Before(measureFrom) || t1.After(end) {
					continue
				}
				if err != nil {
					if errs.Add(1) == 1 {
						firstErr.Store(err)
					}
					continue
				}
				local = append(local, t1.Sub(t0))
			}
			mu.Lock()
			lats = append(lats, local...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	slices.Sort(lats)
	r := result{Name: name, Calls: len(lats), Errors: int(errs.Load()), Duration: duration, CPU: <-cpuDone}
	if e, ok := firstErr.Load().(error); ok {
		r.FirstErr = e
	}
	if len(lats) > 0 {
		r.P50 = lats[len(lats)*50/100]
		r.P99 = lats[min(len(lats)-1, len(lats)*99/100)]
	}
	return r
}
