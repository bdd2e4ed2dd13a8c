package sla

import (
	"testing"
	"time"
)

// rs parses "HH:MM-HH:MM" ranges or fails the test.
func rs(t testing.TB, ss ...string) []Range {
	t.Helper()
	var out []Range
	for _, s := range ss {
		r, err := ParseRange(s)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

// weekdays gives the same ranges Monday to Friday.
func weekdays(t testing.TB, ss ...string) map[time.Weekday][]Range {
	m := map[time.Weekday][]Range{}
	for wd := time.Monday; wd <= time.Friday; wd++ {
		m[wd] = rs(t, ss...)
	}
	return m
}

// everyDay gives the same ranges on all seven days.
func everyDay(t testing.TB, ss ...string) map[time.Weekday][]Range {
	m := map[time.Weekday][]Range{}
	for wd := time.Sunday; wd <= time.Saturday; wd++ {
		m[wd] = rs(t, ss...)
	}
	return m
}

func newCal(t testing.TB, zone string, hours map[time.Weekday][]Range, hol ...HolidaySpec) *Calendar {
	t.Helper()
	c, err := NewCalendar(CalendarSpec{ID: "test", Languages: []string{"fr"}, TimeZone: zone, Hours: hours, Holidays: hol})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// ts parses "2006-01-02 15:04 -0700": the offset makes every instant explicit,
// including the two occurrences of a repeated autumn hour.
func ts(t testing.TB, s string) time.Time {
	t.Helper()
	v, err := time.Parse("2006-01-02 15:04 -0700", s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func loc(t testing.TB, name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return l
}
