package api

import (
	"slices"
	"strings"
	"testing"

	"google.golang.org/protobuf/reflect/protoreflect"

	supportv1 "github.com/supportd/supportd/gen/support/v1"
	"github.com/supportd/supportd/server/domain"
)

// enumCase ties a proto enum to its domain values and to the converters
// of enums.go (nil where a direction is not needed by the API).
type enumCase struct {
	desc    protoreflect.EnumDescriptor
	prefix  string
	domain  []string
	of      func(protoreflect.EnumNumber) string
	toProto func(string) protoreflect.EnumNumber
}

func strs[S ~string](vs ...S) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}

func enumCases() []enumCase {
	return []enumCase{
		{supportv1.Service(0).Descriptor(), "SERVICE_", strs(domain.ProgramServices...),
			func(n protoreflect.EnumNumber) string { return string(serviceOf(supportv1.Service(n))) },
			func(s string) protoreflect.EnumNumber { return serviceToProto(domain.Service(s)).Number() }},
		{supportv1.Severity(0).Descriptor(), "SEVERITY_", strs(domain.SeverityA, domain.SeverityB, domain.SeverityC),
			func(n protoreflect.EnumNumber) string { return string(severityOf(supportv1.Severity(n))) },
			func(s string) protoreflect.EnumNumber { return severityToProto(domain.Severity(s)).Number() }},
		{supportv1.TopicCategory(0).Descriptor(), "TOPIC_CATEGORY_", strs(domain.Categories...),
			nil,
			func(s string) protoreflect.EnumNumber { return categoryToProto(domain.Category(s)).Number() }},
		{supportv1.PartnerStatus(0).Descriptor(), "PARTNER_STATUS_", strs(domain.PartnerActive, domain.PartnerTrial, domain.PartnerSuspended),
			func(n protoreflect.EnumNumber) string { return string(partnerStatusOf(supportv1.PartnerStatus(n))) },
			func(s string) protoreflect.EnumNumber { return partnerStatusToProto(domain.PartnerStatus(s)).Number() }},
		{supportv1.Benefit(0).Descriptor(), "BENEFIT_", strs(domain.BenefitSignatureCloudSupport, domain.BenefitMPN),
			func(n protoreflect.EnumNumber) string { return string(benefitOf(supportv1.Benefit(n))) },
			func(s string) protoreflect.EnumNumber { return benefitToProto(domain.Benefit(s)).Number() }},
		{supportv1.CustomerKind(0).Descriptor(), "CUSTOMER_KIND_", strs(domain.CustomerEndCustomer, domain.CustomerPartner, domain.CustomerPartnerSelf),
			func(n protoreflect.EnumNumber) string { return string(customerKindOf(supportv1.CustomerKind(n))) },
			func(s string) protoreflect.EnumNumber { return customerKindToProto(domain.CustomerKind(s)).Number() }},
		{supportv1.SubscriptionState(0).Descriptor(), "SUBSCRIPTION_STATE_", strs(domain.SubscriptionActive, domain.SubscriptionSuspended),
			func(n protoreflect.EnumNumber) string {
				return string(subscriptionStateOf(supportv1.SubscriptionState(n)))
			},
			func(s string) protoreflect.EnumNumber {
				return subscriptionStateToProto(domain.SubscriptionState(s)).Number()
			}},
		{supportv1.ProofKind(0).Descriptor(), "PROOF_KIND_", strs(domain.ProofMPN, domain.ProofPremier, domain.ProofAzureSupportPlan),
			func(n protoreflect.EnumNumber) string { return string(proofKindOf(supportv1.ProofKind(n))) },
			func(s string) protoreflect.EnumNumber { return proofKindToProto(domain.ProofKind(s)).Number() }},
		{supportv1.SupportPlan(0).Descriptor(), "SUPPORT_PLAN_", strs(domain.PlanCloudSolutionProvider, domain.PlanMPN, domain.PlanPremier, domain.PlanAzureSupportPlan),
			nil,
			func(s string) protoreflect.EnumNumber { return planToProto(domain.SupportPlan(s)).Number() }},
		{supportv1.Fee(0).Descriptor(), "FEE_", strs(domain.FeeNone, domain.FeeBilled, domain.FeeCoveredByBenefit),
			nil,
			func(s string) protoreflect.EnumNumber { return feeToProto(domain.Fee(s)).Number() }},
		{supportv1.ContactMethod(0).Descriptor(), "CONTACT_METHOD_", strs(domain.ContactEmail, domain.ContactPhone),
			func(n protoreflect.EnumNumber) string { return string(contactMethodOf(supportv1.ContactMethod(n))) },
			func(s string) protoreflect.EnumNumber { return contactMethodToProto(domain.ContactMethod(s)).Number() }},
		{supportv1.Queue(0).Descriptor(), "QUEUE_", strs(domain.QueueAzure, domain.QueueOffice365, domain.QueueBilling, domain.QueueBillingEscalations, domain.QueueFraud),
			func(n protoreflect.EnumNumber) string { return string(queueOf(supportv1.Queue(n))) },
			func(s string) protoreflect.EnumNumber { return queueToProto(domain.Queue(s)).Number() }},
		{supportv1.TicketStatus(0).Descriptor(), "TICKET_STATUS_", strs(domain.StatusNew, domain.StatusInProgress, domain.StatusWaitingOnPartner, domain.StatusResolved, domain.StatusClosed),
			func(n protoreflect.EnumNumber) string { return string(statusOf(supportv1.TicketStatus(n))) },
			func(s string) protoreflect.EnumNumber { return statusToProto(domain.TicketStatus(s)).Number() }},
		{supportv1.SlaState(0).Descriptor(), "SLA_STATE_", strs(domain.SLARunning, domain.SLAWarning, domain.SLABreached, domain.SLAMet),
			nil,
			func(s string) protoreflect.EnumNumber { return slaStateToProto(domain.SLAState(s)).Number() }},
		{supportv1.EscalationReason(0).Descriptor(), "ESCALATION_REASON_", strs(domain.EscalationBusinessImpact, domain.EscalationResolutionTime, domain.EscalationTechnicalExpertise),
			func(n protoreflect.EnumNumber) string {
				return string(escalationReasonOf(supportv1.EscalationReason(n)))
			},
			nil},
		{supportv1.Role(0).Descriptor(), "ROLE_", strs(domain.RoleAdmin, domain.RoleAgent, domain.RolePartner),
			func(n protoreflect.EnumNumber) string { return string(roleOf(supportv1.Role(n))) },
			func(s string) protoreflect.EnumNumber { return roleToProto(domain.Role(s)).Number() }},
		{supportv1.TicketEventType(0).Descriptor(), "TICKET_EVENT_TYPE_",
			strs(domain.EventCreated, domain.EventAcknowledged, domain.EventStatusChanged, domain.EventNoteAdded, domain.EventSeverityChanged,
				domain.EventEscalated, domain.EventSLAWarning, domain.EventSLABreached, domain.EventReassigned, domain.EventAttachmentAdded),
			nil,
			func(s string) protoreflect.EnumNumber { return eventTypeToProto(domain.EventType(s)).Number() }},
	}
}

// TestEnumRoundTrip checks that every value of every support.v1 enum maps
// to a domain value and back, that the domain has no value the API lacks,
// and that UNSPECIFIED and unknown numbers map to "" (and "" to 0).
func TestEnumRoundTrip(t *testing.T) {
	cases := enumCases()
	covered := map[protoreflect.FullName]bool{}
	for _, c := range cases {
		covered[c.desc.FullName()] = true
	}
	enums := supportv1.File_support_v1_enums_proto.Enums()
	for i := range enums.Len() {
		if name := enums.Get(i).FullName(); !covered[name] {
			t.Errorf("enum %s has no round-trip case: add its converters to this test", name)
		}
	}

	for _, c := range cases {
		t.Run(string(c.desc.Name()), func(t *testing.T) {
			if c.of == nil && c.toProto == nil {
				t.Fatal("no converter")
			}
			values := c.desc.Values()
			var protoNames []string
			for i := range values.Len() {
				v := values.Get(i)
				name, ok := strings.CutPrefix(string(v.Name()), c.prefix)
				if !ok {
					t.Fatalf("%s lacks the prefix %s", v.Name(), c.prefix)
				}
				if v.Number() == 0 {
					if name != "UNSPECIFIED" {
						t.Fatalf("value 0 is %s, want %sUNSPECIFIED", v.Name(), c.prefix)
					}
					continue
				}
				protoNames = append(protoNames, name)
				if !slices.Contains(c.domain, name) {
					t.Errorf("%s (%d) has no domain value %q", v.Name(), v.Number(), name)
				}
				if c.of != nil {
					if got := c.of(v.Number()); got != name {
						t.Errorf("of(%s) = %q, want %q", v.Name(), got, name)
					}
				}
				if c.toProto != nil {
					if got := c.toProto(name); got != v.Number() {
						t.Errorf("toProto(%q) = %d, want %d (%s)", name, got, v.Number(), v.Name())
					}
				}
				if c.of != nil && c.toProto != nil {
					if got := c.toProto(c.of(v.Number())); got != v.Number() {
						t.Errorf("round trip of %s gives %d", v.Name(), got)
					}
				}
			}
			for _, d := range c.domain {
				if !slices.Contains(protoNames, d) {
					t.Errorf("domain value %q has no proto value %s%s", d, c.prefix, d)
				}
			}
			if c.of != nil {
				if got := c.of(0); got != "" {
					t.Errorf("of(UNSPECIFIED) = %q, want \"\"", got)
				}
				if got := c.of(9999); got != "" {
					t.Errorf("of(9999) = %q, want \"\"", got)
				}
			}
			if c.toProto != nil {
				if got := c.toProto(""); got != 0 {
					t.Errorf("toProto(\"\") = %d, want 0", got)
				}
				if got := c.toProto("NO_SUCH_VALUE"); got != 0 {
					t.Errorf("toProto(unknown) = %d, want 0", got)
				}
				if got := c.toProto("UNSPECIFIED"); got != 0 {
					t.Errorf("toProto(\"UNSPECIFIED\") = %d, want 0", got)
				}
			}
		})
	}
}
