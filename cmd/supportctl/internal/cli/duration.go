package cli

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"
)

// humane prints a duration the way people say it, at most two units,
// rounded down: 4h, 1d2h, 45m, 30s ("0s" below a second).
func humane(d time.Duration) string {
	neg := d < 0
	if neg {
		d = -d
	}
	units := []struct {
		name string
		size time.Duration
	}{{"d", 24 * time.Hour}, {"h", time.Hour}, {"m", time.Minute}, {"s", time.Second}}
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	parts := 0
	for _, u := range units {
		if parts == 2 || (parts == 1 && d < u.size) {
			break
		}
		if n := d / u.size; n > 0 {
			fmt.Fprintf(&b, "%d%s", n, u.name)
			d -= n * u.size
			parts++
		} else if parts > 0 {
			break
		}
	}
	if parts == 0 {
		return "0s"
	}
	return b.String()
}

// parseHumane reads a duration as humane prints it, with days allowed
// ("30d", "1d12h", "90m"), or anything time.ParseDuration reads.
func parseHumane(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	var days time.Duration
	if i := strings.IndexByte(s, 'd'); i > 0 {
		n, err := strconv.Atoi(s[:i])
		if err != nil || n < 0 {
			return 0, fmt.Errorf("duration %q: want e.g. 30d, 1d12h, 4h, 45m", s)
		}
		days = time.Duration(n) * 24 * time.Hour
		s = s[i+1:]
		if s == "" {
			return days, nil
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("duration %q: want e.g. 30d, 1d12h, 4h, 45m", s)
	}
	return days + d, nil
}

// age prints how long ago t was, humanely ("-" when unset).
func age(t *timestamppb.Timestamp) string {
	if t == nil {
		return "-"
	}
	return humane(time.Since(t.AsTime()))
}

func sortedStrings(s []string) []string {
	slices.Sort(s)
	return s
}
