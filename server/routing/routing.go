// Package routing decides which support queue a ticket goes to and whether it
// is marked priority there (docs/domain.md §5). It is pure: plain
// values in, plain values out.
package routing

import "github.com/supportd/supportd/server/domain"

// Route returns the queue for a ticket about service with a topic of
// category, and whether it is priority in that queue.
//
//   - TECHNICAL and ADVISORY: AZURE for Azure; OFFICE_365 for Office 365,
//     Dynamics CRM Online and Enterprise Mobility Suite; the empty Queue for a
//     service outside the program (such a ticket is never entitled).
//   - SUBSCRIPTION_MANAGEMENT and BILLING: BILLING, whatever the service.
//   - BILLING_DISPUTE: BILLING_ESCALATIONS, whatever the service.
//   - FRAUD: FRAUD, whatever the service.
//   - An unknown category: the empty Queue.
//
// priority is true exactly when severity is A, whatever the queue (CSP
// partners get priority response on critical issues).
func Route(service domain.Service, category domain.Category, severity domain.Severity) (queue domain.Queue, priority bool) {
	return queueFor(service, category), severity == domain.SeverityA
}

func queueFor(service domain.Service, category domain.Category) domain.Queue {
	switch category {
	case domain.CategorySubscriptionManagement, domain.CategoryBilling:
		return domain.QueueBilling
	case domain.CategoryBillingDispute:
		return domain.QueueBillingEscalations
	case domain.CategoryFraud:
		return domain.QueueFraud
	case domain.CategoryTechnical, domain.CategoryAdvisory:
		switch service {
		case domain.ServiceAzure:
			return domain.QueueAzure
		case domain.ServiceOffice365, domain.ServiceDynamicsCRMOnline, domain.ServiceEnterpriseMobilitySuite:
			return domain.QueueOffice365
		}
	}
	return ""
}
