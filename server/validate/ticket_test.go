package validate_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/supportd/supportd/server/domain"
	"github.com/supportd/supportd/server/validate"
)

func TestSeverityChange(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		sev    domain.Severity
		reason string
		want   []string
	}{
		{"valid", domain.SeverityA, "outage", nil},
		{"no severity", "", "outage", []string{"severity"}},
		{"unknown severity", "D", "outage", []string{"severity"}},
		{"blank reason", domain.SeverityB, " \n", []string{"reason"}},
		{"reason at the bound", domain.SeverityB, strings.Repeat("é", validate.MaxReasonLength), nil},
		{"reason past the bound", domain.SeverityB, strings.Repeat("é", validate.MaxReasonLength+1), []string{"reason"}},
		{"both, in order", "", "", []string{"severity", "reason"}},
	}
	for _, c := range cases {
		if got := fields(t, validate.SeverityChange(c.sev, c.reason)); !slices.Equal(got, c.want) {
			t.Errorf("%s: fields %v, want %v", c.name, got, c.want)
		}
	}
}

func TestEscalation(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name          string
		reason        domain.EscalationReason
		justification string
		want          []string
	}{
		{"valid", domain.EscalationBusinessImpact, "payments down", nil},
		{"no reason", "", "payments down", []string{"reason"}},
		{"unknown reason", "BORED", "payments down", []string{"reason"}},
		{"justification at the bound", domain.EscalationResolutionTime, strings.Repeat("j", validate.MaxJustificationLength), nil},
		{"justification past the bound", domain.EscalationResolutionTime, strings.Repeat("j", validate.MaxJustificationLength+1), []string{"justification"}},
		{"both, in order", "", "\t", []string{"reason", "justification"}},
	}
	for _, c := range cases {
		if got := fields(t, validate.Escalation(c.reason, c.justification)); !slices.Equal(got, c.want) {
			t.Errorf("%s: fields %v, want %v", c.name, got, c.want)
		}
	}
}

func TestNote(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		text string
		want []string
	}{
		{"valid", "hello", nil},
		{"blank", "  ", []string{"message"}},
		{"at the bound in bytes", strings.Repeat("a", 8), nil},
		{"past the bound in bytes, within it in characters", strings.Repeat("é", 5), []string{"message"}},
	}
	for _, c := range cases {
		if got := fields(t, validate.Note("message", c.text, 8)); !slices.Equal(got, c.want) {
			t.Errorf("%s: fields %v, want %v", c.name, got, c.want)
		}
	}
}

func TestTicketAndAttachmentIDs(t *testing.T) {
	t.Parallel()
	if got := fields(t, validate.TicketID("")); !slices.Equal(got, []string{"ticket_id"}) {
		t.Errorf("TicketID(\"\"): fields %v", got)
	}
	if got := fields(t, validate.TicketID("T-1")); got != nil {
		t.Errorf("TicketID(T-1): fields %v", got)
	}
	if got := fields(t, validate.AttachmentIDs("", "")); !slices.Equal(got, []string{"ticket_id", "attachment_id"}) {
		t.Errorf("AttachmentIDs: fields %v", got)
	}
	if got := fields(t, validate.AttachmentIDs("T-1", "A-1")); got != nil {
		t.Errorf("AttachmentIDs(T-1, A-1): fields %v", got)
	}
}
