package main

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"time"
)

// saturate finds, for supportd and the bare server, the highest
// event rate at which every stream still gets every event of the window
// within --bound (delivery.withinBound): from --rate it doubles the rate
// while the servers keeps up (halves it while it does not), then bisects
// --search-steps times between the highest rate that passed and the
// lowest that failed. Every step is a fresh server and fresh streams
// (--streams over --conns), --warmup then --duration.
func saturate(ctx context.Context, o options, work, cfg, self, payload string) error {
	fmt.Printf("\nsaturation: %d streams, every event of a %v window within %v, rates from %g/s\n", o.streams, o.duration, o.bound, o.rate)
	step := func(name string, rate float64) (bool, error) {
		so := o
		so.rate = rate
		var d delivery
		var err error
		if name == "supportd" {
			var sample []byte
			d, sample, err = deliverSupportd(ctx, so, work, cfg)
			if err == nil && payload == "" && sample != nil {
				payload = filepath.Join(work, "payload.bin")
				err = os.WriteFile(payload, sample, 0o644)
			}
		} else {
			d, err = deliverBare(ctx, so, work, self, payload)
		}
		if err != nil {
			return false, err
		}
		ok := d.withinBound(so)
		fmt.Printf("  %-9s %7.1f events/s: %5.1f published/s, fewest/most events of the window per stream %d/%d, %d deliveries later than %v, max %7.0f ms: %s\n",
			name, rate, float64(d.winMost)/d.window.Seconds(), d.winFewest, d.winMost, d.winLate, o.bound, ms(d.winMax), passFail(ok))
		return ok, nil
	}
	// The two searches run step by step in turn (supportd, bare, supportd,
	// ...), so that both see the machine's load of the same minutes.
	searches := []*search{{name: "supportd", rate: o.rate, fail: math.Inf(1)}, {name: "bare", rate: o.rate, fail: math.Inf(1)}}
	for running := true; running; {
		running = false
		for _, s := range searches {
			if s.done {
				continue
			}
			running = true
			ok, err := step(s.name, s.rate)
			if err != nil {
				return err
			}
			s.next(ok, o)
		}
	}
	found := map[string]float64{}
	for _, s := range searches {
		found[s.name] = s.pass
		fmt.Printf("  %-9s saturation point: %g events/s (next rate tried that failed: %g)\n", s.name, s.pass, s.fail)
	}
	r := found["supportd"] / found["bare"]
	fmt.Printf("\n| %-26s | %12.0f | %12.0f | %12.2f | >= 0.8: %-14s |\n", "saturation (events/s)", found["bare"], found["supportd"], r, check(r >= 0.8))
	return nil
}

// search is one server's saturation search: the highest rate that
// passed, the lowest that failed, the rate to try next.
type search struct {
	name       string
	pass, fail float64
	rate       float64
	bisections int
	done       bool
}

// next takes the outcome of trying s.rate and picks the next rate: double
// (halve) it until one rate passed and one failed, then bisect
// o.searchSteps times; done when the search is over or out of range.
func (s *search) next(ok bool, o options) {
	if ok {
		s.pass = s.rate
	} else {
		s.fail = s.rate
	}
	switch {
	case s.pass == 0:
		s.rate /= 2
		s.done = s.rate < 1
		return
	case math.IsInf(s.fail, 1):
		s.rate *= 2
		s.done = s.rate > o.maxRate
		return
	}
	mid := math.Round((s.pass + s.fail) / 2)
	s.done = s.bisections >= o.searchSteps || mid <= s.pass || mid >= s.fail
	s.rate = mid
	s.bisections++
}

// pace calls publish(n) for n = 0, 1, ... at rate per second until stop
// is closed. A ticker drops the ticks its receiver misses; pace calls
// publish for every event due by each wake-up instead, so that the
// offered rate holds even when the publisher's goroutine waits for a CPU.
func pace(rate float64, stop <-chan struct{}, publish func(n int)) {
	t := time.NewTicker(time.Duration(float64(time.Second) / rate))
	defer t.Stop()
	start := time.Now()
	for n := 0; ; {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		for due := int(time.Since(start).Seconds() * rate); n < due; n++ {
			publish(n)
		}
	}
}

func passFail(ok bool) string {
	if ok {
		return "pass"
	}
	return "FAIL"
}
