package entitlement

import (
	"slices"
	"testing"

	"github.com/supportd/supportd/server/domain"
)

// TestWorkedExamples is the entitlement half of the worked examples of docs/domain.md §2
// (the contact and phone rows are filing rules, tested in server/filing).
func TestWorkedExamples(t *testing.T) {
	t.Parallel()
	const (
		az   = domain.ServiceAzure
		o365 = domain.ServiceOffice365
		B    = domain.SeverityB
		A    = domain.SeverityA
	)
	tests := []struct {
		name string
		in   Input
		want Decision
	}{
		{
			name: "Azure technical B for Litware",
			in:   input(litware, az, domain.CategoryTechnical, B, nil),
			want: Decision{Entitled: true, SupportPlan: domain.PlanCloudSolutionProvider, Fee: domain.FeeCoveredByBenefit, Category: domain.CategoryTechnical, Queue: domain.QueueAzure},
		},
		{
			name: "Azure technical A for Litware is priority",
			in:   input(litware, az, domain.CategoryTechnical, A, nil),
			want: Decision{Entitled: true, SupportPlan: domain.PlanCloudSolutionProvider, Fee: domain.FeeCoveredByBenefit, Category: domain.CategoryTechnical, Queue: domain.QueueAzure, Priority: true},
		},
		{
			name: "Office 365 technical for Litware",
			in:   input(litware, o365, domain.CategoryTechnical, B, nil),
			want: Decision{Violations: []Violation{{Reason: ReasonNoActiveSubscription}}, SupportPlan: domain.PlanCloudSolutionProvider, Fee: domain.FeeNone, Category: domain.CategoryTechnical, Queue: domain.QueueOffice365},
		},
		{
			name: "Azure billing for Litware",
			in:   input(litware, az, domain.CategoryBilling, B, nil),
			want: Decision{Entitled: true, SupportPlan: domain.PlanCloudSolutionProvider, Fee: domain.FeeNone, Category: domain.CategoryBilling, Queue: domain.QueueBilling},
		},
		{
			name: "Azure technical own tenant no proof",
			in:   input(selfCust, az, domain.CategoryTechnical, B, nil),
			want: Decision{Violations: []Violation{{Reason: ReasonOwnSubscriptionRequiresProof}}, Fee: domain.FeeNone, Category: domain.CategoryTechnical, Queue: domain.QueueAzure},
		},
		{
			name: "Azure advisory own tenant proof ASP-7",
			in:   input(selfCust, az, domain.CategoryAdvisory, B, proof(domain.ProofAzureSupportPlan, "ASP-7")),
			want: Decision{Entitled: true, SupportPlan: domain.PlanAzureSupportPlan, Fee: domain.FeeNone, Category: domain.CategoryAdvisory, Queue: domain.QueueAzure},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkDecision(t, Decide(tt.in), tt.want)
		})
	}
}

// checkDecision compares everything but violation messages, which must
// merely be non-empty.
func checkDecision(t *testing.T, got, want Decision) {
	t.Helper()
	var wantReasons []string
	for _, v := range want.Violations {
		wantReasons = append(wantReasons, v.Reason)
	}
	if g := reasons(got); !slices.Equal(g, wantReasons) {
		t.Errorf("reasons = %v, want %v", g, wantReasons)
	}
	for _, v := range got.Violations {
		if v.Message == "" {
			t.Errorf("violation %s has no message", v.Reason)
		}
	}
	type plain struct {
		Entitled    bool
		SupportPlan domain.SupportPlan
		Fee         domain.Fee
		Category    domain.Category
		Queue       domain.Queue
		Priority    bool
	}
	g := plain{got.Entitled, got.SupportPlan, got.Fee, got.Category, got.Queue, got.Priority}
	w := plain{want.Entitled, want.SupportPlan, want.Fee, want.Category, want.Queue, want.Priority}
	if g != w {
		t.Errorf("decision = %+v, want %+v", got, want)
	}
}
