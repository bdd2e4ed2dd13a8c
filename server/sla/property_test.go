package sla

import (
	"math/rand/v2"
	"testing"
	"time"
)

var propertyZones = []string{
	"Europe/Paris", "America/New_York", "America/Sao_Paulo", "Asia/Tokyo",
	"UTC", "Australia/Lord_Howe", "America/Havana", "Europe/Lisbon",
}

// randomRanges draws 0..3 disjoint ranges, sometimes touching, sometimes
// reaching 00:00 or 24:00.
func randomRanges(r *rand.Rand) []Range {
	n := r.IntN(4)
	cuts := make([]int, 0, 2*n)
	for range 2 * n {
		cuts = append(cuts, r.IntN(MinutesPerDay+1))
	}
	if r.IntN(4) == 0 && len(cuts) > 0 {
		cuts[0] = 0
	}
	if r.IntN(4) == 0 && len(cuts) > 1 {
		cuts[1] = MinutesPerDay
	}
	sortInts(cuts)
	var out []Range
	for i := 0; i+1 < len(cuts); i += 2 {
		if cuts[i] < cuts[i+1] {
			out = append(out, Range{cuts[i], cuts[i+1]})
		}
	}
	return out
}

func sortInts(a []int) {
	for i := 1; i < len(a); i++ {
		for j := i; j > 0 && a[j] < a[j-1]; j-- {
			a[j], a[j-1] = a[j-1], a[j]
		}
	}
}

// randomCalendar draws a valid calendar: random zone, weekly ranges (at
// least one), yearly and one-off holidays, some of them short days.
func randomCalendar(r *rand.Rand) *Calendar {
	for {
		spec := CalendarSpec{ID: "rnd", TimeZone: propertyZones[r.IntN(len(propertyZones))], Hours: map[time.Weekday][]Range{}}
		for wd := time.Sunday; wd <= time.Saturday; wd++ {
			if rr := randomRanges(r); rr != nil {
				spec.Hours[wd] = rr
			}
		}
		seen := map[[3]int]bool{}
		for range r.IntN(20) {
			h := HolidaySpec{Month: time.Month(1 + r.IntN(12)), Day: 1 + r.IntN(28)}
			if r.IntN(2) == 0 {
				h.Year = 2025 + r.IntN(5)
			}
			if r.IntN(3) == 0 {
				h.Hours = randomRanges(r)
			}
			if k := [3]int{h.Year, int(h.Month), h.Day}; !seen[k] {
				seen[k] = true
				spec.Holidays = append(spec.Holidays, h)
			}
		}
		if c, err := NewCalendar(spec); err == nil {
			return c
		}
	}
}

// slowBetween is Between without the week skipping: every day walked.
func slowBetween(c *Calendar, a, b time.Time) time.Duration {
	var total time.Duration
	for day := wallDate(a, c.loc) - 1; at(c.loc, day, 0).Before(b); day++ {
		for _, r := range c.rangesOn(day) {
			s, e := later(at(c.loc, day, r.Start), a), earlier(at(c.loc, day, r.End), b)
			if e.After(s) {
				total += e.Sub(s)
			}
		}
	}
	return total
}

// checkAddBetween asserts the contract of Add and Between at one point.
func checkAddBetween(t *testing.T, c *Calendar, start time.Time, d time.Duration) {
	t.Helper()
	due := c.Add(start, d)
	if got := c.Between(start, due); got != d {
		t.Fatalf("%s: Between(%v, Add(start, %v)=%v) = %v", c.loc, start, d, due, got)
	}
	if due.Before(start) {
		t.Fatalf("%s: Add(%v, %v) = %v is before start", c.loc, start, d, due)
	}
	// Earliest, and never outside working time: the nanosecond before the due
	// instant is working time.
	if got := c.Between(due.Add(-time.Nanosecond), due); got != time.Nanosecond {
		t.Fatalf("%s: Add(%v, %v) = %v is not inside or at the end of a working range", c.loc, start, d, due)
	}
	// Monotonic in d.
	for _, d2 := range []time.Duration{d - time.Nanosecond, d - time.Minute, d / 2} {
		if d2 > 0 && c.Add(start, d2).After(due) {
			t.Fatalf("%s: Add(%v, %v) after Add(start, %v)", c.loc, start, d2, d)
		}
	}
	if c.Add(start, d+time.Nanosecond).Before(due) || !c.Add(start, d+time.Nanosecond).After(due) {
		t.Fatalf("%s: Add(%v, %v+1ns) not after Add(start, d)", c.loc, start, d)
	}
}

func randomInstant(r *rand.Rand) time.Time {
	lo := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	hi := time.Date(2029, 12, 31, 0, 0, 0, 0, time.UTC).Unix()
	sec := lo + r.Int64N(hi-lo)
	if r.IntN(2) == 0 {
		sec -= sec % 900 // often on a quarter hour, where range ends lie
	}
	return time.Unix(sec, int64(r.IntN(3))*500_000_000)
}

func TestPropertyAddBetween(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	n := 400
	if testing.Short() {
		n = 50
	}
	for range n {
		c := randomCalendar(r)
		start := randomInstant(r)
		for _, d := range []time.Duration{
			time.Duration(1 + r.Int64N(int64(10*time.Hour))),
			time.Duration(r.IntN(200)) * time.Minute,
			time.Duration(1+r.IntN(3000)) * time.Hour,
			c.BusinessDay(),
		} {
			if d > 0 {
				checkAddBetween(t, c, start, d)
			}
		}
	}
}

func TestPropertyBetweenMatchesDayWalk(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(3, 4))
	for range 300 {
		c := randomCalendar(r)
		a := randomInstant(r)
		b := a.Add(time.Duration(r.Int64N(int64(400 * 24 * time.Hour))))
		if got, want := c.Between(a, b), slowBetween(c, a, b); got != want {
			t.Fatalf("%s %v..%v: Between = %v, day walk = %v", c.loc, a, b, got, want)
		}
		m := a.Add(b.Sub(a) / 3)
		if c.Between(a, b) != c.Between(a, m)+c.Between(m, b) {
			t.Fatalf("%s: Between not additive at %v", c.loc, m)
		}
	}
}

func FuzzAddBetween(f *testing.F) {
	f.Add(uint64(1), int64(1795000000), int64(8*time.Hour))
	f.Add(uint64(7), int64(1774746000), int64(5*time.Hour))  // 2026-03-29 Paris
	f.Add(uint64(42), int64(1792890000), int64(7*time.Hour)) // 2026-10-25
	f.Add(uint64(99), int64(1767225600), int64(2000*time.Hour))
	f.Fuzz(func(t *testing.T, seed uint64, unix int64, d int64) {
		r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
		c := randomCalendar(r)
		// Keep instants within 2000-2100 and targets within 5 years.
		unix = 946684800 + (unix%(100*365*86400)+100*365*86400)%(100*365*86400)
		d = 1 + (d%int64(5*365*24*time.Hour)+int64(5*365*24*time.Hour))%int64(5*365*24*time.Hour)
		checkAddBetween(t, c, time.Unix(unix, 0), time.Duration(d))
	})
}
