package api_test

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	supportv1 "github.com/supportd/supportd/gen/support/v1"
	"github.com/supportd/supportd/server/domain"
	"github.com/supportd/supportd/server/filing"
	"github.com/supportd/supportd/server/internal/testserver"
)

func TestFilingCreateTicket(t *testing.T) {
	e := startFiling(t)
	now := e.s.Clock.Now() // Monday 2026-03-02 10:00 UTC
	req := filingRequest()
	req.Severity = supportv1.Severity_SEVERITY_A
	req.Contact.Phone = "+49 30 1234567" // giving a number is fine; asking to be called is not
	before := e.s.LastSequence(t)

	tk := e.filingCreate(t, e.adatum, req)

	if _, err := uuid.Parse(tk.GetId()); err != nil {
		t.Errorf("id %q is not a UUID", tk.GetId())
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"partner_id", tk.GetPartnerId(), "adatum"},
		{"customer_id", tk.GetCustomerId(), "litware"},
		{"service", tk.GetService(), supportv1.Service_SERVICE_AZURE},
		{"support_topic_id", tk.GetSupportTopicId(), req.GetSupportTopicId()},
		{"category", tk.GetCategory(), supportv1.TopicCategory_TOPIC_CATEGORY_TECHNICAL},
		{"title", tk.GetTitle(), req.GetTitle()},
		{"description", tk.GetDescription(), req.GetDescription()},
		{"severity", tk.GetSeverity(), supportv1.Severity_SEVERITY_A},
		{"language", tk.GetLanguage(), "en-US"},
		{"contact", proto.Equal(tk.GetContact(), req.GetContact()), true},
		{"preferred_contact_method", tk.GetPreferredContactMethod(), supportv1.ContactMethod_CONTACT_METHOD_EMAIL},
		{"status", tk.GetStatus(), supportv1.TicketStatus_TICKET_STATUS_NEW},
		{"support_plan", tk.GetSupportPlan(), supportv1.SupportPlan_SUPPORT_PLAN_CLOUD_SOLUTION_PROVIDER},
		{"fee", tk.GetFee(), supportv1.Fee_FEE_COVERED_BY_BENEFIT},
		{"queue", tk.GetQueue(), supportv1.Queue_QUEUE_AZURE},
		{"priority", tk.GetPriority(), true},
		{"escalation_level", tk.GetEscalationLevel(), int32(0)},
		{"sla_state", tk.GetSlaState(), supportv1.SlaState_SLA_STATE_RUNNING},
		{"business_hours", tk.GetBusinessHours(), false},
		{"response_target", tk.GetResponseTarget().AsDuration(), 2 * time.Hour},
		{"response_due_time", tk.GetResponseDueTime().AsTime(), now.Add(2 * time.Hour)},
		{"sla_warning_time", tk.GetSlaWarningTime().AsTime(), now.Add(90 * time.Minute)}, // warn_at 0.75
		{"first_response_time", tk.GetFirstResponseTime() == nil, true},
		{"note_count", int(tk.GetNoteCount()), 0},
		{"create_time", tk.GetCreateTime().AsTime(), now},
		{"update_time", tk.GetUpdateTime().AsTime(), now},
		{"etag set", tk.GetEtag() != "", true},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}

	// The ticket and its CREATED event are both committed when the call
	// returns, and nothing else was written.
	evs := e.s.EventsAfter(t, before)
	if len(evs) != 1 {
		t.Fatalf("%d events appended, want exactly the CREATED event: %+v", len(evs), evs)
	}
	ev := evs[0]
	if ev.Type != domain.EventCreated || ev.TicketID != tk.GetId() || ev.PartnerID != "adatum" || ev.CustomerID != "litware" ||
		ev.Actor != "partner:adatum" || !ev.Time.Equal(now) {
		t.Errorf("event = %+v", ev)
	}
	if ev.Ticket == nil || ev.Ticket.ID != tk.GetId() || ev.Ticket.Status != domain.StatusNew || ev.Ticket.Version != 1 {
		t.Errorf("event ticket = %+v, want the ticket as created", ev.Ticket)
	}

	got, err := e.sup.GetTicket(e.adatum, &supportv1.GetTicketRequest{TicketId: tk.GetId()})
	if err != nil {
		t.Fatal(err)
	}
	if !proto.Equal(got.GetTicket(), tk) {
		t.Errorf("GetTicket = %v\nwant the created %v", got.GetTicket(), tk)
	}

	t.Run("severity B is not priority", func(t *testing.T) {
		tk := e.filingCreate(t, e.adatum, filingRequest())
		if tk.GetPriority() || tk.GetResponseDueTime().AsTime() != now.Add(4*time.Hour) {
			t.Errorf("priority %v, due %v", tk.GetPriority(), tk.GetResponseDueTime().AsTime())
		}
	})
	t.Run("language in canonical form, business hours", func(t *testing.T) {
		req := filingRequest()
		req.Language = "DE-de"
		tk := e.filingCreate(t, e.adatum, req)
		// Monday 11:00 Berlin: 4 working hours later is 15:00 Berlin.
		if tk.GetLanguage() != "de-DE" || !tk.GetBusinessHours() || !tk.GetResponseDueTime().AsTime().Equal(now.Add(4*time.Hour)) {
			t.Errorf("language %q business_hours %v due %v", tk.GetLanguage(), tk.GetBusinessHours(), tk.GetResponseDueTime().AsTime())
		}
	})
	t.Run("unspecified contact method is e-mail", func(t *testing.T) {
		req := filingRequest()
		req.PreferredContactMethod = supportv1.ContactMethod_CONTACT_METHOD_UNSPECIFIED
		if tk := e.filingCreate(t, e.adatum, req); tk.GetPreferredContactMethod() != supportv1.ContactMethod_CONTACT_METHOD_EMAIL {
			t.Errorf("preferred_contact_method = %v", tk.GetPreferredContactMethod())
		}
	})
	t.Run("maximum lengths are characters", func(t *testing.T) {
		req := filingRequest()
		req.Title, req.Description = strings.Repeat("é", filing.MaxTitleLength), strings.Repeat("ü", filing.MaxDescriptionLength)
		e.filingCreate(t, e.adatum, req)
	})
}

func TestFilingCreateTicketFieldViolations(t *testing.T) {
	e := startFiling(t)
	cases := []struct {
		name   string
		mod    func(r *supportv1.CreateTicketRequest)
		fields []string
		desc   string // a word the first violation's description must contain
	}{
		{"missing request_id", func(r *supportv1.CreateTicketRequest) { r.RequestId = "" }, []string{"request_id"}, "required"},
		{"request_id not a UUID", func(r *supportv1.CreateTicketRequest) { r.RequestId = "retry-1" }, []string{"request_id"}, "UUID"},
		{"nil UUID request_id", func(r *supportv1.CreateTicketRequest) { r.RequestId = uuid.Nil.String() }, []string{"request_id"}, "nil"},
		{"missing customer_id", func(r *supportv1.CreateTicketRequest) { r.CustomerId = "" }, []string{"customer_id"}, "required"},
		{"contact in the customer's domain", func(r *supportv1.CreateTicketRequest) { r.Contact.Email = "it@litware.example" },
			[]string{"contact.email"}, "customer's domain"},
		{"contact in a foreign domain", func(r *supportv1.CreateTicketRequest) { r.Contact.Email = "alex@gmail.example" },
			[]string{"contact.email"}, "verified domains"},
		{"contact in a subdomain of the partner's", func(r *supportv1.CreateTicketRequest) { r.Contact.Email = "alex@eu.adatum.example" },
			[]string{"contact.email"}, "verified domains"},
		{"contact e-mail malformed", func(r *supportv1.CreateTicketRequest) { r.Contact.Email = "Alex <alex@adatum.example>" },
			[]string{"contact.email"}, "valid"},
		{"missing contact", func(r *supportv1.CreateTicketRequest) { r.Contact = nil }, []string{"contact.name", "contact.email"}, "required"},
		{"preferred contact method phone", func(r *supportv1.CreateTicketRequest) {
			r.PreferredContactMethod = supportv1.ContactMethod_CONTACT_METHOD_PHONE
		}, []string{"preferred_contact_method"}, "no phone support"},
		{"unsupported language", func(r *supportv1.CreateTicketRequest) { r.Language = "ko-KR" }, []string{"language"}, "not supported"},
		{"malformed language", func(r *supportv1.CreateTicketRequest) { r.Language = "en_US" }, []string{"language"}, "BCP 47"},
		{"missing language", func(r *supportv1.CreateTicketRequest) { r.Language = "" }, []string{"language"}, "required"},
		{"empty title", func(r *supportv1.CreateTicketRequest) { r.Title = "  " }, []string{"title"}, "required"},
		{"title too long", func(r *supportv1.CreateTicketRequest) { r.Title = strings.Repeat("é", filing.MaxTitleLength+1) },
			[]string{"title"}, "at most 200"},
		{"empty description", func(r *supportv1.CreateTicketRequest) { r.Description = "" }, []string{"description"}, "required"},
		{"description too long", func(r *supportv1.CreateTicketRequest) {
			r.Description = strings.Repeat("x", filing.MaxDescriptionLength+1)
		}, []string{"description"}, "at most 10000"},
		{"unknown topic", func(r *supportv1.CreateTicketRequest) { r.SupportTopicId = "azure-no-such-topic" },
			[]string{"support_topic_id"}, "unknown"},
		{"topic of another service", func(r *supportv1.CreateTicketRequest) { r.SupportTopicId = "o365-exchange-mail-flow" },
			[]string{"support_topic_id"}, "OFFICE_365"},
		{"missing severity", func(r *supportv1.CreateTicketRequest) { r.Severity = 0 }, []string{"severity"}, "required"},
		{"service outside the enum", func(r *supportv1.CreateTicketRequest) { r.Service = supportv1.Service(99) }, []string{"service"}, "required"},
		{"proof without reference", func(r *supportv1.CreateTicketRequest) {
			r.EntitlementProof = &supportv1.EntitlementProof{Kind: supportv1.ProofKind_PROOF_KIND_MPN}
		}, []string{"entitlement_proof.reference"}, "required"},
		{"several fields at once", func(r *supportv1.CreateTicketRequest) {
			r.Title, r.Language, r.Contact.Email = "", "ko-KR", "it@litware.example"
			r.PreferredContactMethod = supportv1.ContactMethod_CONTACT_METHOD_PHONE
		}, []string{"title", "language", "contact.email", "preferred_contact_method"}, "required"},
		{"empty request", func(r *supportv1.CreateTicketRequest) { proto.Reset(r) }, []string{
			"request_id", "customer_id", "service", "support_topic_id", "severity", "title", "description",
			"language", "contact.name", "contact.email",
		}, "required"},
	}
	before := e.s.LastSequence(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req := filingRequest()
			c.mod(req)
			_, err := e.sup.CreateTicket(e.adatum, req)
			wantFields(t, err, c.fields...)
			if d := filingFieldDescription(t, err, c.fields[0]); !strings.Contains(d, c.desc) {
				t.Errorf("description of %s = %q, want it to mention %q", c.fields[0], d, c.desc)
			}
		})
	}
	if after := e.s.LastSequence(t); after != before {
		t.Errorf("rejected requests appended events (%d -> %d)", before, after)
	}
	if n := filingCountEvents(t, e.s, domain.EventCreated); n != 0 {
		t.Errorf("%d tickets created by invalid requests", n)
	}
}

func TestFilingCreateTicketNotEntitled(t *testing.T) {
	e := startFiling(t)
	s := e.s
	s.SeedPartner(t, "northwind", func(p *supportv1.Partner) { p.Status = supportv1.PartnerStatus_PARTNER_STATUS_SUSPENDED })
	s.SeedCustomer(t, "northwind-reseller", "northwind", supportv1.CustomerKind_CUSTOMER_KIND_PARTNER)
	northwind := testserver.Auth(t.Context(), s.NewKey(t, domain.RolePartner, "northwind"))
	before := s.LastSequence(t)

	t.Run("Office 365 for Litware", func(t *testing.T) {
		req := filingRequest()
		req.Service, req.SupportTopicId = supportv1.Service_SERVICE_OFFICE_365, "o365-exchange-mail-flow"
		_, err := e.sup.CreateTicket(e.adatum, req)
		filingPrecondition(t, err, "NO_ACTIVE_SUBSCRIPTION")
	})
	t.Run("own tenant without proof", func(t *testing.T) {
		req := filingRequest()
		req.CustomerId = "adatum-self"
		_, err := e.sup.CreateTicket(e.adatum, req)
		filingPrecondition(t, err, "OWN_SUBSCRIPTION_REQUIRES_PROOF")
	})
	t.Run("own tenant with an unknown proof", func(t *testing.T) {
		req := filingRequest()
		req.CustomerId = "adatum-self"
		req.EntitlementProof = &supportv1.EntitlementProof{Kind: supportv1.ProofKind_PROOF_KIND_PREMIER, Reference: "ASP-7"}
		_, err := e.sup.CreateTicket(e.adatum, req)
		filingPrecondition(t, err, "PROOF_NOT_RECOGNIZED")
	})
	t.Run("partner customer", func(t *testing.T) {
		req := filingRequest()
		req.CustomerId, req.Service, req.SupportTopicId = "fabrikam", supportv1.Service_SERVICE_OFFICE_365, "o365-exchange-mail-flow"
		_, err := e.sup.CreateTicket(e.adatum, req)
		filingPrecondition(t, err, "PARTNER_CUSTOMER_NOT_COVERED")
	})
	t.Run("every violation listed", func(t *testing.T) {
		req := filingRequest()
		req.CustomerId, req.Contact.Email = "northwind-reseller", "ops@northwind.example"
		_, err := e.sup.CreateTicket(northwind, req)
		filingPrecondition(t, err, "NO_ACTIVE_SUBSCRIPTION", "PARTNER_SUSPENDED", "PARTNER_CUSTOMER_NOT_COVERED")
	})
	if after := s.LastSequence(t); after != before {
		t.Errorf("refused requests appended events (%d -> %d)", before, after)
	}
	t.Run("a refused request id stays free", func(t *testing.T) {
		req := filingRequest()
		req.Service, req.SupportTopicId = supportv1.Service_SERVICE_OFFICE_365, "o365-exchange-mail-flow"
		_, err := e.sup.CreateTicket(e.adatum, req)
		filingPrecondition(t, err, "NO_ACTIVE_SUBSCRIPTION")
		req.Service, req.SupportTopicId = supportv1.Service_SERVICE_AZURE, "azure-vm-connectivity"
		e.filingCreate(t, e.adatum, req)
	})
}

func TestFilingCreateTicketScope(t *testing.T) {
	e := startFiling(t)
	before := e.s.LastSequence(t)
	t.Run("another partner's customer is not found", func(t *testing.T) {
		req := filingRequest()
		req.CustomerId = e.other.EndCustomer.GetId()
		_, err := e.sup.CreateTicket(e.adatum, req)
		wantInfo(t, err, codes.NotFound, "NOT_FOUND", map[string]string{"kind": "customer", "id": req.CustomerId})
		req = filingRequest()
		req.Contact.Email = "ops@contoso.example"
		_, err = e.sup.CreateTicket(e.contoso, req) // litware is Adatum's
		wantInfo(t, err, codes.NotFound, "NOT_FOUND", map[string]string{"kind": "customer", "id": "litware"})
	})
	t.Run("unknown customer", func(t *testing.T) {
		req := filingRequest()
		req.CustomerId = "no-such-customer"
		_, err := e.sup.CreateTicket(e.adatum, req)
		wantInfo(t, err, codes.NotFound, "NOT_FOUND", map[string]string{"kind": "customer", "id": req.CustomerId})
	})
	t.Run("wrong role", func(t *testing.T) {
		_, err := e.sup.CreateTicket(e.agent, filingRequest())
		wantCode(t, err, codes.PermissionDenied)
		_, err = e.sup.CreateTicket(e.s.Admin(t), filingRequest())
		wantCode(t, err, codes.PermissionDenied)
	})
	t.Run("no key", func(t *testing.T) {
		_, err := e.sup.CreateTicket(t.Context(), filingRequest())
		wantCode(t, err, codes.Unauthenticated)
	})
	if after := e.s.LastSequence(t); after != before {
		t.Errorf("refused requests appended events (%d -> %d)", before, after)
	}
}

func TestFilingCreateTicketOwnSubscription(t *testing.T) {
	e := startFiling(t)
	req := filingRequest()
	req.CustomerId, req.SupportTopicId = "adatum-self", "azure-architecture-guidance"
	req.EntitlementProof = &supportv1.EntitlementProof{Kind: supportv1.ProofKind_PROOF_KIND_AZURE_SUPPORT_PLAN, Reference: "ASP-7"}
	own := e.filingCreate(t, e.adatum, req)
	if own.GetCustomerId() != "adatum-self" || own.GetSupportPlan() != supportv1.SupportPlan_SUPPORT_PLAN_AZURE_SUPPORT_PLAN ||
		own.GetFee() != supportv1.Fee_FEE_NONE || own.GetCategory() != supportv1.TopicCategory_TOPIC_CATEGORY_ADVISORY ||
		own.GetQueue() != supportv1.Queue_QUEUE_AZURE {
		t.Errorf("own-subscription ticket = customer %s plan %v fee %v category %v queue %v", own.GetCustomerId(),
			own.GetSupportPlan(), own.GetFee(), own.GetCategory(), own.GetQueue())
	}
	forLitware := e.filingCreate(t, e.adatum, filingRequest())

	// Each lives in its own context.
	list := func(customer string) []string {
		resp, err := e.sup.ListTickets(e.adatum, &supportv1.ListTicketsRequest{CustomerId: customer})
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, tk := range resp.GetTickets() {
			ids = append(ids, tk.GetId())
		}
		return ids
	}
	if got := list("adatum-self"); len(got) != 1 || got[0] != own.GetId() {
		t.Errorf("own context lists %q, want only %s", got, own.GetId())
	}
	if got := list("litware"); len(got) != 1 || got[0] != forLitware.GetId() {
		t.Errorf("Litware's context lists %q, want only %s", got, forLitware.GetId())
	}
}

func TestFilingCreateTicketIdempotency(t *testing.T) {
	e := startFiling(t)
	ticketCount := func(t *testing.T) int {
		t.Helper()
		resp, err := e.sup.ListTickets(e.adatum, &supportv1.ListTicketsRequest{PageSize: 500})
		if err != nil {
			t.Fatal(err)
		}
		return len(resp.GetTickets())
	}

	t.Run("retry returns the first ticket", func(t *testing.T) {
		req := filingRequest()
		first := e.filingCreate(t, e.adatum, req)
		e.s.Clock.Advance(25 * time.Hour) // request ids are kept at least 24 hours
		again := e.filingCreate(t, e.adatum, proto.Clone(req).(*supportv1.CreateTicketRequest))
		if !proto.Equal(first, again) {
			t.Errorf("retry returned %v\nwant the first ticket %v", again, first)
		}
		if n := len(filingTicketEvents(t, e.s, first.GetId())); n != 1 {
			t.Errorf("%d events for the ticket, want one CREATED", n)
		}
		if n := ticketCount(t); n != 1 {
			t.Errorf("%d tickets, want 1", n)
		}
	})
	t.Run("retry after a change returns the ticket as it is now", func(t *testing.T) {
		req := filingRequest()
		first := e.filingCreate(t, e.adatum, req)
		if _, err := e.sup.AddTicketNote(e.adatum, &supportv1.AddTicketNoteRequest{TicketId: first.GetId(), Text: "more logs"}); err != nil {
			t.Fatal(err)
		}
		again := e.filingCreate(t, e.adatum, req)
		if again.GetId() != first.GetId() {
			t.Errorf("retry returned ticket %s, want %s", again.GetId(), first.GetId())
		}
	})
	t.Run("same request id, different body", func(t *testing.T) {
		req := filingRequest()
		first := e.filingCreate(t, e.adatum, req)
		before := e.s.LastSequence(t)
		for name, mod := range map[string]func(*supportv1.CreateTicketRequest){
			"title":    func(r *supportv1.CreateTicketRequest) { r.Title += "!" },
			"severity": func(r *supportv1.CreateTicketRequest) { r.Severity = supportv1.Severity_SEVERITY_C },
			"contact":  func(r *supportv1.CreateTicketRequest) { r.Contact.Name = "Sam Partner" },
			"invalid":  func(r *supportv1.CreateTicketRequest) { r.Title = "" },
		} {
			t.Run(name, func(t *testing.T) {
				other := proto.Clone(req).(*supportv1.CreateTicketRequest)
				mod(other)
				_, err := e.sup.CreateTicket(e.adatum, other)
				wantInfo(t, err, codes.AlreadyExists, "REQUEST_ID_REUSED", map[string]string{"request_id": req.GetRequestId()})
			})
		}
		if after := e.s.LastSequence(t); after != before {
			t.Errorf("reused request ids appended events (%d -> %d)", before, after)
		}
		// The original still retries fine.
		if again := e.filingCreate(t, e.adatum, req); again.GetId() != first.GetId() {
			t.Errorf("retry returned ticket %s, want %s", again.GetId(), first.GetId())
		}
	})
	t.Run("request ids are per partner", func(t *testing.T) {
		// Another partner using the same request id neither gets Adatum's
		// ticket nor learns that the id is taken.
		req := filingRequest()
		mine := e.filingCreate(t, e.adatum, req)
		theirs := proto.Clone(req).(*supportv1.CreateTicketRequest)
		theirs.CustomerId, theirs.Contact.Email = e.other.EndCustomer.GetId(), "ops@contoso.example"
		tk := e.filingCreate(t, e.contoso, theirs)
		if tk.GetId() == mine.GetId() || tk.GetPartnerId() != "contoso" {
			t.Errorf("Contoso got ticket %s of %s", tk.GetId(), tk.GetPartnerId())
		}
	})
	t.Run("concurrent retries", func(t *testing.T) {
		req := filingRequest()
		countBefore := ticketCount(t)
		const n = 20
		ids := make([]string, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range n {
			wg.Go(func() {
				<-start
				resp, err := e.sup.CreateTicket(e.adatum, proto.Clone(req).(*supportv1.CreateTicketRequest))
				ids[i], errs[i] = resp.GetTicket().GetId(), err
			})
		}
		close(start)
		wg.Wait()
		for i := range n {
			if errs[i] != nil {
				t.Fatalf("retry %d: %v", i, errs[i])
			}
			if ids[i] != ids[0] {
				t.Fatalf("retry %d got ticket %s, retry 0 got %s", i, ids[i], ids[0])
			}
		}
		if got := ticketCount(t) - countBefore; got != 1 {
			t.Errorf("%d tickets created, want 1", got)
		}
		evs := filingTicketEvents(t, e.s, ids[0])
		if len(evs) != 1 || evs[0].Type != domain.EventCreated {
			t.Errorf("events of the ticket = %+v, want one CREATED", evs)
		}
	})
}

// A retry is answered with the first ticket even when the filing no longer
// validates (here the contact's domain was removed from the partner's
// verified domains), while a new request with the same body is refused:
// the directory change is seen at once.
func TestFilingCreateTicketRetryAfterDirectoryChange(t *testing.T) {
	e := startFiling(t)
	req := filingRequest()
	first := e.filingCreate(t, e.adatum, req)
	if _, err := e.s.Directory().UpdatePartner(e.s.Admin(t), &supportv1.UpdatePartnerRequest{
		Partner:    &supportv1.Partner{Id: "adatum", VerifiedDomains: []string{"elsewhere.example"}},
		UpdateMask: mask("verified_domains"),
	}); err != nil {
		t.Fatal(err)
	}
	again := e.filingCreate(t, e.adatum, proto.Clone(req).(*supportv1.CreateTicketRequest))
	if !proto.Equal(first, again) {
		t.Errorf("retry returned %v\nwant the first ticket %v", again, first)
	}
	fresh := proto.Clone(req).(*supportv1.CreateTicketRequest)
	fresh.RequestId = uuid.NewString()
	_, err := e.sup.CreateTicket(e.adatum, fresh)
	if status.Code(err) != codes.InvalidArgument {
		t.Fatalf("new request after the change: %v, want INVALID_ARGUMENT (contact.email)", err)
	}
}
