package filing

import (
	"net/mail"
	"strings"

	"golang.org/x/text/language"

	"github.com/supportd/supportd/server/domain"
	"github.com/supportd/supportd/server/validate"
)

func requestID(v *validate.Violations, s string) {
	if problem := validate.RequestIDProblem(s, "a repeated request does not file a second ticket"); problem != "" {
		v.Add(FieldRequestID, problem)
	}
}

func service(v *validate.Violations, s domain.Service) {
	v.Required(FieldService, s != "")
}

func severity(v *validate.Violations, s domain.Severity) {
	switch {
	case s == "":
		v.Add(FieldSeverity, "required: A, B or C")
	case !s.Valid():
		v.Add(FieldSeverity, "must be A, B or C")
	}
}

func contactMethod(v *validate.Violations, m domain.ContactMethod) {
	switch m {
	case "", domain.ContactEmail:
	case domain.ContactPhone:
		v.Add(FieldPreferredContactMethod, NoPhoneSupport)
	default:
		v.Addf(FieldPreferredContactMethod, "unknown contact method %q; e-mail is the program's channel", m)
	}
}

func languageTag(v *validate.Violations, s string, supported func(string) bool) {
	if strings.TrimSpace(s) == "" {
		v.Add(FieldLanguage, "required: a BCP 47 tag such as en-US or fr-FR")
		return
	}
	tag, ok := ParseLanguage(s)
	if !ok {
		v.Addf(FieldLanguage, "%q is not a well-formed BCP 47 language tag (for example en-US or fr-FR)", s)
		return
	}
	if supported != nil && !supported(tag) {
		v.Addf(FieldLanguage, "language %q is not supported", s)
	}
}

// ParseLanguage reports whether s is a well-formed BCP 47 tag of a real
// language and returns its canonical form ("EN-us" -> "en-US"). Rejected:
// anything golang.org/x/text/language cannot parse or whose subtags it does
// not know, underscores ("en_US"), surrounding spaces, and tags without a
// language ("und", private-use "x-...").
func ParseLanguage(s string) (canonical string, ok bool) {
	if s == "" || strings.ContainsAny(s, "_ \t\r\n") {
		return "", false
	}
	primary, _, _ := strings.Cut(strings.ToLower(s), "-")
	if primary == "und" || primary == "x" {
		return "", false
	}
	tag, err := language.Parse(s)
	if err != nil {
		return "", false
	}
	return tag.String(), true
}

func email(v *validate.Violations, s string, partner, customer []string) {
	if strings.TrimSpace(s) == "" {
		v.Add(FieldContactEmail, "required: the partner's e-mail address")
		return
	}
	if !v.MaxLength(FieldContactEmail, s, MaxEmailLength) {
		return
	}
	addr, err := mail.ParseAddress(s)
	if err != nil || addr.Name != "" || addr.Address != s {
		v.Addf(FieldContactEmail, "%q is not a valid e-mail address (expected a bare address such as name@example.com)", s)
		return
	}
	host := s[strings.LastIndex(s, "@")+1:]
	switch {
	case hasDomain(partner, host):
	case hasDomain(customer, host):
		v.Addf(FieldContactEmail, "%s is the customer's domain; the contact must be the partner's, with an e-mail address in one of the partner's verified domains (%s)", host, list(partner))
	default:
		v.Addf(FieldContactEmail, "%s is not one of the partner's verified domains (%s); the contact must be the partner's", host, list(partner))
	}
}

// hasDomain reports whether d equals one of domains, ignoring case.
func hasDomain(domains []string, d string) bool {
	for _, x := range domains {
		if strings.EqualFold(strings.TrimSpace(x), d) {
			return true
		}
	}
	return false
}

func list(domains []string) string {
	if len(domains) == 0 {
		return "none registered"
	}
	return strings.Join(domains, ", ")
}

func phone(v *validate.Violations, s string) {
	if s == "" {
		return
	}
	if !v.MaxLength(FieldContactPhone, s, MaxPhoneLength) {
		return
	}
	digits := 0
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case strings.ContainsRune("+-(). ", r):
		default:
			v.Addf(FieldContactPhone, "%q is not a phone number (digits, spaces and + - ( ) . only)", s)
			return
		}
	}
	if digits == 0 {
		v.Addf(FieldContactPhone, "%q is not a phone number (it has no digit)", s)
	}
}

func proof(v *validate.Violations, p *domain.Proof) {
	if p == nil {
		return
	}
	switch {
	case p.Kind.Valid():
	case p.Kind == "":
		v.Add(FieldProofKind, "required with a proof: MPN, PREMIER or AZURE_SUPPORT_PLAN")
	default:
		v.Addf(FieldProofKind, "unknown proof kind %q: use MPN, PREMIER or AZURE_SUPPORT_PLAN", p.Kind)
	}
	if strings.TrimSpace(p.Reference) == "" {
		v.Add(FieldProofReference, "required with a proof: the agreement, contract or plan id")
	} else {
		v.MaxLength(FieldProofReference, p.Reference, MaxProofReferenceLength)
	}
}
