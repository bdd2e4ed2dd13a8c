package sla

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	_ "time/tzdata" // zone rules do not depend on the host's zoneinfo

	"golang.org/x/text/language"
)

// CalendarSpec is the plain-data description of a business calendar, as read
// from configuration. NewCalendar validates it.
type CalendarSpec struct {
	// ID names the calendar (unique within a Policy).
	ID string
	// Languages are the primary language subtags ("fr", "de") the calendar
	// serves.
	Languages []string
	// TimeZone is an IANA zone name ("Europe/Paris", "UTC").
	TimeZone string
	// Hours are the regular working ranges of each weekday, in wall-clock
	// time of TimeZone. A weekday absent from the map is not worked.
	// Touching ranges are merged; overlapping ranges are an error.
	Hours map[time.Weekday][]Range
	// Holidays are the dates whose regular hours do not apply.
	Holidays []HolidaySpec
}

// HolidaySpec is a holiday: a date every year (Year == 0) or one date
// (Year != 0). On that date the regular hours are replaced by Hours: no
// work at all when Hours is empty, a short day otherwise. A one-off holiday
// takes precedence over a yearly one on the same date.
type HolidaySpec struct {
	Year  int // 0 for a holiday every year
	Month time.Month
	Day   int
	Hours []Range // empty: a whole day off
}

// Yearly reports whether h recurs every year.
func (h HolidaySpec) Yearly() bool { return h.Year == 0 }

// String formats h as "MM-DD" (yearly) or "YYYY-MM-DD" (once).
func (h HolidaySpec) String() string {
	if h.Yearly() {
		return fmt.Sprintf("%02d-%02d", int(h.Month), h.Day)
	}
	return fmt.Sprintf("%04d-%02d-%02d", h.Year, int(h.Month), h.Day)
}

type monthDay struct {
	m time.Month
	d int
}

// Calendar is a validated business calendar: immutable and safe for
// concurrent use.
type Calendar struct {
	id        string
	languages []string
	loc       *time.Location
	week      [7][]Range
	yearly    map[monthDay][]Range
	once      map[date][]Range
	yearlyMD  []monthDay // sorted
	onceDates []date     // sorted
	weekly    time.Duration
	business  time.Duration
}

// NewCalendar validates spec and builds a Calendar. It rejects an empty ID, a
// language that is not a primary subtag, an unknown time zone, invalid or
// overlapping ranges, impossible or duplicate holiday dates, and a calendar
// with no regular working time at all (on which no target could ever run
// out).
func NewCalendar(spec CalendarSpec) (*Calendar, error) {
	c := &Calendar{id: spec.ID, yearly: map[monthDay][]Range{}, once: map[date][]Range{}}
	if strings.TrimSpace(spec.ID) == "" {
		return nil, errors.New("calendar: empty id")
	}
	wrap := func(err error) error { return fmt.Errorf("calendar %s: %w", spec.ID, err) }
	for _, l := range spec.Languages {
		base, err := ParseLanguageSubtag(l)
		if err != nil {
			return nil, wrap(err)
		}
		if slices.Contains(c.languages, base) {
			return nil, wrap(fmt.Errorf("language %s listed twice", base))
		}
		c.languages = append(c.languages, base)
	}
	if spec.TimeZone == "" {
		return nil, wrap(errors.New("empty time zone"))
	}
	loc, err := time.LoadLocation(spec.TimeZone)
	if err != nil {
		return nil, wrap(fmt.Errorf("unknown time zone %q", spec.TimeZone))
	}
	c.loc = loc
	for wd, rs := range spec.Hours {
		if wd < time.Sunday || wd > time.Saturday {
			return nil, wrap(fmt.Errorf("invalid weekday %d", wd))
		}
		n, err := NormalizeRanges(rs)
		if err != nil {
			return nil, wrap(fmt.Errorf("%s: %w", wd, err))
		}
		c.week[wd] = n
		mins := 0
		for _, r := range n {
			mins += r.Minutes()
		}
		c.weekly += time.Duration(mins) * time.Minute
		c.business = max(c.business, time.Duration(mins)*time.Minute)
	}
	if c.weekly == 0 {
		return nil, wrap(errors.New("no working hours on any weekday"))
	}
	if err := c.addHolidays(spec.Holidays); err != nil {
		return nil, wrap(err)
	}
	return c, nil
}

func (c *Calendar) addHolidays(hs []HolidaySpec) error {
	offYearly := 0
	for _, h := range hs {
		n, err := NormalizeRanges(h.Hours)
		if err != nil {
			return fmt.Errorf("holiday %s: %w", h, err)
		}
		if err := validDate(h); err != nil {
			return err
		}
		if h.Yearly() {
			md := monthDay{h.Month, h.Day}
			if _, dup := c.yearly[md]; dup {
				return fmt.Errorf("holiday %s listed twice", h)
			}
			c.yearly[md] = n
			c.yearlyMD = append(c.yearlyMD, md)
			if len(n) == 0 {
				offYearly++
			}
			continue
		}
		d := civil(h.Year, h.Month, h.Day)
		if _, dup := c.once[d]; dup {
			return fmt.Errorf("holiday %s listed twice", h)
		}
		c.once[d] = n
		c.onceDates = append(c.onceDates, d)
	}
	if offYearly == 366 {
		return errors.New("every day of the year is a holiday")
	}
	slices.SortFunc(c.yearlyMD, func(a, b monthDay) int {
		if a.m != b.m {
			return int(a.m) - int(b.m)
		}
		return a.d - b.d
	})
	slices.Sort(c.onceDates)
	return nil
}

func validDate(h HolidaySpec) error {
	y := h.Year
	if h.Yearly() {
		y = 2000 // a leap year: 02-29 is a valid yearly holiday
	} else if y < 1 || y > 9999 {
		return fmt.Errorf("holiday %s: year out of range", h)
	}
	if h.Month < time.January || h.Month > time.December || h.Day < 1 {
		return fmt.Errorf("holiday %s: no such date", h)
	}
	if t := time.Date(y, h.Month, h.Day, 0, 0, 0, 0, time.UTC); t.Month() != h.Month {
		return fmt.Errorf("holiday %s: no such date", h)
	}
	return nil
}

// ParseLanguageSubtag validates a primary language subtag ("fr", "EN") and
// returns its canonical lower-case form. A full tag such as "fr-FR" is
// rejected: calendars are indexed by primary subtag only.
func ParseLanguageSubtag(s string) (string, error) {
	b, err := language.ParseBase(s)
	if err != nil || b.String() == "und" {
		return "", fmt.Errorf("%q is not a primary language subtag", s)
	}
	return b.String(), nil
}

// ID returns the calendar's identifier.
func (c *Calendar) ID() string { return c.id }

// Languages returns the canonical primary subtags the calendar serves.
func (c *Calendar) Languages() []string { return slices.Clone(c.languages) }

// Location returns the calendar's time zone.
func (c *Calendar) Location() *time.Location { return c.loc }

// BusinessDay returns the nominal working time of the longest regular
// weekday (8h for 09:00-17:00, 7h for 09:00-12:00 + 13:00-17:00), ignoring
// holidays and DST: the "one business day" target of docs/domain.md §4.
func (c *Calendar) BusinessDay() time.Duration { return c.business }

// WeeklyHours returns the nominal working time of a regular week.
func (c *Calendar) WeeklyHours() time.Duration { return c.weekly }

// rangesOn returns the wall-clock working ranges of day d.
func (c *Calendar) rangesOn(d date) []Range {
	if len(c.once) > 0 {
		if rs, ok := c.once[d]; ok {
			return rs
		}
	}
	if len(c.yearly) > 0 {
		_, m, dd := d.ymd()
		if rs, ok := c.yearly[monthDay{m, dd}]; ok {
			return rs
		}
	}
	return c.week[d.weekday()]
}

// nextHoliday returns the first holiday on or after d, or ok=false if none
// falls within the next 8 years (as far as a yearly 02-29 may be).
func (c *Calendar) nextHoliday(d date) (date, bool) {
	best, ok := date(0), false
	if i, _ := slices.BinarySearch(c.onceDates, d); i < len(c.onceDates) {
		best, ok = c.onceDates[i], true
	}
	if len(c.yearlyMD) == 0 {
		return best, ok
	}
	y, _, _ := d.ymd()
	for yy := y; yy <= y+8; yy++ {
		for _, md := range c.yearlyMD {
			h := civil(yy, md.m, md.d)
			if _, m, _ := h.ymd(); m != md.m || h < d { // 02-29 in a common year, or past
				continue
			}
			if !ok || h < best {
				best, ok = h, true
			}
			break // yearlyMD is sorted: the first valid date of the year is the earliest
		}
		if ok && best < civil(yy+1, time.January, 1) {
			return best, true
		}
	}
	return best, ok
}
