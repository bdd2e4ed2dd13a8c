package client

import (
	"testing"
	"time"
)

// TestBackoffBounds: the wait before attempt n doubles from base, stops at
// max, and is jittered by at most ±20%, so a caller's total wait is bounded
// by the options it set.
func TestBackoffBounds(t *testing.T) {
	t.Parallel()
	const base, max = time.Millisecond, 5 * time.Millisecond
	cases := []struct {
		attempt int
		want    time.Duration
	}{
		{1, base}, {2, 2 * base}, {3, 4 * base}, {4, max}, {10, max}, {1000, max},
	}
	for _, c := range cases {
		lo, hi := time.Duration(float64(c.want)*0.8), time.Duration(float64(c.want)*1.2)
		for range 100 {
			if d := backoff(base, max, c.attempt); d < lo || d > hi {
				t.Fatalf("backoff(%v, %v, %d) = %v, want within [%v, %v]", base, max, c.attempt, d, lo, hi)
			}
		}
	}
}
