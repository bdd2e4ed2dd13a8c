package main

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"time"
)

// saturate finds, for supportd and then the bare server, the highest
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
	found := map[string]float64{}
	for _, name := range []string{"supportd", "bare"} {
		pass, fail := 0.0, math.Inf(1)
		for rate := o.rate; rate >= 1 && rate <= o.maxRate && (pass == 0 || math.IsInf(fail, 1)); {
			ok, err := step(name, rate)
			if err != nil {
				return err
			}
			if ok {
				pass, rate = rate, rate*2
			} else {
				fail, rate = rate, rate/2
			}
			if pass > 0 && !math.IsInf(fail, 1) {
				break
			}
		}
		for range o.searchSteps {
			if pass == 0 || math.IsInf(fail, 1) {
				break
			}
			mid := math.Round((pass + fail) / 2)
			if mid <= pass || mid >= fail {
				break
			}
			ok, err := step(name, mid)
			if err != nil {
				return err
			}
			if ok {
				pass = mid
			} else {
				fail = mid
			}
		}
		found[name] = pass
		fmt.Printf("  %-9s saturation point: %g events/s (next rate tried that failed: %g)\n", name, pass, fail)
	}
	r := found["supportd"] / found["bare"]
	fmt.Printf("\n| %-26s | %12.0f | %12.0f | %12.2f | >= 0.8: %-14s |\n", "saturation (events/s)", found["bare"], found["supportd"], r, check(r >= 0.8))
	return nil
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
