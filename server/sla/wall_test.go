package sla

import (
	"testing"
	"time"
)

// bruteAt is the definition of at: scan minute by minute for the earliest
// instant whose wall clock reads the wanted time or later.
func bruteAt(l *time.Location, d date, m int) time.Time {
	want := int64(d)*secondsPerDay + int64(m)*60
	u := time.Unix(want-16*3600, 0).In(l)
	for wallSeconds(u) < want {
		u = u.Add(time.Minute)
	}
	return u
}

func TestAtMatchesDefinitionAroundTransitions(t *testing.T) {
	t.Parallel()
	days := map[string][]string{
		"Europe/Paris":        {"2026-03-29", "2026-10-25", "2027-03-28", "2027-10-31"},
		"America/New_York":    {"2026-03-08", "2026-11-01", "2027-03-14", "2027-11-07"},
		"America/Sao_Paulo":   {"2018-11-04", "2019-02-16", "2026-11-01"}, // DST at midnight until 2019
		"Asia/Tokyo":          {"2026-03-29"},
		"Australia/Lord_Howe": {"2026-04-05", "2026-10-04"}, // half-hour DST
	}
	for zone, ds := range days {
		l := loc(t, zone)
		for _, s := range ds {
			p, _ := time.Parse("2006-01-02", s)
			d := civil(p.Date())
			for m := 0; m <= MinutesPerDay; m += 5 {
				if got, want := at(l, d, m), bruteAt(l, d, m); !got.Equal(want) {
					t.Errorf("%s %s minute %d: at = %v, want %v", zone, s, m, got, want)
				}
			}
		}
	}
}

func TestAtExamples(t *testing.T) {
	t.Parallel()
	paris := loc(t, "Europe/Paris")
	for _, c := range []struct {
		day  string
		m    int
		want string
	}{
		{"2026-03-29", 150, "2026-03-29 03:00 +0200"}, // 02:30 does not exist: the jump
		{"2026-03-29", 180, "2026-03-29 03:00 +0200"},
		{"2026-10-25", 150, "2026-10-25 02:30 +0200"}, // repeated: the first 02:30
		{"2026-10-25", 180, "2026-10-25 03:00 +0100"},
		{"2026-10-25", 1440, "2026-10-26 00:00 +0100"},
	} {
		p, _ := time.Parse("2006-01-02", c.day)
		if got := at(paris, civil(p.Date()), c.m); !got.Equal(ts(t, c.want)) {
			t.Errorf("%s minute %d: got %v, want %s", c.day, c.m, got, c.want)
		}
	}
}

func TestCivil(t *testing.T) {
	t.Parallel()
	if d := civil(1970, 1, 1); d != 0 || d.weekday() != time.Thursday {
		t.Fatalf("epoch: %d %v", d, d.weekday())
	}
	d := civil(1969, 12, 31)
	if d != -1 || d.weekday() != time.Wednesday {
		t.Fatalf("1969-12-31: %d %v", d, d.weekday())
	}
	for _, s := range []string{"2026-11-29", "2000-02-29", "1900-03-01", "2400-12-31"} {
		p, _ := time.Parse("2006-01-02", s)
		d := civil(p.Date())
		if y, m, dd := d.ymd(); y != p.Year() || m != p.Month() || dd != p.Day() || d.weekday() != p.Weekday() {
			t.Errorf("%s: round trip %d-%d-%d %v", s, y, m, dd, d.weekday())
		}
	}
}
