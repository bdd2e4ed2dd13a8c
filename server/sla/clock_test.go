package sla

import (
	"testing"
	"time"
)

// Every expectation below is computed by hand; the comment says how.
func TestAddBetweenTable(t *testing.T) {
	t.Parallel()
	officeParis := newCal(t, "Europe/Paris", weekdays(t, "09:00-17:00"))
	officeNY := newCal(t, "America/New_York", weekdays(t, "09:00-17:00"))
	lunchSP := newCal(t, "America/Sao_Paulo", weekdays(t, "08:00-12:00", "13:00-18:00"))
	touchTokyo := newCal(t, "Asia/Tokyo", weekdays(t, "09:00-12:00", "12:00-13:00", "13:00-17:00"))
	tokyoHol := newCal(t, "Asia/Tokyo", weekdays(t, "09:00-17:00"), HolidaySpec{Month: 12, Day: 1})
	nightParis := newCal(t, "Europe/Paris", everyDay(t, "00:00-06:00"))
	nightNY := newCal(t, "America/New_York", everyDay(t, "00:00-06:00"))
	nightSP := newCal(t, "America/Sao_Paulo", everyDay(t, "00:00-06:00"))
	nightTokyo := newCal(t, "Asia/Tokyo", everyDay(t, "00:00-06:00"))
	allParis := newCal(t, "Europe/Paris", everyDay(t, "00:00-24:00"))
	shiftParis := newCal(t, "Europe/Paris", everyDay(t, "00:00-02:00", "22:00-24:00"))
	gapParis := newCal(t, "Europe/Paris", map[time.Weekday][]Range{time.Sunday: rs(t, "02:30-05:00")})
	xmasParis := newCal(t, "Europe/Paris", weekdays(t, "09:00-17:00"),
		HolidaySpec{Year: 2026, Month: 12, Day: 24, Hours: rs(t, "09:00-12:00")},
		HolidaySpec{Month: 12, Day: 25})
	berlin := newCal(t, "Europe/Berlin", weekdays(t, "09:00-17:00"), HolidaySpec{Month: 1, Day: 1})
	utc := newCal(t, "UTC", weekdays(t, "09:00-17:00"))

	cases := []struct {
		name  string
		cal   *Calendar
		start string
		d     time.Duration
		want  string
	}{
		// Europe/Paris office hours.
		{"inside a range", officeParis, "2026-11-23 10:00 +0100", 2 * time.Hour, "2026-11-23 12:00 +0100"},
		{"runs out at range end", officeParis, "2026-11-23 09:00 +0100", 8 * time.Hour, "2026-11-23 17:00 +0100"},
		{"start before hours", officeParis, "2026-11-23 06:00 +0100", 2 * time.Hour, "2026-11-23 11:00 +0100"},
		{"start after hours", officeParis, "2026-11-23 18:00 +0100", 2 * time.Hour, "2026-11-24 11:00 +0100"},
		{"start on a weekend", officeParis, "2026-11-28 12:00 +0100", 4 * time.Hour, "2026-11-30 13:00 +0100"},
		{"over the weekend", officeParis, "2026-11-27 15:00 +0100", 8 * time.Hour, "2026-11-30 15:00 +0100"},
		{"over spring forward 2026", officeParis, "2026-03-27 15:00 +0100", 8 * time.Hour, "2026-03-30 15:00 +0200"},
		{"over autumn 2026", officeParis, "2026-10-23 15:00 +0200", 8 * time.Hour, "2026-10-26 15:00 +0100"},
		{"over spring forward 2027", officeParis, "2027-03-26 16:00 +0100", 4 * time.Hour, "2027-03-29 12:00 +0200"},
		{"over autumn 2027", officeParis, "2027-10-29 16:00 +0200", 4 * time.Hour, "2027-11-01 12:00 +0100"},
		{"start at midnight", officeParis, "2026-11-24 00:00 +0100", time.Hour, "2026-11-24 10:00 +0100"},
		// 5 weeks of 40h from Monday 09:00: Friday of the 5th week, 17:00.
		{"multi-week", officeParis, "2026-11-02 09:00 +0100", 200 * time.Hour, "2026-12-04 17:00 +0100"},
		// Short day before a holiday: 2h on the 24th (10-12), 25th off, weekend, 2h Monday.
		{"short day then holiday", xmasParis, "2026-12-24 10:00 +0100", 4 * time.Hour, "2026-12-28 11:00 +0100"},
		{"start in a short day's afternoon", xmasParis, "2026-12-24 14:00 +0100", time.Hour, "2026-12-28 10:00 +0100"},
		// docs/domain.md §4: 2h Thursday, 1 January off, weekend, 6h Monday.
		{"worked example Berlin", berlin, "2026-12-31 15:00 +0100", 8 * time.Hour, "2027-01-04 15:00 +0100"},
		// docs/domain.md §4: one business day, 5h Friday + 3h Monday.
		{"worked example advisory", utc, "2026-11-27 12:00 +0000", 8 * time.Hour, "2026-11-30 12:00 +0000"},

		// America/New_York: US DST changes (Sunday 02:00).
		{"NY over spring forward 2026", officeNY, "2026-03-06 16:00 -0500", 2 * time.Hour, "2026-03-09 10:00 -0400"},
		{"NY over fall back 2026", officeNY, "2026-10-30 16:00 -0400", 2 * time.Hour, "2026-11-02 10:00 -0500"},
		{"NY over spring forward 2027", officeNY, "2027-03-12 09:00 -0500", 16 * time.Hour, "2027-03-15 17:00 -0400"},
		{"NY over fall back 2027", officeNY, "2027-11-05 17:00 -0400", 8 * time.Hour, "2027-11-08 17:00 -0500"},

		// America/Sao_Paulo (UTC-3, no DST since 2019), lunch break 12:00-13:00.
		{"lunch: spans the break", lunchSP, "2026-11-23 11:00 -0300", 2 * time.Hour, "2026-11-23 14:00 -0300"},
		{"lunch: runs out at noon", lunchSP, "2026-11-23 11:00 -0300", time.Hour, "2026-11-23 12:00 -0300"},
		{"lunch: start during the break", lunchSP, "2026-11-23 12:30 -0300", time.Hour, "2026-11-23 14:00 -0300"},
		{"lunch: one full day 9h", lunchSP, "2026-11-23 08:00 -0300", 9 * time.Hour, "2026-11-23 18:00 -0300"},
		{"lunch: over the weekend", lunchSP, "2026-11-27 17:00 -0300", 3 * time.Hour, "2026-11-30 10:00 -0300"},
		{"SP night on old DST date", nightSP, "2026-10-31 23:00 -0300", 6 * time.Hour, "2026-11-01 06:00 -0300"},

		// Asia/Tokyo: touching ranges behave as one 09:00-17:00.
		{"touching: end of first piece", touchTokyo, "2026-11-24 09:00 +0900", 3 * time.Hour, "2026-11-24 12:00 +0900"},
		{"touching: across the seam", touchTokyo, "2026-11-24 11:00 +0900", 3 * time.Hour, "2026-11-24 14:00 +0900"},
		{"touching: full day", touchTokyo, "2026-11-24 09:00 +0900", 8 * time.Hour, "2026-11-24 17:00 +0900"},
		{"Tokyo night", nightTokyo, "2026-03-28 23:00 +0900", 6 * time.Hour, "2026-03-29 06:00 +0900"},
		// 3 weeks of 40h from Monday 2026-11-23 09:00, 1 December off: one more day.
		{"Tokyo multi-week with holiday", tokyoHol, "2026-11-23 09:00 +0900", 120 * time.Hour, "2026-12-14 17:00 +0900"},
		// 52 weeks of 40h from Monday 2026-01-05: Friday 2027-01-01 17:00.
		{"Tokyo one year", touchTokyo, "2026-01-05 09:00 +0900", 52 * 40 * time.Hour, "2027-01-01 17:00 +0900"},

		// Night range 00:00-06:00 over DST: 5h on the spring night, 7h in autumn.
		{"Paris night spring 2026 is 5h", nightParis, "2026-03-28 23:00 +0100", 5 * time.Hour, "2026-03-29 06:00 +0200"},
		{"Paris night spring 2026 +1h", nightParis, "2026-03-28 23:00 +0100", 6 * time.Hour, "2026-03-30 01:00 +0200"},
		{"Paris night autumn 2026 is 7h", nightParis, "2026-10-24 23:00 +0200", 7 * time.Hour, "2026-10-25 06:00 +0100"},
		{"Paris night autumn: first 02:00", nightParis, "2026-10-24 23:00 +0200", 2 * time.Hour, "2026-10-25 02:00 +0200"},
		{"Paris night autumn: second 02:00", nightParis, "2026-10-24 23:00 +0200", 3 * time.Hour, "2026-10-25 02:00 +0100"},
		{"Paris night spring 2027 is 5h", nightParis, "2027-03-27 12:00 +0100", 5 * time.Hour, "2027-03-28 06:00 +0200"},
		{"Paris night autumn 2027 is 7h", nightParis, "2027-10-30 12:00 +0200", 7 * time.Hour, "2027-10-31 06:00 +0100"},
		{"NY night spring 2026 is 5h", nightNY, "2026-03-07 23:00 -0500", 5 * time.Hour, "2026-03-08 06:00 -0400"},
		{"NY night autumn 2026 is 7h", nightNY, "2026-10-31 23:00 -0400", 7 * time.Hour, "2026-11-01 06:00 -0500"},
		{"NY night spring 2027 is 5h", nightNY, "2027-03-13 23:00 -0500", 5 * time.Hour, "2027-03-14 06:00 -0400"},
		{"NY night autumn 2027 is 7h", nightNY, "2027-11-06 23:00 -0400", 7 * time.Hour, "2027-11-07 06:00 -0500"},
		// Start inside the repeated hour (second 01:30 in New York).
		{"NY start in repeated hour", nightNY, "2026-11-01 01:30 -0500", time.Hour, "2026-11-01 02:30 -0500"},

		// A 24x7 calendar is real elapsed time, whatever the wall clock does.
		{"00:00-24:00 over spring forward", allParis, "2026-03-28 12:00 +0100", 24 * time.Hour, "2026-03-29 13:00 +0200"},
		{"00:00-24:00 over autumn", allParis, "2026-10-24 12:00 +0200", 24 * time.Hour, "2026-10-25 11:00 +0100"},
		// A shift over midnight: 22:00-24:00 then 00:00-02:00 of the next day.
		{"shift over midnight", shiftParis, "2026-11-23 23:00 +0100", 2 * time.Hour, "2026-11-24 01:00 +0100"},
		{"shift: ends at 02:00", shiftParis, "2026-11-23 21:00 +0100", 4 * time.Hour, "2026-11-24 02:00 +0100"},
		// A range starting inside the spring gap starts at the jump: 02:30-05:00 is
		// 03:00-05:00 CEST on 2026-03-29 (2h); in autumn it is 02:30 CEST-05:00 CET (3h30).
		{"range starts in the gap", gapParis, "2026-03-28 12:00 +0100", 2 * time.Hour, "2026-03-29 05:00 +0200"},
		{"range starts in the gap, +1m", gapParis, "2026-03-28 12:00 +0100", 2*time.Hour + time.Minute, "2026-04-05 02:31 +0200"},
		{"range over the repeated hour", gapParis, "2026-10-24 12:00 +0200", 3*time.Hour + 30*time.Minute, "2026-10-25 05:00 +0100"},
		{"sub-minute target", officeParis, "2026-11-23 16:59 +0100", 90 * time.Second, "2026-11-24 09:00:30 +0100"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			start := ts(t, c.start)
			var want time.Time
			if c.name == "sub-minute target" {
				want = ts(t, "2026-11-24 09:00 +0100").Add(30 * time.Second)
			} else {
				want = ts(t, c.want)
			}
			got := c.cal.Add(start, c.d)
			if !got.Equal(want) {
				t.Fatalf("Add(%s, %v) = %v, want %v", c.start, c.d, got, want)
			}
			if b := c.cal.Between(start, got); b != c.d {
				t.Fatalf("Between(start, due) = %v, want %v", b, c.d)
			}
			if b := c.cal.Between(got, start); b != -c.d {
				t.Fatalf("Between(due, start) = %v, want %v", b, -c.d)
			}
			if got.Location() != c.cal.Location() {
				t.Fatalf("result in %v, want the calendar's location", got.Location())
			}
		})
	}
}

func TestBetweenTable(t *testing.T) {
	t.Parallel()
	officeParis := newCal(t, "Europe/Paris", weekdays(t, "09:00-17:00"))
	nightParis := newCal(t, "Europe/Paris", everyDay(t, "00:00-06:00"))
	lunchSP := newCal(t, "America/Sao_Paulo", weekdays(t, "08:00-12:00", "13:00-18:00"))
	tokyo := newCal(t, "Asia/Tokyo", weekdays(t, "09:00-17:00"))
	cases := []struct {
		name string
		cal  *Calendar
		a, b string
		want time.Duration
	}{
		{"empty", officeParis, "2026-11-23 10:00 +0100", "2026-11-23 10:00 +0100", 0},
		{"outside hours", officeParis, "2026-11-23 18:00 +0100", "2026-11-24 08:00 +0100", 0},
		{"a weekend", officeParis, "2026-11-27 17:00 +0100", "2026-11-30 09:00 +0100", 0},
		{"one week", officeParis, "2026-11-23 00:00 +0100", "2026-11-30 00:00 +0100", 40 * time.Hour},
		{"night of 2026-03-29", nightParis, "2026-03-29 00:00 +0100", "2026-03-29 12:00 +0200", 5 * time.Hour},
		{"night of 2026-10-25", nightParis, "2026-10-25 00:00 +0200", "2026-10-25 12:00 +0100", 7 * time.Hour},
		{"March 2026 nights", nightParis, "2026-03-01 00:00 +0100", "2026-04-01 00:00 +0200", (31*6 - 1) * time.Hour},
		{"lunch day", lunchSP, "2026-11-23 00:00 -0300", "2026-11-24 00:00 -0300", 9 * time.Hour},
		{"Tokyo 2026 (261 weekdays)", tokyo, "2026-01-01 00:00 +0900", "2027-01-01 00:00 +0900", 261 * 8 * time.Hour},
	}
	for _, c := range cases {
		if got := c.cal.Between(ts(t, c.a), ts(t, c.b)); got != c.want {
			t.Errorf("%s: Between = %v, want %v", c.name, got, c.want)
		}
	}
}

func TestAddNonPositive(t *testing.T) {
	t.Parallel()
	c := newCal(t, "Europe/Paris", weekdays(t, "09:00-17:00"))
	s := ts(t, "2026-11-28 12:00 +0100")
	for _, d := range []time.Duration{0, -time.Hour} {
		if got := c.Add(s, d); !got.Equal(s) {
			t.Errorf("Add(s, %v) = %v, want s", d, got)
		}
	}
}

func TestBusinessDay(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		hours map[time.Weekday][]Range
		want  time.Duration
	}{
		{weekdays(t, "09:00-17:00"), 8 * time.Hour},
		{weekdays(t, "09:00-12:00", "13:00-17:00"), 7 * time.Hour},
		{map[time.Weekday][]Range{time.Monday: rs(t, "09:00-12:00"), time.Saturday: rs(t, "08:00-18:30")}, 10*time.Hour + 30*time.Minute},
		{everyDay(t, "00:00-24:00"), 24 * time.Hour},
	} {
		if got := newCal(t, "Europe/Paris", c.hours).BusinessDay(); got != c.want {
			t.Errorf("BusinessDay = %v, want %v", got, c.want)
		}
	}
}
