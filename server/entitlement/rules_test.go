package entitlement

import (
	"fmt"
	"slices"
	"testing"

	"github.com/supportd/supportd/server/domain"
)

const (
	az   = domain.ServiceAzure
	o365 = domain.ServiceOffice365
	crm  = domain.ServiceDynamicsCRMOnline
	ems  = domain.ServiceEnterpriseMobilitySuite
	vs   = domain.Service("VISUAL_STUDIO") // outside the program
	tech = domain.CategoryTechnical
	adv  = domain.CategoryAdvisory
	bill = domain.CategoryBilling
	sevB = domain.SeverityB
)

func withPartnerStatus(in Input, s domain.PartnerStatus) Input { in.Partner.Status = s; return in }
func withSubs(in Input, subs ...domain.Subscription) Input     { in.Subscriptions = subs; return in }

func TestDecideRules(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      Input
		reasons []string
		plan    domain.SupportPlan
	}{
		// Rule 1.
		{"service outside program, no subscription", input(litware, vs, tech, sevB, nil),
			[]string{ReasonServiceNotInProgram, ReasonNoActiveSubscription}, domain.PlanCloudSolutionProvider},
		{"service outside program, active subscription to it", withSubs(input(litware, vs, tech, sevB, nil),
			domain.Subscription{CustomerID: "litware", Service: vs, State: domain.SubscriptionActive}),
			[]string{ReasonServiceNotInProgram}, domain.PlanCloudSolutionProvider},
		{"empty service", input(litware, "", tech, sevB, nil),
			[]string{ReasonServiceNotInProgram, ReasonNoActiveSubscription}, domain.PlanCloudSolutionProvider},
		{"billing topic of a service outside program", input(litware, vs, bill, sevB, nil),
			[]string{ReasonServiceNotInProgram}, domain.PlanCloudSolutionProvider},

		// Rule 3.
		{"active subscription", input(litware, az, tech, sevB, nil), nil, domain.PlanCloudSolutionProvider},
		{"suspended subscription", withSubs(input(litware, az, tech, sevB, nil),
			domain.Subscription{CustomerID: "litware", Service: az, State: domain.SubscriptionSuspended}),
			[]string{ReasonNoActiveSubscription}, domain.PlanCloudSolutionProvider},
		{"one suspended, one active subscription", withSubs(input(litware, az, tech, sevB, nil),
			domain.Subscription{CustomerID: "litware", Service: az, State: domain.SubscriptionSuspended},
			domain.Subscription{CustomerID: "litware", Service: az, State: domain.SubscriptionActive}),
			nil, domain.PlanCloudSolutionProvider},
		{"active subscription of another customer does not count", withSubs(input(litware, az, tech, sevB, nil),
			domain.Subscription{CustomerID: "fabrikam", Service: az, State: domain.SubscriptionActive}),
			[]string{ReasonNoActiveSubscription}, domain.PlanCloudSolutionProvider},
		{"active subscription to another service does not count", input(litware, ems, adv, sevB, nil),
			[]string{ReasonNoActiveSubscription}, domain.PlanCloudSolutionProvider},
		{"no subscriptions at all", withSubs(input(litware, az, adv, sevB, nil)),
			[]string{ReasonNoActiveSubscription}, domain.PlanCloudSolutionProvider},

		// Rule 4.
		{"active partner", withPartnerStatus(input(litware, az, tech, sevB, nil), domain.PartnerActive), nil, domain.PlanCloudSolutionProvider},
		{"trial partner", withPartnerStatus(input(litware, az, tech, sevB, nil), domain.PartnerTrial), nil, domain.PlanCloudSolutionProvider},
		{"suspended partner", withPartnerStatus(input(litware, az, tech, sevB, nil), domain.PartnerSuspended),
			[]string{ReasonPartnerSuspended}, domain.PlanCloudSolutionProvider},
		{"unknown partner status counts as suspended", withPartnerStatus(input(litware, az, tech, sevB, nil), ""),
			[]string{ReasonPartnerSuspended}, domain.PlanCloudSolutionProvider},

		// Rule 5.
		{"partner customer technical", input(fabrikam, az, tech, sevB, nil),
			[]string{ReasonPartnerCustomerNotCovered}, domain.PlanCloudSolutionProvider},
		{"partner customer advisory", input(fabrikam, az, adv, sevB, nil),
			[]string{ReasonPartnerCustomerNotCovered}, domain.PlanCloudSolutionProvider},

		// Rule 6.
		{"own tenant, no proof", input(selfCust, az, tech, sevB, nil), []string{ReasonOwnSubscriptionRequiresProof}, ""},
		{"own tenant, Azure support plan", input(selfCust, az, tech, sevB, proof(domain.ProofAzureSupportPlan, "ASP-7")), nil, domain.PlanAzureSupportPlan},
		{"own tenant, MPN agreement", input(selfCust, az, tech, sevB, proof(domain.ProofMPN, "MPN-1")), nil, domain.PlanMPN},
		{"own tenant, Premier contract", input(selfCust, az, tech, sevB, proof(domain.ProofPremier, "PREM-9")), nil, domain.PlanPremier},
		{"own tenant, right reference wrong kind", input(selfCust, az, tech, sevB, proof(domain.ProofMPN, "ASP-7")),
			[]string{ReasonProofNotRecognized}, ""},
		{"own tenant, right kind wrong reference", input(selfCust, az, tech, sevB, proof(domain.ProofAzureSupportPlan, "ASP-8")),
			[]string{ReasonProofNotRecognized}, ""},
		{"own tenant, reference differs in case", input(selfCust, az, tech, sevB, proof(domain.ProofAzureSupportPlan, "asp-7")),
			[]string{ReasonProofNotRecognized}, ""},
		{"own tenant, another partner's contract", input(selfCust, az, tech, sevB, proof(domain.ProofPremier, "CONTOSO-PREM")),
			[]string{ReasonProofNotRecognized}, ""},
		{"own tenant, empty proof", input(selfCust, az, tech, sevB, &domain.Proof{}),
			[]string{ReasonProofNotRecognized}, ""},
		{"own tenant, proof but no subscription", input(selfCust, o365, tech, sevB, proof(domain.ProofPremier, "PREM-9")),
			[]string{ReasonNoActiveSubscription}, domain.PlanPremier},
		{"proof on an end customer is ignored", input(litware, az, tech, sevB, proof(domain.ProofPremier, "PREM-9")),
			nil, domain.PlanCloudSolutionProvider},
		{"unrecognised proof on an end customer is ignored", input(litware, az, tech, sevB, proof(domain.ProofPremier, "nope")),
			nil, domain.PlanCloudSolutionProvider},

		// Rule 7: which rules billing-type topics bypass.
		{"billing, suspended subscription", withSubs(input(litware, az, bill, sevB, nil),
			domain.Subscription{CustomerID: "litware", Service: az, State: domain.SubscriptionSuspended}),
			nil, domain.PlanCloudSolutionProvider},
		{"billing, no subscription to the service", input(litware, o365, bill, sevB, nil), nil, domain.PlanCloudSolutionProvider},
		{"billing, partner customer", input(fabrikam, crm, domain.CategorySubscriptionManagement, sevB, nil), nil, domain.PlanCloudSolutionProvider},
		{"billing, own tenant without proof", input(selfCust, az, domain.CategoryBillingDispute, sevB, nil), nil, domain.PlanCloudSolutionProvider},
		{"billing, own tenant with unrecognised proof", input(selfCust, az, domain.CategoryFraud, sevB, proof(domain.ProofMPN, "bad")), nil, domain.PlanCloudSolutionProvider},
		{"billing, own tenant with recognised proof keeps its plan", input(selfCust, az, bill, sevB, proof(domain.ProofMPN, "MPN-1")), nil, domain.PlanMPN},
		{"billing, suspended partner is still refused", withPartnerStatus(input(litware, az, bill, sevB, nil), domain.PartnerSuspended),
			[]string{ReasonPartnerSuspended}, domain.PlanCloudSolutionProvider},

		// Several failures at once, in rule order.
		{"subscription, suspension and partner customer", withPartnerStatus(input(fabrikam, o365, tech, sevB, nil), domain.PartnerSuspended),
			[]string{ReasonNoActiveSubscription, ReasonPartnerSuspended, ReasonPartnerCustomerNotCovered}, domain.PlanCloudSolutionProvider},
		{"every rule of an own-tenant request", withPartnerStatus(input(selfCust, vs, adv, sevB, nil), domain.PartnerSuspended),
			[]string{ReasonServiceNotInProgram, ReasonNoActiveSubscription, ReasonPartnerSuspended, ReasonOwnSubscriptionRequiresProof}, ""},
		{"own tenant, no subscription and unrecognised proof", input(selfCust, crm, tech, sevB, proof(domain.ProofPremier, "x")),
			[]string{ReasonNoActiveSubscription, ReasonProofNotRecognized}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Decide(tt.in)
			if got := reasons(d); !slices.Equal(got, tt.reasons) {
				t.Errorf("reasons = %v, want %v", got, tt.reasons)
			}
			if d.Entitled != (len(tt.reasons) == 0) {
				t.Errorf("entitled = %v with reasons %v", d.Entitled, tt.reasons)
			}
			for _, v := range d.Violations {
				if v.Message == "" {
					t.Errorf("%s: empty message", v.Reason)
				}
			}
			if d.SupportPlan != tt.plan {
				t.Errorf("plan = %q, want %q", d.SupportPlan, tt.plan)
			}
			if d.Category != tt.in.Topic.Category {
				t.Errorf("category = %q, want %q", d.Category, tt.in.Topic.Category)
			}
		})
	}
}

func TestDecideFee(t *testing.T) {
	t.Parallel()
	none := []domain.Benefit(nil)
	scs := []domain.Benefit{domain.BenefitSignatureCloudSupport}
	mpn := []domain.Benefit{domain.BenefitMPN}
	both := []domain.Benefit{domain.BenefitMPN, domain.BenefitSignatureCloudSupport}
	other := []domain.Benefit{"SOMETHING_ELSE"}
	tests := []struct {
		customer domain.Customer
		service  domain.Service
		category domain.Category
		benefits []domain.Benefit
		want     domain.Fee
	}{
		{litware, az, tech, none, domain.FeeBilled},
		{litware, az, adv, none, domain.FeeBilled},
		{litware, az, tech, other, domain.FeeBilled},
		{litware, az, tech, scs, domain.FeeCoveredByBenefit},
		{litware, az, adv, scs, domain.FeeCoveredByBenefit},
		{litware, az, tech, mpn, domain.FeeCoveredByBenefit},
		{litware, az, adv, both, domain.FeeCoveredByBenefit},
		{litware, o365, tech, none, domain.FeeNone},
		{litware, crm, adv, none, domain.FeeNone},
		{litware, ems, tech, scs, domain.FeeNone},
		{litware, vs, tech, none, ""},
		{fabrikam, az, tech, none, domain.FeeBilled},
		{selfCust, az, tech, none, domain.FeeNone},
		{selfCust, az, adv, scs, domain.FeeNone},
		{selfCust, o365, tech, none, domain.FeeNone},
	}
	for _, c := range domain.Categories {
		if c.IsBillingType() {
			for _, s := range []domain.Service{az, o365, crm, ems, vs} {
				tests = append(tests, struct {
					customer domain.Customer
					service  domain.Service
					category domain.Category
					benefits []domain.Benefit
					want     domain.Fee
				}{litware, s, c, none, domain.FeeNone})
			}
		}
	}
	for _, tt := range tests {
		name := fmt.Sprintf("%s/%s/%s/%v", tt.customer.ID, tt.service, tt.category, tt.benefits)
		t.Run(name, func(t *testing.T) {
			in := input(tt.customer, tt.service, tt.category, sevB, nil)
			in.Partner.Benefits = tt.benefits
			if got := Decide(in).Fee; got != tt.want {
				t.Errorf("fee = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestDecideBillingTypeEverywhere: rule 7 for every program service, every
// billing-type category, every customer kind and both admitted partner
// statuses, with no subscription and no proof at all.
func TestDecideBillingTypeEverywhere(t *testing.T) {
	t.Parallel()
	wantQueue := map[domain.Category]domain.Queue{
		domain.CategorySubscriptionManagement: domain.QueueBilling,
		domain.CategoryBilling:                domain.QueueBilling,
		domain.CategoryBillingDispute:         domain.QueueBillingEscalations,
		domain.CategoryFraud:                  domain.QueueFraud,
	}
	for _, st := range []domain.PartnerStatus{domain.PartnerActive, domain.PartnerTrial} {
		for _, c := range []domain.Customer{litware, fabrikam, selfCust} {
			for _, s := range domain.ProgramServices {
				for cat, q := range wantQueue {
					t.Run(fmt.Sprintf("%s/%s/%s/%s", st, c.Kind, s, cat), func(t *testing.T) {
						in := withSubs(input(c, s, cat, domain.SeverityA, nil))
						in.Partner.Status = st
						in.Partner.Benefits = nil
						d := Decide(in)
						if !d.Entitled || len(d.Violations) != 0 {
							t.Fatalf("not entitled: %+v", d.Violations)
						}
						if d.Fee != domain.FeeNone || d.Queue != q || !d.Priority || d.SupportPlan != domain.PlanCloudSolutionProvider {
							t.Errorf("decision = %+v", d)
						}
					})
				}
			}
		}
	}
}

func TestDecideQueueAndPriority(t *testing.T) {
	t.Parallel()
	tests := []struct {
		service  domain.Service
		category domain.Category
		sev      domain.Severity
		queue    domain.Queue
		priority bool
	}{
		{az, tech, domain.SeverityA, domain.QueueAzure, true},
		{az, adv, domain.SeverityC, domain.QueueAzure, false},
		{o365, tech, domain.SeverityA, domain.QueueOffice365, true},
		{crm, adv, sevB, domain.QueueOffice365, false},
		{ems, tech, domain.SeverityC, domain.QueueOffice365, false},
		{az, domain.CategoryBillingDispute, domain.SeverityA, domain.QueueBillingEscalations, true},
		{o365, domain.CategoryFraud, sevB, domain.QueueFraud, false},
	}
	for _, tt := range tests {
		in := input(litware, tt.service, tt.category, tt.sev, nil)
		d := Decide(in)
		if d.Queue != tt.queue || d.Priority != tt.priority {
			t.Errorf("%s/%s/%s: queue %q priority %v, want %q %v", tt.service, tt.category, tt.sev, d.Queue, d.Priority, tt.queue, tt.priority)
		}
	}
}

func TestDecideInvisibleCustomer(t *testing.T) {
	t.Parallel()
	for _, in := range []Input{
		input(contosoC, az, tech, sevB, nil),
		func() Input {
			in := input(litware, az, tech, sevB, nil)
			in.Partner.ID = ""
			in.Customer.PartnerID = ""
			return in
		}(),
	} {
		d := Decide(in)
		if d.Entitled || d.Violations != nil || d.SupportPlan != "" || d.Fee != "" || d.Queue != "" || d.Category != "" || d.Priority {
			t.Errorf("Decide(invisible %s) = %+v, want the zero Decision", in.Customer.ID, d)
		}
	}
}

func TestVisible(t *testing.T) {
	t.Parallel()
	tests := []struct {
		p    domain.Partner
		c    domain.Customer
		want bool
	}{
		{adatum, litware, true},
		{adatum, selfCust, true},
		{adatum, fabrikam, true},
		{adatum, contosoC, false},
		{domain.Partner{}, domain.Customer{}, false},
		{adatum, domain.Customer{ID: "orphan"}, false},
	}
	for _, tt := range tests {
		if got := Visible(tt.p, tt.c); got != tt.want {
			t.Errorf("Visible(%q, %q) = %v, want %v", tt.p.ID, tt.c.ID, got, tt.want)
		}
	}
}

func TestTopicMatches(t *testing.T) {
	t.Parallel()
	tests := []struct {
		topic   domain.Topic
		service domain.Service
		want    bool
	}{
		{topic(az, tech), az, true},
		{topic(o365, bill), o365, true},
		{topic(az, tech), o365, false},
		{topic(o365, bill), az, false},
		{domain.Topic{}, az, false},
	}
	for _, tt := range tests {
		if got := TopicMatches(tt.topic, tt.service); got != tt.want {
			t.Errorf("TopicMatches(%q, %q) = %v, want %v", tt.topic.Service, tt.service, got, tt.want)
		}
	}
}

func TestPlanForProof(t *testing.T) {
	t.Parallel()
	tests := []struct {
		kind domain.ProofKind
		plan domain.SupportPlan
		ok   bool
	}{
		{domain.ProofMPN, domain.PlanMPN, true},
		{domain.ProofPremier, domain.PlanPremier, true},
		{domain.ProofAzureSupportPlan, domain.PlanAzureSupportPlan, true},
		{"", "", false},
		{"OTHER", "", false},
	}
	for _, tt := range tests {
		plan, ok := PlanForProof(tt.kind)
		if plan != tt.plan || ok != tt.ok {
			t.Errorf("PlanForProof(%q) = %q, %v; want %q, %v", tt.kind, plan, ok, tt.plan, tt.ok)
		}
	}
}
