package api_test

import (
	"context"
	"encoding/base64"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"

	supportv1 "github.com/supportd/supportd/gen/support/v1"
	"github.com/supportd/supportd/server/domain"
	"github.com/supportd/supportd/server/store"
)

// filingListAll pages through ListTickets with req (its page_token is
// overwritten) and returns every ticket in order.
func (e *filingEnv) filingListAll(t *testing.T, ctx context.Context, req *supportv1.ListTicketsRequest) []*supportv1.Ticket {
	t.Helper()
	req = proto.Clone(req).(*supportv1.ListTicketsRequest)
	req.PageToken = ""
	var out []*supportv1.Ticket
	for range 10000 {
		resp, err := e.sup.ListTickets(ctx, req)
		if err != nil {
			t.Fatalf("ListTickets(%v): %v", req, err)
		}
		out = append(out, resp.GetTickets()...)
		if resp.GetNextPageToken() == "" {
			return out
		}
		req.PageToken = resp.GetNextPageToken()
	}
	t.Fatal("ListTickets never ends")
	return nil
}

func filingIDs(ts []*supportv1.Ticket) []string {
	out := make([]string, len(ts))
	for i, tk := range ts {
		out[i] = tk.GetId()
	}
	return out
}

// filingBulk inserts n copies of template straight into the store, in one
// transaction, with fresh time-ordered ids and create times one second
// apart after template's, and returns their ids, oldest first. Much faster
// than n CreateTicket calls; listing needs no events.
func filingBulk(t *testing.T, e *filingEnv, template *supportv1.Ticket, n int) []string {
	t.Helper()
	ctx := context.Background()
	var base domain.Ticket
	err := e.s.Store.ReadTx(ctx, func(tx store.Reader) error {
		var err error
		base, err = tx.GetTicket(ctx, template.GetId())
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]string, n)
	err = e.s.Store.ReadWriteTx(ctx, func(tx store.ReadWriter) error {
		for i := range n {
			tk := base
			id, err := uuid.NewV7()
			if err != nil {
				return err
			}
			tk.ID, ids[i] = id.String(), id.String()
			tk.CreateTime = base.CreateTime.Add(time.Duration(i+1) * time.Second)
			tk.UpdateTime = tk.CreateTime
			if err := tx.CreateTicket(ctx, tk); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

func TestFilingGetTicket(t *testing.T) {
	e := startFiling(t)
	mine := e.filingCreate(t, e.adatum, filingRequest())
	theirsReq := filingRequest()
	theirsReq.CustomerId, theirsReq.Contact.Email = e.other.EndCustomer.GetId(), "ops@contoso.example"
	theirs := e.filingCreate(t, e.contoso, theirsReq)

	resp, err := e.sup.GetTicket(e.adatum, &supportv1.GetTicketRequest{TicketId: mine.GetId()})
	if err != nil || !proto.Equal(resp.GetTicket(), mine) {
		t.Fatalf("GetTicket = %v, %v; want %v", resp.GetTicket(), err, mine)
	}
	t.Run("another partner's ticket is not found", func(t *testing.T) {
		// Both tickets are in the store's ticket index since they were
		// filed: the partner check holds whatever the ticket is read from.
		_, err := e.sup.GetTicket(e.adatum, &supportv1.GetTicketRequest{TicketId: theirs.GetId()})
		wantInfo(t, err, codes.NotFound, "NOT_FOUND", map[string]string{"kind": "ticket", "id": theirs.GetId()})
		_, err = e.sup.GetTicket(e.contoso, &supportv1.GetTicketRequest{TicketId: mine.GetId()})
		wantInfo(t, err, codes.NotFound, "NOT_FOUND", map[string]string{"kind": "ticket", "id": mine.GetId()})
	})
	t.Run("unknown ticket", func(t *testing.T) {
		id := uuid.NewString()
		_, err := e.sup.GetTicket(e.adatum, &supportv1.GetTicketRequest{TicketId: id})
		wantInfo(t, err, codes.NotFound, "NOT_FOUND", map[string]string{"kind": "ticket", "id": id})
	})
	t.Run("missing id", func(t *testing.T) {
		_, err := e.sup.GetTicket(e.adatum, &supportv1.GetTicketRequest{})
		wantFields(t, err, "ticket_id")
	})
	t.Run("wrong role", func(t *testing.T) {
		_, err := e.sup.GetTicket(e.agent, &supportv1.GetTicketRequest{TicketId: mine.GetId()})
		wantCode(t, err, codes.PermissionDenied)
	})
}

func TestFilingListTickets(t *testing.T) {
	e := startFiling(t)
	// Adatum: 4 Azure technical tickets and 2 Office 365 billing tickets
	// for Litware (billing needs no subscription), 1 own-tenant ticket,
	// one minute apart; Contoso: 3 tickets.
	var created []*supportv1.Ticket // oldest first
	file := func(mod func(*supportv1.CreateTicketRequest)) {
		req := filingRequest()
		mod(req)
		created = append(created, e.filingCreate(t, e.adatum, req))
		e.s.Clock.Advance(time.Minute)
	}
	for range 4 {
		file(func(*supportv1.CreateTicketRequest) {})
	}
	for range 2 {
		file(func(r *supportv1.CreateTicketRequest) {
			r.Service, r.SupportTopicId = supportv1.Service_SERVICE_OFFICE_365, "o365-invoice-question"
		})
	}
	file(func(r *supportv1.CreateTicketRequest) {
		r.CustomerId, r.SupportTopicId = "adatum-self", "azure-architecture-guidance"
		r.EntitlementProof = &supportv1.EntitlementProof{Kind: supportv1.ProofKind_PROOF_KIND_AZURE_SUPPORT_PLAN, Reference: "ASP-7"}
	})
	var theirs []string
	for range 3 {
		req := filingRequest()
		req.CustomerId, req.Contact.Email = e.other.EndCustomer.GetId(), "ops@contoso.example"
		theirs = append(theirs, e.filingCreate(t, e.contoso, req).GetId())
	}
	// Close the oldest one.
	closed, err := e.sup.CloseTicket(e.adatum, &supportv1.CloseTicketRequest{TicketId: created[0].GetId()})
	if err != nil {
		t.Fatal(err)
	}
	created[0] = closed.GetTicket()

	newestFirst := func(pick func(*supportv1.Ticket) bool) []string {
		var out []string
		for _, tk := range slices.Backward(created) {
			if pick(tk) {
				out = append(out, tk.GetId())
			}
		}
		return out
	}
	all := func(*supportv1.Ticket) bool { return true }

	t.Run("newest first", func(t *testing.T) {
		resp, err := e.sup.ListTickets(e.adatum, &supportv1.ListTicketsRequest{})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := filingIDs(resp.GetTickets()), newestFirst(all); !slices.Equal(got, want) {
			t.Fatalf("ids = %q\nwant %q", got, want)
		}
		if resp.GetNextPageToken() != "" {
			t.Errorf("next_page_token %q on the only page", resp.GetNextPageToken())
		}
		for i, tk := range resp.GetTickets() {
			if i > 0 && tk.GetCreateTime().AsTime().After(resp.GetTickets()[i-1].GetCreateTime().AsTime()) {
				t.Errorf("ticket %d is newer than ticket %d", i, i-1)
			}
			if want := created[len(created)-1-i]; !proto.Equal(tk, want) {
				t.Errorf("listed %v\nwant %v", tk, want)
			}
		}
		// Stable: the same listing twice, and page by page.
		again := e.filingListAll(t, e.adatum, &supportv1.ListTicketsRequest{PageSize: 2})
		if got := filingIDs(again); !slices.Equal(got, newestFirst(all)) {
			t.Errorf("paged ids = %q\nwant %q", got, newestFirst(all))
		}
	})
	t.Run("isolation", func(t *testing.T) {
		got := filingIDs(e.filingListAll(t, e.contoso, &supportv1.ListTicketsRequest{}))
		want := slices.Clone(theirs)
		slices.Reverse(want)
		if !slices.Equal(got, want) {
			t.Errorf("Contoso lists %q, want %q", got, want)
		}
		for _, id := range filingIDs(e.filingListAll(t, e.adatum, &supportv1.ListTicketsRequest{})) {
			if slices.Contains(theirs, id) {
				t.Errorf("Adatum lists Contoso's ticket %s", id)
			}
		}
		for _, c := range []string{e.other.EndCustomer.GetId(), e.other.Self.GetId()} {
			_, err := e.sup.ListTickets(e.adatum, &supportv1.ListTicketsRequest{CustomerId: c})
			wantInfo(t, err, codes.NotFound, "NOT_FOUND", map[string]string{"kind": "customer", "id": c})
		}
		_, err := e.sup.ListTickets(e.contoso, &supportv1.ListTicketsRequest{CustomerId: "litware"})
		wantInfo(t, err, codes.NotFound, "NOT_FOUND", map[string]string{"kind": "customer", "id": "litware"})
		_, err = e.sup.ListTickets(e.adatum, &supportv1.ListTicketsRequest{CustomerId: "no-such-customer"})
		wantCode(t, err, codes.NotFound)
	})
	t.Run("filters", func(t *testing.T) {
		cases := []struct {
			name string
			req  *supportv1.ListTicketsRequest
			pick func(*supportv1.Ticket) bool
		}{
			{"customer litware", &supportv1.ListTicketsRequest{CustomerId: "litware"},
				func(tk *supportv1.Ticket) bool { return tk.GetCustomerId() == "litware" }},
			{"own tenant", &supportv1.ListTicketsRequest{CustomerId: "adatum-self"},
				func(tk *supportv1.Ticket) bool { return tk.GetCustomerId() == "adatum-self" }},
			{"customer without tickets", &supportv1.ListTicketsRequest{CustomerId: "fabrikam"},
				func(*supportv1.Ticket) bool { return false }},
			{"service Office 365", &supportv1.ListTicketsRequest{Service: supportv1.Service_SERVICE_OFFICE_365},
				func(tk *supportv1.Ticket) bool { return tk.GetService() == supportv1.Service_SERVICE_OFFICE_365 }},
			{"service Azure", &supportv1.ListTicketsRequest{Service: supportv1.Service_SERVICE_AZURE},
				func(tk *supportv1.Ticket) bool { return tk.GetService() == supportv1.Service_SERVICE_AZURE }},
			{"status NEW", &supportv1.ListTicketsRequest{Status: supportv1.TicketStatus_TICKET_STATUS_NEW},
				func(tk *supportv1.Ticket) bool { return tk.GetStatus() == supportv1.TicketStatus_TICKET_STATUS_NEW }},
			{"status CLOSED", &supportv1.ListTicketsRequest{Status: supportv1.TicketStatus_TICKET_STATUS_CLOSED},
				func(tk *supportv1.Ticket) bool { return tk.GetStatus() == supportv1.TicketStatus_TICKET_STATUS_CLOSED }},
			{"customer, service and status", &supportv1.ListTicketsRequest{CustomerId: "litware",
				Service: supportv1.Service_SERVICE_AZURE, Status: supportv1.TicketStatus_TICKET_STATUS_NEW},
				func(tk *supportv1.Ticket) bool {
					return tk.GetCustomerId() == "litware" && tk.GetService() == supportv1.Service_SERVICE_AZURE &&
						tk.GetStatus() == supportv1.TicketStatus_TICKET_STATUS_NEW
				}},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				for _, size := range []int32{0, 1} {
					req := proto.Clone(c.req).(*supportv1.ListTicketsRequest)
					req.PageSize = size
					got := filingIDs(e.filingListAll(t, e.adatum, req))
					if want := newestFirst(c.pick); !slices.Equal(got, want) {
						t.Errorf("page size %d: ids = %q\nwant %q", size, got, want)
					}
				}
			})
		}
	})
	t.Run("negative page size", func(t *testing.T) {
		_, err := e.sup.ListTickets(e.adatum, &supportv1.ListTicketsRequest{PageSize: -1})
		wantFields(t, err, "page_size")
	})
	t.Run("page tokens", func(t *testing.T) {
		first, err := e.sup.ListTickets(e.adatum, &supportv1.ListTicketsRequest{PageSize: 2})
		if err != nil {
			t.Fatal(err)
		}
		token := first.GetNextPageToken()
		if token == "" {
			t.Fatal("no next_page_token after a full page")
		}
		raw, err := base64.RawURLEncoding.DecodeString(token)
		if err != nil {
			t.Fatalf("token %q is not base64url: %v", token, err)
		}
		altered := func(i int) string {
			b := slices.Clone(raw)
			b[i] ^= 0x01
			return base64.RawURLEncoding.EncodeToString(b)
		}
		// A cursor naming an id of the listing, re-encoded without the
		// signature: what a client forging a token would try.
		forged := base64.RawURLEncoding.EncodeToString(append([]byte{raw[0]}, []byte(created[3].GetId())...))
		bad := map[string]*supportv1.ListTicketsRequest{
			"garbage":                 {PageToken: "not a token"},
			"forged":                  {PageToken: forged},
			"altered payload":         {PageToken: altered(len(raw) / 2)},
			"altered signature":       {PageToken: altered(len(raw) - 1)},
			"altered version":         {PageToken: altered(0)},
			"truncated":               {PageToken: token[:len(token)-4]},
			"other customer filter":   {PageToken: token, CustomerId: "litware"},
			"other service filter":    {PageToken: token, Service: supportv1.Service_SERVICE_AZURE},
			"other status filter":     {PageToken: token, Status: supportv1.TicketStatus_TICKET_STATUS_NEW},
			"other partner's listing": nil, // below
		}
		for name, req := range bad {
			t.Run(name, func(t *testing.T) {
				ctx := e.adatum
				if req == nil {
					ctx, req = e.contoso, &supportv1.ListTicketsRequest{PageToken: token}
				}
				req.PageSize = 2
				_, err := e.sup.ListTickets(ctx, req)
				wantFields(t, err, "page_token")
			})
		}
		t.Run("another page size is fine", func(t *testing.T) {
			resp, err := e.sup.ListTickets(e.adatum, &supportv1.ListTicketsRequest{PageToken: token, PageSize: 3})
			if err != nil {
				t.Fatal(err)
			}
			if got, want := filingIDs(resp.GetTickets()), newestFirst(all)[2:5]; !slices.Equal(got, want) {
				t.Errorf("ids = %q, want %q", got, want)
			}
		})
	})
	t.Run("wrong role", func(t *testing.T) {
		_, err := e.sup.ListTickets(e.agent, &supportv1.ListTicketsRequest{})
		wantCode(t, err, codes.PermissionDenied)
	})
}

func TestFilingListTicketsPageSize(t *testing.T) {
	e := startFiling(t)
	first := e.filingCreate(t, e.adatum, filingRequest())
	ids := append([]string{first.GetId()}, filingBulk(t, e, first, 520)...)
	slices.Reverse(ids) // newest first
	cases := []struct {
		size int32
		want int
	}{{0, 50}, {1, 1}, {50, 50}, {499, 499}, {500, 500}, {501, 500}, {1000, 500}}
	for _, c := range cases {
		resp, err := e.sup.ListTickets(e.adatum, &supportv1.ListTicketsRequest{PageSize: c.size})
		if err != nil {
			t.Fatal(err)
		}
		if got := filingIDs(resp.GetTickets()); !slices.Equal(got, ids[:c.want]) {
			t.Errorf("page_size %d: %d tickets, want the newest %d", c.size, len(got), c.want)
		}
		if resp.GetNextPageToken() == "" {
			t.Errorf("page_size %d: no next_page_token though %d tickets remain", c.size, len(ids)-c.want)
		}
	}
	got := filingIDs(e.filingListAll(t, e.adatum, &supportv1.ListTicketsRequest{PageSize: 1000}))
	if !slices.Equal(got, ids) {
		t.Errorf("paging with page_size 1000 listed %d tickets, want all %d in order", len(got), len(ids))
	}
	// An exact multiple of the page size: the last full page may carry a
	// token; the page after it is empty and ends the listing.
	got = filingIDs(e.filingListAll(t, e.adatum, &supportv1.ListTicketsRequest{PageSize: int32(len(ids))}))
	if !slices.Equal(got, ids) {
		t.Errorf("paging with page_size %d listed %d tickets", len(ids), len(got))
	}
}

// TestFilingListTicketsConcurrentPaging pages through Adatum's tickets
// while other clients file new ones: every ticket that existed when paging
// started is listed exactly once, in order, and no ticket is listed twice.
func TestFilingListTicketsConcurrentPaging(t *testing.T) {
	e := startFiling(t)
	first := e.filingCreate(t, e.adatum, filingRequest())
	bulk := append([]string{first.GetId()}, filingBulk(t, e, first, 150)...)

	var stop atomic.Bool
	var wg sync.WaitGroup
	var filed atomic.Int64
	errs := make(chan error, 4)
	// going gets one signal per writer, after its first filing (or when it
	// stops early, its error is then reported below).
	going := make(chan struct{}, 4)
	for range 4 {
		wg.Go(func() {
			signalled := false
			signal := func() {
				if !signalled {
					signalled = true
					going <- struct{}{}
				}
			}
			defer signal()
			for !stop.Load() {
				if _, err := e.sup.CreateTicket(e.adatum, filingRequest()); err != nil {
					errs <- err
					return
				}
				filed.Add(1)
				signal()
			}
		})
	}
	// The writers are going before the listing starts.
	for range 4 {
		<-going
	}
	// Every ticket committed now exists when paging starts: the bulk ones
	// and those the writers have filed so far.
	var existing []string
	err := e.s.Store.ReadTx(context.Background(), func(tx store.Reader) error {
		ts, err := tx.ListTickets(context.Background(), store.TicketFilter{PartnerID: "adatum"}, store.Page{Limit: 100000})
		for _, tk := range ts {
			existing = append(existing, tk.ID)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(existing) < len(bulk) {
		t.Fatalf("snapshot has %d tickets, fewer than the %d inserted", len(existing), len(bulk))
	}
	listed := e.filingListAll(t, e.adatum, &supportv1.ListTicketsRequest{PageSize: 7})
	stop.Store(true)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("concurrent CreateTicket: %v", err)
	}
	if filed.Load() == 0 {
		t.Fatal("no ticket was filed while paging: the test proves nothing")
	}

	seen := map[string]int{}
	ids := filingIDs(listed)
	for i, id := range ids {
		if seen[id]++; seen[id] > 1 {
			t.Errorf("ticket %s listed twice", id)
		}
		if i > 0 && strings.Compare(id, ids[i-1]) >= 0 {
			t.Errorf("listing out of order at %d: %s after %s", i, id, ids[i-1])
		}
	}
	for _, id := range existing {
		if seen[id] == 0 {
			t.Errorf("ticket %s existed before paging started but was not listed", id)
		}
	}
	t.Logf("%d tickets listed, %d existed before, %d filed while paging", len(ids), len(existing), filed.Load())
}
