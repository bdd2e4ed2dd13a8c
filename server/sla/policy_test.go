package sla

import (
	"errors"
	"testing"
	"time"

	"github.com/supportd/supportd/server/domain"
)

func testPolicy(t *testing.T, warnAt float64) *Policy {
	t.Helper()
	mk := func(id, zone string, langs []string, hol ...HolidaySpec) *Calendar {
		c, err := NewCalendar(CalendarSpec{ID: id, Languages: langs, TimeZone: zone, Hours: weekdays(t, "09:00-17:00"), Holidays: hol})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	p, err := NewPolicy(PolicyOptions{WarnAt: warnAt, Calendars: []*Calendar{
		mk("en", "UTC", []string{"en"}),
		mk("de", "Europe/Berlin", []string{"de"}, HolidaySpec{Month: 1, Day: 1}),
		mk("ja", "Asia/Tokyo", []string{"ja"}),
		mk("pt", "America/Sao_Paulo", []string{"pt"}),
	}})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// The deadline examples and the category rules of docs/domain.md §4.
func TestPolicyTarget(t *testing.T) {
	t.Parallel()
	p := testPolicy(t, 0.75)
	cases := []struct {
		name      string
		cat       domain.Category
		sev       domain.Severity
		lang      string
		submit    string
		due, warn string
		business  bool
		calID     string
		target    time.Duration
	}{
		{"§8 English technical B, 24x7", domain.CategoryTechnical, domain.SeverityB, "en-US", "2026-11-29 23:00 +0000",
			"2026-11-30 03:00 +0000", "2026-11-30 02:00 +0000", false, "", 4 * time.Hour},
		{"§8 German technical C, 1 January off", domain.CategoryTechnical, domain.SeverityC, "de-DE", "2026-12-31 15:00 +0100",
			"2027-01-04 15:00 +0100", "2027-01-04 13:00 +0100", true, "de", 8 * time.Hour},
		{"§8 English advisory, one business day", domain.CategoryAdvisory, domain.SeverityC, "en", "2026-11-27 12:00 +0000",
			"2026-11-30 12:00 +0000", "2026-11-30 10:00 +0000", true, "en", 8 * time.Hour},
		{"§8 English technical A, warn at 0.75", domain.CategoryTechnical, domain.SeverityA, "en-GB", "2026-11-25 10:00 +0000",
			"2026-11-25 12:00 +0000", "2026-11-25 11:30 +0000", false, "", 2 * time.Hour},
		{"English technical on a Saturday night is still 24x7", domain.CategoryTechnical, domain.SeverityA, "en", "2026-11-28 23:00 +0000",
			"2026-11-29 01:00 +0000", "2026-11-29 00:30 +0000", false, "", 2 * time.Hour},
		{"Japanese technical A in Tokyo hours", domain.CategoryTechnical, domain.SeverityA, "ja", "2026-11-27 16:00 +0900",
			"2026-11-30 10:00 +0900", "2026-11-30 09:30 +0900", true, "ja", 2 * time.Hour},
		{"Portuguese billing, one business day", domain.CategoryBilling, domain.SeverityA, "pt-BR", "2026-11-23 13:00 -0300",
			"2026-11-24 13:00 -0300", "2026-11-24 11:00 -0300", true, "pt", 8 * time.Hour},
		{"English fraud, one business day", domain.CategoryFraud, domain.SeverityB, "en", "2026-11-23 17:30 +0000",
			"2026-11-24 17:00 +0000", "2026-11-24 15:00 +0000", true, "en", 8 * time.Hour},
		{"English subscription management", domain.CategorySubscriptionManagement, "", "en", "2026-11-23 09:00 +0000",
			"2026-11-23 17:00 +0000", "2026-11-23 15:00 +0000", true, "en", 8 * time.Hour},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			submit := ts(t, c.submit)
			d, err := p.Target(c.cat, c.sev, c.lang, submit)
			if err != nil {
				t.Fatal(err)
			}
			if !d.Due.Equal(ts(t, c.due)) || !d.Warn.Equal(ts(t, c.warn)) {
				t.Errorf("due %v warn %v, want %s and %s", d.Due, d.Warn, c.due, c.warn)
			}
			if d.BusinessHours != c.business || d.CalendarID != c.calID || d.Target != c.target {
				t.Errorf("got %+v", d)
			}
			warn, breach := p.Stages(submit, d)
			if !warn.Equal(d.Warn) || !breach.Equal(d.Due) {
				t.Errorf("Stages = %v, %v", warn, breach)
			}
			if e := p.Elapsed(d, submit, d.Due); e != d.Target {
				t.Errorf("Elapsed(submit, due) = %v, want %v", e, d.Target)
			}
		})
	}
}

func TestPolicyUnsupportedLanguage(t *testing.T) {
	t.Parallel()
	p := testPolicy(t, 0)
	for _, lang := range []string{"fr-FR", "zz", "", "not a tag", "und"} {
		_, err := p.Target(domain.CategoryTechnical, domain.SeverityA, lang, time.Now())
		if !errors.Is(err, ErrUnsupportedLanguage) {
			t.Errorf("%q: err = %v, want ErrUnsupportedLanguage", lang, err)
		}
	}
	if _, err := p.Target("NOPE", domain.SeverityA, "en", time.Now()); err == nil || errors.Is(err, ErrUnsupportedLanguage) {
		t.Errorf("bad category: %v", err)
	}
	if _, err := p.Target(domain.CategoryTechnical, "D", "de", time.Now()); err == nil {
		t.Error("bad severity accepted")
	}
	if p.WarnAt() != DefaultWarnAt {
		t.Errorf("default warn_at %v", p.WarnAt())
	}
}

func TestNewPolicyErrors(t *testing.T) {
	t.Parallel()
	frCal := newCal(t, "UTC", weekdays(t, "09:00-17:00")) // id "test", serves fr
	enCal, _ := NewCalendar(CalendarSpec{ID: "en", Languages: []string{"en"}, TimeZone: "UTC", Hours: weekdays(t, "09:00-17:00")})
	for name, o := range map[string]PolicyOptions{
		"warn_at 1":        {WarnAt: 1, Calendars: []*Calendar{enCal}},
		"warn_at negative": {WarnAt: -0.5, Calendars: []*Calendar{enCal}},
		"zero target":      {Targets: map[domain.Severity]time.Duration{domain.SeverityA: 0}, Calendars: []*Calendar{enCal}},
		"unknown severity": {Targets: map[domain.Severity]time.Duration{"Z": time.Hour}, Calendars: []*Calendar{enCal}},
		"no en calendar":   {Calendars: []*Calendar{frCal}},
		"duplicate id":     {Calendars: []*Calendar{enCal, enCal}},
		"nil calendar":     {Calendars: []*Calendar{enCal, nil}},
	} {
		if _, err := NewPolicy(o); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestNewCalendarErrors(t *testing.T) {
	t.Parallel()
	ok := weekdays(t, "09:00-17:00")
	for name, spec := range map[string]CalendarSpec{
		"empty id":          {TimeZone: "UTC", Hours: ok},
		"unknown zone":      {ID: "x", TimeZone: "Mars/Olympus", Hours: ok},
		"empty zone":        {ID: "x", Hours: ok},
		"no hours":          {ID: "x", TimeZone: "UTC"},
		"overlap":           {ID: "x", TimeZone: "UTC", Hours: map[time.Weekday][]Range{1: rs(t, "09:00-12:00", "11:00-13:00")}},
		"end before start":  {ID: "x", TimeZone: "UTC", Hours: map[time.Weekday][]Range{1: {{600, 540}}}},
		"past 24:00":        {ID: "x", TimeZone: "UTC", Hours: map[time.Weekday][]Range{1: {{600, 1441}}}},
		"bad language":      {ID: "x", TimeZone: "UTC", Hours: ok, Languages: []string{"fr-FR"}},
		"duplicate lang":    {ID: "x", TimeZone: "UTC", Hours: ok, Languages: []string{"fr", "FR"}},
		"bad weekday":       {ID: "x", TimeZone: "UTC", Hours: map[time.Weekday][]Range{9: rs(t, "09:00-12:00")}},
		"no such date":      {ID: "x", TimeZone: "UTC", Hours: ok, Holidays: []HolidaySpec{{Month: 2, Day: 30}}},
		"not a leap year":   {ID: "x", TimeZone: "UTC", Hours: ok, Holidays: []HolidaySpec{{Year: 2026, Month: 2, Day: 29}}},
		"duplicate holiday": {ID: "x", TimeZone: "UTC", Hours: ok, Holidays: []HolidaySpec{{Month: 12, Day: 25}, {Month: 12, Day: 25}}},
		"bad holiday hours": {ID: "x", TimeZone: "UTC", Hours: ok, Holidays: []HolidaySpec{{Month: 12, Day: 24, Hours: []Range{{0, 0}}}}},
	} {
		if _, err := NewCalendar(spec); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if _, err := NewCalendar(CalendarSpec{ID: "x", TimeZone: "UTC", Hours: ok, Holidays: []HolidaySpec{{Month: 2, Day: 29}}}); err != nil {
		t.Errorf("yearly 02-29 rejected: %v", err)
	}
}

func TestParseRange(t *testing.T) {
	t.Parallel()
	good := map[string]Range{"09:00-17:00": {540, 1020}, "00:00-24:00": {0, 1440}, " 08:30 - 12:15 ": {510, 735}, "23:59-24:00": {1439, 1440}}
	for s, want := range good {
		if r, err := ParseRange(s); err != nil || r != want {
			t.Errorf("%q: %v %v", s, r, err)
		}
	}
	for _, s := range []string{"", "09:00", "9:00-17:00", "09:00-17:60", "24:00-24:00", "17:00-09:00", "09:00-09:00", "25:00-26:00", "+9:00-17:00", "09:00-24:01", "aa:bb-cc:dd"} {
		if r, err := ParseRange(s); err == nil {
			t.Errorf("%q accepted as %v", s, r)
		}
	}
	n, err := NormalizeRanges(rs(t, "13:00-17:00", "09:00-12:00", "12:00-13:00", "18:00-19:00"))
	if err != nil || len(n) != 2 || n[0] != (Range{540, 1020}) || n[1] != (Range{1080, 1140}) {
		t.Errorf("NormalizeRanges = %v, %v", n, err)
	}
	if r := (Range{540, 1440}); r.String() != "09:00-24:00" {
		t.Errorf("String = %s", r)
	}
}
