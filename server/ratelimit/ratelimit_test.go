package ratelimit_test

import (
	"testing"
	"time"

	"github.com/supportd/supportd/internal/fakeclock"
	"github.com/supportd/supportd/server/ratelimit"
)

// TestBurstThenRefill: a key takes burst tokens at once, the next is
// refused with the time until a token is back, and after that time it
// passes again; other keys have their own buckets.
func TestBurstThenRefill(t *testing.T) {
	t.Parallel()
	c := fakeclock.New(time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC))
	k := ratelimit.New(50, 100, c.Now)
	for i := range 100 {
		if ok, _ := k.Take("a"); !ok {
			t.Fatalf("call %d of the burst refused", i+1)
		}
	}
	ok, wait := k.Take("a")
	if ok || wait != 20*time.Millisecond {
		t.Fatalf("call 101: ok %v wait %v, want refused with 20ms (one token at 50/s)", ok, wait)
	}
	if ok, _ := k.Take("b"); !ok {
		t.Fatal("another key was refused")
	}
	c.Advance(wait - time.Millisecond)
	if ok, _ := k.Take("a"); ok {
		t.Fatal("passed before the told delay")
	}
	c.Advance(time.Millisecond)
	if ok, _ := k.Take("a"); !ok {
		t.Fatal("refused after the told delay")
	}
}

// TestRefusalTakesNothing: refused calls do not push the next token further
// away (a flood does not starve its own key forever).
func TestRefusalTakesNothing(t *testing.T) {
	t.Parallel()
	c := fakeclock.New(time.Unix(0, 0))
	k := ratelimit.New(1, 1, c.Now)
	k.Take("a")
	for range 1000 {
		if ok, wait := k.Take("a"); ok || wait != time.Second {
			t.Fatalf("ok %v wait %v, want refused with 1s", ok, wait)
		}
	}
	c.Advance(time.Second)
	if ok, _ := k.Take("a"); !ok {
		t.Fatal("refused after a second although the refusals took nothing")
	}
}

// TestIdleBucketsDropped: once a bucket is full again it is dropped at the
// next sweep, so the map holds only recently active keys.
func TestIdleBucketsDropped(t *testing.T) {
	t.Parallel()
	c := fakeclock.New(time.Unix(0, 0))
	k := ratelimit.New(10, 10, c.Now) // refills in 1s; sweeps every minute
	for _, key := range []string{"a", "b", "c"} {
		k.Take(key)
	}
	if k.Len() != 3 {
		t.Fatalf("%d buckets, want 3", k.Len())
	}
	c.Advance(time.Minute)
	k.Take("d") // sweeps a, b, c (full again), then creates d
	if k.Len() != 1 {
		t.Fatalf("%d buckets after the sweep, want 1 (only d)", k.Len())
	}
}

// TestHeldRefusalsQueue: each refusal of a key still being held adds one
// token's time to the wait told to the key's next caller, so concurrent
// callers are told different, achievable delays.
func TestHeldRefusalsQueue(t *testing.T) {
	t.Parallel()
	c := fakeclock.New(time.Unix(0, 0))
	k := ratelimit.New(10, 1, c.Now)
	k.Take("a")
	_, first := k.Take("a")
	release := k.Hold("a")
	_, second := k.Take("a")
	if first != 100*time.Millisecond || second != 200*time.Millisecond {
		t.Fatalf("waits %v, %v; want 100ms, then 200ms behind the held one", first, second)
	}
	if _, other := k.Take("b"); other != 0 {
		t.Fatalf("another key waits %v", other)
	}
	release()
	if _, again := k.Take("a"); again != 100*time.Millisecond {
		t.Fatalf("wait %v after the release, want 100ms", again)
	}
}
