package filing

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/supportd/supportd/server/domain"
)

// valid is a well-formed submission by Adatum for Litware (the worked
// examples of docs/domain.md §2).
func valid() Submission {
	return Submission{
		Request: Request{
			RequestID:      "3f2b8c1e-9d4a-4e7b-8a6f-1c2d3e4f5a6b",
			CustomerID:     "litware",
			Service:        domain.ServiceAzure,
			SupportTopicID: "azure-vm-connectivity",
			Severity:       domain.SeverityB,
			Title:          "VM unreachable",
			Description:    "The production VM stopped answering at 10:00 UTC.",
			Language:       "en-US",
			Contact:        domain.Contact{Name: "Ana Admin", Email: "ana@adatum.example", Phone: "+1 (425) 555-0100"},
		},
		PartnerDomains:  []string{"adatum.example", "Adatum-Mail.example"},
		CustomerDomains: []string{"litware.example"},
	}
}

type check struct {
	field    string // "" for a valid submission
	contains string // substring of the description
}

func TestValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		mod  func(*Submission)
		want check
	}{
		{"valid", func(*Submission) {}, check{}},
		{"valid with EMAIL and a proof", func(s *Submission) {
			s.PreferredContactMethod = domain.ContactEmail
			s.Proof = &domain.Proof{Kind: domain.ProofAzureSupportPlan, Reference: "ASP-7"}
		}, check{}},
		{"valid without phone", func(s *Submission) { s.Contact.Phone = "" }, check{}},

		// request_id.
		{"request_id missing", func(s *Submission) { s.RequestID = "" }, check{FieldRequestID, "required"}},
		{"request_id not a UUID", func(s *Submission) { s.RequestID = "req-1" }, check{FieldRequestID, "not a UUID"}},
		{"request_id without hyphens", func(s *Submission) { s.RequestID = "3f2b8c1e9d4a4e7b8a6f1c2d3e4f5a6b" }, check{FieldRequestID, "not a UUID"}},
		{"request_id urn form", func(s *Submission) { s.RequestID = "urn:uuid:3f2b8c1e-9d4a-4e7b-8a6f-1c2d3e4f5a6b" }, check{FieldRequestID, "not a UUID"}},
		{"request_id braces", func(s *Submission) { s.RequestID = "{3f2b8c1e-9d4a-4e7b-8a6f-1c2d3e4f5a6b}" }, check{FieldRequestID, "not a UUID"}},
		{"request_id nil UUID", func(s *Submission) { s.RequestID = "00000000-0000-0000-0000-000000000000" }, check{FieldRequestID, "nil UUID"}},
		{"request_id upper case", func(s *Submission) { s.RequestID = "3F2B8C1E-9D4A-4E7B-8A6F-1C2D3E4F5A6B" }, check{}},

		// Required identifiers and enums.
		{"customer_id missing", func(s *Submission) { s.CustomerID = "" }, check{FieldCustomerID, "required"}},
		{"customer_id blank", func(s *Submission) { s.CustomerID = "  " }, check{FieldCustomerID, "required"}},
		{"customer_id too long", func(s *Submission) { s.CustomerID = strings.Repeat("c", MaxIDLength+1) }, check{FieldCustomerID, "at most 128"}},
		{"service missing", func(s *Submission) { s.Service = "" }, check{FieldService, "required"}},
		{"service outside program is not a filing error", func(s *Submission) { s.Service = "VISUAL_STUDIO" }, check{}},
		{"topic missing", func(s *Submission) { s.SupportTopicID = "" }, check{FieldSupportTopicID, "required"}},
		{"severity missing", func(s *Submission) { s.Severity = "" }, check{FieldSeverity, "required"}},
		{"severity unknown", func(s *Submission) { s.Severity = "D" }, check{FieldSeverity, "A, B or C"}},
		{"severity A", func(s *Submission) { s.Severity = domain.SeverityA }, check{}},
		{"severity C", func(s *Submission) { s.Severity = domain.SeverityC }, check{}},

		// Title and description.
		{"title missing", func(s *Submission) { s.Title = "" }, check{FieldTitle, "required"}},
		{"title blank", func(s *Submission) { s.Title = " \t\n" }, check{FieldTitle, "required"}},
		{"title at max", func(s *Submission) { s.Title = strings.Repeat("é", MaxTitleLength) }, check{}},
		{"title over max", func(s *Submission) { s.Title = strings.Repeat("t", MaxTitleLength+1) }, check{FieldTitle, "at most 200"}},
		{"description missing", func(s *Submission) { s.Description = "" }, check{FieldDescription, "required"}},
		{"description at max", func(s *Submission) { s.Description = strings.Repeat("日", MaxDescriptionLength) }, check{}},
		{"description over max", func(s *Submission) { s.Description = strings.Repeat("d", MaxDescriptionLength+1) }, check{FieldDescription, "at most 10000"}},

		// Language.
		{"language missing", func(s *Submission) { s.Language = "" }, check{FieldLanguage, "required"}},
		{"language fr-FR", func(s *Submission) { s.Language = "fr-FR" }, check{}},
		{"language ja-JP", func(s *Submission) { s.Language = "ja-JP" }, check{}},
		{"language primary only", func(s *Submission) { s.Language = "de" }, check{}},
		{"language odd case", func(s *Submission) { s.Language = "EN-us" }, check{}},
		{"language underscore", func(s *Submission) { s.Language = "en_US" }, check{FieldLanguage, "well-formed"}},
		{"language word", func(s *Submission) { s.Language = "english" }, check{FieldLanguage, "well-formed"}},
		{"language unknown subtag", func(s *Submission) { s.Language = "zz-ZZ" }, check{FieldLanguage, "well-formed"}},
		{"language trailing hyphen", func(s *Submission) { s.Language = "en-" }, check{FieldLanguage, "well-formed"}},
		{"language und", func(s *Submission) { s.Language = "und" }, check{FieldLanguage, "well-formed"}},
		{"language private use", func(s *Submission) { s.Language = "x-klingon" }, check{FieldLanguage, "well-formed"}},
		{"language with spaces", func(s *Submission) { s.Language = " en-US" }, check{FieldLanguage, "well-formed"}},
		{"language supported", func(s *Submission) {
			s.Language = "FR-fr"
			s.SupportedLanguage = func(tag string) bool { return tag == "fr-FR" }
		}, check{}},
		{"language unsupported", func(s *Submission) {
			s.Language = "sw-KE"
			s.SupportedLanguage = func(string) bool { return false }
		}, check{FieldLanguage, "not supported"}},

		// Contact.
		{"contact name missing", func(s *Submission) { s.Contact.Name = "" }, check{FieldContactName, "required"}},
		{"contact name too long", func(s *Submission) { s.Contact.Name = strings.Repeat("n", MaxContactNameLength+1) }, check{FieldContactName, "at most 200"}},
		{"email missing", func(s *Submission) { s.Contact.Email = "" }, check{FieldContactEmail, "required"}},
		{"email malformed", func(s *Submission) { s.Contact.Email = "ana.adatum.example" }, check{FieldContactEmail, "not a valid e-mail"}},
		{"email double at", func(s *Submission) { s.Contact.Email = "ana@@adatum.example" }, check{FieldContactEmail, "not a valid e-mail"}},
		{"email with display name", func(s *Submission) { s.Contact.Email = "Ana <ana@adatum.example>" }, check{FieldContactEmail, "bare address"}},
		{"email with spaces", func(s *Submission) { s.Contact.Email = " ana@adatum.example" }, check{FieldContactEmail, "not a valid e-mail"}},
		{"email too long", func(s *Submission) { s.Contact.Email = strings.Repeat("a", 250) + "@adatum.example" }, check{FieldContactEmail, "at most 254"}},
		{"email domain case-insensitive", func(s *Submission) { s.Contact.Email = "Ana@ADATUM.Example" }, check{}},
		{"email second verified domain", func(s *Submission) { s.Contact.Email = "ana@adatum-mail.example" }, check{}},
		{"email customer's domain", func(s *Submission) { s.Contact.Email = "it@litware.example" },
			check{FieldContactEmail, "litware.example is the customer's domain; the contact must be the partner's"}},
		{"email customer's domain, other case", func(s *Submission) { s.Contact.Email = "it@LITWARE.example" },
			check{FieldContactEmail, "is the customer's domain"}},
		{"email subdomain of a verified domain", func(s *Submission) { s.Contact.Email = "ana@eu.adatum.example" },
			check{FieldContactEmail, "not one of the partner's verified domains"}},
		{"email parent of a verified domain", func(s *Submission) { s.Contact.Email = "ana@example" },
			check{FieldContactEmail, "not one of the partner's verified domains"}},
		{"email unrelated domain", func(s *Submission) { s.Contact.Email = "ana@gmail.example" },
			check{FieldContactEmail, "not one of the partner's verified domains (adatum.example, Adatum-Mail.example)"}},
		{"email, partner without verified domains", func(s *Submission) { s.PartnerDomains = nil },
			check{FieldContactEmail, "none registered"}},
		{"email domain both partner's and customer's", func(s *Submission) { s.CustomerDomains = []string{"adatum.example"} }, check{}},
		{"phone letters", func(s *Submission) { s.Contact.Phone = "call me" }, check{FieldContactPhone, "not a phone number"}},
		{"phone without digits", func(s *Submission) { s.Contact.Phone = "+()" }, check{FieldContactPhone, "no digit"}},
		{"phone too long", func(s *Submission) { s.Contact.Phone = strings.Repeat("1", MaxPhoneLength+1) }, check{FieldContactPhone, "at most 32"}},

		// Preferred contact method.
		{"preferred unspecified", func(s *Submission) { s.PreferredContactMethod = "" }, check{}},
		{"preferred phone", func(s *Submission) { s.PreferredContactMethod = domain.ContactPhone }, check{FieldPreferredContactMethod, NoPhoneSupport}},
		{"preferred unknown", func(s *Submission) { s.PreferredContactMethod = "FAX" }, check{FieldPreferredContactMethod, "unknown contact method"}},

		// Proof.
		{"proof MPN", func(s *Submission) { s.Proof = &domain.Proof{Kind: domain.ProofMPN, Reference: "MPN-1"} }, check{}},
		{"proof Premier", func(s *Submission) { s.Proof = &domain.Proof{Kind: domain.ProofPremier, Reference: "P-1"} }, check{}},
		{"proof kind missing", func(s *Submission) { s.Proof = &domain.Proof{Reference: "ASP-7"} }, check{FieldProofKind, "required"}},
		{"proof kind unknown", func(s *Submission) { s.Proof = &domain.Proof{Kind: "EA", Reference: "ASP-7"} }, check{FieldProofKind, "unknown proof kind"}},
		{"proof reference missing", func(s *Submission) { s.Proof = &domain.Proof{Kind: domain.ProofPremier} }, check{FieldProofReference, "required"}},
		{"proof reference blank", func(s *Submission) { s.Proof = &domain.Proof{Kind: domain.ProofPremier, Reference: " "} }, check{FieldProofReference, "required"}},
		{"proof reference too long", func(s *Submission) {
			s.Proof = &domain.Proof{Kind: domain.ProofPremier, Reference: strings.Repeat("r", MaxProofReferenceLength+1)}
		}, check{FieldProofReference, "at most 128"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := valid()
			tt.mod(&s)
			got := Validate(s)
			if tt.want.field == "" {
				if got != nil {
					t.Fatalf("Validate = %+v, want no violation", got)
				}
				return
			}
			if len(got) != 1 || got[0].Field != tt.want.field || !strings.Contains(got[0].Description, tt.want.contains) {
				t.Fatalf("Validate = %+v, want one violation on %s containing %q", got, tt.want.field, tt.want.contains)
			}
		})
	}
}

// TestValidateWorkedExamples: the filing rows of the worked examples of docs/domain.md §2.
func TestValidateWorkedExamples(t *testing.T) {
	t.Parallel()
	s := valid()
	s.Contact.Email = "it@litware.example"
	if got := Validate(s); len(got) != 1 || got[0].Field != "contact.email" || !strings.Contains(got[0].Description, "customer's domain") {
		t.Errorf("contact it@litware.example: %+v", got)
	}
	s = valid()
	s.PreferredContactMethod = domain.ContactPhone
	if got := Validate(s); len(got) != 1 || got[0].Field != "preferred_contact_method" || !strings.Contains(got[0].Description, "no phone support") {
		t.Errorf("preferred phone: %+v", got)
	}
}

// TestValidateReportsAll: an empty submission reports every required field
// at once, in field order, and a given empty proof reports both its fields.
func TestValidateReportsAll(t *testing.T) {
	t.Parallel()
	got := Validate(Submission{Request: Request{PreferredContactMethod: domain.ContactPhone, Proof: &domain.Proof{}, Contact: domain.Contact{Phone: "x"}}})
	var fields []string
	for _, v := range got {
		fields = append(fields, v.Field)
		if v.Description == "" {
			t.Errorf("%s: empty description", v.Field)
		}
	}
	want := []string{
		FieldRequestID, FieldCustomerID, FieldService, FieldSupportTopicID, FieldSeverity,
		FieldTitle, FieldDescription, FieldLanguage, FieldContactName, FieldContactEmail,
		FieldContactPhone, FieldPreferredContactMethod, FieldProofKind, FieldProofReference,
	}
	if !slices.Equal(fields, want) {
		t.Errorf("fields = %v\nwant     %v", fields, want)
	}
}

func TestParseLanguage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want string
		ok   bool
	}{
		{"en-US", "en-US", true},
		{"en-us", "en-US", true},
		{"fr", "fr", true},
		{"de-DE", "de-DE", true},
		{"ja-JP", "ja-JP", true},
		{"zh-Hant-TW", "zh-Hant-TW", true},
		{"", "", false},
		{"en_US", "", false},
		{"und", "", false},
		{"x-foo", "", false},
		{"zz", "", false},
		{"en-", "", false},
		{"en US", "", false},
	}
	for _, tt := range tests {
		got, ok := ParseLanguage(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("ParseLanguage(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

// TestValidatePreview: a preview is checked by the rules of a submission
// for the fields a decision depends on, and for those only.
func TestValidatePreview(t *testing.T) {
	t.Parallel()
	supported := func(tag string) bool { return tag == "en-US" || tag == "fr-FR" }
	tests := []struct {
		name   string
		mod    func(*Request)
		want   []string
		submit time.Time
	}{
		{"valid", func(*Request) {}, nil, time.Time{}},
		{"submitted at the earliest", func(*Request) {}, nil, MinSubmitTime},
		{"submitted at the latest", func(*Request) {}, nil, MaxSubmitTime},
		{"submitted before the earliest", func(*Request) {}, []string{FieldSubmitTime}, MinSubmitTime.Add(-time.Second)},
		{"submitted after the latest", func(*Request) {}, []string{FieldSubmitTime}, MaxSubmitTime.Add(time.Second)},
		{"fields a preview does not carry", func(r *Request) { r.RequestID, r.Title, r.Description, r.Contact = "", "", "", domain.Contact{} }, nil, time.Time{}},
		{"every field it carries missing, in order", func(r *Request) { *r = Request{} },
			[]string{FieldCustomerID, FieldService, FieldSupportTopicID, FieldSeverity, FieldLanguage}, time.Time{}},
		{"customer id too long", func(r *Request) { r.CustomerID = strings.Repeat("c", MaxIDLength+1) }, []string{FieldCustomerID}, time.Time{}},
		{"unknown severity", func(r *Request) { r.Severity = "D" }, []string{FieldSeverity}, time.Time{}},
		{"malformed language, as CreateTicket rejects it", func(r *Request) { r.Language = "en_US" }, []string{FieldLanguage}, time.Time{}},
		{"unsupported language", func(r *Request) { r.Language = "de-DE" }, []string{FieldLanguage}, time.Time{}},
		{"canonicalised language", func(r *Request) { r.Language = "EN-us" }, nil, time.Time{}},
		{"proof without reference", func(r *Request) { r.Proof = &domain.Proof{Kind: domain.ProofMPN} }, []string{FieldProofReference}, time.Time{}},
		{"proof of unknown kind", func(r *Request) { r.Proof = &domain.Proof{Kind: "GOLD", Reference: "G-1"} }, []string{FieldProofKind}, time.Time{}},
	}
	for _, tc := range tests {
		r := valid().Request
		tc.mod(&r)
		var got []string
		for _, v := range ValidatePreview(r, tc.submit, supported) {
			got = append(got, v.Field)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: fields %v, want %v", tc.name, got, tc.want)
		}
	}
}
