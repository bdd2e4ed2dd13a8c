package directory

import (
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/supportd/supportd/server/domain"
)

// MaxDisplayName is the longest display name accepted, in characters.
const MaxDisplayName = 200

var (
	idPattern     = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)
	domainPattern = regexp.MustCompile(`^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]([a-z0-9-]{0,61}[a-z0-9])?$`)
)

// violations accumulates field violations in request order.
type violations []domain.FieldViolation

func (v *violations) add(field, desc string) {
	*v = append(*v, domain.FieldViolation{Field: field, Description: desc})
}

func (v *violations) id(field, id string) {
	switch {
	case id == "":
		v.add(field, "required")
	case !idPattern.MatchString(id):
		v.add(field, "must be 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit")
	}
}

func (v *violations) displayName(field, name string) {
	n := utf8.RuneCountInString(strings.TrimSpace(name))
	switch {
	case n == 0:
		v.add(field, "required")
	case utf8.RuneCountInString(name) > MaxDisplayName:
		v.add(field, "must be at most 200 characters")
	}
}

func (v *violations) domains(field string, ds []string) {
	seen := map[string]bool{}
	for i, d := range ds {
		path := field + "[" + strconv.Itoa(i) + "]"
		switch {
		case !domainPattern.MatchString(d) || len(d) > 253:
			v.add(path, "must be a lower-case DNS domain such as \"contoso.example\"")
		case seen[d]:
			v.add(path, "duplicate domain "+d)
		}
		seen[d] = true
	}
}

// ValidatePartner checks a partner to create or, with mask set, the masked
// fields of an update.
func ValidatePartner(p domain.Partner, mask []string) error {
	var v violations
	v.id("partner.id", p.ID)
	if mask == nil || contains(mask, "display_name") {
		v.displayName("partner.display_name", p.DisplayName)
	}
	if mask == nil || contains(mask, "status") {
		switch p.Status {
		case domain.PartnerActive, domain.PartnerTrial, domain.PartnerSuspended:
		default:
			v.add("partner.status", "required: ACTIVE, TRIAL or SUSPENDED")
		}
	}
	if mask == nil || contains(mask, "verified_domains") {
		v.domains("partner.verified_domains", p.VerifiedDomains)
	}
	if mask == nil || contains(mask, "benefits") {
		seen := map[domain.Benefit]bool{}
		for i, b := range p.Benefits {
			path := "partner.benefits[" + strconv.Itoa(i) + "]"
			switch {
			case b != domain.BenefitSignatureCloudSupport && b != domain.BenefitMPN:
				v.add(path, "unknown benefit")
			case seen[b]:
				v.add(path, "duplicate benefit")
			}
			seen[b] = true
		}
	}
	return domain.Invalid(v...)
}

// ValidateCustomer checks a customer to create.
func ValidateCustomer(c domain.Customer) error {
	var v violations
	v.id("customer.id", c.ID)
	v.id("customer.partner_id", c.PartnerID)
	v.displayName("customer.display_name", c.DisplayName)
	switch c.Kind {
	case domain.CustomerEndCustomer, domain.CustomerPartner, domain.CustomerPartnerSelf:
	default:
		v.add("customer.kind", "required: END_CUSTOMER, PARTNER or PARTNER_SELF")
	}
	v.domains("customer.domains", c.Domains)
	return domain.Invalid(v...)
}

// ValidateSubscription checks a subscription to create or, with mask set,
// the masked fields of an update.
func ValidateSubscription(s domain.Subscription, mask []string) error {
	var v violations
	v.id("subscription.id", s.ID)
	if mask == nil {
		v.id("subscription.customer_id", s.CustomerID)
		if s.Service == "" {
			v.add("subscription.service", "required")
		}
	}
	if mask == nil || contains(mask, "state") {
		if s.State != domain.SubscriptionActive && s.State != domain.SubscriptionSuspended {
			v.add("subscription.state", "required: ACTIVE or SUSPENDED")
		}
	}
	return domain.Invalid(v...)
}

// MaxReference is the longest contract reference accepted.
const MaxReference = 128

// ValidateContract checks a contract to register.
func ValidateContract(c domain.Contract) error {
	var v violations
	v.id("contract.id", c.ID)
	v.id("contract.partner_id", c.PartnerID)
	switch c.Kind {
	case domain.ProofMPN, domain.ProofPremier, domain.ProofAzureSupportPlan:
	default:
		v.add("contract.kind", "required: MPN, PREMIER or AZURE_SUPPORT_PLAN")
	}
	switch ref := strings.TrimSpace(c.Reference); {
	case ref == "":
		v.add("contract.reference", "required")
	case len(c.Reference) > MaxReference:
		v.add("contract.reference", "must be at most 128 characters")
	case ref != c.Reference:
		v.add("contract.reference", "must not start or end with spaces")
	}
	return domain.Invalid(v...)
}

// ValidateKeyRequest checks the role, partner and expiry (zero: none) of a
// key to create at now.
func ValidateKeyRequest(role domain.Role, partnerID string, expire, now time.Time) error {
	var v violations
	switch role {
	case domain.RolePartner:
		v.id("partner_id", partnerID)
	case domain.RoleAdmin, domain.RoleAgent:
		if partnerID != "" {
			v.add("partner_id", "must be empty for admin and agent keys")
		}
	default:
		v.add("role", "required: ROLE_ADMIN, ROLE_AGENT or ROLE_PARTNER")
	}
	switch {
	case expire.IsZero():
	case !expire.After(now):
		v.add("expire_time", "must be in the future (leave it unset for a key that does not expire)")
	case expire.Sub(now) > MaxKeyLifetime:
		v.add("expire_time", "must be at most 5 years ahead (leave it unset for a key that does not expire)")
	}
	return domain.Invalid(v...)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
