package entitlement

import (
	"fmt"

	"github.com/supportd/supportd/server/domain"
	"github.com/supportd/supportd/server/routing"
)

// Reason codes of entitlement violations; the exact strings of the API
// contract (ErrorInfo.reason, PreconditionFailure type, CheckEntitlement).
const (
	ReasonServiceNotInProgram          = "SERVICE_NOT_IN_PROGRAM"
	ReasonNoActiveSubscription         = "NO_ACTIVE_SUBSCRIPTION"
	ReasonPartnerSuspended             = "PARTNER_SUSPENDED"
	ReasonPartnerCustomerNotCovered    = "PARTNER_CUSTOMER_NOT_COVERED"
	ReasonOwnSubscriptionRequiresProof = "OWN_SUBSCRIPTION_REQUIRES_PROOF"
	ReasonProofNotRecognized           = "PROOF_NOT_RECOGNIZED"
)

// Input is everything Decide needs. Subscriptions whose CustomerID is not
// Customer.ID and contracts whose PartnerID is not Partner.ID are ignored.
type Input struct {
	Partner       domain.Partner
	Customer      domain.Customer
	Service       domain.Service
	Topic         domain.Topic
	Severity      domain.Severity
	Subscriptions []domain.Subscription // the customer's subscriptions
	Proof         *domain.Proof         // nil when the request carries none
	Contracts     []domain.Contract     // the partner's registered contracts
}

// Violation is one failed rule: Reason is one of the Reason constants,
// Message a human-readable sentence.
type Violation struct {
	Reason  string
	Message string
}

// Decision is the outcome of Decide. Entitled is true exactly when Violations
// is empty and the customer is visible. The other fields are filled in even
// when not entitled (see the package documentation).
type Decision struct {
	Entitled    bool
	Violations  []Violation
	SupportPlan domain.SupportPlan
	Fee         domain.Fee
	Category    domain.Category
	Queue       domain.Queue
	Priority    bool
}

// Visible reports whether customer c is managed by partner p (rule 2). A
// customer that is not visible must be answered with NOT_FOUND, never with
// a hint that it exists.
func Visible(p domain.Partner, c domain.Customer) bool {
	return p.ID != "" && c.PartnerID == p.ID
}

// TopicMatches reports whether topic belongs to service's catalogue. A topic
// of another service is a validation error of the caller (INVALID_ARGUMENT on
// support_topic_id), not an entitlement violation.
func TopicMatches(topic domain.Topic, service domain.Service) bool {
	return topic.Service == service
}

// Decide applies the entitlement rules to in and returns every violation in
// rule order, with the plan, fee, category, queue and priority. It returns
// the zero Decision when the customer is not Visible to the partner.
func Decide(in Input) Decision {
	if !Visible(in.Partner, in.Customer) {
		return Decision{}
	}
	cat := in.Topic.Category
	billing := cat.IsBillingType()
	contract, proofOK := matchProof(in.Proof, in.Partner.ID, in.Contracts)

	var vs []Violation
	add := func(reason, format string, args ...any) {
		vs = append(vs, Violation{Reason: reason, Message: fmt.Sprintf(format, args...)})
	}
	if !in.Service.InProgram() {
		add(ReasonServiceNotInProgram, "service %s is not covered by the Cloud Solution Provider support program", in.Service)
	}
	if !billing && !hasActive(in.Subscriptions, in.Customer.ID, in.Service) {
		add(ReasonNoActiveSubscription, "customer %s holds no active %s subscription", in.Customer.ID, in.Service)
	}
	if s := in.Partner.Status; s != domain.PartnerActive && s != domain.PartnerTrial {
		add(ReasonPartnerSuspended, "partner %s is not active in the program (status %s)", in.Partner.ID, s)
	}
	if !billing && in.Customer.Kind == domain.CustomerPartner {
		add(ReasonPartnerCustomerNotCovered, "support for the partner's own partner customers (customer %s) is not included in the program", in.Customer.ID)
	}
	if !billing && in.Customer.Kind == domain.CustomerPartnerSelf {
		switch {
		case in.Proof == nil:
			add(ReasonOwnSubscriptionRequiresProof, "a ticket about the partner's own subscriptions needs a proof of entitlement (MPN agreement id, Premier contract id or Azure support plan id)")
		case !proofOK:
			add(ReasonProofNotRecognized, "proof of entitlement %s %q matches no contract registered for partner %s", in.Proof.Kind, in.Proof.Reference, in.Partner.ID)
		}
	}

	q, prio := routing.Route(in.Service, cat, in.Severity)
	return Decision{
		Entitled:    len(vs) == 0,
		Violations:  vs,
		SupportPlan: plan(in.Customer.Kind, billing, contract, proofOK),
		Fee:         fee(in.Partner, in.Customer.Kind, in.Service, cat),
		Category:    cat,
		Queue:       q,
		Priority:    prio,
	}
}
