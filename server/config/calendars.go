package config

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/supportd/supportd/server/sla"
)

// dayKeys maps the keys of `hours` to weekdays.
var dayKeys = map[string]time.Weekday{
	"mon": time.Monday, "tue": time.Tuesday, "wed": time.Wednesday, "thu": time.Thursday,
	"fri": time.Friday, "sat": time.Saturday, "sun": time.Sunday,
}

// langOwner records which calendar serves a language, for error messages.
type langOwner struct {
	id   string
	line int // 0 for a built-in calendar
}

// calendars parses the `calendars` list into cfg.Calendars (see Parse for
// the override rules).
func (p *parser) calendars(n *yaml.Node, path string, cfg *Config) {
	if n.Kind != yaml.SequenceNode {
		p.errorf(n, path, "must be a list of calendars, got %s", kindNames[n.Kind])
		return
	}
	builtin := map[string]int{} // id -> index in cfg.Calendars
	for i, c := range cfg.Calendars {
		builtin[c.ID] = i
	}
	fileIDs := map[string]int{} // id -> line
	owners := map[string]langOwner{}
	var added []sla.CalendarSpec
	var parsed []struct {
		spec  sla.CalendarSpec
		langs []*yaml.Node
		path  string
	}
	for i, item := range n.Content {
		item = deref(item)
		ip := fmt.Sprintf("%s[%d]", path, i)
		spec, langNodes, ok := p.calendar(item, ip, cfg, builtin, fileIDs)
		if !ok {
			continue
		}
		if idx, isBuiltin := builtin[spec.ID]; isBuiltin {
			cfg.Calendars[idx] = spec
		} else {
			added = append(added, spec)
		}
		parsed = append(parsed, struct {
			spec  sla.CalendarSpec
			langs []*yaml.Node
			path  string
		}{spec, langNodes, ip})
	}
	cfg.Calendars = append(cfg.Calendars, added...)
	// Languages: first the built-in calendars the file leaves alone, then the
	// file's calendars in order.
	for _, c := range cfg.Calendars {
		if _, inFile := fileIDs[c.ID]; !inFile {
			for _, l := range c.Languages {
				owners[l] = langOwner{id: c.ID}
			}
		}
	}
	for _, pc := range parsed {
		for j, l := range pc.spec.Languages {
			at := pc.langs[j]
			key := fmt.Sprintf("%s.languages[%d]", pc.path, j)
			if o, dup := owners[l]; dup {
				if o.line == 0 {
					p.errorf(at, key, "language %q is already served by the built-in calendar %q; to change it, give this entry id %q (or retire %q with `languages: []`)", l, o.id, o.id, o.id)
				} else {
					p.errorf(at, key, "language %q is already served by calendar %q (line %d)", l, o.id, o.line)
				}
				continue
			}
			owners[l] = langOwner{id: pc.spec.ID, line: at.Line}
		}
	}
}

// calendar parses one entry of `calendars`.
func (p *parser) calendar(n *yaml.Node, path string, cfg *Config, builtin map[string]int, fileIDs map[string]int) (sla.CalendarSpec, []*yaml.Node, bool) {
	if n.Kind != yaml.MappingNode {
		p.errorf(n, path, "must be a mapping with id, languages, time_zone, hours, holidays; got %s", kindNames[n.Kind])
		return sla.CalendarSpec{}, nil, false
	}
	before := len(p.errs)
	var spec sla.CalendarSpec
	var langNodes []*yaml.Node
	given := map[string]bool{}
	p.mapping(n, path, map[string]func(k, v *yaml.Node, path string){
		"id": func(_, v *yaml.Node, kp string) {
			given["id"] = true
			if s, ok := p.scalar(v, kp, "a calendar id"); ok && s == "" {
				p.errorf(v, kp, "must not be empty")
			} else if ok {
				spec.ID = s
			}
		},
		"languages": func(_, v *yaml.Node, kp string) {
			given["languages"] = true
			ss, nodes, ok := p.stringList(v, kp, "language subtags")
			if !ok {
				return
			}
			spec.Languages = []string{} // given, possibly empty
			for i, s := range ss {
				base, err := sla.ParseLanguageSubtag(s)
				switch {
				case err != nil:
					p.errorf(nodes[i], fmt.Sprintf("%s[%d]", kp, i), "%v (use a primary subtag such as fr, not fr-FR)", err)
				case slices.Contains(spec.Languages, base):
					p.errorf(nodes[i], fmt.Sprintf("%s[%d]", kp, i), "language %q listed twice", base)
				default:
					spec.Languages, langNodes = append(spec.Languages, base), append(langNodes, nodes[i])
				}
			}
		},
		"time_zone": func(_, v *yaml.Node, kp string) {
			given["time_zone"] = true
			s, ok := p.scalar(v, kp, "an IANA time zone name")
			if !ok {
				return
			}
			if _, err := time.LoadLocation(s); err != nil || s == "" || s == "Local" {
				p.errorf(v, kp, "unknown time zone %q (use an IANA name such as Europe/Paris or UTC)", s)
				return
			}
			spec.TimeZone = s
		},
		"hours":    func(_, v *yaml.Node, kp string) { spec.Hours, given["hours"] = p.hours(v, kp), true },
		"holidays": func(_, v *yaml.Node, kp string) { spec.Holidays, given["holidays"] = p.holidays(v, kp), true },
	})
	if spec.ID == "" {
		if !given["id"] {
			p.errorf(n, path, "missing key \"id\"")
		}
		return spec, nil, false
	}
	if line, dup := fileIDs[spec.ID]; dup {
		p.errorf(n, path, "calendar id %q given twice (first on line %d)", spec.ID, line)
		return spec, nil, false
	}
	fileIDs[spec.ID] = n.Line
	if idx, ok := builtin[spec.ID]; ok { // override a built-in calendar key by key
		def := cfg.Calendars[idx]
		if !given["languages"] {
			spec.Languages, langNodes = slices.Clone(def.Languages), nil
			for range spec.Languages {
				langNodes = append(langNodes, n)
			}
		}
		if !given["time_zone"] {
			spec.TimeZone = def.TimeZone
		}
		if !given["hours"] {
			spec.Hours = def.Hours
		}
		if !given["holidays"] {
			spec.Holidays = def.Holidays
		}
	} else {
		for _, k := range []string{"languages", "time_zone", "hours"} {
			if !given[k] {
				p.errorf(n, path, "calendar %q is not built in, so key %q is required", spec.ID, k)
			}
		}
	}
	if len(p.errs) > before {
		return spec, nil, false
	}
	if _, err := sla.NewCalendar(spec); err != nil {
		p.errorf(n, path, "%v", err)
		return spec, nil, false
	}
	return spec, langNodes, true
}

// hours parses the `hours` mapping mon..sun; a day left out is not worked.
func (p *parser) hours(n *yaml.Node, path string) map[time.Weekday][]sla.Range {
	out := map[time.Weekday][]sla.Range{}
	fields := map[string]func(k, v *yaml.Node, path string){}
	for key, wd := range dayKeys {
		fields[key] = func(_, v *yaml.Node, kp string) {
			if rs, ok := p.ranges(v, kp); ok && len(rs) > 0 {
				out[wd] = rs
			}
		}
	}
	p.mapping(n, path, fields)
	return out
}

var (
	yearlyDate = regexp.MustCompile(`^(\d\d)-(\d\d)$`)
	onceDate   = regexp.MustCompile(`^(\d\d\d\d)-(\d\d)-(\d\d)$`)
)

// holidays parses the `holidays` list of {date, hours}.
func (p *parser) holidays(n *yaml.Node, path string) []sla.HolidaySpec {
	if n.Kind != yaml.SequenceNode {
		p.errorf(n, path, "must be a list of {date, hours}, got %s", kindNames[n.Kind])
		return nil
	}
	var out []sla.HolidaySpec
	seen := map[string]int{}
	for i, item := range n.Content {
		item = deref(item)
		ip := fmt.Sprintf("%s[%d]", path, i)
		var h sla.HolidaySpec
		var why string
		gotDate, ok := false, true
		p.mapping(item, ip, map[string]func(k, v *yaml.Node, path string){
			"date": func(_, v *yaml.Node, kp string) {
				s, good := p.scalar(v, kp, `a date "MM-DD" (every year) or "YYYY-MM-DD" (once)`)
				if !good {
					ok = false
					return
				}
				if h, why = parseHolidayDate(s); why != "" {
					p.errorf(v, kp, "%q: %s", s, why)
					ok = false
					return
				}
				if line, dup := seen[h.String()]; dup {
					p.errorf(v, kp, "holiday %s given twice (first on line %d)", h, line)
					ok = false
					return
				}
				seen[h.String()], gotDate = v.Line, true
			},
			"hours": func(_, v *yaml.Node, kp string) {
				rs, good := p.ranges(v, kp)
				ok = ok && good
				h.Hours = rs
			},
		})
		if item.Kind == yaml.MappingNode && !gotDate && ok {
			p.errorf(item, ip, "missing key \"date\"")
		}
		if gotDate && ok {
			out = append(out, h)
		}
	}
	return out
}

// parseHolidayDate parses "MM-DD" or "YYYY-MM-DD" into a valid date (02-29
// is a valid yearly date).
func parseHolidayDate(s string) (sla.HolidaySpec, string) {
	var h sla.HolidaySpec
	var y, m, d int
	if g := yearlyDate.FindStringSubmatch(s); g != nil {
		y, m, d = 2000, atoi(g[1]), atoi(g[2])
	} else if g := onceDate.FindStringSubmatch(s); g != nil {
		y, m, d = atoi(g[1]), atoi(g[2]), atoi(g[3])
		h.Year = y
	} else {
		return h, `not a date: use "MM-DD" for every year or "YYYY-MM-DD" for once`
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if y < 1 || m < 1 || m > 12 || t.Month() != time.Month(m) || t.Day() != d {
		return h, "no such date"
	}
	h.Month, h.Day = time.Month(m), d
	return h, ""
}

func atoi(s string) int { n, _ := strconv.Atoi(s); return n }
