// Package ratelimit holds one token bucket per key (an API key id): each
// bucket holds at most burst tokens, refills at a steady rate, and a call
// takes one token or is refused with the time until one is available.
// The clock is injected, so tests move time instead of sleeping.
//
// Buckets are kept only while they matter: a full bucket is the same as a
// fresh one, so a periodic sweep drops the full ones (unless refusals of
// the key are being held) and the map holds only the keys that called
// within the last refill time.
//
// A refused caller is told to wait until the next token plus one token's
// time for every refusal of the same key still being held (Hold): callers
// that all wait for the same next token would otherwise come back
// together and be refused again, and a key with many concurrent callers
// would be told a delay none of them can meet.
package ratelimit

import (
	"math"
	"sync"
	"sync/atomic"
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
	buckets   map[string]*bucket
	nextSweep time.Time
}

// bucket is a key's token bucket and the count of its held refusals.
type bucket struct {
	tokens *rate.Limiter
	held   atomic.Int64
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
		buckets:    make(map[string]*bucket),
	}
}

// Take takes a token from key's bucket. When the bucket is empty it takes
// nothing and returns false with the time until this caller can expect a
// token: the next token, plus one token's time per held refusal of the key
// (rounded up to a millisecond).
func (k *Keyed) Take(key string) (ok bool, wait time.Duration) {
	now := k.now()
	b := k.bucket(key, now)
	if b.tokens.AllowN(now, 1) {
		return true, 0
	}
	missing := 1 - b.tokens.TokensAt(now) + float64(b.held.Load())
	ms := math.Ceil(missing / float64(k.limit) * 1000)
	return false, time.Duration(max(ms, 1)) * time.Millisecond
}

// Hold counts a refusal of key as held (its answer delayed) until release
// is called; held refusals lengthen the waits Take tells the key's next
// callers.
func (k *Keyed) Hold(key string) (release func()) {
	b := k.bucket(key, k.now())
	b.held.Add(1)
	return func() { b.held.Add(-1) }
}

// Len is the number of buckets held (for tests and metrics).
func (k *Keyed) Len() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return len(k.buckets)
}

// bucket returns key's bucket, creating a full one, and sweeps when due.
func (k *Keyed) bucket(key string, now time.Time) *bucket {
	k.mu.Lock()
	defer k.mu.Unlock()
	if !now.Before(k.nextSweep) {
		k.sweep(now)
		k.nextSweep = now.Add(k.sweepEvery)
	}
	b, ok := k.buckets[key]
	if !ok {
		b = &bucket{tokens: rate.NewLimiter(k.limit, k.burst)} // full
		k.buckets[key] = b
	}
	return b
}

// sweep drops the buckets that are full at now and hold no refusal: they
// remember nothing a fresh bucket would not.
func (k *Keyed) sweep(now time.Time) {
	for key, b := range k.buckets {
		if b.tokens.TokensAt(now) >= float64(k.burst) && b.held.Load() == 0 {
			delete(k.buckets, key)
		}
	}
}
