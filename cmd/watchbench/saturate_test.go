package main

import (
	"math"
	"slices"
	"testing"
)

// The saturation search doubles while the server keeps up, halves while
// it does not, then bisects between the highest rate that passed and the
// lowest that failed, search-steps times.
func TestSaturationSearchRates(t *testing.T) {
	o := options{searchSteps: 3, maxRate: 800}
	for _, tc := range []struct {
		name  string
		limit float64 // the server keeps up at rates up to this
		tried []float64
		pass  float64
	}{
		{"above the start", 70, []float64{25, 50, 100, 75, 63, 69}, 69},
		{"below the start", 7, []float64{25, 12.5, 6.25, 9, 8, 7}, 7},
		{"never", 0.5, []float64{25, 12.5, 6.25, 3.125, 1.5625}, 0},
		{"beyond the highest rate", 1e6, []float64{25, 50, 100, 200, 400, 800}, 800},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &search{rate: 25, fail: math.Inf(1)}
			var tried []float64
			for !s.done {
				tried = append(tried, s.rate)
				s.next(s.rate <= tc.limit, o)
			}
			if !slices.Equal(tried, tc.tried) || s.pass != tc.pass {
				t.Fatalf("tried %v, found %g; want %v, %g", tried, s.pass, tc.tried, tc.pass)
			}
		})
	}
}
