package entitlement

import "github.com/supportd/supportd/server/domain"

// The worked-example directory of docs/domain.md §2, plus a partner
// customer (Fabrikam) and a second partner (Contoso).
var (
	adatum = domain.Partner{
		ID: "adatum", DisplayName: "Adatum", Status: domain.PartnerTrial,
		VerifiedDomains: []string{"adatum.example"},
		Benefits:        []domain.Benefit{domain.BenefitMPN},
	}
	litware  = domain.Customer{ID: "litware", PartnerID: "adatum", Kind: domain.CustomerEndCustomer, Domains: []string{"litware.example"}}
	selfCust = domain.Customer{ID: "adatum-self", PartnerID: "adatum", Kind: domain.CustomerPartnerSelf, Domains: []string{"adatum.example"}}
	fabrikam = domain.Customer{ID: "fabrikam", PartnerID: "adatum", Kind: domain.CustomerPartner, Domains: []string{"fabrikam.example"}}
	contosoC = domain.Customer{ID: "contoso-cust", PartnerID: "contoso", Kind: domain.CustomerEndCustomer}

	adatumSubs = []domain.Subscription{
		{ID: "s-lit-az", CustomerID: "litware", Service: domain.ServiceAzure, State: domain.SubscriptionActive},
		{ID: "s-self-az", CustomerID: "adatum-self", Service: domain.ServiceAzure, State: domain.SubscriptionActive},
		{ID: "s-fab-az", CustomerID: "fabrikam", Service: domain.ServiceAzure, State: domain.SubscriptionActive},
	}
	adatumContracts = []domain.Contract{
		{ID: "c1", PartnerID: "adatum", Kind: domain.ProofAzureSupportPlan, Reference: "ASP-7"},
		{ID: "c2", PartnerID: "adatum", Kind: domain.ProofMPN, Reference: "MPN-1"},
		{ID: "c3", PartnerID: "adatum", Kind: domain.ProofPremier, Reference: "PREM-9"},
		{ID: "c4", PartnerID: "contoso", Kind: domain.ProofPremier, Reference: "CONTOSO-PREM"},
	}
)

func topic(s domain.Service, c domain.Category) domain.Topic {
	return domain.Topic{ID: string(s) + "-" + string(c), Service: s, Name: string(c), Category: c}
}

func proof(k domain.ProofKind, ref string) *domain.Proof {
	return &domain.Proof{Kind: k, Reference: ref}
}

// input builds an Adatum request for customer c about service and category.
func input(c domain.Customer, s domain.Service, cat domain.Category, sev domain.Severity, p *domain.Proof) Input {
	return Input{
		Partner: adatum, Customer: c, Service: s, Topic: topic(s, cat), Severity: sev,
		Subscriptions: adatumSubs, Proof: p, Contracts: adatumContracts,
	}
}

func reasons(d Decision) []string {
	var rs []string
	for _, v := range d.Violations {
		rs = append(rs, v.Reason)
	}
	return rs
}
