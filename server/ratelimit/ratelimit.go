// Package ratelimit holds one token bucket per key (an API key id): each
// bucket holds at most burst tokens, refills at a steady rate, and a call
// takes one token or is refused with the time until one is available.
// The clock is injected, so tests move time instead of sleeping.
//
// Buckets are kept only while they matter: a full bucket is the same as a
// fresh one, so a periodic sweep drops the full ones and the map holds only
// the keys that called within the last refill time.
package ratelimit

import (
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Keyed is a set of token buckets, one per key, of the same rate and burst.
// It is safe for concurrent use.
type Keyed struct {
	limit rate.Limit
	burst int
	now   func() time.Time
	// sweepEvery is how often full buckets are dropped: at least the time
	// an empty bucket takes to refill, so a sweep finds most idle buckets full.
	sweepEvery time.Duration

	mu        sync.Mutex
	buckets   map[string]*rate.Limiter
	nextSweep time.Time
}

// New returns buckets refilling at perSecond tokens a second and holding
// at most burst tokens (both positive), read with now (time.Now when nil).
func New(perSecond float64, burst int, now func() time.Time) *Keyed {
	if now == nil {
		now = time.Now
	}
	refill := time.Duration(float64(burst) / perSecond * float64(time.Second))
	return &Keyed{
		limit:      rate.Limit(perSecond),
		burst:      burst,
		now:        now,
		sweepEvery: max(refill, time.Minute),
		buckets:    make(map[string]*rate.Limiter),
	}
}

// Take takes a token from key's bucket. When the bucket is empty it takes
// nothing and returns false with the time until a token will be there
// (rounded up to a millisecond, so a caller waiting that long finds it).
func (k *Keyed) Take(key string) (ok bool, wait time.Duration) {
	now := k.now()
	b := k.bucket(key, now)
	if b.AllowN(now, 1) {
		return true, 0
	}
	missing := 1 - b.TokensAt(now)
	ms := math.Ceil(missing / float64(k.limit) * 1000)
	return false, time.Duration(max(ms, 1)) * time.Millisecond
}

// Len is the number of buckets held (for tests and metrics).
func (k *Keyed) Len() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return len(k.buckets)
}

// bucket returns key's bucket, creating a full one, and sweeps when due.
func (k *Keyed) bucket(key string, now time.Time) *rate.Limiter {
	k.mu.Lock()
	defer k.mu.Unlock()
	if !now.Before(k.nextSweep) {
		k.sweep(now)
		k.nextSweep = now.Add(k.sweepEvery)
	}
	b, ok := k.buckets[key]
	if !ok {
		b = rate.NewLimiter(k.limit, k.burst) // full
		k.buckets[key] = b
	}
	return b
}

// sweep drops the buckets that are full at now: they remember nothing a
// fresh bucket would not.
func (k *Keyed) sweep(now time.Time) {
	for key, b := range k.buckets {
		if b.TokensAt(now) >= float64(k.burst) {
			delete(k.buckets, key)
		}
	}
}
