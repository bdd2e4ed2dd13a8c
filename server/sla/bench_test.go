package sla

import (
	"testing"
	"time"
)

var sink time.Time

// BenchmarkAdd8h: a TECHNICAL C target (8 working hours) from Friday
// afternoon over a weekend, Europe/Paris 09:00-17:00.
func BenchmarkAdd8h(b *testing.B) {
	c := newCal(b, "Europe/Paris", weekdays(b, "09:00-12:00", "13:00-17:00"))
	start := ts(b, "2026-11-27 15:00 +0100")
	b.ReportAllocs()
	for b.Loop() {
		sink = c.Add(start, 8*time.Hour)
	}
}

// BenchmarkAddYearWithHolidays: a year of working time (52 weeks of 40h)
// over a Europe/Paris calendar with 15 holidays (11 yearly, 4 once, two of
// them short days) and two DST changes on the way.
func BenchmarkAddYearWithHolidays(b *testing.B) {
	var hol []HolidaySpec
	for _, md := range [][2]int{{1, 1}, {4, 6}, {5, 1}, {5, 8}, {5, 14}, {5, 25}, {7, 14}, {8, 15}, {11, 1}, {11, 11}, {12, 25}} {
		hol = append(hol, HolidaySpec{Month: time.Month(md[0]), Day: md[1]})
	}
	hol = append(hol,
		HolidaySpec{Year: 2026, Month: 12, Day: 24, Hours: rs(b, "09:00-12:00")},
		HolidaySpec{Year: 2026, Month: 12, Day: 31, Hours: rs(b, "09:00-12:00")},
		HolidaySpec{Year: 2027, Month: 3, Day: 29},
		HolidaySpec{Year: 2027, Month: 5, Day: 17})
	c := newCal(b, "Europe/Paris", weekdays(b, "09:00-17:00"), hol...)
	start := ts(b, "2026-11-25 10:00 +0100")
	d := 52 * 40 * time.Hour
	if got := c.Between(start, c.Add(start, d)); got != d {
		b.Fatalf("Between = %v", got)
	}
	b.ReportAllocs()
	for b.Loop() {
		sink = c.Add(start, d)
	}
}
