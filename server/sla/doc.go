// Package sla holds the business calendars and the SLA clock of
// docs/domain.md §4: working time counted over wall-clock ranges of
// an IANA zone, with holidays and short days, exact across DST changes, and
// the response-target policy built on it.
//
// The package is pure: it never reads the clock (every instant is passed
// in), does no I/O and imports no gRPC, SQL or generated code.
//
// Wall-clock times map to instants by one rule (see at in wall.go): the
// earliest instant at which the zone's wall clock reads that time or later.
// A time inside a spring-forward gap therefore maps to the instant of the
// jump, a time of the repeated autumn hour to its first occurrence, and a
// range holds the real time between its two ends (00:00-06:00 lasts 5h on
// the spring-forward night and 7h on the autumn night).
//
// Calendar.Add and Calendar.Between are exact inverses on that clock:
// Between(s, Add(s, d)) == d for every d >= 0, Add is monotonic in d, and
// Add's result for d > 0 lies inside a working range or at its end.
package sla
