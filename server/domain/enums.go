// Package domain holds the plain Go vocabulary of supportd: the directory
// records, tickets and the enumerations of docs/domain.md. It imports
// neither gRPC, nor generated code, nor the store, so every rule package can
// take and return these values and be table-tested on its own.
//
// Enumerations are string types whose values are the proto enum value names
// without their prefix (Service "AZURE" is support.v1.Service SERVICE_AZURE),
// which keeps the API mapping mechanical and the database readable.
package domain

// Service is a cloud service a subscription and a ticket are about.
type Service string

// The four services of the CSP support program.
const (
	ServiceAzure                   Service = "AZURE"
	ServiceOffice365               Service = "OFFICE_365"
	ServiceDynamicsCRMOnline       Service = "DYNAMICS_CRM_ONLINE"
	ServiceEnterpriseMobilitySuite Service = "ENTERPRISE_MOBILITY_SUITE"
)

// ProgramServices lists the services covered by the program, in catalogue order.
var ProgramServices = []Service{ServiceAzure, ServiceOffice365, ServiceDynamicsCRMOnline, ServiceEnterpriseMobilitySuite}

// InProgram reports whether s is one of the four program services.
func (s Service) InProgram() bool {
	for _, p := range ProgramServices {
		if s == p {
			return true
		}
	}
	return false
}

// Severity is the partner's assessment of business impact at submission.
type Severity string

// Severities, from critical (A) to minimal (C).
const (
	SeverityA Severity = "A"
	SeverityB Severity = "B"
	SeverityC Severity = "C"
)

// Valid reports whether s is one of A, B, C.
func (s Severity) Valid() bool { return s == SeverityA || s == SeverityB || s == SeverityC }

// Category is the kind of support a topic asks for.
type Category string

// Topic categories.
const (
	CategoryTechnical              Category = "TECHNICAL"
	CategoryAdvisory               Category = "ADVISORY"
	CategorySubscriptionManagement Category = "SUBSCRIPTION_MANAGEMENT"
	CategoryBilling                Category = "BILLING"
	CategoryBillingDispute         Category = "BILLING_DISPUTE"
	CategoryFraud                  Category = "FRAUD"
)

// Categories lists every category in catalogue order.
var Categories = []Category{CategoryTechnical, CategoryAdvisory, CategorySubscriptionManagement, CategoryBilling, CategoryBillingDispute, CategoryFraud}

// IsBillingType reports whether c is subscription management or one of the
// billing categories: entitled for every partner, no fee, one business day.
func (c Category) IsBillingType() bool {
	switch c {
	case CategorySubscriptionManagement, CategoryBilling, CategoryBillingDispute, CategoryFraud:
		return true
	}
	return false
}

// PartnerStatus is a partner's standing in the program.
type PartnerStatus string

// Partner statuses.
const (
	PartnerActive    PartnerStatus = "ACTIVE"
	PartnerTrial     PartnerStatus = "TRIAL"
	PartnerSuspended PartnerStatus = "SUSPENDED"
)

// Benefit is a support benefit a partner holds.
type Benefit string

// Benefits that pay for Azure technical and advisory support.
const (
	BenefitSignatureCloudSupport Benefit = "SIGNATURE_CLOUD_SUPPORT"
	BenefitMPN                   Benefit = "MPN"
)

// CustomerKind says whom a customer record stands for.
type CustomerKind string

// Customer kinds.
const (
	CustomerEndCustomer CustomerKind = "END_CUSTOMER"
	CustomerPartner     CustomerKind = "PARTNER"
	CustomerPartnerSelf CustomerKind = "PARTNER_SELF"
)

// SubscriptionState is whether a subscription is usable.
type SubscriptionState string

// Subscription states.
const (
	SubscriptionActive    SubscriptionState = "ACTIVE"
	SubscriptionSuspended SubscriptionState = "SUSPENDED"
)

// ProofKind names the kind of contract that proves entitlement for a
// partner's own subscriptions.
type ProofKind string

// Proof kinds.
const (
	ProofMPN              ProofKind = "MPN"
	ProofPremier          ProofKind = "PREMIER"
	ProofAzureSupportPlan ProofKind = "AZURE_SUPPORT_PLAN"
)

// Valid reports whether k is one of MPN, PREMIER, AZURE_SUPPORT_PLAN.
func (k ProofKind) Valid() bool {
	return k == ProofMPN || k == ProofPremier || k == ProofAzureSupportPlan
}

// SupportPlan is the plan under which a ticket is served.
type SupportPlan string

// Support plans.
const (
	PlanCloudSolutionProvider SupportPlan = "CLOUD_SOLUTION_PROVIDER"
	PlanMPN                   SupportPlan = "MPN"
	PlanPremier               SupportPlan = "PREMIER"
	PlanAzureSupportPlan      SupportPlan = "AZURE_SUPPORT_PLAN"
)

// Fee says who pays for a ticket.
type Fee string

// Fees.
const (
	FeeNone             Fee = "NONE"
	FeeBilled           Fee = "BILLED"
	FeeCoveredByBenefit Fee = "COVERED_BY_BENEFIT"
)

// ContactMethod is how the partner wants to be contacted.
type ContactMethod string

// Contact methods; only e-mail is offered by the program.
const (
	ContactEmail ContactMethod = "EMAIL"
	ContactPhone ContactMethod = "PHONE"
)

// Queue is a support queue a ticket is routed to.
type Queue string

// Queues.
const (
	QueueAzure              Queue = "AZURE"
	QueueOffice365          Queue = "OFFICE_365"
	QueueBilling            Queue = "BILLING"
	QueueBillingEscalations Queue = "BILLING_ESCALATIONS"
	QueueFraud              Queue = "FRAUD"
)

// TicketStatus is a ticket's place in its lifecycle.
type TicketStatus string

// Ticket statuses.
const (
	StatusNew              TicketStatus = "NEW"
	StatusInProgress       TicketStatus = "IN_PROGRESS"
	StatusWaitingOnPartner TicketStatus = "WAITING_ON_PARTNER"
	StatusResolved         TicketStatus = "RESOLVED"
	StatusClosed           TicketStatus = "CLOSED"
)

// IsOpen reports whether s is NEW, IN_PROGRESS or WAITING_ON_PARTNER: a
// ticket support still owes work on, that a partner may escalate, that the
// SLA monitor watches and that agent queues list. A RESOLVED ticket awaits
// the partner's verdict and is not open; an unknown status is not open.
// This is the one definition of "open": the lifecycle, NextEscalation and
// the stores (which store it with every ticket write, for their queue
// indexes) all ask it.
func (s TicketStatus) IsOpen() bool {
	switch s {
	case StatusNew, StatusInProgress, StatusWaitingOnPartner:
		return true
	}
	return false
}

// SLAState is the state of a ticket's initial-response clock.
type SLAState string

// SLA states.
const (
	SLARunning  SLAState = "RUNNING"
	SLAWarning  SLAState = "WARNING"
	SLABreached SLAState = "BREACHED"
	SLAMet      SLAState = "MET"
)

// EscalationReason is why a partner escalates a ticket.
type EscalationReason string

// Escalation reasons.
const (
	EscalationBusinessImpact     EscalationReason = "BUSINESS_IMPACT"
	EscalationResolutionTime     EscalationReason = "RESOLUTION_TIME"
	EscalationTechnicalExpertise EscalationReason = "TECHNICAL_EXPERTISE"
)

// Valid reports whether r is one of the escalation reasons.
func (r EscalationReason) Valid() bool {
	return r == EscalationBusinessImpact || r == EscalationResolutionTime || r == EscalationTechnicalExpertise
}

// Role is what an API key may do.
type Role string

// Roles.
const (
	RoleAdmin   Role = "ADMIN"
	RoleAgent   Role = "AGENT"
	RolePartner Role = "PARTNER"
)

// EventType is the kind of change an event records.
type EventType string

// Event types. Ticket events are the contract's; directory events are the
// audit trail of administrative changes and are never shown to partners.
const (
	EventCreated         EventType = "CREATED"
	EventAcknowledged    EventType = "ACKNOWLEDGED"
	EventStatusChanged   EventType = "STATUS_CHANGED"
	EventNoteAdded       EventType = "NOTE_ADDED"
	EventSeverityChanged EventType = "SEVERITY_CHANGED"
	EventEscalated       EventType = "ESCALATED"
	EventSLAWarning      EventType = "SLA_WARNING"
	EventSLABreached     EventType = "SLA_BREACHED"
	EventReassigned      EventType = "REASSIGNED"
	EventAttachmentAdded EventType = "ATTACHMENT_ADDED"
)
