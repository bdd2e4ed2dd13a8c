package validate

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/supportd/supportd/server/domain"
)

// MaxDisplayName is the longest display name (partner, customer, topic)
// accepted, in characters.
const MaxDisplayName = 200

// MaxReference is the longest contract reference accepted, in bytes.
const MaxReference = 128

// MaxKeyLifetime bounds how far ahead a key's expiry may be set: a key
// meant to live longer is created without an expiry, and a date years away
// is more likely a typo than a plan.
const MaxKeyLifetime = 5 * 365 * 24 * time.Hour

var domainPattern = regexp.MustCompile(`^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]([a-z0-9-]{0,61}[a-z0-9])?$`)

func (v *Violations) domains(field string, ds []string) {
	seen := map[string]bool{}
	for i, d := range ds {
		path := field + "[" + strconv.Itoa(i) + "]"
		switch {
		case !domainPattern.MatchString(d) || len(d) > 253:
			v.Add(path, "must be a lower-case DNS domain such as \"contoso.example\"")
		case seen[d]:
			v.Add(path, "duplicate domain "+d)
		}
		seen[d] = true
	}
}

// masked reports whether a field is checked: every field of a create (nil
// mask), the named ones of an update.
func masked(mask []string, field string) bool { return mask == nil || slices.Contains(mask, field) }

// Partner checks a partner to create or, with mask set, the masked
// fields of an update.
func Partner(p domain.Partner, mask []string) error {
	var v Violations
	v.ID("partner.id", p.ID)
	if masked(mask, "display_name") {
		v.Text("partner.display_name", p.DisplayName, MaxDisplayName)
	}
	if masked(mask, "status") {
		switch p.Status {
		case domain.PartnerActive, domain.PartnerTrial, domain.PartnerSuspended:
		default:
			v.Add("partner.status", "required: ACTIVE, TRIAL or SUSPENDED")
		}
	}
	if masked(mask, "verified_domains") {
		v.domains("partner.verified_domains", p.VerifiedDomains)
	}
	if masked(mask, "benefits") {
		seen := map[domain.Benefit]bool{}
		for i, b := range p.Benefits {
			path := "partner.benefits[" + strconv.Itoa(i) + "]"
			switch {
			case b != domain.BenefitSignatureCloudSupport && b != domain.BenefitMPN:
				v.Add(path, "unknown benefit")
			case seen[b]:
				v.Add(path, "duplicate benefit")
			}
			seen[b] = true
		}
	}
	return v.Err()
}

// Customer checks a customer to create.
func Customer(c domain.Customer) error {
	var v Violations
	v.ID("customer.id", c.ID)
	v.ID("customer.partner_id", c.PartnerID)
	v.Text("customer.display_name", c.DisplayName, MaxDisplayName)
	switch c.Kind {
	case domain.CustomerEndCustomer, domain.CustomerPartner, domain.CustomerPartnerSelf:
	default:
		v.Add("customer.kind", "required: END_CUSTOMER, PARTNER or PARTNER_SELF")
	}
	v.domains("customer.domains", c.Domains)
	return v.Err()
}

// Subscription checks a subscription to create or, with mask set, the
// masked fields of an update.
func Subscription(s domain.Subscription, mask []string) error {
	var v Violations
	v.ID("subscription.id", s.ID)
	if mask == nil {
		v.ID("subscription.customer_id", s.CustomerID)
		v.Required("subscription.service", s.Service != "")
	}
	if masked(mask, "state") {
		if s.State != domain.SubscriptionActive && s.State != domain.SubscriptionSuspended {
			v.Add("subscription.state", "required: ACTIVE or SUSPENDED")
		}
	}
	return v.Err()
}

// Contract checks a contract to register.
func Contract(c domain.Contract) error {
	var v Violations
	v.ID("contract.id", c.ID)
	v.ID("contract.partner_id", c.PartnerID)
	if !c.Kind.Valid() {
		v.Add("contract.kind", "required: MPN, PREMIER or AZURE_SUPPORT_PLAN")
	}
	switch ref := strings.TrimSpace(c.Reference); {
	case ref == "":
		v.Add("contract.reference", "required")
	case len(c.Reference) > MaxReference:
		v.Addf("contract.reference", "must be at most %d characters", MaxReference)
	case ref != c.Reference:
		v.Add("contract.reference", "must not start or end with spaces")
	}
	return v.Err()
}

// Topic checks a catalogue topic to create or, with mask set, the masked
// fields of an update.
func Topic(t domain.Topic, mask []string) error {
	var v Violations
	v.ID("topic.id", t.ID)
	if mask == nil && !t.Service.InProgram() {
		v.Add("topic.service", "required: one of the program services")
	}
	if masked(mask, "name") {
		v.Text("topic.name", t.Name, MaxDisplayName)
	}
	if masked(mask, "category") && !slices.Contains(domain.Categories, t.Category) {
		v.Add("topic.category", "required: TECHNICAL, ADVISORY, SUBSCRIPTION_MANAGEMENT, BILLING, BILLING_DISPUTE or FRAUD")
	}
	return v.Err()
}

// KeyRequest checks the role, partner and expiry (zero: none) of a key
// to create at now.
func KeyRequest(role domain.Role, partnerID string, expire, now time.Time) error {
	var v Violations
	switch role {
	case domain.RolePartner:
		v.ID("partner_id", partnerID)
	case domain.RoleAdmin, domain.RoleAgent:
		if partnerID != "" {
			v.Add("partner_id", "must be empty for admin and agent keys")
		}
	default:
		v.Add("role", "required: ROLE_ADMIN, ROLE_AGENT or ROLE_PARTNER")
	}
	switch {
	case expire.IsZero():
	case !expire.After(now):
		v.Add("expire_time", "must be in the future (leave it unset for a key that does not expire)")
	case expire.Sub(now) > MaxKeyLifetime:
		v.Add("expire_time", "must be at most 5 years ahead (leave it unset for a key that does not expire)")
	}
	return v.Err()
}

// Mask checks the update mask of an update: not empty, and naming only
// fields of allowed.
func Mask(mask []string, allowed ...string) error {
	if len(mask) == 0 {
		return domain.Invalid(domain.FieldViolation{Field: "update_mask", Description: fmt.Sprintf("required: name the fields to change (%v)", allowed)})
	}
	var v Violations
	for _, f := range mask {
		if !slices.Contains(allowed, f) {
			v.Addf("update_mask", "%q cannot be updated; allowed: %v", f, allowed)
		}
	}
	return v.Err()
}

// TimeRange checks an optional time range (zero: open end): when both
// ends are set, end_time is after start_time.
func TimeRange(start, end time.Time) error {
	if !start.IsZero() && !end.IsZero() && !start.Before(end) {
		return domain.Invalid(domain.FieldViolation{Field: "end_time", Description: "must be after start_time"})
	}
	return nil
}
