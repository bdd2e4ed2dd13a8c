package api_test

// Tests of docs/domain.md through the API, for the rules the filing_*,
// working_* and watch_* tests do not already observe over gRPC: the fee
// and plan of every kind of request, billing-type topics for every partner
// and service, routing of every category, deadlines (end of a range, DST,
// one business day in other languages), the reason of a severity change and
// of a partner escalation as the watch stream shows them. Helpers start
// with "rules".

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	supportv1 "github.com/supportd/supportd/gen/support/v1"
	"github.com/supportd/supportd/server/app"
	"github.com/supportd/supportd/server/config"
	"github.com/supportd/supportd/server/internal/testserver"
)

// rulesEnv is the worked-example directory (Adatum, TRIAL with BENEFIT_MPN:
// litware, fabrikam, adatum-self, ASP-7; see startFiling) plus:
//   - tailspin: ACTIVE, no benefit; tailspin-end holds all four program
//     services; tailspin-self holds Azure; contracts MPN "MPN-100",
//     PREMIER "PREM-200", AZURE_SUPPORT_PLAN "ASP-300".
//   - woodgrove: ACTIVE with BENEFIT_SIGNATURE_CLOUD_SUPPORT; woodgrove-end
//     holds Azure and Office 365.
//
// The background sweep is quiet: tests drive App.Sweep.
type rulesEnv struct {
	*filingEnv
	tailspin  context.Context
	woodgrove context.Context
}

func rulesStart(t *testing.T, opts ...testserver.Option) *rulesEnv {
	t.Helper()
	e := &rulesEnv{filingEnv: startFiling(t, append([]testserver.Option{quietSweeper()}, opts...)...)}
	s := e.s
	tail := s.SeedDirectory(t, "tailspin")
	s.SeedSubscription(t, "tailspin-end-crm", "tailspin-end", supportv1.Service_SERVICE_DYNAMICS_CRM_ONLINE)
	s.SeedSubscription(t, "tailspin-end-ems", "tailspin-end", supportv1.Service_SERVICE_ENTERPRISE_MOBILITY_SUITE)
	s.SeedContract(t, "tailspin-mpn", "tailspin", supportv1.ProofKind_PROOF_KIND_MPN, "MPN-100")
	s.SeedContract(t, "tailspin-premier", "tailspin", supportv1.ProofKind_PROOF_KIND_PREMIER, "PREM-200")
	s.SeedContract(t, "tailspin-asp", "tailspin", supportv1.ProofKind_PROOF_KIND_AZURE_SUPPORT_PLAN, "ASP-300")
	e.tailspin = testserver.Auth(t.Context(), tail.PartnerKey)
	wood := s.SeedDirectory(t, "woodgrove", func(p *supportv1.Partner) {
		p.Benefits = []supportv1.Benefit{supportv1.Benefit_BENEFIT_SIGNATURE_CLOUD_SUPPORT}
	})
	e.woodgrove = testserver.Auth(t.Context(), wood.PartnerKey)
	return e
}

// rulesReq is a valid CreateTicket request of partner (its domain
// "<partner>.example") for customer: technical Azure topic, severity B,
// English.
func rulesReq(partner, customer string) *supportv1.CreateTicketRequest {
	r := filingRequest()
	r.CustomerId = customer
	r.Contact.Email = "ops@" + partner + ".example"
	return r
}

// rulesCheckOf is the CheckEntitlement request matching a CreateTicket
// request.
func rulesCheckOf(r *supportv1.CreateTicketRequest) *supportv1.CheckEntitlementRequest {
	return &supportv1.CheckEntitlementRequest{
		CustomerId: r.GetCustomerId(), Service: r.GetService(), SupportTopicId: r.GetSupportTopicId(),
		Severity: r.GetSeverity(), Language: r.GetLanguage(), EntitlementProof: r.GetEntitlementProof(),
	}
}

// rulesCheck previews req and fails the test on error.
func (e *rulesEnv) rulesCheck(t *testing.T, ctx context.Context, req *supportv1.CheckEntitlementRequest) *supportv1.CheckEntitlementResponse {
	t.Helper()
	resp, err := e.sup.CheckEntitlement(ctx, req)
	if err != nil {
		t.Fatalf("CheckEntitlement(%v): %v", req, err)
	}
	return resp
}

// rulesTopics lists every topic of every program service.
func (e *rulesEnv) rulesTopics(t *testing.T) []*supportv1.SupportTopic {
	t.Helper()
	var out []*supportv1.SupportTopic
	for _, svc := range rulesServices {
		resp, err := e.sup.ListSupportTopics(e.adatum, &supportv1.ListSupportTopicsRequest{Service: svc})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, resp.GetTopics()...)
	}
	return out
}

var rulesServices = []supportv1.Service{
	supportv1.Service_SERVICE_AZURE, supportv1.Service_SERVICE_OFFICE_365,
	supportv1.Service_SERVICE_DYNAMICS_CRM_ONLINE, supportv1.Service_SERVICE_ENTERPRISE_MOBILITY_SUITE,
}

// rulesBillingType reports whether a category is subscription management,
// billing, billing dispute or fraud (docs/domain.md §2, rule 7).
func rulesBillingType(c supportv1.TopicCategory) bool {
	return c != supportv1.TopicCategory_TOPIC_CATEGORY_TECHNICAL && c != supportv1.TopicCategory_TOPIC_CATEGORY_ADVISORY
}

// rulesQueue is the queue of docs/domain.md §5.
func rulesQueue(svc supportv1.Service, c supportv1.TopicCategory) supportv1.Queue {
	switch c {
	case supportv1.TopicCategory_TOPIC_CATEGORY_SUBSCRIPTION_MANAGEMENT, supportv1.TopicCategory_TOPIC_CATEGORY_BILLING:
		return supportv1.Queue_QUEUE_BILLING
	case supportv1.TopicCategory_TOPIC_CATEGORY_BILLING_DISPUTE:
		return supportv1.Queue_QUEUE_BILLING_ESCALATIONS
	case supportv1.TopicCategory_TOPIC_CATEGORY_FRAUD:
		return supportv1.Queue_QUEUE_FRAUD
	}
	if svc == supportv1.Service_SERVICE_AZURE {
		return supportv1.Queue_QUEUE_AZURE
	}
	return supportv1.Queue_QUEUE_OFFICE_365
}

// rulesWatchHistory replays a ticket's history through WatchTicket (no
// token: from creation) up to the first checkpoint.
func (e *rulesEnv) rulesWatchHistory(t *testing.T, ctx context.Context, id string) []*supportv1.TicketEvent {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, watchWait)
	defer cancel()
	st, err := e.sup.WatchTicket(ctx, &supportv1.WatchTicketRequest{TicketId: id})
	if err != nil {
		t.Fatal(err)
	}
	var out []*supportv1.TicketEvent
	for {
		m, err := st.Recv()
		if err != nil {
			t.Fatalf("WatchTicket %s: %v", id, err)
		}
		if m.GetCheckpoint() != nil {
			return out
		}
		out = append(out, m.GetEvent())
	}
}

func rulesTypes(evs []*supportv1.TicketEvent) []supportv1.TicketEventType {
	out := make([]supportv1.TicketEventType, len(evs))
	for i, ev := range evs {
		out[i] = ev.GetType()
	}
	return out
}

// TestRulesEntitlementMatrix checks, for every topic of every service, the
// decision for each kind of customer (section 2 rules 3, 5, 6 and 7; fees;
// plan; section 5 queues and priority), through CheckEntitlement.
func TestRulesEntitlementMatrix(t *testing.T) {
	e := rulesStart(t)
	topics := e.rulesTopics(t)
	if len(topics) == 0 {
		t.Fatal("no topics")
	}
	const (
		noSub    = "NO_ACTIVE_SUBSCRIPTION"
		notCov   = "PARTNER_CUSTOMER_NOT_COVERED"
		reqProof = "OWN_SUBSCRIPTION_REQUIRES_PROOF"
	)
	csp := supportv1.SupportPlan_SUPPORT_PLAN_CLOUD_SOLUTION_PROVIDER
	feeNone, billed, covered := supportv1.Fee_FEE_NONE, supportv1.Fee_FEE_BILLED, supportv1.Fee_FEE_COVERED_BY_BENEFIT
	azure := supportv1.Service_SERVICE_AZURE
	o365 := supportv1.Service_SERVICE_OFFICE_365

	type want struct {
		reasons []string
		plan    supportv1.SupportPlan
		fee     supportv1.Fee
	}
	cases := []struct {
		name     string
		ctx      context.Context
		customer string
		proof    *supportv1.EntitlementProof
		want     func(svc supportv1.Service, c supportv1.TopicCategory) want
	}{
		{
			// ACTIVE, no benefit, every service subscribed.
			name: "tailspin end customer, no benefit", ctx: e.tailspin, customer: "tailspin-end",
			want: func(svc supportv1.Service, c supportv1.TopicCategory) want {
				if !rulesBillingType(c) && svc == azure {
					return want{nil, csp, billed}
				}
				return want{nil, csp, feeNone}
			},
		},
		{
			// ACTIVE with Signature Cloud Support: Azure covered.
			name: "woodgrove end customer, Signature Cloud Support", ctx: e.woodgrove, customer: "woodgrove-end",
			want: func(svc supportv1.Service, c supportv1.TopicCategory) want {
				switch {
				case rulesBillingType(c):
					return want{nil, csp, feeNone}
				case svc == azure:
					return want{nil, csp, covered}
				case svc == o365:
					return want{nil, csp, feeNone}
				}
				return want{[]string{noSub}, csp, feeNone}
			},
		},
		{
			// TRIAL with MPN, Azure only: billing-type topics of every
			// service are entitled anyway.
			name: "adatum for litware (Azure only), MPN benefit", ctx: e.adatum, customer: "litware",
			want: func(svc supportv1.Service, c supportv1.TopicCategory) want {
				switch {
				case rulesBillingType(c):
					return want{nil, csp, feeNone}
				case svc == azure:
					return want{nil, csp, covered}
				}
				return want{[]string{noSub}, csp, feeNone}
			},
		},
		{
			// A partner customer (Office 365 only): not covered, except
			// billing-type topics.
			name: "adatum for fabrikam (partner customer)", ctx: e.adatum, customer: "fabrikam",
			want: func(svc supportv1.Service, c supportv1.TopicCategory) want {
				switch {
				case rulesBillingType(c):
					return want{nil, csp, feeNone}
				case svc == azure:
					return want{[]string{noSub, notCov}, csp, covered}
				case svc == o365:
					return want{[]string{notCov}, csp, feeNone}
				}
				return want{[]string{noSub, notCov}, csp, feeNone}
			},
		},
		{
			// The own tenant without a proof: billing-type topics need none.
			name: "adatum own tenant, no proof", ctx: e.adatum, customer: "adatum-self",
			want: func(svc supportv1.Service, c supportv1.TopicCategory) want {
				switch {
				case rulesBillingType(c):
					return want{nil, csp, feeNone}
				case svc == azure:
					return want{[]string{reqProof}, 0, feeNone}
				}
				return want{[]string{noSub, reqProof}, 0, feeNone}
			},
		},
		{
			// The own tenant with a recognised proof: the plan it names, no fee.
			name: "tailspin own tenant, Premier proof", ctx: e.tailspin, customer: "tailspin-self",
			proof: &supportv1.EntitlementProof{Kind: supportv1.ProofKind_PROOF_KIND_PREMIER, Reference: "PREM-200"},
			want: func(svc supportv1.Service, c supportv1.TopicCategory) want {
				plan := supportv1.SupportPlan_SUPPORT_PLAN_PREMIER
				if rulesBillingType(c) || svc == azure {
					return want{nil, plan, feeNone}
				}
				return want{[]string{noSub}, plan, feeNone}
			},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, topic := range topics {
				for _, sev := range []supportv1.Severity{supportv1.Severity_SEVERITY_A, supportv1.Severity_SEVERITY_B, supportv1.Severity_SEVERITY_C} {
					req := &supportv1.CheckEntitlementRequest{CustomerId: c.customer, Service: topic.GetService(),
						SupportTopicId: topic.GetId(), Severity: sev, Language: "en-US", EntitlementProof: c.proof}
					resp := e.rulesCheck(t, c.ctx, req)
					w := c.want(topic.GetService(), topic.GetCategory())
					q := rulesQueue(topic.GetService(), topic.GetCategory())
					prio := sev == supportv1.Severity_SEVERITY_A
					if resp.GetEntitled() != (len(w.reasons) == 0) || !slices.Equal(filingReasons(resp), w.reasons) ||
						resp.GetSupportPlan() != w.plan || resp.GetFee() != w.fee || resp.GetQueue() != q ||
						resp.GetPriority() != prio || resp.GetCategory() != topic.GetCategory() {
						t.Errorf("%s %v: entitled %v %q plan %v fee %v queue %v priority %v category %v;\n"+
							"want %q plan %v fee %v queue %v priority %v category %v", topic.GetId(), sev,
							resp.GetEntitled(), filingReasons(resp), resp.GetSupportPlan(), resp.GetFee(), resp.GetQueue(),
							resp.GetPriority(), resp.GetCategory(), w.reasons, w.plan, w.fee, q, prio, topic.GetCategory())
					}
				}
			}
		})
	}
}

// TestRulesCreateTicketFeesPlansQueues files tickets and checks that the
// ticket carries the decision the preview announced: fees (BILLED, covered
// by Signature Cloud Support, NONE for Office 365, Dynamics CRM Online and
// EMS, NONE for own subscriptions), the plan each proof names, the queue of
// each category with severity A priority, visible in the agent's queue.
func TestRulesCreateTicketFeesPlansQueues(t *testing.T) {
	e := rulesStart(t)
	topicOf := map[supportv1.Service]map[supportv1.TopicCategory]string{}
	for _, tp := range e.rulesTopics(t) {
		if topicOf[tp.GetService()] == nil {
			topicOf[tp.GetService()] = map[supportv1.TopicCategory]string{}
		}
		if _, ok := topicOf[tp.GetService()][tp.GetCategory()]; !ok {
			topicOf[tp.GetService()][tp.GetCategory()] = tp.GetId()
		}
	}
	proof := func(k supportv1.ProofKind, ref string) *supportv1.EntitlementProof {
		return &supportv1.EntitlementProof{Kind: k, Reference: ref}
	}
	cases := []struct {
		name     string
		ctx      context.Context
		partner  string
		customer string
		service  supportv1.Service
		category supportv1.TopicCategory
		severity supportv1.Severity
		proof    *supportv1.EntitlementProof
		plan     supportv1.SupportPlan
		fee      supportv1.Fee
	}{
		{"Azure technical, no benefit: billed", e.tailspin, "tailspin", "tailspin-end", supportv1.Service_SERVICE_AZURE,
			supportv1.TopicCategory_TOPIC_CATEGORY_TECHNICAL, supportv1.Severity_SEVERITY_B, nil,
			supportv1.SupportPlan_SUPPORT_PLAN_CLOUD_SOLUTION_PROVIDER, supportv1.Fee_FEE_BILLED},
		{"Azure advisory, no benefit: billed", e.tailspin, "tailspin", "tailspin-end", supportv1.Service_SERVICE_AZURE,
			supportv1.TopicCategory_TOPIC_CATEGORY_ADVISORY, supportv1.Severity_SEVERITY_C, nil,
			supportv1.SupportPlan_SUPPORT_PLAN_CLOUD_SOLUTION_PROVIDER, supportv1.Fee_FEE_BILLED},
		{"Azure technical A, Signature Cloud Support: covered", e.woodgrove, "woodgrove", "woodgrove-end", supportv1.Service_SERVICE_AZURE,
			supportv1.TopicCategory_TOPIC_CATEGORY_TECHNICAL, supportv1.Severity_SEVERITY_A, nil,
			supportv1.SupportPlan_SUPPORT_PLAN_CLOUD_SOLUTION_PROVIDER, supportv1.Fee_FEE_COVERED_BY_BENEFIT},
		{"Office 365 technical A: no fee", e.tailspin, "tailspin", "tailspin-end", supportv1.Service_SERVICE_OFFICE_365,
			supportv1.TopicCategory_TOPIC_CATEGORY_TECHNICAL, supportv1.Severity_SEVERITY_A, nil,
			supportv1.SupportPlan_SUPPORT_PLAN_CLOUD_SOLUTION_PROVIDER, supportv1.Fee_FEE_NONE},
		{"Dynamics CRM Online advisory: no fee", e.tailspin, "tailspin", "tailspin-end", supportv1.Service_SERVICE_DYNAMICS_CRM_ONLINE,
			supportv1.TopicCategory_TOPIC_CATEGORY_ADVISORY, supportv1.Severity_SEVERITY_B, nil,
			supportv1.SupportPlan_SUPPORT_PLAN_CLOUD_SOLUTION_PROVIDER, supportv1.Fee_FEE_NONE},
		{"EMS technical: no fee", e.tailspin, "tailspin", "tailspin-end", supportv1.Service_SERVICE_ENTERPRISE_MOBILITY_SUITE,
			supportv1.TopicCategory_TOPIC_CATEGORY_TECHNICAL, supportv1.Severity_SEVERITY_C, nil,
			supportv1.SupportPlan_SUPPORT_PLAN_CLOUD_SOLUTION_PROVIDER, supportv1.Fee_FEE_NONE},
		{"Azure subscription management A, no benefit: no fee, billing queue, priority", e.tailspin, "tailspin", "tailspin-end",
			supportv1.Service_SERVICE_AZURE, supportv1.TopicCategory_TOPIC_CATEGORY_SUBSCRIPTION_MANAGEMENT, supportv1.Severity_SEVERITY_A, nil,
			supportv1.SupportPlan_SUPPORT_PLAN_CLOUD_SOLUTION_PROVIDER, supportv1.Fee_FEE_NONE},
		{"Office 365 billing for Litware (no Office 365 subscription)", e.adatum, "adatum", "litware", supportv1.Service_SERVICE_OFFICE_365,
			supportv1.TopicCategory_TOPIC_CATEGORY_BILLING, supportv1.Severity_SEVERITY_B, nil,
			supportv1.SupportPlan_SUPPORT_PLAN_CLOUD_SOLUTION_PROVIDER, supportv1.Fee_FEE_NONE},
		{"Dynamics billing dispute A for a partner customer", e.adatum, "adatum", "fabrikam", supportv1.Service_SERVICE_DYNAMICS_CRM_ONLINE,
			supportv1.TopicCategory_TOPIC_CATEGORY_BILLING_DISPUTE, supportv1.Severity_SEVERITY_A, nil,
			supportv1.SupportPlan_SUPPORT_PLAN_CLOUD_SOLUTION_PROVIDER, supportv1.Fee_FEE_NONE},
		{"EMS fraud A, own tenant without proof", e.adatum, "adatum", "adatum-self", supportv1.Service_SERVICE_ENTERPRISE_MOBILITY_SUITE,
			supportv1.TopicCategory_TOPIC_CATEGORY_FRAUD, supportv1.Severity_SEVERITY_A, nil,
			supportv1.SupportPlan_SUPPORT_PLAN_CLOUD_SOLUTION_PROVIDER, supportv1.Fee_FEE_NONE},
		{"own tenant, MPN proof", e.tailspin, "tailspin", "tailspin-self", supportv1.Service_SERVICE_AZURE,
			supportv1.TopicCategory_TOPIC_CATEGORY_TECHNICAL, supportv1.Severity_SEVERITY_A, proof(supportv1.ProofKind_PROOF_KIND_MPN, "MPN-100"),
			supportv1.SupportPlan_SUPPORT_PLAN_MPN, supportv1.Fee_FEE_NONE},
		{"own tenant, Premier proof", e.tailspin, "tailspin", "tailspin-self", supportv1.Service_SERVICE_AZURE,
			supportv1.TopicCategory_TOPIC_CATEGORY_TECHNICAL, supportv1.Severity_SEVERITY_B, proof(supportv1.ProofKind_PROOF_KIND_PREMIER, "PREM-200"),
			supportv1.SupportPlan_SUPPORT_PLAN_PREMIER, supportv1.Fee_FEE_NONE},
		{"own tenant, Azure support plan proof", e.tailspin, "tailspin", "tailspin-self", supportv1.Service_SERVICE_AZURE,
			supportv1.TopicCategory_TOPIC_CATEGORY_ADVISORY, supportv1.Severity_SEVERITY_C, proof(supportv1.ProofKind_PROOF_KIND_AZURE_SUPPORT_PLAN, "ASP-300"),
			supportv1.SupportPlan_SUPPORT_PLAN_AZURE_SUPPORT_PLAN, supportv1.Fee_FEE_NONE},
	}
	inQueue := map[supportv1.Queue]map[string]bool{}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req := rulesReq(c.partner, c.customer)
			req.Service, req.SupportTopicId, req.Severity, req.EntitlementProof = c.service, topicOf[c.service][c.category], c.severity, c.proof
			tk := e.filingCreate(t, c.ctx, req)
			q := rulesQueue(c.service, c.category)
			prio := c.severity == supportv1.Severity_SEVERITY_A
			if tk.GetSupportPlan() != c.plan || tk.GetFee() != c.fee || tk.GetQueue() != q || tk.GetPriority() != prio ||
				tk.GetCategory() != c.category || tk.GetCustomerId() != c.customer {
				t.Errorf("ticket plan %v fee %v queue %v priority %v category %v customer %s; want %v %v %v %v %v %s",
					tk.GetSupportPlan(), tk.GetFee(), tk.GetQueue(), tk.GetPriority(), tk.GetCategory(), tk.GetCustomerId(),
					c.plan, c.fee, q, prio, c.category, c.customer)
			}
			if inQueue[q] == nil {
				inQueue[q] = map[string]bool{}
			}
			inQueue[q][tk.GetId()] = prio
		})
	}
	// Agents see each ticket in its queue, priority ones first.
	for q, want := range inQueue {
		resp, err := e.s.Agent().ListQueueTickets(e.agent, &supportv1.ListQueueTicketsRequest{Queue: q, PageSize: 100})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]bool{}
		seenNonPriority := false
		for _, tk := range resp.GetTickets() {
			got[tk.GetId()] = tk.GetPriority()
			if tk.GetQueue() != q {
				t.Errorf("queue %v lists ticket %s of queue %v", q, tk.GetId(), tk.GetQueue())
			}
			if !tk.GetPriority() {
				seenNonPriority = true
			} else if seenNonPriority {
				t.Errorf("queue %v lists a priority ticket after a non-priority one", q)
			}
		}
		for id, prio := range want {
			if p, ok := got[id]; !ok || p != prio {
				t.Errorf("queue %v: ticket %s listed %v priority %v, want priority %v", q, id, ok, p, prio)
			}
		}
	}
	// Own-subscription tickets live in the partner's own context.
	resp, err := e.sup.ListTickets(e.tailspin, &supportv1.ListTicketsRequest{CustomerId: "tailspin-self"})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(resp.GetTickets()); n != 3 {
		t.Errorf("tailspin's own context lists %d tickets, want the 3 own-subscription ones", n)
	}
	for _, tk := range resp.GetTickets() {
		if tk.GetCustomerId() != "tailspin-self" {
			t.Errorf("own context lists a ticket of %s", tk.GetCustomerId())
		}
	}
}

// TestRulesDirectoryChanges checks that entitlement follows the directory
// as the admin changes it: a suspended partner, a suspended subscription
// (section 2 rules 3 and 4), with every violation reported at once.
func TestRulesDirectoryChanges(t *testing.T) {
	e := rulesStart(t)
	dir := e.s.Directory()
	admin := e.s.Admin(t)

	// Suspend Litware's only subscription: technical Azure is refused,
	// billing still entitled.
	if _, err := dir.UpdateSubscription(admin, &supportv1.UpdateSubscriptionRequest{
		Subscription: &supportv1.Subscription{Id: "sub-litware-azure", State: supportv1.SubscriptionState_SUBSCRIPTION_STATE_SUSPENDED},
		UpdateMask:   &fieldmaskpb.FieldMask{Paths: []string{"state"}},
	}); err != nil {
		t.Fatal(err)
	}
	_, err := e.sup.CreateTicket(e.adatum, filingRequest())
	filingPrecondition(t, err, "NO_ACTIVE_SUBSCRIPTION")
	billing := filingRequest()
	billing.SupportTopicId = "azure-invoice-question"
	if tk := e.filingCreate(t, e.adatum, billing); tk.GetFee() != supportv1.Fee_FEE_NONE || tk.GetQueue() != supportv1.Queue_QUEUE_BILLING {
		t.Errorf("billing ticket with a suspended subscription: fee %v queue %v", tk.GetFee(), tk.GetQueue())
	}

	// Suspend Adatum itself: every violation at once, billing refused too.
	if _, err := dir.UpdatePartner(admin, &supportv1.UpdatePartnerRequest{
		Partner:    &supportv1.Partner{Id: "adatum", Status: supportv1.PartnerStatus_PARTNER_STATUS_SUSPENDED},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"status"}},
	}); err != nil {
		t.Fatal(err)
	}
	_, err = e.sup.CreateTicket(e.adatum, filingRequest())
	filingPrecondition(t, err, "NO_ACTIVE_SUBSCRIPTION", "PARTNER_SUSPENDED")
	billing.RequestId = filingRequest().GetRequestId()
	_, err = e.sup.CreateTicket(e.adatum, billing)
	filingPrecondition(t, err, "PARTNER_SUSPENDED")
	own := filingRequest()
	own.CustomerId, own.Service, own.SupportTopicId = "adatum-self", supportv1.Service_SERVICE_OFFICE_365, "o365-exchange-mail-flow"
	_, err = e.sup.CreateTicket(e.adatum, own)
	filingPrecondition(t, err, "NO_ACTIVE_SUBSCRIPTION", "PARTNER_SUSPENDED", "OWN_SUBSCRIPTION_REQUIRES_PROOF")
	own.RequestId = filingRequest().GetRequestId()
	own.EntitlementProof = &supportv1.EntitlementProof{Kind: supportv1.ProofKind_PROOF_KIND_MPN, Reference: "ASP-7"}
	_, err = e.sup.CreateTicket(e.adatum, own)
	filingPrecondition(t, err, "NO_ACTIVE_SUBSCRIPTION", "PARTNER_SUSPENDED", "PROOF_NOT_RECOGNIZED")

	// Back to ACTIVE (not only TRIAL is entitled): fully entitled again.
	if _, err := dir.UpdatePartner(admin, &supportv1.UpdatePartnerRequest{
		Partner:    &supportv1.Partner{Id: "adatum", Status: supportv1.PartnerStatus_PARTNER_STATUS_ACTIVE},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"status"}},
	}); err != nil {
		t.Fatal(err)
	}
	billing.RequestId = filingRequest().GetRequestId()
	e.filingCreate(t, e.adatum, billing)
}

// TestRulesContact checks the contact rules of section 3 for another
// partner and customer than the worked example: the partner's domains (any
// of them, any letter case) are accepted, its customer's are refused with
// their own message, another partner's domain is refused.
func TestRulesContact(t *testing.T) {
	e := rulesStart(t)
	if _, err := e.s.Directory().UpdatePartner(e.s.Admin(t), &supportv1.UpdatePartnerRequest{
		Partner:    &supportv1.Partner{Id: "tailspin", VerifiedDomains: []string{"tailspin.example", "tailspin-support.example"}},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"verified_domains"}},
	}); err != nil {
		t.Fatal(err)
	}
	for _, email := range []string{"ops@tailspin.example", "desk@tailspin-support.example", "Ops@TailSpin.Example"} {
		req := rulesReq("tailspin", "tailspin-end")
		req.Contact.Email = email
		if tk := e.filingCreate(t, e.tailspin, req); tk.GetContact().GetEmail() != email {
			t.Errorf("contact e-mail %q stored as %q", email, tk.GetContact().GetEmail())
		}
	}
	for email, why := range map[string]string{
		"it@tailspin-end.example": "customer's domain",
		"ops@woodgrove.example":   "verified domains",
		"ops@adatum.example":      "verified domains",
	} {
		req := rulesReq("tailspin", "tailspin-end")
		req.Contact.Email = email
		_, err := e.sup.CreateTicket(e.tailspin, req)
		wantFields(t, err, "contact.email")
		if d := filingFieldDescription(t, err, "contact.email"); !strings.Contains(d, why) {
			t.Errorf("%s: description %q, want it to say %q", email, d, why)
		}
	}
	// No phone channel, whatever else the request says; a phone number
	// alone is fine.
	req := rulesReq("tailspin", "tailspin-end")
	req.Contact.Phone = "+1 425 555 0100"
	req.PreferredContactMethod = supportv1.ContactMethod_CONTACT_METHOD_PHONE
	_, err := e.sup.CreateTicket(e.tailspin, req)
	wantFields(t, err, "preferred_contact_method")
	if d := filingFieldDescription(t, err, "preferred_contact_method"); !strings.Contains(d, "no phone support") {
		t.Errorf("description %q", d)
	}
	req.PreferredContactMethod = supportv1.ContactMethod_CONTACT_METHOD_EMAIL
	if tk := e.filingCreate(t, e.tailspin, req); tk.GetPreferredContactMethod() != supportv1.ContactMethod_CONTACT_METHOD_EMAIL {
		t.Errorf("preferred_contact_method %v", tk.GetPreferredContactMethod())
	}
}

// rulesDeadline is one deadline case: a ticket filed at submit gets due
// (and the warning at warn, when set).
type rulesDeadline struct {
	name     string
	topic    string
	severity supportv1.Severity
	language string
	submit   time.Time
	due      time.Time
	warn     time.Time // zero: not checked
	target   time.Duration
	business bool
}

// rulesCheckDeadlines files each case with the clock at its submit time
// (and previews it at that submit time) and checks both deadlines.
func (e *rulesEnv) rulesCheckDeadlines(t *testing.T, cases []rulesDeadline) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req := rulesReq("tailspin", "tailspin-end")
			req.SupportTopicId, req.Severity, req.Language = c.topic, c.severity, c.language
			chk := rulesCheckOf(req)
			chk.SubmitTime = timestamppb.New(c.submit)
			pre := e.rulesCheck(t, e.tailspin, chk)
			e.s.Clock.Set(c.submit)
			tk := e.filingCreate(t, e.tailspin, req)
			loc := c.due.Location()
			if got := pre.GetResponseDueTime().AsTime(); !got.Equal(c.due) {
				t.Errorf("preview: response_due_time %v, want %v", got.In(loc), c.due)
			}
			if pre.GetResponseTarget().AsDuration() != c.target || pre.GetBusinessHours() != c.business {
				t.Errorf("preview: target %v business_hours %v, want %v %v", pre.GetResponseTarget().AsDuration(), pre.GetBusinessHours(), c.target, c.business)
			}
			if got := tk.GetResponseDueTime().AsTime(); !got.Equal(c.due) {
				t.Errorf("ticket: response_due_time %v, want %v", got.In(loc), c.due)
			}
			if !tk.GetCreateTime().AsTime().Equal(c.submit) {
				t.Errorf("ticket: create_time %v, want %v", tk.GetCreateTime().AsTime(), c.submit)
			}
			if tk.GetResponseTarget().AsDuration() != c.target || tk.GetBusinessHours() != c.business {
				t.Errorf("ticket: target %v business_hours %v, want %v %v", tk.GetResponseTarget().AsDuration(), tk.GetBusinessHours(), c.target, c.business)
			}
			if !c.warn.IsZero() && !tk.GetSlaWarningTime().AsTime().Equal(c.warn) {
				t.Errorf("ticket: sla_warning_time %v, want %v", tk.GetSlaWarningTime().AsTime().In(loc), c.warn)
			}
		})
	}
}

func rulesZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// TestRulesDeadlines checks the initial response targets of section 4 with
// the built-in calendars (Monday-Friday 09:00-17:00): English 24x7, other
// languages in working hours, one business day for advisory and billing
// topics in every language, a deadline exactly at the end of a range, and
// tickets filed before a DST change.
func TestRulesDeadlines(t *testing.T) {
	e := rulesStart(t)
	berlin, paris, tokyo, madrid := rulesZone(t, "Europe/Berlin"), rulesZone(t, "Europe/Paris"), rulesZone(t, "Asia/Tokyo"), rulesZone(t, "Europe/Madrid")
	utc := time.UTC
	const (
		tech     = "azure-vm-connectivity"
		advisory = "azure-architecture-guidance"
		subMgmt  = "azure-subscription-transfer"
	)
	a, b, c := supportv1.Severity_SEVERITY_A, supportv1.Severity_SEVERITY_B, supportv1.Severity_SEVERITY_C
	e.rulesCheckDeadlines(t, []rulesDeadline{
		// English technical: 24x7, even on a Saturday, for any English region.
		{"English (en-GB) technical A on a Saturday", tech, a, "en-GB",
			time.Date(2026, 3, 7, 10, 0, 0, 0, utc), time.Date(2026, 3, 7, 12, 0, 0, 0, utc), time.Date(2026, 3, 7, 11, 30, 0, 0, utc), 2 * time.Hour, false},
		{"English technical C overnight", tech, c, "en",
			time.Date(2026, 3, 2, 20, 0, 0, 0, utc), time.Date(2026, 3, 3, 4, 0, 0, 0, utc), time.Date(2026, 3, 3, 2, 0, 0, 0, utc), 8 * time.Hour, false},
		// Exactly at the end of a range: due at 17:00, not the next 09:00.
		{"German technical C at 09:00 ends at 17:00 the same day", tech, c, "de-DE",
			time.Date(2026, 3, 2, 9, 0, 0, 0, berlin), time.Date(2026, 3, 2, 17, 0, 0, 0, berlin), time.Date(2026, 3, 2, 15, 0, 0, 0, berlin), 8 * time.Hour, true},
		{"English advisory at 09:00 ends at 17:00 the same day", advisory, b, "en-US",
			time.Date(2026, 3, 2, 9, 0, 0, 0, utc), time.Date(2026, 3, 2, 17, 0, 0, 0, utc), time.Date(2026, 3, 2, 15, 0, 0, 0, utc), 8 * time.Hour, true},
		{"German technical B before hours", tech, b, "de-DE",
			time.Date(2026, 3, 2, 7, 30, 0, 0, berlin), time.Date(2026, 3, 2, 13, 0, 0, 0, berlin), time.Date(2026, 3, 2, 12, 0, 0, 0, berlin), 4 * time.Hour, true},
		{"German technical B ending at 17:00 on Friday", tech, b, "de-DE",
			time.Date(2026, 3, 6, 13, 0, 0, 0, berlin), time.Date(2026, 3, 6, 17, 0, 0, 0, berlin), time.Date(2026, 3, 6, 16, 0, 0, 0, berlin), 4 * time.Hour, true},
		// Other languages: working hours of their own calendar.
		{"Japanese technical A after Tokyo hours", tech, a, "ja-JP",
			time.Date(2026, 3, 2, 19, 0, 0, 0, tokyo), time.Date(2026, 3, 3, 11, 0, 0, 0, tokyo), time.Date(2026, 3, 3, 10, 30, 0, 0, tokyo), 2 * time.Hour, true},
		// One business day in another language: 8 h of its calendar.
		{"French advisory Friday 16:00", advisory, a, "fr-FR",
			time.Date(2026, 11, 27, 16, 0, 0, 0, paris), time.Date(2026, 11, 30, 16, 0, 0, 0, paris), time.Date(2026, 11, 30, 14, 0, 0, 0, paris), 8 * time.Hour, true},
		{"Spanish subscription management after Friday hours", subMgmt, a, "es-ES",
			time.Date(2026, 11, 27, 18, 0, 0, 0, madrid), time.Date(2026, 11, 30, 17, 0, 0, 0, madrid), time.Date(2026, 11, 30, 15, 0, 0, 0, madrid), 8 * time.Hour, true},
		// Filed before a DST change: working hours are wall-clock hours.
		{"French technical C Friday before spring forward", tech, c, "fr-FR",
			time.Date(2026, 3, 27, 15, 0, 0, 0, paris), time.Date(2026, 3, 30, 15, 0, 0, 0, paris), time.Date(2026, 3, 30, 13, 0, 0, 0, paris), 8 * time.Hour, true},
		{"French technical C Friday before fall back", tech, c, "fr-FR",
			time.Date(2026, 10, 23, 15, 0, 0, 0, paris), time.Date(2026, 10, 26, 15, 0, 0, 0, paris), time.Date(2026, 10, 26, 13, 0, 0, 0, paris), 8 * time.Hour, true},
		{"English advisory Friday before the European spring forward (UTC calendar)", advisory, c, "en-US",
			time.Date(2026, 3, 27, 12, 0, 0, 0, utc), time.Date(2026, 3, 30, 12, 0, 0, 0, utc), time.Date(2026, 3, 30, 10, 0, 0, 0, utc), 8 * time.Hour, true},
	})
	// The absolute instants, spelled out for the DST cases.
	if want := time.Date(2026, 3, 30, 13, 0, 0, 0, utc); !time.Date(2026, 3, 30, 15, 0, 0, 0, paris).Equal(want) {
		t.Fatal("Paris is UTC+2 on 2026-03-30")
	}
	if want := time.Date(2026, 10, 26, 14, 0, 0, 0, utc); !time.Date(2026, 10, 26, 15, 0, 0, 0, paris).Equal(want) {
		t.Fatal("Paris is UTC+1 on 2026-10-26")
	}
}

// TestRulesDeadlinesRangeAcrossDST configures a night range 00:00-06:00 on
// Sundays (Amsterdam): it holds 5 h on the spring-forward night and 7 h on
// the autumn night; one business day is the nominal 6 h.
func TestRulesDeadlinesRangeAcrossDST(t *testing.T) {
	cfg, err := config.Parse([]byte("calendars:\n  - id: nl\n    hours:\n      sun: [\"00:00-06:00\"]\n"))
	if err != nil {
		t.Fatal(err)
	}
	e := rulesStart(t, testserver.WithOptions(func(o *app.Options) {
		cfg.Escalation.CheckInterval = 24 * time.Hour
		o.Config = cfg
	}))
	utc := time.UTC
	b, c := supportv1.Severity_SEVERITY_B, supportv1.Severity_SEVERITY_C
	e.rulesCheckDeadlines(t, []rulesDeadline{
		// Spring: 00:00 CET (23:00 UTC) to 06:00 CEST (04:00 UTC) is 5 h.
		{"spring night, B", "azure-vm-connectivity", b, "nl-NL",
			time.Date(2026, 3, 28, 23, 0, 0, 0, utc), time.Date(2026, 3, 29, 3, 0, 0, 0, utc), time.Date(2026, 3, 29, 2, 0, 0, 0, utc), 4 * time.Hour, true},
		{"spring night, C: 5 h, then 3 h the next Sunday", "azure-vm-connectivity", c, "nl-NL",
			time.Date(2026, 3, 28, 23, 0, 0, 0, utc), time.Date(2026, 4, 5, 1, 0, 0, 0, utc), time.Date(2026, 4, 4, 23, 0, 0, 0, utc), 8 * time.Hour, true},
		{"spring night, advisory: one business day is 6 h", "azure-architecture-guidance", b, "nl-NL",
			time.Date(2026, 3, 28, 23, 0, 0, 0, utc), time.Date(2026, 4, 4, 23, 0, 0, 0, utc), time.Date(2026, 3, 29, 3, 30, 0, 0, utc), 6 * time.Hour, true},
		// Autumn: 00:00 CEST (22:00 UTC) to 06:00 CET (05:00 UTC) is 7 h.
		{"autumn night, C: 7 h, then 1 h the next Sunday", "azure-vm-connectivity", c, "nl-NL",
			time.Date(2026, 10, 24, 22, 0, 0, 0, utc), time.Date(2026, 11, 1, 0, 0, 0, 0, utc), time.Date(2026, 10, 25, 4, 0, 0, 0, utc), 8 * time.Hour, true},
		{"autumn night, advisory: 6 h", "azure-architecture-guidance", b, "nl-NL",
			time.Date(2026, 10, 24, 22, 0, 0, 0, utc), time.Date(2026, 10, 25, 4, 0, 0, 0, utc), time.Date(2026, 10, 25, 2, 30, 0, 0, utc), 6 * time.Hour, true},
	})
}

// TestRulesEscalationWorkedExample is the last worked example (English,
// technical, A, filed 10:00 UTC, warn_at 0.75: warning at 11:30, breach and
// escalation at 12:00), seen by the partner through WatchTicket.
func TestRulesEscalationWorkedExample(t *testing.T) {
	e := rulesStart(t)
	filed := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	e.s.Clock.Set(filed)
	req := rulesReq("tailspin", "tailspin-end")
	req.Severity = supportv1.Severity_SEVERITY_A
	tk := e.filingCreate(t, e.tailspin, req)
	for _, at := range []time.Time{
		filed.Add(90*time.Minute - time.Second), filed.Add(90 * time.Minute), filed.Add(100 * time.Minute),
		filed.Add(2*time.Hour - time.Second), filed.Add(2 * time.Hour), filed.Add(3 * time.Hour),
	} {
		e.s.Clock.Set(at)
		for range 2 {
			if _, err := e.s.App.Sweep(t.Context()); err != nil {
				t.Fatal(err)
			}
		}
	}
	evs := e.rulesWatchHistory(t, e.tailspin, tk.GetId())
	want := []supportv1.TicketEventType{
		supportv1.TicketEventType_TICKET_EVENT_TYPE_CREATED, supportv1.TicketEventType_TICKET_EVENT_TYPE_SLA_WARNING,
		supportv1.TicketEventType_TICKET_EVENT_TYPE_SLA_BREACHED, supportv1.TicketEventType_TICKET_EVENT_TYPE_ESCALATED,
	}
	if got := rulesTypes(evs); !slices.Equal(got, want) {
		t.Fatalf("events %v, want %v", got, want)
	}
	times := []time.Time{filed, filed.Add(90 * time.Minute), filed.Add(2 * time.Hour), filed.Add(2 * time.Hour)}
	for i, ev := range evs {
		if !ev.GetEventTime().AsTime().Equal(times[i]) {
			t.Errorf("%v at %v, want %v", ev.GetType(), ev.GetEventTime().AsTime(), times[i])
		}
		if i > 0 && (ev.GetActor() != "system" || ev.GetSequence() <= evs[i-1].GetSequence()) {
			t.Errorf("%v: actor %q sequence %d", ev.GetType(), ev.GetActor(), ev.GetSequence())
		}
	}
	last := evs[3].GetTicket()
	if last.GetEscalationLevel() != 1 || !last.GetDutyManagerTier() || last.GetSlaState() != supportv1.SlaState_SLA_STATE_BREACHED ||
		last.GetQueue() != supportv1.Queue_QUEUE_AZURE || last.GetStatus() != supportv1.TicketStatus_TICKET_STATUS_NEW {
		t.Errorf("after the breach: %v", last)
	}
}

// TestRulesEscalationBusinessHoursAcrossDST: a French technical A ticket
// filed on the Friday before spring forward warns and breaches at the
// working-time instants of Monday (CEST), not an hour off.
func TestRulesEscalationBusinessHoursAcrossDST(t *testing.T) {
	e := rulesStart(t)
	paris := rulesZone(t, "Europe/Paris")
	filed := time.Date(2026, 3, 27, 16, 0, 0, 0, paris) // 1 h Friday, 1 h Monday
	warn := time.Date(2026, 3, 30, 9, 30, 0, 0, paris)
	due := time.Date(2026, 3, 30, 10, 0, 0, 0, paris)
	e.s.Clock.Set(filed)
	req := rulesReq("tailspin", "tailspin-end")
	req.Severity, req.Language = supportv1.Severity_SEVERITY_A, "fr-FR"
	tk := e.filingCreate(t, e.tailspin, req)
	if !tk.GetResponseDueTime().AsTime().Equal(due) || !tk.GetSlaWarningTime().AsTime().Equal(warn) {
		t.Fatalf("due %v warning %v, want %v %v", tk.GetResponseDueTime().AsTime().In(paris), tk.GetSlaWarningTime().AsTime().In(paris), due, warn)
	}
	sweepAt := func(at time.Time, want int) {
		t.Helper()
		e.s.Clock.Set(at)
		n, err := e.s.App.Sweep(t.Context())
		if err != nil || n != want {
			t.Fatalf("Sweep at %v changed %d (%v), want %d", at.In(paris), n, err, want)
		}
	}
	sweepAt(time.Date(2026, 3, 30, 8, 30, 0, 0, paris), 0) // 1.5 h after filing in wall time plus the weekend, not working time
	sweepAt(warn.Add(-time.Second), 0)
	sweepAt(warn, 1)
	sweepAt(due.Add(-time.Second), 0)
	sweepAt(due, 1)
	sweepAt(due.Add(time.Hour), 0)
	got := rulesTypes(e.rulesWatchHistory(t, e.tailspin, tk.GetId()))
	want := []supportv1.TicketEventType{
		supportv1.TicketEventType_TICKET_EVENT_TYPE_CREATED, supportv1.TicketEventType_TICKET_EVENT_TYPE_SLA_WARNING,
		supportv1.TicketEventType_TICKET_EVENT_TYPE_SLA_BREACHED, supportv1.TicketEventType_TICKET_EVENT_TYPE_ESCALATED,
	}
	if !slices.Equal(got, want) {
		t.Fatalf("events %v, want %v", got, want)
	}
}

// TestRulesSeverityChange: a severity change recomputes the deadline from
// the creation time (working time of the ticket's calendar, across a DST
// change), restarts nothing already elapsed, and its event, as the partner
// watches it, names the reason and both deadlines.
func TestRulesSeverityChange(t *testing.T) {
	e := rulesStart(t)
	paris := rulesZone(t, "Europe/Paris")
	filed := time.Date(2026, 3, 27, 15, 0, 0, 0, paris)
	e.s.Clock.Set(filed)
	req := rulesReq("tailspin", "tailspin-end")
	req.Severity, req.Language = supportv1.Severity_SEVERITY_C, "fr-FR"
	tk := e.filingCreate(t, e.tailspin, req)
	if want := time.Date(2026, 3, 30, 15, 0, 0, 0, paris); !tk.GetResponseDueTime().AsTime().Equal(want) {
		t.Fatalf("C ticket due %v, want %v", tk.GetResponseDueTime().AsTime().In(paris), want)
	}

	// Friday 16:00: C -> B. 4 working hours from creation: Monday 11:00.
	e.s.Clock.Set(time.Date(2026, 3, 27, 16, 0, 0, 0, paris))
	resp, err := e.sup.ChangeTicketSeverity(e.tailspin, &supportv1.ChangeTicketSeverityRequest{TicketId: tk.GetId(),
		Severity: supportv1.Severity_SEVERITY_B, Reason: "checkout degraded for a third of users"})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := resp.GetTicket().GetResponseDueTime().AsTime(), time.Date(2026, 3, 30, 11, 0, 0, 0, paris); !got.Equal(want) {
		t.Fatalf("B from creation: due %v, want %v", got.In(paris), want)
	}

	// Monday 09:00: B -> A. 2 working hours from creation ran out on
	// Friday 17:00: already past, so the next sweep warns, breaches and
	// escalates at once.
	e.s.Clock.Set(time.Date(2026, 3, 30, 9, 0, 0, 0, paris))
	resp, err = e.sup.ChangeTicketSeverity(e.tailspin, &supportv1.ChangeTicketSeverityRequest{TicketId: tk.GetId(),
		Severity: supportv1.Severity_SEVERITY_A, Reason: "checkout down"})
	if err != nil {
		t.Fatal(err)
	}
	got := resp.GetTicket()
	if want := time.Date(2026, 3, 27, 17, 0, 0, 0, paris); !got.GetResponseDueTime().AsTime().Equal(want) || !got.GetPriority() {
		t.Fatalf("A from creation: due %v priority %v, want %v true", got.GetResponseDueTime().AsTime().In(paris), got.GetPriority(), want)
	}
	if n, err := e.s.App.Sweep(t.Context()); err != nil || n != 1 {
		t.Fatalf("Sweep: %d, %v", n, err)
	}

	evs := e.rulesWatchHistory(t, e.tailspin, tk.GetId())
	want := []supportv1.TicketEventType{
		supportv1.TicketEventType_TICKET_EVENT_TYPE_CREATED,
		supportv1.TicketEventType_TICKET_EVENT_TYPE_SEVERITY_CHANGED, supportv1.TicketEventType_TICKET_EVENT_TYPE_SEVERITY_CHANGED,
		supportv1.TicketEventType_TICKET_EVENT_TYPE_SLA_WARNING, supportv1.TicketEventType_TICKET_EVENT_TYPE_SLA_BREACHED,
		supportv1.TicketEventType_TICKET_EVENT_TYPE_ESCALATED,
	}
	if got := rulesTypes(evs); !slices.Equal(got, want) {
		t.Fatalf("events %v, want %v", got, want)
	}
	for i, m := range []struct{ reason, from, to string }{
		{"checkout degraded for a third of users", "2026-03-30T13:00:00Z", "2026-03-30T09:00:00Z"},
		{"checkout down", "2026-03-30T09:00:00Z", "2026-03-27T16:00:00Z"},
	} {
		ev := evs[1+i]
		msg := ev.GetMessage()
		if !strings.Contains(msg, m.reason) || !strings.Contains(msg, m.from) || !strings.Contains(msg, m.to) {
			t.Errorf("SEVERITY_CHANGED message %q: want the reason %q and the deadlines %s -> %s", msg, m.reason, m.from, m.to)
		}
		if ev.GetActor() != "partner:tailspin" {
			t.Errorf("SEVERITY_CHANGED actor %q", ev.GetActor())
		}
	}
}

// TestRulesPartnerEscalation: each escalation reason is accepted, raises
// the level by one and is recorded, with the justification, in the event
// the partner watches.
func TestRulesPartnerEscalation(t *testing.T) {
	e := rulesStart(t)
	tk := e.filingCreate(t, e.tailspin, rulesReq("tailspin", "tailspin-end"))
	reasons := []supportv1.EscalationReason{
		supportv1.EscalationReason_ESCALATION_REASON_BUSINESS_IMPACT,
		supportv1.EscalationReason_ESCALATION_REASON_RESOLUTION_TIME,
		supportv1.EscalationReason_ESCALATION_REASON_TECHNICAL_EXPERTISE,
	}
	for i, r := range reasons {
		resp, err := e.sup.EscalateTicket(e.tailspin, &supportv1.EscalateTicketRequest{TicketId: tk.GetId(), Reason: r,
			Justification: "justification " + r.String()})
		if err != nil {
			t.Fatal(err)
		}
		if resp.GetTicket().GetEscalationLevel() != int32(i+1) {
			t.Fatalf("after %v: level %d", r, resp.GetTicket().GetEscalationLevel())
		}
	}
	evs := e.rulesWatchHistory(t, e.tailspin, tk.GetId())
	if len(evs) != 1+len(reasons) {
		t.Fatalf("events %v", rulesTypes(evs))
	}
	for i, r := range reasons {
		ev := evs[1+i]
		name := strings.TrimPrefix(r.String(), "ESCALATION_REASON_")
		if ev.GetType() != supportv1.TicketEventType_TICKET_EVENT_TYPE_ESCALATED || !strings.Contains(ev.GetMessage(), name) ||
			!strings.Contains(ev.GetMessage(), "justification "+r.String()) || ev.GetTicket().GetEscalationLevel() != int32(i+1) {
			t.Errorf("escalation %d: %v %q level %d", i+1, ev.GetType(), ev.GetMessage(), ev.GetTicket().GetEscalationLevel())
		}
	}
	// Another partner cannot escalate it (nor see it).
	_, err := e.sup.EscalateTicket(e.woodgrove, &supportv1.EscalateTicketRequest{TicketId: tk.GetId(), Reason: reasons[0], Justification: "x"})
	wantCode(t, err, codes.NotFound)
}

// TestRulesBillingTypeEscalation: billing problems, disputes and fraud are
// escalated through the same service: an English fraud ticket gets one
// business day of the English (UTC) calendar and is escalated automatically
// in its own queue; the partner may escalate a billing dispute.
func TestRulesBillingTypeEscalation(t *testing.T) {
	e := rulesStart(t)
	filed := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC) // Monday
	e.s.Clock.Set(filed)
	req := rulesReq("tailspin", "tailspin-end")
	req.SupportTopicId, req.Severity = "azure-fraud-report", supportv1.Severity_SEVERITY_A
	fraud := e.filingCreate(t, e.tailspin, req)
	warn, due := time.Date(2026, 3, 2, 16, 0, 0, 0, time.UTC), time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC) // 7 h Monday, 1 h Tuesday
	if fraud.GetQueue() != supportv1.Queue_QUEUE_FRAUD || !fraud.GetPriority() || !fraud.GetBusinessHours() ||
		!fraud.GetResponseDueTime().AsTime().Equal(due) || !fraud.GetSlaWarningTime().AsTime().Equal(warn) {
		t.Fatalf("fraud ticket: %v", fraud)
	}
	dispute := rulesReq("tailspin", "tailspin-end")
	dispute.SupportTopicId = "azure-billing-dispute"
	disp := e.filingCreate(t, e.tailspin, dispute)
	resp, err := e.sup.EscalateTicket(e.tailspin, &supportv1.EscalateTicketRequest{TicketId: disp.GetId(),
		Reason: supportv1.EscalationReason_ESCALATION_REASON_RESOLUTION_TIME, Justification: "invoice wrong for two months"})
	if err != nil {
		t.Fatal(err)
	}
	if tk := resp.GetTicket(); tk.GetEscalationLevel() != 1 || tk.GetQueue() != supportv1.Queue_QUEUE_BILLING_ESCALATIONS {
		t.Fatalf("escalated dispute: %v", tk)
	}

	for _, at := range []time.Time{warn, due} {
		e.s.Clock.Set(at)
		if _, err := e.s.App.Sweep(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	got, err := e.sup.GetTicket(e.tailspin, &supportv1.GetTicketRequest{TicketId: fraud.GetId()})
	if err != nil {
		t.Fatal(err)
	}
	if tk := got.GetTicket(); tk.GetEscalationLevel() != 1 || !tk.GetDutyManagerTier() ||
		tk.GetSlaState() != supportv1.SlaState_SLA_STATE_BREACHED || tk.GetQueue() != supportv1.Queue_QUEUE_FRAUD {
		t.Fatalf("fraud ticket after its deadline: %v", tk)
	}
	want := []supportv1.TicketEventType{
		supportv1.TicketEventType_TICKET_EVENT_TYPE_CREATED, supportv1.TicketEventType_TICKET_EVENT_TYPE_SLA_WARNING,
		supportv1.TicketEventType_TICKET_EVENT_TYPE_SLA_BREACHED, supportv1.TicketEventType_TICKET_EVENT_TYPE_ESCALATED,
	}
	if got := rulesTypes(e.rulesWatchHistory(t, e.tailspin, fraud.GetId())); !slices.Equal(got, want) {
		t.Fatalf("fraud events %v, want %v", got, want)
	}
}
