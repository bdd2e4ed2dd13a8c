package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/supportd/supportd/server/domain"
	"github.com/supportd/supportd/server/store"
)

// Fixture ids created by seed.
const (
	partner1  = "partner-1"
	partner2  = "partner-2"
	customer1 = "customer-1" // of partner1
	customer2 = "customer-2" // of partner1
	customer3 = "customer-3" // of partner2
)

func newPartner(id string) domain.Partner {
	return domain.Partner{
		ID:              id,
		DisplayName:     "Partner " + id,
		Status:          domain.PartnerActive,
		VerifiedDomains: []string{id + ".example", "mail." + id + ".example"},
		Benefits:        []domain.Benefit{domain.BenefitMPN, domain.BenefitSignatureCloudSupport},
		CreateTime:      at(0),
		UpdateTime:      at(time.Minute),
	}
}

func newCustomer(id, partnerID string) domain.Customer {
	return domain.Customer{
		ID:          id,
		PartnerID:   partnerID,
		DisplayName: "Customer " + id,
		Kind:        domain.CustomerEndCustomer,
		Domains:     []string{id + ".example"},
		CreateTime:  at(2 * time.Minute),
	}
}

// newTicket returns a fully populated open ticket at version 1 in the AZURE
// queue, its SLA clock running with the warning an hour after base.
func newTicket(id, partnerID, customerID string) domain.Ticket {
	return domain.Ticket{
		ID:                     id,
		PartnerID:              partnerID,
		CustomerID:             customerID,
		Service:                domain.ServiceAzure,
		SupportTopicID:         "topic-vm",
		Category:               domain.CategoryTechnical,
		Title:                  "VM does not start " + id,
		Description:            "The virtual machine stays in 'starting'.\nUnicode: é ✓",
		Severity:               domain.SeverityB,
		Language:               "en-US",
		Contact:                domain.Contact{Name: "Ada", Email: "ada@" + partnerID + ".example", Phone: "+1 555 0100"},
		PreferredContactMethod: domain.ContactEmail,
		Status:                 domain.StatusNew,
		SupportPlan:            domain.PlanCloudSolutionProvider,
		Fee:                    domain.FeeBilled,
		Queue:                  domain.QueueAzure,
		Priority:               false,
		DutyManagerTier:        false,
		EscalationLevel:        0,
		SLAState:               domain.SLARunning,
		BusinessHours:          true,
		ResponseDueTime:        at(2 * time.Hour),
		WarnTime:               at(time.Hour),
		NoteCount:              1,
		CreateTime:             at(0),
		UpdateTime:             at(0),
		Version:                1,
	}
}

// ticketID returns the i-th ticket id of a series; ids sort by i.
func ticketID(prefix string, i int) string { return fmt.Sprintf("%s-%05d", prefix, i) }

// seed creates partner1 (customers 1 and 2) and partner2 (customer 3),
// each with its directory event.
func seed(t *testing.T, s store.Store) {
	t.Helper()
	write(t, s, func(tx store.ReadWriter) error {
		for _, p := range []string{partner1, partner2} {
			if err := tx.CreatePartner(ctxT(t), newPartner(p)); err != nil {
				return err
			}
			if _, err := tx.AppendEvent(ctxT(t), domain.Event{Type: domain.EventPartnerCreated, PartnerID: p, Actor: "admin", Time: at(0)}); err != nil {
				return err
			}
		}
		for _, c := range []domain.Customer{newCustomer(customer1, partner1), newCustomer(customer2, partner1), newCustomer(customer3, partner2)} {
			if err := tx.CreateCustomer(ctxT(t), c); err != nil {
				return err
			}
			if _, err := tx.AppendEvent(ctxT(t), domain.Event{Type: domain.EventCustomerCreated, PartnerID: c.PartnerID, CustomerID: c.ID, Actor: "admin", Time: at(0)}); err != nil {
				return err
			}
		}
		return nil
	})
}

// createTickets stores the tickets, each with its CREATED event, in one
// transaction.
func createTickets(t *testing.T, s store.Store, tickets ...domain.Ticket) {
	t.Helper()
	write(t, s, func(tx store.ReadWriter) error {
		for _, tk := range tickets {
			if err := tx.CreateTicket(ctxT(t), tk); err != nil {
				return err
			}
			if _, err := tx.AppendEvent(ctxT(t), ticketEvent(domain.EventCreated, tk)); err != nil {
				return err
			}
		}
		return nil
	})
}

// ticketEvent is an event of type typ about tk.
func ticketEvent(typ domain.EventType, tk domain.Ticket) domain.Event {
	cp := tk
	return domain.Event{
		Type:       typ,
		TicketID:   tk.ID,
		PartnerID:  tk.PartnerID,
		CustomerID: tk.CustomerID,
		Actor:      "partner:" + tk.PartnerID,
		Time:       tk.UpdateTime,
		Ticket:     &cp,
		Detail:     string(typ),
	}
}
