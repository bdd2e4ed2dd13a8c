package encoding

import (
	"reflect"
	"testing"
	"time"

	"github.com/supportd/supportd/server/domain"
	"github.com/supportd/supportd/server/filing"
)

// fullTicket is a ticket with every field set (checked by
// TestFullTicketSetsEveryField), with text that needs JSON escapes and
// times in two zones with and without fractions.
func fullTicket() domain.Ticket {
	created := time.Date(2026, 3, 14, 9, 26, 53, 589793238, time.UTC)
	cet := time.FixedZone("", 3600)
	return domain.Ticket{
		ID: "01890a5d-ac96-774b-bcce-b302099a8057", PartnerID: "adatum", CustomerID: "litware",
		Service: domain.ServiceAzure, SupportTopicID: "azure-vm-connectivity", Category: domain.CategoryTechnical,
		Title: "VM \"web-1\" unreachable <since> 10:00 & later", Description: "RDP times out\n\t日本 😀 \u2028 \\ end",
		Severity: domain.SeverityA, Language: "en-US",
		Contact:                domain.Contact{Name: "Ann Smith", Email: "ann@adatum.example", Phone: "+1 555 0100"},
		PreferredContactMethod: domain.ContactPhone, Status: domain.StatusWaitingOnPartner,
		SupportPlan: domain.PlanAzureSupportPlan, Fee: domain.FeeCoveredByBenefit, Queue: domain.QueueAzure,
		Priority: true, DutyManagerTier: true, EscalationLevel: 2, SLAState: domain.SLABreached,
		BusinessHours: true, ResponseTarget: 8 * time.Hour, CalendarID: "en-US",
		ResponseDueTime:   created.Add(8 * time.Hour),
		WarnTime:          time.Date(2026, 3, 14, 15, 0, 0, 0, cet),
		FirstResponseTime: time.Date(2026, 3, 14, 20, 0, 0, 500, cet),
		NoteCount:         7, AttachmentCount: 3,
		CreateTime: created, UpdateTime: created.Add(11 * time.Hour), Version: 12,
	}
}

// fullFiling is a filing with every field set.
func fullFiling() filing.Request {
	return filing.Request{
		RequestID: "5f0c3c1e-3d4b-4c8e-9a57-0b1f2e3d4c5b", CustomerID: "litware", Service: domain.ServiceAzure,
		SupportTopicID: "azure-vm-connectivity", Severity: domain.SeverityB, Title: "VM unreachable",
		Description: "RDP times out since 10:00 \"quoted\" <b>", Language: "en-US",
		Contact:                domain.Contact{Name: "Ann Smith", Email: "ann@adatum.example", Phone: "+1 555 0100"},
		PreferredContactMethod: domain.ContactEmail,
		Proof:                  &domain.Proof{Kind: domain.ProofAzureSupportPlan, Reference: "ASP-7"},
	}
}

// requireAllSet fails when a field of v (a struct) is its zero value: a
// field added to the domain type must be added to the fixture, and so to
// the stored format, or the golden tests would not see it.
func requireAllSet(t *testing.T, v any) {
	t.Helper()
	rv := reflect.ValueOf(v)
	for i := range rv.NumField() {
		if rv.Field(i).IsZero() {
			t.Errorf("%s.%s is zero in the fixture: set it, and add it to the stored format (a new version)",
				rv.Type().Name(), rv.Type().Field(i).Name)
		}
	}
}

func TestFullTicketSetsEveryField(t *testing.T) { requireAllSet(t, fullTicket()) }
func TestFullFilingSetsEveryField(t *testing.T) { requireAllSet(t, fullFiling()) }
