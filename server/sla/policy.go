package sla

import (
	"errors"
	"fmt"
	"math"
	"time"

	"golang.org/x/text/language"

	"github.com/supportd/supportd/server/domain"
)

// ErrUnsupportedLanguage is returned (wrapped with the offending tag) by
// Policy.Target for a language tag that does not parse or whose primary
// subtag no calendar serves. Test with errors.Is.
var ErrUnsupportedLanguage = errors.New("unsupported language")

// DefaultWarnAt is the default fraction of a target at which the SLA
// warning fires.
const DefaultWarnAt = 0.75

// DefaultTargets returns the TECHNICAL response targets of docs/domain.md
// §4: A 2h, B 4h, C 8h.
func DefaultTargets() map[domain.Severity]time.Duration {
	return map[domain.Severity]time.Duration{
		domain.SeverityA: 2 * time.Hour,
		domain.SeverityB: 4 * time.Hour,
		domain.SeverityC: 8 * time.Hour,
	}
}

// EnglishCalendarLanguage is the language whose TECHNICAL targets run 24x7
// and whose calendar counts "one business day" for English tickets.
const EnglishCalendarLanguage = "en"

// PolicyOptions are the inputs of NewPolicy.
type PolicyOptions struct {
	// Targets are the TECHNICAL targets per severity; a missing severity
	// takes its DefaultTargets value.
	Targets map[domain.Severity]time.Duration
	// WarnAt is the fraction of the target at which the warning fires, in
	// (0, 1); 0 means DefaultWarnAt.
	WarnAt float64
	// Calendars are indexed by the languages they serve. A calendar serving
	// "en" is required.
	Calendars []*Calendar
}

// Policy computes response deadlines (docs/domain.md §4). It is
// immutable and safe for concurrent use.
type Policy struct {
	targets map[domain.Severity]time.Duration
	warnAt  float64
	byLang  map[string]*Calendar
	byID    map[string]*Calendar
}

// NewPolicy validates o and builds a Policy. It rejects non-positive
// targets, a severity other than A, B, C, WarnAt outside (0, 1), a nil
// calendar, two calendars with the same ID or serving the same language, and
// a set of calendars without one serving "en".
func NewPolicy(o PolicyOptions) (*Policy, error) {
	p := &Policy{targets: DefaultTargets(), warnAt: o.WarnAt, byLang: map[string]*Calendar{}, byID: map[string]*Calendar{}}
	for s, d := range o.Targets {
		if !s.Valid() {
			return nil, fmt.Errorf("sla policy: unknown severity %q", s)
		}
		if d <= 0 {
			return nil, fmt.Errorf("sla policy: target for severity %s must be positive, got %v", s, d)
		}
		p.targets[s] = d
	}
	if p.warnAt == 0 {
		p.warnAt = DefaultWarnAt
	}
	if !(p.warnAt > 0 && p.warnAt < 1) {
		return nil, fmt.Errorf("sla policy: warn_at must be between 0 and 1 (exclusive), got %v", o.WarnAt)
	}
	for _, c := range o.Calendars {
		if c == nil {
			return nil, errors.New("sla policy: nil calendar")
		}
		if _, dup := p.byID[c.id]; dup {
			return nil, fmt.Errorf("sla policy: calendar id %q used twice", c.id)
		}
		p.byID[c.id] = c
		for _, l := range c.languages {
			if other, dup := p.byLang[l]; dup {
				return nil, fmt.Errorf("sla policy: language %q served by calendars %q and %q", l, other.id, c.id)
			}
			p.byLang[l] = c
		}
	}
	if p.byLang[EnglishCalendarLanguage] == nil {
		return nil, errors.New(`sla policy: no calendar serves language "en" (needed for one business day of English tickets)`)
	}
	return p, nil
}

// WarnAt returns the warning fraction of the policy.
func (p *Policy) WarnAt() float64 { return p.warnAt }

// TechnicalTarget returns the TECHNICAL target of severity s (0 for an
// invalid severity).
func (p *Policy) TechnicalTarget(s domain.Severity) time.Duration { return p.targets[s] }

// Calendar returns the calendar with the given ID, or nil.
func (p *Policy) Calendar(id string) *Calendar { return p.byID[id] }

// CalendarFor returns the calendar serving the primary subtag of the BCP 47
// tag lang, or an error wrapping ErrUnsupportedLanguage.
func (p *Policy) CalendarFor(lang string) (*Calendar, error) {
	base, err := primarySubtag(lang)
	if err != nil {
		return nil, err
	}
	c := p.byLang[base]
	if c == nil {
		return nil, fmt.Errorf("%w: %q (no calendar serves %q)", ErrUnsupportedLanguage, lang, base)
	}
	return c, nil
}

func primarySubtag(lang string) (string, error) {
	tag, err := language.Parse(lang)
	if err != nil {
		return "", fmt.Errorf("%w: %q is not a BCP 47 language tag", ErrUnsupportedLanguage, lang)
	}
	base, _, _ := tag.Raw()
	if base.String() == "und" {
		return "", fmt.Errorf("%w: %q has no language subtag", ErrUnsupportedLanguage, lang)
	}
	return base.String(), nil
}

// Deadline is a computed response target.
type Deadline struct {
	// Due is the breach instant: the earliest instant at which the elapsed
	// time (working time when BusinessHours) since submission reaches Target.
	Due time.Time
	// Warn is the instant at which WarnAt × Target has elapsed on the same
	// clock.
	Warn time.Time
	// Target is the length of the target (wall time when !BusinessHours,
	// working time otherwise).
	Target time.Duration
	// BusinessHours says whether Target counts working time of CalendarID.
	BusinessHours bool
	// CalendarID is the calendar counting working time; "" for a 24x7 target.
	CalendarID string
}

// Target computes the deadline of a ticket of the given category, severity
// and language (a BCP 47 tag such as "en-US", "fr-FR", "ja") submitted at
// submit. English TECHNICAL tickets run 24x7 (Due = submit + target); other
// TECHNICAL tickets count the target in working time of their language's
// calendar; ADVISORY and billing-type tickets get one business day (the
// calendar's BusinessDay) in working time of their language's calendar,
// English included. An unparsable tag or one whose primary subtag no
// calendar serves gives an error wrapping ErrUnsupportedLanguage; an invalid
// category or severity (for TECHNICAL) gives another error.
func (p *Policy) Target(category domain.Category, severity domain.Severity, lang string, submit time.Time) (Deadline, error) {
	cal, err := p.CalendarFor(lang)
	if err != nil {
		return Deadline{}, err
	}
	submit = submit.Round(0)
	switch {
	case category == domain.CategoryTechnical:
		target, ok := p.targets[severity]
		if !ok {
			return Deadline{}, fmt.Errorf("sla: invalid severity %q", severity)
		}
		if base, _ := primarySubtag(lang); base == EnglishCalendarLanguage {
			return p.deadline(nil, submit, target), nil
		}
		return p.deadline(cal, submit, target), nil
	case category == domain.CategoryAdvisory || category.IsBillingType():
		return p.deadline(cal, submit, cal.BusinessDay()), nil
	}
	return Deadline{}, fmt.Errorf("sla: invalid category %q", category)
}

func (p *Policy) deadline(cal *Calendar, submit time.Time, target time.Duration) Deadline {
	warn := time.Duration(math.Round(float64(target) * p.warnAt))
	if cal == nil {
		return Deadline{Due: submit.Add(target), Warn: submit.Add(warn), Target: target}
	}
	return Deadline{
		Due: cal.Add(submit, target), Warn: cal.Add(submit, warn), Target: target,
		BusinessHours: true, CalendarID: cal.id,
	}
}

// Stages returns the warning and breach instants of d for a ticket
// submitted at submit: warn is when WarnAt × d.Target has elapsed on d's
// clock, breach is d.Due recomputed from submit. It lets a caller rebuild
// both instants from a stored Deadline; a Deadline whose CalendarID is no
// longer known is treated as 24x7.
func (p *Policy) Stages(submit time.Time, d Deadline) (warn, breach time.Time) {
	r := p.deadline(p.clock(d), submit.Round(0), d.Target)
	return r.Warn, r.Due
}

// Elapsed returns the time elapsed on d's clock between from and to
// (working time of its calendar, or wall time for a 24x7 target); negative
// when to is before from.
func (p *Policy) Elapsed(d Deadline, from, to time.Time) time.Duration {
	if c := p.clock(d); c != nil {
		return c.Between(from, to)
	}
	return to.Round(0).Sub(from.Round(0))
}

func (p *Policy) clock(d Deadline) *Calendar {
	if !d.BusinessHours {
		return nil
	}
	return p.byID[d.CalendarID]
}
