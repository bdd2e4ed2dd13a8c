package api

import (
	"strings"
	"sync"

	"google.golang.org/protobuf/reflect/protoreflect"

	supportv1 "github.com/supportd/supportd/gen/support/v1"
	"github.com/supportd/supportd/server/domain"
)

// The domain's enum values are the proto value names without their prefix
// (domain.ServiceAzure "AZURE" is SERVICE_AZURE), so conversion goes by name
// through the enum descriptors.

// enumName returns the domain value of a proto enum, "" for UNSPECIFIED or
// a number the descriptor does not know.
func enumName[S ~string](e protoreflect.Enum, prefix string) S {
	v := e.Descriptor().Values().ByNumber(e.Number())
	if v == nil {
		return ""
	}
	name := strings.TrimPrefix(string(v.Name()), prefix)
	if name == "UNSPECIFIED" {
		return ""
	}
	return S(name)
}

// enumKey identifies a domain value of one proto enum.
type enumKey struct {
	d     protoreflect.EnumDescriptor
	value string
}

// enumNumbers memoizes enumNumber: the descriptor lookup builds the full
// value name, and every ticket converted to the API needs eight of them.
var enumNumbers sync.Map // enumKey -> protoreflect.EnumNumber

// enumNumber returns the proto number of a domain value (0 if unknown).
func enumNumber(d protoreflect.EnumDescriptor, prefix, value string) protoreflect.EnumNumber {
	if value == "" {
		return 0
	}
	key := enumKey{d, value}
	if n, ok := enumNumbers.Load(key); ok {
		return n.(protoreflect.EnumNumber)
	}
	var n protoreflect.EnumNumber
	if v := d.Values().ByName(protoreflect.Name(prefix + value)); v != nil {
		n = v.Number()
	}
	enumNumbers.Store(key, n)
	return n
}

func serviceOf(e supportv1.Service) domain.Service { return enumName[domain.Service](e, "SERVICE_") }
func serviceToProto(s domain.Service) supportv1.Service {
	return supportv1.Service(enumNumber(supportv1.Service(0).Descriptor(), "SERVICE_", string(s)))
}

func severityOf(e supportv1.Severity) domain.Severity {
	return enumName[domain.Severity](e, "SEVERITY_")
}
func severityToProto(s domain.Severity) supportv1.Severity {
	return supportv1.Severity(enumNumber(supportv1.Severity(0).Descriptor(), "SEVERITY_", string(s)))
}

func categoryToProto(c domain.Category) supportv1.TopicCategory {
	return supportv1.TopicCategory(enumNumber(supportv1.TopicCategory(0).Descriptor(), "TOPIC_CATEGORY_", string(c)))
}

func partnerStatusOf(e supportv1.PartnerStatus) domain.PartnerStatus {
	return enumName[domain.PartnerStatus](e, "PARTNER_STATUS_")
}
func partnerStatusToProto(s domain.PartnerStatus) supportv1.PartnerStatus {
	return supportv1.PartnerStatus(enumNumber(supportv1.PartnerStatus(0).Descriptor(), "PARTNER_STATUS_", string(s)))
}

func benefitOf(e supportv1.Benefit) domain.Benefit { return enumName[domain.Benefit](e, "BENEFIT_") }
func benefitToProto(b domain.Benefit) supportv1.Benefit {
	return supportv1.Benefit(enumNumber(supportv1.Benefit(0).Descriptor(), "BENEFIT_", string(b)))
}

func customerKindOf(e supportv1.CustomerKind) domain.CustomerKind {
	return enumName[domain.CustomerKind](e, "CUSTOMER_KIND_")
}
func customerKindToProto(k domain.CustomerKind) supportv1.CustomerKind {
	return supportv1.CustomerKind(enumNumber(supportv1.CustomerKind(0).Descriptor(), "CUSTOMER_KIND_", string(k)))
}

func subscriptionStateOf(e supportv1.SubscriptionState) domain.SubscriptionState {
	return enumName[domain.SubscriptionState](e, "SUBSCRIPTION_STATE_")
}
func subscriptionStateToProto(s domain.SubscriptionState) supportv1.SubscriptionState {
	return supportv1.SubscriptionState(enumNumber(supportv1.SubscriptionState(0).Descriptor(), "SUBSCRIPTION_STATE_", string(s)))
}

func proofKindOf(e supportv1.ProofKind) domain.ProofKind {
	return enumName[domain.ProofKind](e, "PROOF_KIND_")
}
func proofKindToProto(k domain.ProofKind) supportv1.ProofKind {
	return supportv1.ProofKind(enumNumber(supportv1.ProofKind(0).Descriptor(), "PROOF_KIND_", string(k)))
}

func roleOf(e supportv1.Role) domain.Role { return enumName[domain.Role](e, "ROLE_") }
func roleToProto(r domain.Role) supportv1.Role {
	return supportv1.Role(enumNumber(supportv1.Role(0).Descriptor(), "ROLE_", string(r)))
}

func planToProto(p domain.SupportPlan) supportv1.SupportPlan {
	return supportv1.SupportPlan(enumNumber(supportv1.SupportPlan(0).Descriptor(), "SUPPORT_PLAN_", string(p)))
}

func feeToProto(f domain.Fee) supportv1.Fee {
	return supportv1.Fee(enumNumber(supportv1.Fee(0).Descriptor(), "FEE_", string(f)))
}

func contactMethodOf(e supportv1.ContactMethod) domain.ContactMethod {
	return enumName[domain.ContactMethod](e, "CONTACT_METHOD_")
}
func contactMethodToProto(m domain.ContactMethod) supportv1.ContactMethod {
	return supportv1.ContactMethod(enumNumber(supportv1.ContactMethod(0).Descriptor(), "CONTACT_METHOD_", string(m)))
}

func queueOf(e supportv1.Queue) domain.Queue { return enumName[domain.Queue](e, "QUEUE_") }
func queueToProto(q domain.Queue) supportv1.Queue {
	return supportv1.Queue(enumNumber(supportv1.Queue(0).Descriptor(), "QUEUE_", string(q)))
}

func statusOf(e supportv1.TicketStatus) domain.TicketStatus {
	return enumName[domain.TicketStatus](e, "TICKET_STATUS_")
}
func statusToProto(s domain.TicketStatus) supportv1.TicketStatus {
	return supportv1.TicketStatus(enumNumber(supportv1.TicketStatus(0).Descriptor(), "TICKET_STATUS_", string(s)))
}

func slaStateToProto(s domain.SLAState) supportv1.SlaState {
	return supportv1.SlaState(enumNumber(supportv1.SlaState(0).Descriptor(), "SLA_STATE_", string(s)))
}

func escalationReasonOf(e supportv1.EscalationReason) domain.EscalationReason {
	return enumName[domain.EscalationReason](e, "ESCALATION_REASON_")
}

func eventTypeToProto(t domain.EventType) supportv1.TicketEventType {
	return supportv1.TicketEventType(enumNumber(supportv1.TicketEventType(0).Descriptor(), "TICKET_EVENT_TYPE_", string(t)))
}
