package config

import "fmt"

// Error is one problem found in a configuration file, at a position.
// Parse returns a single *Error, or several joined with errors.Join (use
// errors.As to get the first one).
type Error struct {
	File   string // set by Load
	Line   int    // 1-based; 0 when unknown (e.g. an empty document)
	Column int    // 1-based; 0 when unknown
	Key    string // dotted path of the key, e.g. "calendars[1].hours.mon[0]"
	Msg    string
}

// Error formats e as "FILE: line N: KEY: MSG", leaving out what is unknown.
func (e *Error) Error() string {
	s := ""
	if e.File != "" {
		s = e.File + ": "
	}
	if e.Line > 0 {
		s += fmt.Sprintf("line %d: ", e.Line)
	}
	if e.Key != "" {
		s += e.Key + ": "
	}
	return s + e.Msg
}
