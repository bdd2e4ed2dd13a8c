package sla

import "time"

// date is a civil date counted in days since 1970-01-01 (proleptic
// Gregorian). Civil-date arithmetic is plain integer arithmetic: it never
// touches a time zone, so adding a day is never "adding 24h".
type date int64

const secondsPerDay = 86400

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

func civil(y int, m time.Month, d int) date {
	return date(floorDiv(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix(), secondsPerDay))
}

func (d date) ymd() (int, time.Month, int) {
	return time.Unix(int64(d)*secondsPerDay, 0).UTC().Date()
}

func (d date) weekday() time.Weekday {
	// 1970-01-01 was a Thursday.
	return time.Weekday((int64(d)%7 + 7 + int64(time.Thursday)) % 7)
}

// wallDate returns the civil date shown by the wall clock of loc at t.
func wallDate(t time.Time, loc *time.Location) date {
	return civil(t.In(loc).Date())
}

// wallSeconds returns the wall clock of t in its own location as seconds
// since 1970-01-01 00:00 of that wall clock.
func wallSeconds(t time.Time) int64 {
	_, off := t.Zone()
	return t.Unix() + int64(off)
}

// at returns the instant of the wall-clock time "minute m of day d" in loc
// (m may be 1440, the next day's 00:00). Wall times do not map one-to-one to
// instants, so the rule is: the earliest instant at which the wall clock reads
// that time or later.
//
//   - A wall time that exists once maps to that instant.
//   - A wall time inside a spring-forward gap (02:30 in Paris on 2026-03-29)
//     maps to the instant of the jump (03:00 CEST): the first moment the clock
//     has passed it.
//   - A wall time of a repeated autumn hour maps to its first occurrence
//     (02:30 CEST, not 02:30 CET).
//
// The rule is monotonic in (d, m), so the ranges of a day never invert and
// consecutive days never overlap; a range's real length is the time between
// its two mapped ends (00:00-06:00 is 5h on the spring night, 7h in autumn).
func at(loc *time.Location, d date, m int) time.Time {
	y, mo, dd := d.ymd()
	t := time.Date(y, mo, dd, 0, m, 0, 0, loc)
	want := int64(d)*secondsPerDay + int64(m)*60
	got := wallSeconds(t)
	switch {
	case got > want: // in a gap, normalised forward: the clock jumped at the zone start
		start, _ := t.ZoneBounds()
		return start
	case got < want: // in a gap, normalised backward: the clock jumps at the zone end
		_, end := t.ZoneBounds()
		return end
	}
	// The wall time exists; an earlier instant shows it too if the previous
	// zone period had a larger offset (the repeated hour after a fall-back).
	start, _ := t.ZoneBounds()
	if start.IsZero() {
		return t
	}
	_, prevOff := start.Add(-time.Nanosecond).Zone()
	_, curOff := t.Zone()
	if diff := prevOff - curOff; diff > 0 {
		if u := t.Add(-time.Duration(diff) * time.Second); u.Before(start) {
			return u
		}
	}
	return t
}
