package entitlement

import "github.com/supportd/supportd/server/domain"

// hasActive reports whether subs holds an ACTIVE subscription of customer
// customerID to service.
func hasActive(subs []domain.Subscription, customerID string, service domain.Service) bool {
	for _, s := range subs {
		if s.CustomerID == customerID && s.Service == service && s.State == domain.SubscriptionActive {
			return true
		}
	}
	return false
}

// matchProof returns the contract of partnerID whose kind and reference both
// equal the proof's.
func matchProof(p *domain.Proof, partnerID string, contracts []domain.Contract) (domain.Contract, bool) {
	if p == nil {
		return domain.Contract{}, false
	}
	for _, c := range contracts {
		if c.PartnerID == partnerID && c.Kind == p.Kind && c.Reference == p.Reference {
			return c, true
		}
	}
	return domain.Contract{}, false
}

// PlanForProof returns the support plan a proof kind names, and false for an
// unknown kind.
func PlanForProof(k domain.ProofKind) (domain.SupportPlan, bool) {
	switch k {
	case domain.ProofMPN:
		return domain.PlanMPN, true
	case domain.ProofPremier:
		return domain.PlanPremier, true
	case domain.ProofAzureSupportPlan:
		return domain.PlanAzureSupportPlan, true
	}
	return "", false
}

func plan(kind domain.CustomerKind, billing bool, c domain.Contract, proofOK bool) domain.SupportPlan {
	if kind != domain.CustomerPartnerSelf {
		return domain.PlanCloudSolutionProvider
	}
	if proofOK {
		if p, ok := PlanForProof(c.Kind); ok {
			return p
		}
	}
	if billing {
		return domain.PlanCloudSolutionProvider
	}
	return ""
}

func fee(p domain.Partner, kind domain.CustomerKind, service domain.Service, cat domain.Category) domain.Fee {
	switch {
	case cat.IsBillingType(), kind == domain.CustomerPartnerSelf:
		return domain.FeeNone
	}
	switch service {
	case domain.ServiceOffice365, domain.ServiceDynamicsCRMOnline, domain.ServiceEnterpriseMobilitySuite:
		return domain.FeeNone
	case domain.ServiceAzure:
		if p.HasBenefit(domain.BenefitSignatureCloudSupport) || p.HasBenefit(domain.BenefitMPN) {
			return domain.FeeCoveredByBenefit
		}
		return domain.FeeBilled
	}
	return ""
}
