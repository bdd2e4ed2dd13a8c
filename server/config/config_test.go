package config

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/supportd/supportd/server/domain"
	"github.com/supportd/supportd/server/sla"
)

func TestDefault(t *testing.T) {
	t.Parallel()
	c := Default()
	if c.ResponseTargets[domain.SeverityA] != 2*time.Hour || c.ResponseTargets[domain.SeverityB] != 4*time.Hour || c.ResponseTargets[domain.SeverityC] != 8*time.Hour {
		t.Errorf("targets %v", c.ResponseTargets)
	}
	if c.Escalation != (Escalation{WarnAt: 0.75, CheckInterval: time.Second}) {
		t.Errorf("escalation %+v", c.Escalation)
	}
	if c.Watch != (Watch{CheckpointInterval: 10 * time.Second, Retention: 168 * time.Hour}) {
		t.Errorf("watch %+v", c.Watch)
	}
	wantLimits := Limits{NoteBytes: 32768, NotesPerTicket: 5000, AttachmentBytes: 26214400, AttachmentsPerTicket: 50,
		RequestsPerSecond: 50, Burst: 100, WatchStreamsPerKey: 20, WatchStreamsPerPartner: 100, MaxConnections: 1000,
		StreamsPerConnection: 100, HealthWatches: 100, CachedTickets: 8192, CachedDirectoryEntries: 4096,
		UnknownKeysCached: 10000, UnknownKeyTTL: 10 * time.Second}
	if c.Limits != wantLimits || c.Log.SlowCallThreshold != time.Second {
		t.Errorf("limits %+v, log %+v; want %+v, 1s", c.Limits, c.Log, wantLimits)
	}
	zones := map[string]string{"en": "UTC", "fr": "Europe/Paris", "de": "Europe/Berlin", "es": "Europe/Madrid",
		"it": "Europe/Rome", "nl": "Europe/Amsterdam", "pt": "Europe/Lisbon", "ja": "Asia/Tokyo"}
	if len(c.Calendars) != len(zones) {
		t.Fatalf("%d calendars", len(c.Calendars))
	}
	for _, s := range c.Calendars {
		if zones[s.ID] != s.TimeZone || len(s.Languages) != 1 || s.Languages[0] != s.ID || len(s.Holidays) != 0 || len(s.Hours) != 5 {
			t.Errorf("calendar %+v", s)
		}
		if s.Hours[time.Saturday] != nil || s.Hours[time.Wednesday][0] != (sla.Range{Start: 540, End: 1020}) {
			t.Errorf("calendar %s hours %v", s.ID, s.Hours)
		}
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	// Default returns a fresh value each time.
	Default().Calendars[0].Hours[time.Monday][0].End = 600
	if Default().Calendars[0].Hours[time.Monday][0].End != 1020 {
		t.Error("Default shares state between calls")
	}
}

func TestParseEmptyKeepsDefaults(t *testing.T) {
	t.Parallel()
	for _, in := range []string{"", "# nothing\n", "escalation:\nwatch:\n"} {
		c, err := Parse([]byte(in))
		if err != nil {
			t.Fatalf("%q: %v", in, err)
		}
		if c.Escalation.WarnAt != 0.75 || len(c.Calendars) != 8 || c.Watch.Retention != 168*time.Hour {
			t.Errorf("%q: %+v", in, c)
		}
	}
}

// The example of docs/configuration.md, plus the watch section and a new calendar.
const fullFile = `response_targets:        # TECHNICAL tickets, per severity
  A: 1h
  B: 3h30m
  C: 8h
escalation:
  warn_at: 0.8
  check_interval: 5s
calendars:
  - id: fr
    languages: [fr]
    time_zone: Europe/Paris
    hours:
      mon: ["09:00-12:00", "13:00-17:00"]
      tue: ["09:00-17:00"]
      wed: ["09:00-17:00"]
      thu: ["09:00-17:00"]
      fri: ["09:00-17:00"]
    holidays:
      - date: "12-25"                 # every year
      - date: "2026-12-24"            # once
        hours: ["09:00-12:00"]        # a short day instead of a day off
  - id: ko
    languages: [ko]
    time_zone: Asia/Seoul
    hours:
      mon: ["09:00-12:00", "12:00-18:00"]
      sat: ["10:00-14:00"]
  - id: ja
    holidays: [{date: "01-01"}, {date: 2027-01-02}]
watch:
  checkpoint_interval: 30s
  retention: 72h
limits:
  note_bytes: 1000
  notes_per_ticket: 10
  attachment_bytes: 2048
  attachments_per_ticket: 3
  requests_per_second: 2.5
  burst: 7
  watch_streams_per_key: 4
  watch_streams_per_partner: 5
  max_connections: 9
  streams_per_connection: 11
  health_watches: 12
  cached_tickets: 13
  cached_directory_entries: 16
  unknown_keys_cached: 14
  unknown_key_ttl: 15s
log:
  slow_call_threshold: 250ms
`

func TestParseFullFile(t *testing.T) {
	t.Parallel()
	c, err := Parse([]byte(fullFile))
	if err != nil {
		t.Fatal(err)
	}
	if c.ResponseTargets[domain.SeverityA] != time.Hour || c.ResponseTargets[domain.SeverityB] != 3*time.Hour+30*time.Minute {
		t.Errorf("targets %v", c.ResponseTargets)
	}
	if c.Escalation != (Escalation{WarnAt: 0.8, CheckInterval: 5 * time.Second}) {
		t.Errorf("escalation %+v", c.Escalation)
	}
	if c.Watch != (Watch{CheckpointInterval: 30 * time.Second, Retention: 72 * time.Hour}) {
		t.Errorf("watch %+v", c.Watch)
	}
	wantLimits := Limits{NoteBytes: 1000, NotesPerTicket: 10, AttachmentBytes: 2048, AttachmentsPerTicket: 3,
		RequestsPerSecond: 2.5, Burst: 7, WatchStreamsPerKey: 4, WatchStreamsPerPartner: 5, MaxConnections: 9,
		StreamsPerConnection: 11, HealthWatches: 12, CachedTickets: 13, CachedDirectoryEntries: 16,
		UnknownKeysCached: 14, UnknownKeyTTL: 15 * time.Second}
	if c.Limits != wantLimits {
		t.Errorf("limits %+v, want %+v", c.Limits, wantLimits)
	}
	if c.Log.SlowCallThreshold != 250*time.Millisecond {
		t.Errorf("log %+v", c.Log)
	}
	if got := strings.Join(c.CalendarIDs(), ","); got != "en,fr,de,es,it,nl,pt,ja,ko" {
		t.Errorf("calendar ids %s", got)
	}
	fr, ja, ko := c.Calendars[1], c.Calendars[7], c.Calendars[8]
	if len(fr.Hours[time.Monday]) != 2 || len(fr.Holidays) != 2 || fr.Holidays[1].String() != "2026-12-24" || fr.Holidays[1].Hours[0] != (sla.Range{Start: 540, End: 720}) {
		t.Errorf("fr %+v", fr)
	}
	// ja keeps its built-in zone and hours, gains holidays.
	if ja.TimeZone != "Asia/Tokyo" || len(ja.Hours) != 5 || len(ja.Holidays) != 2 {
		t.Errorf("ja %+v", ja)
	}
	// Touching ranges are merged; a day left out is not worked.
	if ko.Hours[time.Monday][0] != (sla.Range{Start: 540, End: 1080}) || len(ko.Hours[time.Monday]) != 1 || ko.Hours[time.Tuesday] != nil {
		t.Errorf("ko %+v", ko)
	}
	p, err := c.Policy()
	if err != nil {
		t.Fatal(err)
	}
	// French technical A (1h) on the short day 2026-12-24 at 11:30: 30 min that
	// day, 25th off, weekend, 30 min on Monday 28th.
	submit := time.Date(2026, 12, 24, 11, 30, 0, 0, mustLoc(t, "Europe/Paris"))
	d, err := p.Target(domain.CategoryTechnical, domain.SeverityA, "fr-FR", submit)
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2026, 12, 28, 9, 30, 0, 0, mustLoc(t, "Europe/Paris")); !d.Due.Equal(want) {
		t.Errorf("fr due %v, want %v", d.Due, want)
	}
	// Korean advisory: one business day = 9h (the longest weekday, Monday).
	if d, err := p.Target(domain.CategoryAdvisory, "", "ko", submit); err != nil || d.Target != 9*time.Hour {
		t.Errorf("ko advisory %+v %v", d, err)
	}
}

func TestParseOverrideKeepsOtherDefaults(t *testing.T) {
	t.Parallel()
	c, err := Parse([]byte("escalation:\n  warn_at: 0.5\nresponse_targets:\n  B: 6h\n"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Escalation.CheckInterval != time.Second || c.Escalation.WarnAt != 0.5 {
		t.Errorf("escalation %+v", c.Escalation)
	}
	if c.ResponseTargets[domain.SeverityA] != 2*time.Hour || c.ResponseTargets[domain.SeverityB] != 6*time.Hour {
		t.Errorf("targets %v", c.ResponseTargets)
	}
	// Retiring a built-in calendar's languages and serving them elsewhere.
	c, err = Parse([]byte("calendars:\n  - id: pt\n    languages: []\n  - id: br\n    languages: [pt]\n    time_zone: America/Sao_Paulo\n    hours: {mon: [\"08:00-18:00\"]}\n"))
	if err != nil {
		t.Fatal(err)
	}
	p, _ := c.Policy()
	if cal, err := p.CalendarFor("pt-BR"); err != nil || cal.ID() != "br" {
		t.Errorf("pt-BR served by %v, %v", cal, err)
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	cal := func(body string) string {
		return "calendars:\n  - id: ko\n    languages: [ko]\n    time_zone: UTC\n" + body
	}
	cases := []struct{ name, in, want string }{
		{"unknown top key", "escalation:\n  warn_at: 0.5\nescalations: {}\n", `line 3: escalations: unknown key (known keys here: calendars, escalation, http, limits, log, response_targets, watch)`},
		{"duplicate key", "watch:\n  retention: 1h\nwatch:\n  retention: 2h\n", `line 3: watch: key given twice (first on line 1)`},
		{"unknown escalation key", "escalation:\n  duty_manager: bob\n", `line 2: escalation.duty_manager: unknown key (known keys here: check_interval, warn_at)`},
		{"bad duration", "response_targets:\n  A: 2h\n  B: 4 hours\n", `line 3: response_targets.B: "4 hours" is not a duration`},
		{"number without unit", "escalation:\n  check_interval: 5\n", `line 2: escalation.check_interval: "5" is not a duration`},
		{"negative duration", "watch:\n  retention: -1h\n", `line 2: watch.retention: must be positive, got -1h`},
		{"unknown severity", "response_targets:\n  D: 1h\n", `line 2: response_targets.D: unknown key (known keys here: A, B, C)`},
		{"warn_at 1", "escalation:\n  warn_at: 1\n", `line 2: escalation.warn_at: must be between 0 and 1 (exclusive), got 1`},
		{"warn_at 0", "escalation:\n  warn_at: 0\n", `line 2: escalation.warn_at: must be between 0 and 1 (exclusive), got 0`},
		{"warn_at text", "escalation:\n  warn_at: often\n", `line 2: escalation.warn_at: "often" is not a number`},
		{"warn_at list", "escalation:\n  warn_at: [0.5]\n", `line 2: escalation.warn_at: must be a number between 0 and 1, got a list`},
		{"max streams", "limits:\n  watch_streams_per_partner: 0\n", `line 2: limits.watch_streams_per_partner: must be positive, got 0`},
		{"max streams text", "limits:\n  watch_streams_per_partner: many\n", `line 2: limits.watch_streams_per_partner: "many" is not a whole number`},
		{"rate zero", "limits:\n  requests_per_second: 0\n", `line 2: limits.requests_per_second: must be positive, got 0`},
		{"rate text", "limits:\n  requests_per_second: fast\n", `line 2: limits.requests_per_second: "fast" is not a number`},
		{"unknown limit", "limits:\n  tickets: 3\n", `line 2: limits.tickets: unknown key`},
		{"old watch key", "watch:\n  max_streams_per_partner: 5\n", `line 2: watch.max_streams_per_partner: unknown key`},
		{"slow call", "log:\n  slow_call_threshold: 0s\n", `line 2: log.slow_call_threshold: must be positive, got 0s`},
		{"section not a mapping", "escalation: 3\n", `line 1: escalation: must be a mapping of keys, got a single value`},
		{"calendars not a list", "calendars:\n  id: fr\n", `line 2: calendars: must be a list of calendars, got a mapping`},
		{"bad range", cal("    hours:\n      mon: [\"9-17\"]\n"), `line 6: calendars[0].hours.mon[0]: range "9-17": start: "9" is not HH:MM`},
		{"end before start", cal("    hours:\n      mon: [\"17:00-09:00\"]\n"), `line 6: calendars[0].hours.mon[0]: range "17:00-09:00": end must be after start`},
		{"past midnight", cal("    hours:\n      mon: [\"22:00-24:30\"]\n"), `line 6: calendars[0].hours.mon[0]: range "22:00-24:30": end: "24:30" is not a time of day`},
		{"overlap", cal("    hours:\n      tue:\n        - \"09:00-12:00\"\n        - \"11:30-13:00\"\n"), `line 7: calendars[0].hours.tue: ranges 09:00-12:00 and 11:30-13:00 overlap`},
		{"unknown day", cal("    hours:\n      monday: [\"09:00-17:00\"]\n"), `line 6: calendars[0].hours.monday: unknown key`},
		{"unknown zone", "calendars:\n  - id: fr\n    time_zone: Europe/Pariss\n", `line 3: calendars[0].time_zone: unknown time zone "Europe/Pariss"`},
		{"bad language", "calendars:\n  - id: fr\n    languages: [fr-FR]\n", `line 3: calendars[0].languages[0]: "fr-FR" is not a primary language subtag`},
		{"unknown calendar key", "calendars:\n  - id: fr\n    timezone: UTC\n", `line 3: calendars[0].timezone: unknown key (known keys here: holidays, hours, id, languages, time_zone)`},
		{"missing id", "calendars:\n  - time_zone: UTC\n", `line 2: calendars[0]: missing key "id"`},
		{"new calendar incomplete", "calendars:\n  - id: ko\n    languages: [ko]\n", `line 2: calendars[0]: calendar "ko" is not built in, so key "time_zone" is required`},
		{"duplicate id", "calendars:\n  - id: fr\n  - id: de\n  - id: fr\n", `line 4: calendars[2]: calendar id "fr" given twice (first on line 2)`},
		{"language of a built-in", cal("    hours: {mon: [\"09:00-17:00\"]}\n") + "  - id: qc\n    languages: [fr]\n    time_zone: America/Toronto\n    hours: {mon: [\"09:00-17:00\"]}\n",
			`line 7: calendars[1].languages[0]: language "fr" is already served by the built-in calendar "fr"`},
		{"language twice in file", cal("    hours: {mon: [\"09:00-17:00\"]}\n") + "  - id: yy\n    languages: [ko]\n    time_zone: UTC\n    hours: {mon: [\"09:00-17:00\"]}\n",
			`line 7: calendars[1].languages[0]: language "ko" is already served by calendar "ko" (line 3)`},
		{"bad holiday", "calendars:\n  - id: fr\n    holidays:\n      - date: \"25-12\"\n", `line 4: calendars[0].holidays[0].date: "25-12": no such date`},
		{"holiday format", "calendars:\n  - id: fr\n    holidays:\n      - date: Christmas\n", `line 4: calendars[0].holidays[0].date: "Christmas": not a date`},
		{"holiday twice", "calendars:\n  - id: fr\n    holidays:\n      - date: \"12-25\"\n      - date: \"12-25\"\n", `line 5: calendars[0].holidays[1].date: holiday 12-25 given twice (first on line 4)`},
		{"holiday without date", "calendars:\n  - id: fr\n    holidays:\n      - hours: [\"09:00-12:00\"]\n", `line 4: calendars[0].holidays[0]: missing key "date"`},
		{"holiday bad hours", "calendars:\n  - id: fr\n    holidays:\n      - date: \"12-24\"\n        hours: [\"12:00-09:00\"]\n", `line 5: calendars[0].holidays[0].hours[0]: range "12:00-09:00": end must be after start`},
		{"no working hours", "calendars:\n  - id: fr\n    hours: {}\n", `line 2: calendars[0]: calendar fr: no working hours on any weekday`},
		{"no English calendar", "calendars:\n  - id: en\n    languages: []\n", `line 1: calendars: sla policy: no calendar serves language "en"`},
		{"cors origin with a path", "http:\n  cors_origins: [\"https://app.example.com/ui\"]\n", `line 2: http.cors_origins[0]: "https://app.example.com/ui" is not an origin`},
		{"cors origin without scheme", "http:\n  cors_origins: [app.example.com]\n", `line 2: http.cors_origins[0]: "app.example.com" is not an origin`},
		{"YAML syntax", "escalation:\n  warn_at: [0.5\n", `line 1: not valid YAML: did not find expected`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse([]byte(c.in))
			if err == nil {
				t.Fatalf("no error for\n%s", c.in)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error\n  %v\nwant it to contain\n  %s", err, c.want)
			}
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("error %T is not a *config.Error", err)
			}
		})
	}
}

// TestParseCORSOrigins: http.cors_origins takes origins and "*"; none by
// default.
func TestParseCORSOrigins(t *testing.T) {
	t.Parallel()
	if got := Default().HTTP.CORSOrigins; len(got) != 0 {
		t.Errorf("default cors_origins %v, want none", got)
	}
	cfg, err := Parse([]byte("http:\n  cors_origins: [\"https://app.example.com\", \"http://localhost:5173/\", \"*\"]\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"https://app.example.com", "http://localhost:5173", "*"}
	if !slices.Equal(cfg.HTTP.CORSOrigins, want) {
		t.Errorf("cors_origins %v, want %v", cfg.HTTP.CORSOrigins, want)
	}
}

func TestParseReportsAllErrors(t *testing.T) {
	t.Parallel()
	_, err := Parse([]byte("escalation:\n  warn_at: 2\n  check_interval: soon\nwatch:\n  retention: 0s\n"))
	lines := strings.Split(err.Error(), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "line 2: ") || !strings.HasPrefix(lines[1], "line 3: ") || !strings.HasPrefix(lines[2], "line 5: ") {
		t.Fatalf("got %q", err)
	}
	var ce *Error
	if !errors.As(err, &ce) || ce.Line != 2 || ce.Key != "escalation.warn_at" || ce.Column != 12 {
		t.Fatalf("first error %+v", ce)
	}
}

func TestLoad(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	good := filepath.Join(dir, "good.yaml")
	if err := os.WriteFile(good, []byte(fullFile), 0o600); err != nil {
		t.Fatal(err)
	}
	if c, err := Load(good); err != nil || c.Limits.WatchStreamsPerPartner != 5 {
		t.Fatalf("Load: %v", err)
	}
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("watch:\n  retention: forever\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Load(bad)
	if want := bad + `: line 2: watch.retention: "forever" is not a duration`; err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Fatalf("got %v, want prefix %s", err, want)
	}
	if _, err := Load(filepath.Join(dir, "missing.yaml")); err == nil || !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("missing file: %v", err)
	}
}

func mustLoc(t *testing.T, name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return l
}
