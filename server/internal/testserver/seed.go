package testserver

import (
	"testing"

	supportv1 "github.com/supportd/supportd/gen/support/v1"
	"github.com/supportd/supportd/server/domain"
)

// The Seed helpers create directory records over gRPC with the admin key
// (so each gets its audit event, like a provisioning service's would), fail
// the test on error and return the record as stored. Each takes modifiers
// applied to the request's record before it is sent.

// SeedPartner creates an ACTIVE partner id named "Partner <id>" with the
// verified domain "<id>.example" and no benefits.
func (s *Server) SeedPartner(t testing.TB, id string, mods ...func(*supportv1.Partner)) *supportv1.Partner {
	t.Helper()
	p := &supportv1.Partner{
		Id:              id,
		DisplayName:     "Partner " + id,
		Status:          supportv1.PartnerStatus_PARTNER_STATUS_ACTIVE,
		VerifiedDomains: []string{id + ".example"},
	}
	for _, m := range mods {
		m(p)
	}
	resp, err := s.Directory().CreatePartner(s.Admin(t), &supportv1.CreatePartnerRequest{Partner: p})
	if err != nil {
		t.Fatalf("testserver: seed partner %s: %v", id, err)
	}
	return resp.GetPartner()
}

// SeedCustomer creates a customer of partnerID with the given kind, named
// "Customer <id>", with the domain "<id>.example" (none for PARTNER_SELF).
func (s *Server) SeedCustomer(t testing.TB, id, partnerID string, kind supportv1.CustomerKind, mods ...func(*supportv1.Customer)) *supportv1.Customer {
	t.Helper()
	c := &supportv1.Customer{Id: id, PartnerId: partnerID, DisplayName: "Customer " + id, Kind: kind}
	if kind != supportv1.CustomerKind_CUSTOMER_KIND_PARTNER_SELF {
		c.Domains = []string{id + ".example"}
	}
	for _, m := range mods {
		m(c)
	}
	resp, err := s.Directory().CreateCustomer(s.Admin(t), &supportv1.CreateCustomerRequest{Customer: c})
	if err != nil {
		t.Fatalf("testserver: seed customer %s: %v", id, err)
	}
	return resp.GetCustomer()
}

// SeedSubscription creates an ACTIVE subscription of customerID to service.
func (s *Server) SeedSubscription(t testing.TB, id, customerID string, service supportv1.Service, mods ...func(*supportv1.Subscription)) *supportv1.Subscription {
	t.Helper()
	sub := &supportv1.Subscription{Id: id, CustomerId: customerID, Service: service, State: supportv1.SubscriptionState_SUBSCRIPTION_STATE_ACTIVE}
	for _, m := range mods {
		m(sub)
	}
	resp, err := s.Directory().CreateSubscription(s.Admin(t), &supportv1.CreateSubscriptionRequest{Subscription: sub})
	if err != nil {
		t.Fatalf("testserver: seed subscription %s: %v", id, err)
	}
	return resp.GetSubscription()
}

// SeedContract registers a contract of partnerID.
func (s *Server) SeedContract(t testing.TB, id, partnerID string, kind supportv1.ProofKind, reference string) *supportv1.Contract {
	t.Helper()
	c := &supportv1.Contract{Id: id, PartnerId: partnerID, Kind: kind, Reference: reference}
	resp, err := s.Directory().RegisterContract(s.Admin(t), &supportv1.RegisterContractRequest{Contract: c})
	if err != nil {
		t.Fatalf("testserver: seed contract %s: %v", id, err)
	}
	return resp.GetContract()
}

// Seeded is the directory SeedDirectory creates.
type Seeded struct {
	Partner *supportv1.Partner
	// EndCustomer ("<id>-end") has an ACTIVE Azure and an ACTIVE Office 365
	// subscription ("<id>-end-azure", "<id>-end-o365").
	EndCustomer *supportv1.Customer
	// Self ("<id>-self") is the partner's own tenant, with an ACTIVE Azure
	// subscription ("<id>-self-azure").
	Self          *supportv1.Customer
	Subscriptions []*supportv1.Subscription
	// PartnerKey is a partner key of the partner.
	PartnerKey string
}

// SeedDirectory creates a partner (see SeedPartner; mods apply to it), an
// end customer and the partner's own tenant with subscriptions, and a
// partner key: enough for most SupportService tests.
func (s *Server) SeedDirectory(t testing.TB, partnerID string, mods ...func(*supportv1.Partner)) Seeded {
	t.Helper()
	var d Seeded
	d.Partner = s.SeedPartner(t, partnerID, mods...)
	d.EndCustomer = s.SeedCustomer(t, partnerID+"-end", partnerID, supportv1.CustomerKind_CUSTOMER_KIND_END_CUSTOMER)
	d.Self = s.SeedCustomer(t, partnerID+"-self", partnerID, supportv1.CustomerKind_CUSTOMER_KIND_PARTNER_SELF)
	d.Subscriptions = []*supportv1.Subscription{
		s.SeedSubscription(t, partnerID+"-end-azure", d.EndCustomer.GetId(), supportv1.Service_SERVICE_AZURE),
		s.SeedSubscription(t, partnerID+"-end-o365", d.EndCustomer.GetId(), supportv1.Service_SERVICE_OFFICE_365),
		s.SeedSubscription(t, partnerID+"-self-azure", d.Self.GetId(), supportv1.Service_SERVICE_AZURE),
	}
	d.PartnerKey = s.NewKey(t, domain.RolePartner, partnerID)
	return d
}
