// Package config reads the supportd YAML configuration file
// (docs/configuration.md): response targets, escalation, business calendars and
// the watch stream settings. Parsing is strict: an unknown key, a bad value
// or an inconsistent calendar is an error naming the line and the key.
// Absent keys keep the built-in defaults of Default.
package config

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"time"

	"github.com/supportd/supportd/server/domain"
	"github.com/supportd/supportd/server/sla"
)

// Config is the whole configuration file, defaults applied.
type Config struct {
	// ResponseTargets are the TECHNICAL targets per severity (A, B, C).
	ResponseTargets map[domain.Severity]time.Duration
	// Escalation holds the SLA warning and check settings.
	Escalation Escalation
	// Calendars are the business calendars: the built-in ones (possibly
	// overridden by id) followed by the ones the file adds.
	Calendars []sla.CalendarSpec
	// Watch holds the settings of the ticket event streams.
	Watch Watch
	// Limits bounds what callers can grow: conversation sizes, request
	// rates, streams and connections.
	Limits Limits
	// Log holds the settings of the server's log.
	Log Log
	// HTTP holds the settings of the HTTP listener (REST/JSON, Connect,
	// gRPC-Web).
	HTTP HTTP
}

// HTTP is the `http` section.
type HTTP struct {
	// CORSOrigins are the browser origins ("https://app.example.com") allowed
	// to call the API across origins; "*" allows any. None by default:
	// browsers may only call the API from its own origin.
	CORSOrigins []string
}

// Limits is the `limits` section. Every value is positive.
type Limits struct {
	// NoteBytes is the largest note, in UTF-8 bytes.
	NoteBytes int
	// NotesPerTicket is the most notes one ticket holds.
	NotesPerTicket int
	// AttachmentBytes is the largest attachment, in bytes.
	AttachmentBytes int64
	// AttachmentsPerTicket is the most attachments one ticket holds.
	AttachmentsPerTicket int
	// RequestsPerSecond is the sustained call rate allowed per API key
	// (token bucket refill rate).
	RequestsPerSecond float64
	// Burst is the token bucket's size: calls a key may make at once.
	Burst int
	// WatchStreamsPerKey caps the concurrent watch streams of one API key.
	WatchStreamsPerKey int
	// WatchStreamsPerPartner caps the concurrent watch streams of one
	// partner, all its keys together.
	WatchStreamsPerPartner int
	// MaxConnections caps the concurrent client connections of a listener.
	MaxConnections int
	// StreamsPerConnection caps the concurrent calls (HTTP/2 streams) on
	// one connection.
	StreamsPerConnection int
	// HealthWatches caps the concurrent unauthenticated health Watch
	// streams.
	HealthWatches int
	// CachedTickets is the most tickets the SQLite store keeps decoded in
	// memory (its ticket index: reads of a ticket by id and the ticket
	// bodies of list pages come from it), least recently used evicted
	// first; ~2 KB each.
	CachedTickets int
	// CachedDirectoryEntries is the most directory records of each kind
	// (partners, customers, subscription lists, contract lists, topics)
	// the SQLite store keeps in memory for filings; a directory write
	// empties the cache.
	CachedDirectoryEntries int
	// UnknownKeysCached caps how many unknown API key ids the server
	// remembers as unknown (the negative cache of authentication), and
	// UnknownKeyTTL how long it remembers each: calls with a key id
	// remembered so are refused without reading the database.
	UnknownKeysCached int
	UnknownKeyTTL     time.Duration
}

// Log is the `log` section.
type Log struct {
	// SlowCallThreshold: a call taking longer than this is logged at WARN
	// even when it succeeds.
	SlowCallThreshold time.Duration
}

// Escalation is the `escalation` section.
type Escalation struct {
	// WarnAt is the fraction of a target at which SLA_WARNING fires, in (0, 1).
	WarnAt float64
	// CheckInterval is how often deadlines are checked; positive.
	CheckInterval time.Duration
}

// Watch is the `watch` section.
type Watch struct {
	// CheckpointInterval is how often a stream's resume checkpoint is sent.
	CheckpointInterval time.Duration
	// Retention is how long events stay available for resuming a stream.
	Retention time.Duration
}

// Built-in defaults.
const (
	DefaultCheckInterval      = time.Second
	DefaultCheckpointInterval = 10 * time.Second
	DefaultRetention          = 168 * time.Hour
)

// Built-in limits (the `limits` section) and log settings.
const (
	DefaultNoteBytes              = 32 << 10
	DefaultNotesPerTicket         = 5000
	DefaultAttachmentBytes        = 25 << 20
	DefaultAttachmentsPerTicket   = 50
	DefaultRequestsPerSecond      = 50
	DefaultBurst                  = 100
	DefaultWatchStreamsPerKey     = 20
	DefaultWatchStreamsPerPartner = 100
	DefaultMaxConnections         = 1000
	DefaultStreamsPerConnection   = 100
	DefaultHealthWatches          = 100
	DefaultCachedTickets          = 8192
	DefaultCachedDirectoryEntries = 4096
	DefaultUnknownKeysCached      = 10000
	DefaultUnknownKeyTTL          = 10 * time.Second
	DefaultSlowCallThreshold      = time.Second
)

// defaultZones are the built-in calendars, in order: id (= language) and zone.
var defaultZones = [][2]string{
	{"en", "UTC"}, {"fr", "Europe/Paris"}, {"de", "Europe/Berlin"}, {"es", "Europe/Madrid"},
	{"it", "Europe/Rome"}, {"nl", "Europe/Amsterdam"}, {"pt", "Europe/Lisbon"}, {"ja", "Asia/Tokyo"},
}

// Default returns the built-in configuration: the targets of
// docs/domain.md §4 (A 2h, B 4h, C 8h), warn_at 0.75, check_interval 1s, the
// watch defaults (checkpoint 10s, retention 168h), the limits of Limits
// and one calendar per language, Monday to Friday 09:00-17:00, no holidays:
// en UTC, fr Europe/Paris, de Europe/Berlin, es Europe/Madrid, it
// Europe/Rome, nl Europe/Amsterdam, pt Europe/Lisbon, ja Asia/Tokyo. Each
// call returns a fresh value.
func Default() *Config {
	c := &Config{
		ResponseTargets: sla.DefaultTargets(),
		Escalation:      Escalation{WarnAt: sla.DefaultWarnAt, CheckInterval: DefaultCheckInterval},
		Watch: Watch{
			CheckpointInterval: DefaultCheckpointInterval,
			Retention:          DefaultRetention,
		},
		Limits: Limits{
			NoteBytes:              DefaultNoteBytes,
			NotesPerTicket:         DefaultNotesPerTicket,
			AttachmentBytes:        DefaultAttachmentBytes,
			AttachmentsPerTicket:   DefaultAttachmentsPerTicket,
			RequestsPerSecond:      DefaultRequestsPerSecond,
			Burst:                  DefaultBurst,
			WatchStreamsPerKey:     DefaultWatchStreamsPerKey,
			WatchStreamsPerPartner: DefaultWatchStreamsPerPartner,
			MaxConnections:         DefaultMaxConnections,
			StreamsPerConnection:   DefaultStreamsPerConnection,
			HealthWatches:          DefaultHealthWatches,
			CachedTickets:          DefaultCachedTickets,
			CachedDirectoryEntries: DefaultCachedDirectoryEntries,
			UnknownKeysCached:      DefaultUnknownKeysCached,
			UnknownKeyTTL:          DefaultUnknownKeyTTL,
		},
		Log: Log{SlowCallThreshold: DefaultSlowCallThreshold},
	}
	for _, z := range defaultZones {
		c.Calendars = append(c.Calendars, defaultCalendar(z[0], z[1]))
	}
	return c
}

func defaultCalendar(id, zone string) sla.CalendarSpec {
	hours := map[time.Weekday][]sla.Range{}
	for wd := time.Monday; wd <= time.Friday; wd++ {
		hours[wd] = []sla.Range{{Start: 9 * 60, End: 17 * 60}}
	}
	return sla.CalendarSpec{ID: id, Languages: []string{id}, TimeZone: zone, Hours: hours}
}

// Load reads and parses the file at path (see Parse). Errors name the file
// and the line: "supportd.yaml: line 7: escalation.warn_at: ...".
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	c, err := Parse(data)
	if err != nil {
		for _, e := range unwrapAll(err) {
			if ce, ok := e.(*Error); ok {
				ce.File = path
			}
		}
		return nil, err
	}
	return c, nil
}

func unwrapAll(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

// Policy builds the SLA policy of c: its calendars (validated by
// sla.NewCalendar), targets and warn_at.
func (c *Config) Policy() (*sla.Policy, error) {
	cals := make([]*sla.Calendar, 0, len(c.Calendars))
	for _, spec := range c.Calendars {
		cal, err := sla.NewCalendar(spec)
		if err != nil {
			return nil, err
		}
		cals = append(cals, cal)
	}
	return sla.NewPolicy(sla.PolicyOptions{
		Targets:   maps.Clone(c.ResponseTargets),
		WarnAt:    c.Escalation.WarnAt,
		Calendars: cals,
	})
}

// Validate checks the values of a Config built or changed in code (Parse
// already guarantees them): positive durations and limits, and a Policy
// that builds.
func (c *Config) Validate() error {
	if c.Escalation.CheckInterval <= 0 {
		return errors.New("config: escalation.check_interval must be positive")
	}
	if c.Watch.CheckpointInterval <= 0 || c.Watch.Retention <= 0 {
		return errors.New("config: watch values must be positive")
	}
	l := c.Limits
	if l.NoteBytes <= 0 || l.NotesPerTicket <= 0 || l.AttachmentBytes <= 0 || l.AttachmentsPerTicket <= 0 ||
		!(l.RequestsPerSecond > 0) || l.Burst <= 0 || l.WatchStreamsPerKey <= 0 || l.WatchStreamsPerPartner <= 0 ||
		l.MaxConnections <= 0 || l.StreamsPerConnection <= 0 || l.HealthWatches <= 0 ||
		l.CachedTickets <= 0 || l.CachedDirectoryEntries <= 0 || l.UnknownKeysCached <= 0 || l.UnknownKeyTTL <= 0 {
		return errors.New("config: limits must be positive")
	}
	if c.Log.SlowCallThreshold <= 0 {
		return errors.New("config: log.slow_call_threshold must be positive")
	}
	_, err := c.Policy()
	return err
}

// CalendarIDs returns the ids of c's calendars, in order.
func (c *Config) CalendarIDs() []string {
	ids := make([]string, 0, len(c.Calendars))
	for _, s := range c.Calendars {
		ids = append(ids, s.ID)
	}
	return slices.Clip(ids)
}
