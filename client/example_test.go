package client_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log"
	"os"
	"sync"

	"github.com/supportd/supportd/client"
	supportv1 "github.com/supportd/supportd/gen/support/v1"
	"github.com/supportd/supportd/internal/livetest"
)

// The examples run against an in-process supportd on a loopback port
// (livetest.StartExample) seeded with the demo directory: partner adatum,
// its end customer litware (an Azure subscription) and its reseller
// customer fabrikam (Office 365 only). The server's clock stands still on
// Monday 2 March 2026, 10:00 UTC. A real partner dials its supportd over
// TLS, the default when WithInsecure is not given.

// Filing a ticket: the request id is generated once for the call, so the
// automatic retries of UNAVAILABLE can never file it twice. The answer
// says how the ticket is served: its queue, plan, fee and response target.
func ExampleClient_CreateTicket() {
	addr, partnerKey, stop := livetest.StartExample()
	defer stop()

	c, err := client.New(addr, client.WithInsecure(), client.WithAPIKey(partnerKey))
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
		Description:    "RDP times out since 09:30.",
		Language:       "en-US",
		Contact:        &supportv1.Contact{Name: "Ann Smith", Email: "ann@adatum.example"},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(t.GetStatus(), t.GetQueue())
	fmt.Println(t.GetSupportPlan(), t.GetFee())
	fmt.Println("response due", t.GetResponseDueTime().AsTime())
	// Output:
	// TICKET_STATUS_NEW QUEUE_AZURE
	// SUPPORT_PLAN_CLOUD_SOLUTION_PROVIDER FEE_COVERED_BY_BENEFIT
	// response due 2026-03-02 14:00:00 +0000 UTC
}

// A refused call is a *client.Error: the reason says why, and the
// violations which rule failed.
func ExampleError() {
	addr, partnerKey, stop := livetest.StartExample()
	defer stop()

	c, err := client.New(addr, client.WithInsecure(), client.WithAPIKey(partnerKey))
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	// fabrikam has no Azure subscription.
	req := exampleTicket("fabrikam", "VM unreachable")
	_, err = c.CreateTicket(context.Background(), req)
	var e *client.Error
	if errors.As(err, &e) {
		fmt.Println(e.Code, e.Reason)
	}
	// A field the server rejects.
	req = exampleTicket("litware", "VM unreachable")
	req.Contact.Email = "not an address"
	_, err = c.CreateTicket(context.Background(), req)
	if errors.As(err, &e) {
		fmt.Println(e.Code)
		for _, v := range e.FieldViolations {
			fmt.Println(v.Field)
		}
	}
	// Output:
	// FailedPrecondition NO_ACTIVE_SUBSCRIPTION
	// InvalidArgument
	// contact.email
}

// Reading the tickets page by page: pass each NextPageToken back with the
// same filters until it is empty. Tickets come newest first.
func ExampleClient_ListTickets() {
	addr, partnerKey, stop := livetest.StartExample()
	defer stop()

	c, err := client.New(addr, client.WithInsecure(), client.WithAPIKey(partnerKey))
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	for _, title := range []string{"VM unreachable", "Disk full", "DNS slow"} {
		if _, err := c.CreateTicket(ctx, exampleTicket("litware", title)); err != nil {
			log.Fatal(err)
		}
	}

	req := &supportv1.ListTicketsRequest{CustomerId: "litware", PageSize: 2}
	for page := 1; ; page++ {
		resp, err := c.ListTickets(ctx, req)
		if err != nil {
			log.Fatal(err)
		}
		for _, t := range resp.GetTickets() {
			fmt.Println("page", page, t.GetTitle())
		}
		if resp.GetNextPageToken() == "" {
			break
		}
		req.PageToken = resp.GetNextPageToken()
	}
	// Output:
	// page 1 DNS slow
	// page 1 Disk full
	// page 2 VM unreachable
}

// Listing every ticket matching the filters, newest first: AllTickets
// fetches the pages as the loop needs them.
func ExampleClient_AllTickets() {
	addr, partnerKey, stop := livetest.StartExample()
	defer stop()

	c, err := client.New(addr, client.WithInsecure(), client.WithAPIKey(partnerKey))
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	for _, title := range []string{"VM unreachable", "Disk full", "DNS slow"} {
		if _, err := c.CreateTicket(ctx, exampleTicket("litware", title)); err != nil {
			log.Fatal(err)
		}
	}

	// Two per page: the loop goes on to the second page by itself.
	req := &supportv1.ListTicketsRequest{CustomerId: "litware", PageSize: 2}
	for t, err := range c.AllTickets(ctx, req) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(t.GetStatus(), t.GetSeverity(), t.GetTitle())
	}
	// Output:
	// TICKET_STATUS_NEW SEVERITY_B DNS slow
	// TICKET_STATUS_NEW SEVERITY_B Disk full
	// TICKET_STATUS_NEW SEVERITY_B VM unreachable
}

// Following one ticket: without a resume token the watch first replays
// the ticket's history, then follows it live. Saving ResumeToken lets a
// later watch (even in another process) continue exactly where this one
// stopped: it gets what happened in between, and nothing twice.
func ExampleClient_WatchTicket() {
	addr, partnerKey, stop := livetest.StartExample()
	defer stop()

	c, err := client.New(addr, client.WithInsecure(), client.WithAPIKey(partnerKey))
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	t, err := c.CreateTicket(ctx, exampleTicket("litware", "VM unreachable"))
	if err != nil {
		log.Fatal(err)
	}
	if _, err := c.AddTicketNote(ctx, t.GetId(), "Boot diagnostics attached."); err != nil {
		log.Fatal(err)
	}

	w := c.WatchTicket(ctx, t.GetId(), "")
	for ev, err := range w.Events() {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(ev.GetType(), ev.GetTicket().GetStatus())
		if ev.GetType() == supportv1.TicketEventType_TICKET_EVENT_TYPE_NOTE_ADDED {
			break // caught up with what we did
		}
	}
	saved := w.ResumeToken()

	// While nobody watches, the ticket is closed.
	if _, err := c.CloseTicket(ctx, t.GetId()); err != nil {
		log.Fatal(err)
	}

	fmt.Println("resumed:")
	w = c.WatchTicket(ctx, t.GetId(), saved)
	for ev, err := range w.Events() {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(ev.GetType(), ev.GetTicket().GetStatus())
		break
	}
	// Output:
	// TICKET_EVENT_TYPE_CREATED TICKET_STATUS_NEW
	// TICKET_EVENT_TYPE_NOTE_ADDED TICKET_STATUS_NEW
	// resumed:
	// TICKET_EVENT_TYPE_STATUS_CHANGED TICKET_STATUS_CLOSED
}

// Following all the partner's tickets live. Without a resume token the
// watch starts at the present; its first checkpoint says it is live. The
// watch reconnects and resumes by itself when the connection drops.
func ExampleClient_WatchTickets() {
	addr, partnerKey, stop := livetest.StartExample()
	defer stop()

	c, err := client.New(addr, client.WithInsecure(), client.WithAPIKey(partnerKey))
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	live := make(chan struct{})
	var once sync.Once
	w := c.WatchTickets(ctx, "", "", client.OnCheckpoint(func(*supportv1.Checkpoint) {
		once.Do(func() { close(live) })
	}))
	var filer sync.WaitGroup
	filer.Go(func() {
		<-live // once the watch is live: file two tickets, close one
		t, err := c.CreateTicket(ctx, exampleTicket("litware", "VM unreachable"))
		if err != nil {
			log.Fatal(err)
		}
		if _, err := c.CreateTicket(ctx, exampleTicket("litware", "Disk full")); err != nil {
			log.Fatal(err)
		}
		if _, err := c.CloseTicket(ctx, t.GetId()); err != nil {
			log.Fatal(err)
		}
	})

	for ev, err := range w.Events() {
		if err != nil {
			log.Fatal(err) // e.g. OUT_OF_RANGE: a saved token is too old
		}
		fmt.Println(ev.GetType(), ev.GetTicket().GetStatus(), ev.GetTicket().GetTitle())
		if ev.GetTicket().GetStatus() == supportv1.TicketStatus_TICKET_STATUS_CLOSED {
			break // w.ResumeToken() would let the next run go on from here
		}
	}
	filer.Wait()
	// Output:
	// TICKET_EVENT_TYPE_CREATED TICKET_STATUS_NEW VM unreachable
	// TICKET_EVENT_TYPE_CREATED TICKET_STATUS_NEW Disk full
	// TICKET_EVENT_TYPE_STATUS_CHANGED TICKET_STATUS_CLOSED VM unreachable
}

// exampleTicket is an Azure ticket of severity B for customerID.
func exampleTicket(customerID, title string) *supportv1.CreateTicketRequest {
	return &supportv1.CreateTicketRequest{
		CustomerId:     customerID,
		Service:        supportv1.Service_SERVICE_AZURE,
		SupportTopicId: "azure-vm-connectivity",
		Severity:       supportv1.Severity_SEVERITY_B,
		Title:          title,
		Description:    "RDP times out since 09:30.",
		Language:       "en-US",
		Contact:        &supportv1.Contact{Name: "Ann Smith", Email: "ann@adatum.example"},
	}
}

// The conversation of a ticket is listed apart from it: the ticket carries
// only its note count.
func ExampleClient_AllTicketNotes() {
	addr, partnerKey, stop := livetest.StartExample()
	defer stop()

	c, err := client.New(addr, client.WithInsecure(), client.WithAPIKey(partnerKey))
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	t, err := c.CreateTicket(ctx, exampleTicket("litware", "VM unreachable"))
	if err != nil {
		log.Fatal(err)
	}
	for _, text := range []string{"Logs attached.", "It fails from every region."} {
		if t, err = c.AddTicketNote(ctx, t.GetId(), text); err != nil {
			log.Fatal(err)
		}
	}
	fmt.Println("notes:", t.GetNoteCount())
	for n, err := range c.AllTicketNotes(ctx, t.GetId()) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(n.GetId(), n.GetAuthor(), n.GetText())
	}
	// Output:
	// notes: 2
	// 1 partner:adatum Logs attached.
	// 2 partner:adatum It fails from every region.
}

// An internal service calling a server that requires client certificates
// (supportd serve --tls-client-ca): trust the server's CA and present the
// service's certificate. (Compiled, not run: it needs the files.)
func ExampleWithClientCertificate() {
	pem, err := os.ReadFile("tls/ca.pem")
	if err != nil {
		log.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(pem)
	agent, err := client.NewAgent("support.internal.example:8443",
		client.WithAPIKey(os.Getenv("SUPPORT_AGENT_KEY")),
		client.WithTLS(&tls.Config{RootCAs: roots}),
		client.WithClientCertificate("tls/client.pem", "tls/client-key.pem"))
	if err != nil {
		log.Fatal(err)
	}
	defer agent.Close()
}
