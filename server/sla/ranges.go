package sla

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// MinutesPerDay is the number of wall-clock minutes of a nominal day; it is
// the largest value a Range end may take ("24:00", the end of the day).
const MinutesPerDay = 24 * 60

// Range is a half-open span of wall-clock time within one day, [Start, End),
// in minutes after midnight. A valid Range has 0 <= Start < End <= 1440.
// Ranges are wall-clock times in a calendar's zone: their real length on a
// given date may differ from End-Start when a DST change falls inside them.
type Range struct {
	Start int // minutes after midnight, 0..1439
	End   int // minutes after midnight, 1..1440 (1440 is "24:00")
}

// Minutes returns the nominal (wall-clock) length of r in minutes.
func (r Range) Minutes() int { return r.End - r.Start }

// String formats r as "HH:MM-HH:MM", the form ParseRange accepts.
func (r Range) String() string { return clock(r.Start) + "-" + clock(r.End) }

func clock(m int) string { return fmt.Sprintf("%02d:%02d", m/60, m%60) }

// Validate reports whether r is a valid range: both ends within the day and
// End strictly after Start.
func (r Range) Validate() error {
	if r.Start < 0 || r.Start >= MinutesPerDay {
		return fmt.Errorf("range %s: start must be between 00:00 and 23:59", r)
	}
	if r.End <= 0 || r.End > MinutesPerDay {
		return fmt.Errorf("range %s: end must be between 00:01 and 24:00", r)
	}
	if r.End <= r.Start {
		return fmt.Errorf("range %s: end must be after start", r)
	}
	return nil
}

// ParseRange parses "HH:MM-HH:MM" (two-digit hours and minutes, 24-hour
// clock; "24:00" is accepted as an end only) into a valid Range.
func ParseRange(s string) (Range, error) {
	a, b, ok := strings.Cut(strings.TrimSpace(s), "-")
	if !ok {
		return Range{}, fmt.Errorf("range %q: want HH:MM-HH:MM", s)
	}
	start, err := parseClock(strings.TrimSpace(a), false)
	if err != nil {
		return Range{}, fmt.Errorf("range %q: start: %v", s, err)
	}
	end, err := parseClock(strings.TrimSpace(b), true)
	if err != nil {
		return Range{}, fmt.Errorf("range %q: end: %v", s, err)
	}
	r := Range{Start: start, End: end}
	if r.End <= r.Start {
		return Range{}, fmt.Errorf("range %q: end must be after start", s)
	}
	return r, nil
}

func parseClock(s string, isEnd bool) (int, error) {
	if len(s) != 5 || s[2] != ':' {
		return 0, fmt.Errorf("%q is not HH:MM", s)
	}
	h, err1 := strconv.Atoi(s[:2])
	m, err2 := strconv.Atoi(s[3:])
	if err1 != nil || err2 != nil || h < 0 || m < 0 || s[0] == '+' || s[3] == '+' {
		return 0, fmt.Errorf("%q is not HH:MM", s)
	}
	if h == 24 && m == 0 && isEnd {
		return MinutesPerDay, nil
	}
	if h > 23 || m > 59 {
		return 0, fmt.Errorf("%q is not a time of day (00:00-23:59, or 24:00 as an end)", s)
	}
	return h*60 + m, nil
}

// NormalizeRanges validates the ranges of one day and returns them sorted,
// with touching ranges (09:00-12:00 and 12:00-13:00) merged into one. It
// returns an error for an invalid range or for two ranges that overlap. The
// input slice is not modified; a nil or empty input gives nil.
func NormalizeRanges(rs []Range) ([]Range, error) {
	if len(rs) == 0 {
		return nil, nil
	}
	out := slices.Clone(rs)
	for _, r := range out {
		if err := r.Validate(); err != nil {
			return nil, err
		}
	}
	slices.SortFunc(out, func(a, b Range) int { return a.Start - b.Start })
	merged := out[:1]
	for _, r := range out[1:] {
		last := &merged[len(merged)-1]
		switch {
		case r.Start < last.End:
			return nil, fmt.Errorf("ranges %s and %s overlap", *last, r)
		case r.Start == last.End:
			last.End = r.End
		default:
			merged = append(merged, r)
		}
	}
	return slices.Clip(merged), nil
}
