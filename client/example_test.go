package client_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"

	"github.com/supportd/supportd/client"
	supportv1 "github.com/supportd/supportd/gen/support/v1"
)

// Filing a ticket: the request id is generated once for the call, so the
// automatic retries of UNAVAILABLE can never file it twice.
func ExampleClient_CreateTicket() {
	c, err := client.New("127.0.0.1:8443", client.WithInsecure(), client.WithAPIKey(os.Getenv("SUPPORT_KEY")))
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	t, err := c.CreateTicket(context.Background(), &supportv1.CreateTicketRequest{
		CustomerId:     "litware",
		Service:        supportv1.Service_SERVICE_AZURE,
		SupportTopicId: "azure-vm-connectivity",
		Severity:       supportv1.Severity_SEVERITY_B,
		Title:          "VM unreachable",
		Description:    "RDP times out since 10:00",
		Language:       "en-US",
		Contact:        &supportv1.Contact{Name: "Ann Smith", Email: "ann@adatum.example"},
	})
	var e *client.Error
	switch {
	case errors.As(err, &e) && e.Reason != "":
		log.Fatalf("not filed: %s (%s)", e.Reason, e.Message) // e.g. NO_ACTIVE_SUBSCRIPTION
	case errors.As(err, &e):
		for _, v := range e.FieldViolations {
			log.Printf("%s: %s", v.Field, v.Description)
		}
		log.Fatal(err)
	case err != nil:
		log.Fatal(err)
	}
	fmt.Println(t.GetId(), t.GetQueue(), t.GetResponseDueTime().AsTime())
}

// Listing every ticket of a customer, across pages.
func ExampleClient_AllTickets() {
	c, err := client.New("127.0.0.1:8443", client.WithInsecure(), client.WithAPIKey(os.Getenv("SUPPORT_KEY")))
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	for t, err := range c.AllTickets(context.Background(), &supportv1.ListTicketsRequest{CustomerId: "litware"}) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(t.GetId(), t.GetStatus(), t.GetTitle())
	}
}

// Following all the partner's tickets live. The watch reconnects and
// resumes by itself; saving ResumeToken lets a later process continue
// exactly where this one stopped.
func ExampleClient_WatchTickets() {
	c, err := client.New("127.0.0.1:8443", client.WithInsecure(), client.WithAPIKey(os.Getenv("SUPPORT_KEY")))
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	saved := os.Getenv("RESUME_TOKEN") // empty: from now on
	w := c.WatchTickets(context.Background(), "", saved)
	for ev, err := range w.Events() {
		if err != nil {
			log.Fatal(err) // e.g. OUT_OF_RANGE: the token is too old
		}
		fmt.Println(ev.GetSequence(), ev.GetTicketId(), ev.GetType(), ev.GetTicket().GetStatus())
		saved = w.ResumeToken()
	}
}
