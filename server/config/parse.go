package config

import (
	"errors"
	"fmt"
	"math"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/supportd/supportd/server/domain"
	"github.com/supportd/supportd/server/sla"
)

// Parse parses a configuration file. Absent keys keep the values of Default.
//
// A `calendars` entry whose id is a built-in calendar overrides it key by
// key (absent keys keep the built-in values; `hours`, when given, replaces
// the whole week; `languages: []` retires it); an entry with a new id adds a
// calendar and must give languages, time_zone and hours.
//
// Parsing is strict: unknown keys, duplicate keys, values of the wrong kind,
// bad durations, bad or overlapping ranges, impossible dates, unknown time
// zones, warn_at outside (0, 1), duplicate calendar ids or languages are
// errors. Every error is an *Error naming the line and the key; all errors
// found are returned, joined.
func Parse(data []byte) (*Config, error) {
	cfg := Default()
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		e := &Error{Msg: "not valid YAML: " + strings.TrimPrefix(err.Error(), "yaml: ")}
		if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
			e.Line, _ = strconv.Atoi(m[1])
			e.Msg = "not valid YAML: " + m[2]
		}
		return nil, e
	}
	if len(doc.Content) == 0 { // empty file: all defaults
		return cfg, nil
	}
	p := &parser{}
	root := deref(doc.Content[0])
	var calendarsKey *yaml.Node
	p.mapping(root, "", map[string]func(k, v *yaml.Node, path string){
		"response_targets": func(_, v *yaml.Node, path string) { p.targets(v, path, cfg) },
		"escalation": func(_, v *yaml.Node, path string) {
			p.mapping(v, path, map[string]func(k, v *yaml.Node, path string){
				"warn_at":        func(_, v *yaml.Node, path string) { p.warnAt(v, path, &cfg.Escalation.WarnAt) },
				"check_interval": func(_, v *yaml.Node, path string) { p.duration(v, path, &cfg.Escalation.CheckInterval) },
			})
		},
		"calendars": func(k, v *yaml.Node, path string) { calendarsKey = k; p.calendars(v, path, cfg) },
		"watch": func(_, v *yaml.Node, path string) {
			p.mapping(v, path, map[string]func(k, v *yaml.Node, path string){
				"checkpoint_interval": func(_, v *yaml.Node, path string) { p.duration(v, path, &cfg.Watch.CheckpointInterval) },
				"retention":           func(_, v *yaml.Node, path string) { p.duration(v, path, &cfg.Watch.Retention) },
			})
		},
		"limits": func(_, v *yaml.Node, path string) { p.limits(v, path, &cfg.Limits) },
		"http": func(_, v *yaml.Node, path string) {
			p.mapping(v, path, map[string]func(k, v *yaml.Node, path string){
				"cors_origins": func(_, v *yaml.Node, path string) { p.origins(v, path, &cfg.HTTP.CORSOrigins) },
			})
		},
		"log": func(_, v *yaml.Node, path string) {
			p.mapping(v, path, map[string]func(k, v *yaml.Node, path string){
				"slow_call_threshold": func(_, v *yaml.Node, path string) { p.duration(v, path, &cfg.Log.SlowCallThreshold) },
			})
		},
	})
	if len(p.errs) == 0 {
		if _, err := cfg.Policy(); err != nil {
			at := root
			if calendarsKey != nil {
				at = calendarsKey
			}
			p.errorf(at, "calendars", "%v", err)
		}
	}
	switch len(p.errs) {
	case 0:
		return cfg, nil
	case 1:
		return nil, p.errs[0]
	}
	errs := make([]error, len(p.errs))
	for i, e := range p.errs {
		errs[i] = e
	}
	return nil, errors.Join(errs...)
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// parser walks a yaml.Node tree and collects positioned errors.
type parser struct{ errs []*Error }

func (p *parser) errorf(n *yaml.Node, key, format string, args ...any) {
	p.errs = append(p.errs, &Error{Line: n.Line, Column: n.Column, Key: key, Msg: fmt.Sprintf(format, args...)})
}

func deref(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool { return n.Kind == yaml.ScalarNode && n.Tag == "!!null" }

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

var kindNames = map[yaml.Kind]string{
	yaml.DocumentNode: "a document", yaml.SequenceNode: "a list", yaml.MappingNode: "a mapping",
	yaml.ScalarNode: "a single value", yaml.AliasNode: "an alias",
}

// mapping walks the keys of mapping n; each known key's handler gets the key
// node, the value node and the dotted path. Unknown or repeated keys are
// errors. A null n (a section left empty) keeps the defaults.
func (p *parser) mapping(n *yaml.Node, path string, fields map[string]func(k, v *yaml.Node, path string)) {
	n = deref(n)
	if isNull(n) {
		return
	}
	if n.Kind != yaml.MappingNode {
		p.errorf(n, orRoot(path), "must be a mapping of keys, got %s", kindNames[n.Kind])
		return
	}
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], deref(n.Content[i+1])
		kp := join(path, k.Value)
		if line, dup := seen[k.Value]; dup {
			p.errorf(k, kp, "key given twice (first on line %d)", line)
			continue
		}
		seen[k.Value] = k.Line
		f, ok := fields[k.Value]
		if !ok {
			p.errorf(k, kp, "unknown key (known keys here: %s)", strings.Join(slices.Sorted(mapKeys(fields)), ", "))
			continue
		}
		if isNull(v) {
			continue // "key:" with no value keeps the default
		}
		f(k, v, kp)
	}
}

func orRoot(path string) string {
	if path == "" {
		return "(top level)"
	}
	return path
}

func mapKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// scalar returns the text of scalar n, or reports an error.
func (p *parser) scalar(n *yaml.Node, path, what string) (string, bool) {
	if n.Kind != yaml.ScalarNode {
		p.errorf(n, path, "must be %s, got %s", what, kindNames[n.Kind])
		return "", false
	}
	return n.Value, true
}

func (p *parser) duration(n *yaml.Node, path string, dst *time.Duration) {
	s, ok := p.scalar(n, path, "a duration such as 90s, 15m or 2h")
	if !ok {
		return
	}
	d, err := time.ParseDuration(s)
	switch {
	case err != nil:
		p.errorf(n, path, "%q is not a duration (use e.g. 90s, 15m, 2h30m)", s)
	case d <= 0:
		p.errorf(n, path, "must be positive, got %s", s)
	default:
		*dst = d
	}
}

func (p *parser) warnAt(n *yaml.Node, path string, dst *float64) {
	s, ok := p.scalar(n, path, "a number between 0 and 1")
	if !ok {
		return
	}
	f, err := strconv.ParseFloat(s, 64)
	switch {
	case err != nil:
		p.errorf(n, path, "%q is not a number", s)
	case !(f > 0 && f < 1):
		p.errorf(n, path, "must be between 0 and 1 (exclusive), got %s", s)
	default:
		*dst = f
	}
}

func (p *parser) positiveInt(n *yaml.Node, path string, dst *int) {
	s, ok := p.scalar(n, path, "a whole number")
	if !ok {
		return
	}
	i, err := strconv.Atoi(s)
	switch {
	case err != nil:
		p.errorf(n, path, "%q is not a whole number", s)
	case i <= 0:
		p.errorf(n, path, "must be positive, got %d", i)
	default:
		*dst = i
	}
}

func (p *parser) targets(n *yaml.Node, path string, cfg *Config) {
	fields := map[string]func(k, v *yaml.Node, path string){}
	for _, s := range []domain.Severity{domain.SeverityA, domain.SeverityB, domain.SeverityC} {
		fields[string(s)] = func(_, v *yaml.Node, path string) {
			d := cfg.ResponseTargets[s]
			p.duration(v, path, &d)
			cfg.ResponseTargets[s] = d
		}
	}
	p.mapping(n, path, fields)
}

// stringList returns the scalars of sequence n with their nodes.
func (p *parser) stringList(n *yaml.Node, path, what string) ([]string, []*yaml.Node, bool) {
	n = deref(n)
	if isNull(n) {
		return nil, nil, true
	}
	if n.Kind != yaml.SequenceNode {
		p.errorf(n, path, "must be a list of %s, got %s", what, kindNames[n.Kind])
		return nil, nil, false
	}
	var out []string
	var nodes []*yaml.Node
	ok := true
	for i, item := range n.Content {
		item = deref(item)
		s, good := p.scalar(item, fmt.Sprintf("%s[%d]", path, i), what)
		ok = ok && good
		out, nodes = append(out, s), append(nodes, item)
	}
	return out, nodes, ok
}

// ranges parses a list of "HH:MM-HH:MM" and normalises it (touching ranges
// merged, overlaps rejected).
func (p *parser) ranges(n *yaml.Node, path string) ([]sla.Range, bool) {
	ss, nodes, ok := p.stringList(n, path, `"HH:MM-HH:MM" ranges`)
	if !ok {
		return nil, false
	}
	var rs []sla.Range
	for i, s := range ss {
		r, err := sla.ParseRange(s)
		if err != nil {
			p.errorf(nodes[i], fmt.Sprintf("%s[%d]", path, i), "%v", err)
			ok = false
			continue
		}
		rs = append(rs, r)
	}
	if !ok {
		return nil, false
	}
	norm, err := sla.NormalizeRanges(rs)
	if err != nil {
		p.errorf(n, path, "%v", err)
		return nil, false
	}
	return norm, true
}

// limits parses the `limits` section.
func (p *parser) limits(n *yaml.Node, path string, l *Limits) {
	ints := map[string]*int{
		"note_bytes":                &l.NoteBytes,
		"notes_per_ticket":          &l.NotesPerTicket,
		"attachments_per_ticket":    &l.AttachmentsPerTicket,
		"burst":                     &l.Burst,
		"watch_streams_per_key":     &l.WatchStreamsPerKey,
		"watch_streams_per_partner": &l.WatchStreamsPerPartner,
		"max_connections":           &l.MaxConnections,
		"streams_per_connection":    &l.StreamsPerConnection,
		"health_watches":            &l.HealthWatches,
		"cached_tickets":            &l.CachedTickets,
		"cached_directory_entries":  &l.CachedDirectoryEntries,
		"unknown_keys_cached":       &l.UnknownKeysCached,
	}
	fields := map[string]func(k, v *yaml.Node, path string){
		"attachment_bytes": func(_, v *yaml.Node, path string) {
			var n int
			p.positiveInt(v, path, &n)
			if n > 0 {
				l.AttachmentBytes = int64(n)
			}
		},
		"requests_per_second": func(_, v *yaml.Node, path string) { p.positiveFloat(v, path, &l.RequestsPerSecond) },
		"unknown_key_ttl":     func(_, v *yaml.Node, path string) { p.duration(v, path, &l.UnknownKeyTTL) },
	}
	for key, dst := range ints {
		fields[key] = func(_, v *yaml.Node, path string) { p.positiveInt(v, path, dst) }
	}
	p.mapping(n, path, fields)
}

func (p *parser) positiveFloat(n *yaml.Node, path string, dst *float64) {
	s, ok := p.scalar(n, path, "a number")
	if !ok {
		return
	}
	f, err := strconv.ParseFloat(s, 64)
	switch {
	case err != nil || math.IsNaN(f) || math.IsInf(f, 0):
		p.errorf(n, path, "%q is not a number", s)
	case f <= 0:
		p.errorf(n, path, "must be positive, got %s", s)
	default:
		*dst = f
	}
}

// origins parses http.cors_origins: "*" or origins of the form
// scheme://host[:port], without a path (what browsers send in Origin).
func (p *parser) origins(n *yaml.Node, path string, dst *[]string) {
	list, nodes, ok := p.stringList(n, path, "origins")
	if !ok {
		return
	}
	for i, o := range list {
		if o == "*" {
			continue
		}
		u, err := url.Parse(o)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.User != nil {
			p.errorf(nodes[i], fmt.Sprintf("%s[%d]", path, i), "%q is not an origin: want scheme://host[:port], e.g. https://app.example.com, or \"*\"", o)
			ok = false
			continue
		}
		list[i] = strings.TrimSuffix(o, "/")
	}
	if ok {
		*dst = list
	}
}
