package api_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/timestamppb"

	supportv1 "github.com/supportd/supportd/gen/support/v1"
	"github.com/supportd/supportd/server/app"
	"github.com/supportd/supportd/server/config"
	"github.com/supportd/supportd/server/domain"
	"github.com/supportd/supportd/server/internal/testserver"
)

// TestFilingCheckEntitlementWorkedExamples checks the entitlement rows of
// docs/domain.md §2 (the contact and phone rows are CreateTicket
// field checks: see TestFilingCreateTicketFieldViolations).
func TestFilingCheckEntitlementWorkedExamples(t *testing.T) {
	e := startFiling(t)
	proofASP7 := &supportv1.EntitlementProof{Kind: supportv1.ProofKind_PROOF_KIND_AZURE_SUPPORT_PLAN, Reference: "ASP-7"}
	cases := []struct {
		name     string
		req      func(r *supportv1.CheckEntitlementRequest)
		entitled bool
		reasons  []string
		plan     supportv1.SupportPlan
		fee      supportv1.Fee
		category supportv1.TopicCategory
		queue    supportv1.Queue
		priority bool
	}{
		{
			name: "Azure technical B for Litware", req: func(*supportv1.CheckEntitlementRequest) {},
			entitled: true, plan: supportv1.SupportPlan_SUPPORT_PLAN_CLOUD_SOLUTION_PROVIDER, fee: supportv1.Fee_FEE_COVERED_BY_BENEFIT,
			category: supportv1.TopicCategory_TOPIC_CATEGORY_TECHNICAL, queue: supportv1.Queue_QUEUE_AZURE,
		},
		{
			name: "the same with severity A", req: func(r *supportv1.CheckEntitlementRequest) { r.Severity = supportv1.Severity_SEVERITY_A },
			entitled: true, plan: supportv1.SupportPlan_SUPPORT_PLAN_CLOUD_SOLUTION_PROVIDER, fee: supportv1.Fee_FEE_COVERED_BY_BENEFIT,
			category: supportv1.TopicCategory_TOPIC_CATEGORY_TECHNICAL, queue: supportv1.Queue_QUEUE_AZURE, priority: true,
		},
		{
			name: "Office 365 technical for Litware",
			req: func(r *supportv1.CheckEntitlementRequest) {
				r.Service, r.SupportTopicId = supportv1.Service_SERVICE_OFFICE_365, "o365-exchange-mail-flow"
			},
			reasons: []string{"NO_ACTIVE_SUBSCRIPTION"}, plan: supportv1.SupportPlan_SUPPORT_PLAN_CLOUD_SOLUTION_PROVIDER,
			fee: supportv1.Fee_FEE_NONE, category: supportv1.TopicCategory_TOPIC_CATEGORY_TECHNICAL, queue: supportv1.Queue_QUEUE_OFFICE_365,
		},
		{
			name: "Azure billing for Litware", req: func(r *supportv1.CheckEntitlementRequest) { r.SupportTopicId = "azure-invoice-question" },
			entitled: true, plan: supportv1.SupportPlan_SUPPORT_PLAN_CLOUD_SOLUTION_PROVIDER, fee: supportv1.Fee_FEE_NONE,
			category: supportv1.TopicCategory_TOPIC_CATEGORY_BILLING, queue: supportv1.Queue_QUEUE_BILLING,
		},
		{
			name: "Azure technical, own tenant, no proof", req: func(r *supportv1.CheckEntitlementRequest) { r.CustomerId = "adatum-self" },
			reasons: []string{"OWN_SUBSCRIPTION_REQUIRES_PROOF"}, fee: supportv1.Fee_FEE_NONE,
			category: supportv1.TopicCategory_TOPIC_CATEGORY_TECHNICAL, queue: supportv1.Queue_QUEUE_AZURE,
		},
		{
			name: "Azure advisory, own tenant, proof ASP-7",
			req: func(r *supportv1.CheckEntitlementRequest) {
				r.CustomerId, r.SupportTopicId, r.EntitlementProof = "adatum-self", "azure-architecture-guidance", proofASP7
			},
			entitled: true, plan: supportv1.SupportPlan_SUPPORT_PLAN_AZURE_SUPPORT_PLAN, fee: supportv1.Fee_FEE_NONE,
			category: supportv1.TopicCategory_TOPIC_CATEGORY_ADVISORY, queue: supportv1.Queue_QUEUE_AZURE,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req := filingCheck()
			c.req(req)
			before := e.s.LastSequence(t)
			resp, err := e.sup.CheckEntitlement(e.adatum, req)
			if err != nil {
				t.Fatal(err)
			}
			if resp.GetEntitled() != c.entitled || !slices.Equal(filingReasons(resp), c.reasons) {
				t.Errorf("entitled = %v %q, want %v %q", resp.GetEntitled(), filingReasons(resp), c.entitled, c.reasons)
			}
			for _, v := range resp.GetViolations() {
				if v.GetMessage() == "" {
					t.Errorf("violation %s has no message", v.GetReason())
				}
			}
			if resp.GetSupportPlan() != c.plan || resp.GetFee() != c.fee || resp.GetCategory() != c.category ||
				resp.GetQueue() != c.queue || resp.GetPriority() != c.priority {
				t.Errorf("plan/fee/category/queue/priority = %v/%v/%v/%v/%v, want %v/%v/%v/%v/%v",
					resp.GetSupportPlan(), resp.GetFee(), resp.GetCategory(), resp.GetQueue(), resp.GetPriority(),
					c.plan, c.fee, c.category, c.queue, c.priority)
			}
			if resp.GetResponseDueTime() == nil || resp.GetResponseTarget() == nil {
				t.Errorf("no deadline: %v", resp)
			}
			if after := e.s.LastSequence(t); after != before {
				t.Errorf("CheckEntitlement appended events (%d -> %d): it must write nothing", before, after)
			}
		})
	}
}

// TestFilingCheckEntitlementDeadlines checks the deadline rows of
// docs/domain.md §4 through submit_time.
func TestFilingCheckEntitlementDeadlines(t *testing.T) {
	// The built-in "de" calendar has no holidays; the example makes
	// 1 January one.
	cfg, err := config.Parse([]byte("calendars:\n  - id: de\n    holidays:\n      - date: \"01-01\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	e := startFiling(t, testserver.WithOptions(func(o *app.Options) { o.Config = cfg }))
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name     string
		topic    string
		severity supportv1.Severity
		language string
		submit   time.Time
		due      time.Time
		target   time.Duration
		business bool
	}{
		{"English technical B, Sunday night", "azure-vm-connectivity", supportv1.Severity_SEVERITY_B, "en-US",
			time.Date(2026, 11, 29, 23, 0, 0, 0, time.UTC), time.Date(2026, 11, 30, 3, 0, 0, 0, time.UTC), 4 * time.Hour, false},
		{"German technical C, New Year's Eve", "azure-vm-connectivity", supportv1.Severity_SEVERITY_C, "de-DE",
			time.Date(2026, 12, 31, 15, 0, 0, 0, berlin), time.Date(2027, 1, 4, 15, 0, 0, 0, berlin), 8 * time.Hour, true},
		{"English advisory, Friday noon", "azure-architecture-guidance", supportv1.Severity_SEVERITY_B, "en-US",
			time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC), time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC), 8 * time.Hour, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req := filingCheck()
			req.SupportTopicId, req.Severity, req.Language, req.SubmitTime = c.topic, c.severity, c.language, timestamppb.New(c.submit)
			resp, err := e.sup.CheckEntitlement(e.adatum, req)
			if err != nil {
				t.Fatal(err)
			}
			if !resp.GetEntitled() {
				t.Fatalf("not entitled: %v", resp.GetViolations())
			}
			if got := resp.GetResponseDueTime().AsTime(); !got.Equal(c.due) {
				t.Errorf("response_due_time = %v, want %v", got.In(c.due.Location()), c.due)
			}
			if got := resp.GetResponseTarget().AsDuration(); got != c.target {
				t.Errorf("response_target = %v, want %v", got, c.target)
			}
			if resp.GetBusinessHours() != c.business {
				t.Errorf("business_hours = %v, want %v", resp.GetBusinessHours(), c.business)
			}
		})
	}

	t.Run("default submit time is now", func(t *testing.T) {
		resp, err := e.sup.CheckEntitlement(e.adatum, filingCheck())
		if err != nil {
			t.Fatal(err)
		}
		if want := e.s.Clock.Now().Add(4 * time.Hour); !resp.GetResponseDueTime().AsTime().Equal(want) {
			t.Errorf("response_due_time = %v, want clock + 4h = %v", resp.GetResponseDueTime().AsTime(), want)
		}
	})
	t.Run("invalid submit time", func(t *testing.T) {
		req := filingCheck()
		req.SubmitTime = &timestamppb.Timestamp{Seconds: 1, Nanos: -1}
		_, err := e.sup.CheckEntitlement(e.adatum, req)
		wantFields(t, err, "submit_time")
	})
}

// TestFilingCheckEntitlementDefaultGermanCalendar shows why the deadline test
// configures 1 January: with the built-in calendar it is a working day.
func TestFilingCheckEntitlementDefaultGermanCalendar(t *testing.T) {
	e := startFiling(t)
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	req := filingCheck()
	req.Severity, req.Language = supportv1.Severity_SEVERITY_C, "de-DE"
	req.SubmitTime = timestamppb.New(time.Date(2026, 12, 31, 15, 0, 0, 0, berlin))
	resp, err := e.sup.CheckEntitlement(e.adatum, req)
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2027, 1, 1, 15, 0, 0, 0, berlin); !resp.GetResponseDueTime().AsTime().Equal(want) {
		t.Errorf("response_due_time = %v, want %v (2 h Thursday, 6 h Friday)", resp.GetResponseDueTime().AsTime().In(berlin), want)
	}
}

// TestFilingCheckEntitlementReasons checks every reason code, alone and all
// together.
//
// SERVICE_NOT_IN_PROGRAM cannot be produced through the v1 API: the Service
// enum has only the four program services, and a number outside the enum is
// read as unspecified, hence INVALID_ARGUMENT on `service` (checked below).
// The rule is covered by the unit tests of server/entitlement; it becomes
// reachable through the API when a non-program service is added to the enum.
func TestFilingCheckEntitlementReasons(t *testing.T) {
	e := startFiling(t)
	s := e.s
	// A suspended partner with a partner customer that has no subscription
	// and an own tenant.
	s.SeedPartner(t, "northwind", func(p *supportv1.Partner) { p.Status = supportv1.PartnerStatus_PARTNER_STATUS_SUSPENDED })
	s.SeedCustomer(t, "northwind-reseller", "northwind", supportv1.CustomerKind_CUSTOMER_KIND_PARTNER)
	s.SeedCustomer(t, "northwind-self", "northwind", supportv1.CustomerKind_CUSTOMER_KIND_PARTNER_SELF)
	s.SeedSubscription(t, "northwind-self-azure", "northwind-self", supportv1.Service_SERVICE_AZURE)
	northwind := testserver.Auth(t.Context(), s.NewKey(t, domain.RolePartner, "northwind"))
	// A contract of another partner: Adatum may not use it.
	s.SeedContract(t, "contoso-premier", "contoso", supportv1.ProofKind_PROOF_KIND_PREMIER, "PREM-1")

	check := func(t *testing.T, ctx context.Context, mod func(*supportv1.CheckEntitlementRequest), reasons ...string) *supportv1.CheckEntitlementResponse {
		t.Helper()
		req := filingCheck()
		mod(req)
		resp, err := e.sup.CheckEntitlement(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		if resp.GetEntitled() != (len(reasons) == 0) || !slices.Equal(filingReasons(resp), reasons) {
			t.Fatalf("entitled = %v %q, want %q", resp.GetEntitled(), filingReasons(resp), reasons)
		}
		return resp
	}
	self := func(kind supportv1.ProofKind, ref string) func(*supportv1.CheckEntitlementRequest) {
		return func(r *supportv1.CheckEntitlementRequest) {
			r.CustomerId = "adatum-self"
			if ref != "" || kind != 0 {
				r.EntitlementProof = &supportv1.EntitlementProof{Kind: kind, Reference: ref}
			}
		}
	}

	t.Run("NO_ACTIVE_SUBSCRIPTION", func(t *testing.T) {
		check(t, e.adatum, func(r *supportv1.CheckEntitlementRequest) {
			r.Service, r.SupportTopicId = supportv1.Service_SERVICE_ENTERPRISE_MOBILITY_SUITE, "ems-intune-enrollment"
		}, "NO_ACTIVE_SUBSCRIPTION")
	})
	t.Run("PARTNER_SUSPENDED", func(t *testing.T) {
		// A billing topic waives the subscription rule but not suspension.
		check(t, northwind, func(r *supportv1.CheckEntitlementRequest) {
			r.CustomerId, r.SupportTopicId = "northwind-reseller", "azure-invoice-question"
		}, "PARTNER_SUSPENDED")
	})
	t.Run("PARTNER_CUSTOMER_NOT_COVERED", func(t *testing.T) {
		check(t, e.adatum, func(r *supportv1.CheckEntitlementRequest) {
			r.CustomerId, r.Service, r.SupportTopicId = "fabrikam", supportv1.Service_SERVICE_OFFICE_365, "o365-exchange-mail-flow"
		}, "PARTNER_CUSTOMER_NOT_COVERED")
	})
	t.Run("OWN_SUBSCRIPTION_REQUIRES_PROOF", func(t *testing.T) {
		check(t, e.adatum, self(0, ""), "OWN_SUBSCRIPTION_REQUIRES_PROOF")
	})
	t.Run("PROOF_NOT_RECOGNIZED", func(t *testing.T) {
		for name, mod := range map[string]func(*supportv1.CheckEntitlementRequest){
			"unknown reference":          self(supportv1.ProofKind_PROOF_KIND_AZURE_SUPPORT_PLAN, "ASP-8"),
			"reference of another kind":  self(supportv1.ProofKind_PROOF_KIND_MPN, "ASP-7"),
			"case differs":               self(supportv1.ProofKind_PROOF_KIND_AZURE_SUPPORT_PLAN, "asp-7"),
			"another partner's contract": self(supportv1.ProofKind_PROOF_KIND_PREMIER, "PREM-1"),
		} {
			t.Run(name, func(t *testing.T) { check(t, e.adatum, mod, "PROOF_NOT_RECOGNIZED") })
		}
	})
	t.Run("recognised proofs", func(t *testing.T) {
		resp := check(t, e.adatum, self(supportv1.ProofKind_PROOF_KIND_AZURE_SUPPORT_PLAN, "ASP-7"))
		if resp.GetSupportPlan() != supportv1.SupportPlan_SUPPORT_PLAN_AZURE_SUPPORT_PLAN || resp.GetFee() != supportv1.Fee_FEE_NONE {
			t.Errorf("plan/fee = %v/%v", resp.GetSupportPlan(), resp.GetFee())
		}
	})
	t.Run("all violations together", func(t *testing.T) {
		check(t, northwind, func(r *supportv1.CheckEntitlementRequest) { r.CustomerId = "northwind-reseller" },
			"NO_ACTIVE_SUBSCRIPTION", "PARTNER_SUSPENDED", "PARTNER_CUSTOMER_NOT_COVERED")
		check(t, northwind, func(r *supportv1.CheckEntitlementRequest) { r.CustomerId = "northwind-self" },
			"PARTNER_SUSPENDED", "OWN_SUBSCRIPTION_REQUIRES_PROOF")
		check(t, northwind, func(r *supportv1.CheckEntitlementRequest) {
			r.CustomerId, r.EntitlementProof = "northwind-self", &supportv1.EntitlementProof{Kind: supportv1.ProofKind_PROOF_KIND_MPN, Reference: "nope"}
		}, "PARTNER_SUSPENDED", "PROOF_NOT_RECOGNIZED")
	})
	t.Run("SERVICE_NOT_IN_PROGRAM is not expressible", func(t *testing.T) {
		req := filingCheck()
		req.Service = supportv1.Service(99)
		_, err := e.sup.CheckEntitlement(e.adatum, req)
		wantFields(t, err, "service")
	})
}

func TestFilingCheckEntitlementErrors(t *testing.T) {
	e := startFiling(t)
	t.Run("another partner's customer is not found", func(t *testing.T) {
		req := filingCheck()
		req.CustomerId = e.other.EndCustomer.GetId()
		_, err := e.sup.CheckEntitlement(e.adatum, req)
		wantInfo(t, err, codes.NotFound, "NOT_FOUND", map[string]string{"kind": "customer", "id": req.CustomerId})
		// The same answer as for a customer that does not exist at all.
		req.CustomerId = "no-such-customer"
		_, err = e.sup.CheckEntitlement(e.adatum, req)
		wantInfo(t, err, codes.NotFound, "NOT_FOUND", map[string]string{"kind": "customer", "id": req.CustomerId})
	})
	t.Run("and the other way round", func(t *testing.T) {
		req := filingCheck()
		_, err := e.sup.CheckEntitlement(e.contoso, req) // litware is Adatum's
		wantCode(t, err, codes.NotFound)
	})
	for _, lang := range []string{"ko-KR", "zh-CN", "en_US", "xx-YY-ZZ-123456789", "und"} {
		t.Run("unsupported language "+lang, func(t *testing.T) {
			req := filingCheck()
			req.Language = lang
			_, err := e.sup.CheckEntitlement(e.adatum, req)
			wantFields(t, err, "language")
		})
	}
	t.Run("supported languages", func(t *testing.T) {
		for _, lang := range []string{"en", "en-GB", "fr-FR", "de-DE", "es-ES", "it-IT", "nl-NL", "pt-PT", "ja-JP"} {
			req := filingCheck()
			req.Language = lang
			if _, err := e.sup.CheckEntitlement(e.adatum, req); err != nil {
				t.Errorf("%s: %v", lang, err)
			}
		}
	})
	t.Run("required fields", func(t *testing.T) {
		_, err := e.sup.CheckEntitlement(e.adatum, &supportv1.CheckEntitlementRequest{})
		wantFields(t, err, "customer_id", "service", "support_topic_id", "severity", "language")
	})
	t.Run("unknown topic", func(t *testing.T) {
		req := filingCheck()
		req.SupportTopicId = "no-such-topic"
		_, err := e.sup.CheckEntitlement(e.adatum, req)
		wantFields(t, err, "support_topic_id")
	})
	t.Run("topic of another service", func(t *testing.T) {
		req := filingCheck()
		req.SupportTopicId = "o365-exchange-mail-flow"
		_, err := e.sup.CheckEntitlement(e.adatum, req)
		wantFields(t, err, "support_topic_id")
	})
	t.Run("malformed proof", func(t *testing.T) {
		// Rejected as CreateTicket rejects it, not previewed as
		// PROOF_NOT_RECOGNIZED.
		req := filingCheck()
		req.CustomerId = "adatum-self"
		req.EntitlementProof = &supportv1.EntitlementProof{Reference: "ASP-7"}
		_, err := e.sup.CheckEntitlement(e.adatum, req)
		wantFields(t, err, "entitlement_proof.kind")
		req.EntitlementProof = &supportv1.EntitlementProof{Kind: supportv1.ProofKind_PROOF_KIND_AZURE_SUPPORT_PLAN}
		_, err = e.sup.CheckEntitlement(e.adatum, req)
		wantFields(t, err, "entitlement_proof.reference")
	})
	t.Run("wrong role", func(t *testing.T) {
		_, err := e.sup.CheckEntitlement(e.agent, filingCheck())
		wantCode(t, err, codes.PermissionDenied)
		_, err = e.sup.CheckEntitlement(e.s.Admin(t), filingCheck())
		wantCode(t, err, codes.PermissionDenied)
	})
}
