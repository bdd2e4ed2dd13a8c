package filing

import (
	"fmt"
	"net/mail"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"
	"golang.org/x/text/language"

	"github.com/supportd/supportd/server/domain"
)

type violations struct{ list []FieldViolation }

func (v *violations) add(field, desc string) {
	v.list = append(v.list, FieldViolation{Field: field, Description: desc})
}

func (v *violations) addf(field, format string, args ...any) {
	v.add(field, fmt.Sprintf(format, args...))
}

// text checks a required free-text field and its length.
func (v *violations) text(field, s string, max int) {
	if strings.TrimSpace(s) == "" {
		v.addf(field, "%s is required", field)
		return
	}
	if n := utf8.RuneCountInString(s); n > max {
		v.addf(field, "%s must be at most %d characters long (it has %d)", field, max, n)
	}
}

func (v *violations) requestID(s string) {
	if s == "" {
		v.add(FieldRequestID, "request_id is required: a UUID chosen by the client, so that a repeated request does not file a second ticket")
		return
	}
	id, err := uuid.Parse(s)
	if err != nil || len(s) != 36 {
		v.addf(FieldRequestID, "request_id %q is not a UUID (expected the form xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)", s)
		return
	}
	if id == uuid.Nil {
		v.add(FieldRequestID, "request_id must not be the nil UUID")
	}
}

func (v *violations) language(s string, supported func(string) bool) {
	if strings.TrimSpace(s) == "" {
		v.add(FieldLanguage, "language is required: a BCP 47 tag such as en-US or fr-FR")
		return
	}
	tag, ok := ParseLanguage(s)
	if !ok {
		v.addf(FieldLanguage, "%q is not a well-formed BCP 47 language tag (for example en-US or fr-FR)", s)
		return
	}
	if supported != nil && !supported(tag) {
		v.addf(FieldLanguage, "language %q is not supported", s)
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

func (v *violations) email(s string, partner, customer []string) {
	if strings.TrimSpace(s) == "" {
		v.add(FieldContactEmail, "contact.email is required: the partner's e-mail address")
		return
	}
	if n := utf8.RuneCountInString(s); n > MaxEmailLength {
		v.addf(FieldContactEmail, "contact.email must be at most %d characters long (it has %d)", MaxEmailLength, n)
		return
	}
	addr, err := mail.ParseAddress(s)
	if err != nil || addr.Name != "" || addr.Address != s {
		v.addf(FieldContactEmail, "%q is not a valid e-mail address (expected a bare address such as name@example.com)", s)
		return
	}
	host := s[strings.LastIndex(s, "@")+1:]
	switch {
	case hasDomain(partner, host):
	case hasDomain(customer, host):
		v.addf(FieldContactEmail, "%s is the customer's domain; the contact must be the partner's, with an e-mail address in one of the partner's verified domains (%s)", host, list(partner))
	default:
		v.addf(FieldContactEmail, "%s is not one of the partner's verified domains (%s); the contact must be the partner's", host, list(partner))
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

func (v *violations) phone(s string) {
	if s == "" {
		return
	}
	if n := utf8.RuneCountInString(s); n > MaxPhoneLength {
		v.addf(FieldContactPhone, "contact.phone must be at most %d characters long (it has %d)", MaxPhoneLength, n)
		return
	}
	digits := 0
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case strings.ContainsRune("+-(). ", r):
		default:
			v.addf(FieldContactPhone, "%q is not a phone number (digits, spaces and + - ( ) . only)", s)
			return
		}
	}
	if digits == 0 {
		v.addf(FieldContactPhone, "%q is not a phone number (it has no digit)", s)
	}
}

func (v *violations) proof(p *domain.Proof) {
	if p == nil {
		return
	}
	switch p.Kind {
	case domain.ProofMPN, domain.ProofPremier, domain.ProofAzureSupportPlan:
	case "":
		v.add(FieldProofKind, "entitlement_proof.kind is required with a proof: MPN, PREMIER or AZURE_SUPPORT_PLAN")
	default:
		v.addf(FieldProofKind, "unknown proof kind %q: use MPN, PREMIER or AZURE_SUPPORT_PLAN", p.Kind)
	}
	if strings.TrimSpace(p.Reference) == "" {
		v.add(FieldProofReference, "entitlement_proof.reference is required with a proof: the agreement, contract or plan id")
	} else if n := utf8.RuneCountInString(p.Reference); n > MaxProofReferenceLength {
		v.addf(FieldProofReference, "entitlement_proof.reference must be at most %d characters long (it has %d)", MaxProofReferenceLength, n)
	}
}
