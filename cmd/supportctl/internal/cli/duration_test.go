package cli

import (
	"testing"
	"time"
)

func TestHumaneDurations(t *testing.T) {
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{
		{4 * time.Hour, "4h"},
		{26*time.Hour + 5*time.Minute, "1d2h"},
		{24*time.Hour + 5*time.Minute, "1d"},
		{45 * time.Minute, "45m"},
		{90 * time.Second, "1m30s"},
		{500 * time.Millisecond, "0s"},
		{-2 * time.Hour, "-2h"},
	} {
		if got := humane(tc.d); got != tc.want {
			t.Errorf("humane(%v) = %q, want %q", tc.d, got, tc.want)
		}
	}
	for s, want := range map[string]time.Duration{"30d": 30 * 24 * time.Hour, "1d12h": 36 * time.Hour, "45m": 45 * time.Minute, "4h": 4 * time.Hour} {
		if got, err := parseHumane(s); err != nil || got != want {
			t.Errorf("parseHumane(%q) = %v, %v; want %v", s, got, err, want)
		}
	}
	for _, bad := range []string{"", "soon", "d", "-1d", "1d2"} {
		if _, err := parseHumane(bad); err == nil {
			t.Errorf("parseHumane(%q): no error", bad)
		}
	}
}
