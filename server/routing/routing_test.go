package routing

import (
	"testing"

	"github.com/supportd/supportd/server/domain"
)

func TestRouteQueue(t *testing.T) {
	t.Parallel()
	const (
		az   = domain.ServiceAzure
		o365 = domain.ServiceOffice365
		crm  = domain.ServiceDynamicsCRMOnline
		ems  = domain.ServiceEnterpriseMobilitySuite
		out  = domain.Service("VISUAL_STUDIO")
	)
	want := map[domain.Category]map[domain.Service]domain.Queue{
		domain.CategoryTechnical:              {az: domain.QueueAzure, o365: domain.QueueOffice365, crm: domain.QueueOffice365, ems: domain.QueueOffice365, out: ""},
		domain.CategoryAdvisory:               {az: domain.QueueAzure, o365: domain.QueueOffice365, crm: domain.QueueOffice365, ems: domain.QueueOffice365, out: ""},
		domain.CategorySubscriptionManagement: {az: domain.QueueBilling, o365: domain.QueueBilling, crm: domain.QueueBilling, ems: domain.QueueBilling, out: domain.QueueBilling},
		domain.CategoryBilling:                {az: domain.QueueBilling, o365: domain.QueueBilling, crm: domain.QueueBilling, ems: domain.QueueBilling, out: domain.QueueBilling},
		domain.CategoryBillingDispute:         {az: domain.QueueBillingEscalations, o365: domain.QueueBillingEscalations, crm: domain.QueueBillingEscalations, ems: domain.QueueBillingEscalations, out: domain.QueueBillingEscalations},
		domain.CategoryFraud:                  {az: domain.QueueFraud, o365: domain.QueueFraud, crm: domain.QueueFraud, ems: domain.QueueFraud, out: domain.QueueFraud},
		domain.Category("UNKNOWN"):            {az: "", o365: "", crm: "", ems: "", out: ""},
	}
	for cat, bySvc := range want {
		for svc, q := range bySvc {
			for _, sev := range []domain.Severity{domain.SeverityA, domain.SeverityB, domain.SeverityC} {
				t.Run(string(cat)+"/"+string(svc)+"/"+string(sev), func(t *testing.T) {
					gotQ, gotP := Route(svc, cat, sev)
					if gotQ != q {
						t.Errorf("queue = %q, want %q", gotQ, q)
					}
					if wantP := sev == domain.SeverityA; gotP != wantP {
						t.Errorf("priority = %v, want %v", gotP, wantP)
					}
				})
			}
		}
	}
}

func TestRoutePriority(t *testing.T) {
	t.Parallel()
	tests := []struct {
		sev  domain.Severity
		want bool
	}{
		{domain.SeverityA, true},
		{domain.SeverityB, false},
		{domain.SeverityC, false},
		{"", false},
		{"a", false},
	}
	for _, tt := range tests {
		if _, got := Route(domain.ServiceAzure, domain.CategoryTechnical, tt.sev); got != tt.want {
			t.Errorf("Route(..., %q) priority = %v, want %v", tt.sev, got, tt.want)
		}
	}
}
