package sla

import (
	"math"
	"time"
)

const week = 7 * 24 * time.Hour

// Add returns the earliest instant at which the working time elapsed since
// start reaches d: the due time of a target of d working time counted from
// start. A target that runs out exactly at the end of a working range is due
// at that end, not at the start of the next range. For d > 0 the result is
// always inside a working range or at its end; for d <= 0 it is start.
// Start may be outside working hours (counting begins at the next range).
// The result is in the calendar's location.
//
// Add walks the calendar day by day over its ranges and skips whole weeks
// that hold no holiday and no zone transition, so a target of a year costs
// a few hundred steps at most. Add and Between are exact inverses:
// Between(start, Add(start, d)) == d for every d >= 0.
func (c *Calendar) Add(start time.Time, d time.Duration) time.Time {
	start = start.Round(0).In(c.loc) // drop any monotonic reading
	if d <= 0 {
		return start
	}
	rem := d
	day := wallDate(start, c.loc) - 1 // the day before: repeated hours may cross midnight
	for {
		if day0 := at(c.loc, day, 0); !day0.Before(start) {
			if k := c.skippableWeeks(day, day0, int64((rem-1)/c.weekly)); k > 0 {
				rem -= time.Duration(k) * c.weekly
				day += date(7 * k)
			}
		}
		for _, r := range c.rangesOn(day) {
			s, e := at(c.loc, day, r.Start), at(c.loc, day, r.End)
			if s.Before(start) {
				s = start
			}
			if !e.After(s) {
				continue
			}
			if avail := e.Sub(s); avail >= rem {
				return s.Add(rem)
			}
			rem -= e.Sub(s)
		}
		day++
	}
}

// Between returns the working time in [a, b): the sum of the overlaps of
// [a, b) with the calendar's working ranges, with each range holding the
// real time between its two ends. Between(a, a) is 0, and Between is
// antisymmetric: for b before a it returns -Between(b, a), so a negative
// value means "that much working time before".
func (c *Calendar) Between(a, b time.Time) time.Duration {
	a, b = a.Round(0), b.Round(0)
	if b.Before(a) {
		return -c.Between(b, a)
	}
	var total time.Duration
	for day := wallDate(a, c.loc) - 1; ; day++ {
		day0 := at(c.loc, day, 0)
		if !day0.Before(b) {
			return total
		}
		if !day0.Before(a) {
			if k := c.skippableWeeks(day, day0, int64(b.Sub(day0)/week)); k > 0 {
				total += time.Duration(k) * c.weekly
				day += date(7 * k)
				if day0 = at(c.loc, day, 0); !day0.Before(b) {
					return total
				}
			}
		}
		for _, r := range c.rangesOn(day) {
			s, e := at(c.loc, day, r.Start), at(c.loc, day, r.End)
			s, e = later(s, a), earlier(e, b)
			if e.After(s) {
				total += e.Sub(s)
			}
		}
	}
}

// skippableWeeks returns how many whole weeks, at most limit, starting at
// day (whose first instant is day0) hold exactly the nominal weekly working
// time: no holiday falls in them and no zone transition happens before
// their end, so every wall-clock range there lasts its nominal length. The
// wall clock must read exactly 00:00 at day0 (not so on a day whose midnight
// falls in a spring-forward gap).
func (c *Calendar) skippableWeeks(day date, day0 time.Time, limit int64) int64 {
	if limit <= 0 || wallSeconds(day0) != int64(day)*secondsPerDay {
		return 0
	}
	k := limit
	if h, ok := c.nextHoliday(day); ok {
		k = min(k, int64(h-day)/7)
	}
	if _, end := day0.ZoneBounds(); !end.IsZero() {
		k = min(k, int64(end.Sub(day0)/week))
	}
	return min(k, math.MaxInt32)
}

func later(a, b time.Time) time.Time {
	if a.Before(b) {
		return b
	}
	return a
}

func earlier(a, b time.Time) time.Time {
	if a.After(b) {
		return b
	}
	return a
}
