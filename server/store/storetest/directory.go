package storetest

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/supportd/supportd/server/domain"
	"github.com/supportd/supportd/server/store"
)

var directoryTests = []subtest{
	{name: "Partners", fn: testPartners},
	{name: "Customers", fn: testCustomers},
	{name: "Subscriptions", fn: testSubscriptions},
	{name: "Contracts", fn: testContracts},
	{name: "APIKeys", fn: testAPIKeys},
	{name: "Topics", fn: testTopics},
	{name: "Idempotency", fn: testIdempotency},
	{name: "Settings", fn: testSettings},
	{name: "AuditEvents", fn: testAuditEvents},
	{name: "AuditOutlivesEventRetention", fn: testAuditOutlivesEventRetention},
}

func testPartners(t *testing.T, f Factory) {
	s := f.Open(t)
	ctx := ctxT(t)
	var want []domain.Partner
	for i := range 7 {
		p := newPartner(fmt.Sprintf("p-%02d", i))
		if i == 3 {
			p.VerifiedDomains, p.Benefits = nil, nil // empty lists round-trip as empty
			p.Status = domain.PartnerTrial
		}
		want = append(want, p)
	}
	write(t, s, func(tx store.ReadWriter) error {
		for _, p := range want {
			if err := tx.CreatePartner(ctx, p); err != nil {
				return err
			}
		}
		// A write transaction reads its own writes.
		got, err := tx.GetPartner(ctx, want[0].ID)
		noErr(t, "GetPartner in the creating tx", err)
		wantEqual(t, "GetPartner in the creating tx", got, want[0])
		return nil
	})
	read(t, s, func(tx store.Reader) error {
		for _, p := range want {
			got, err := tx.GetPartner(ctx, p.ID)
			noErr(t, "GetPartner", err)
			wantEqual(t, "GetPartner "+p.ID, got, p)
		}
		_, err := tx.GetPartner(ctx, "no-such-partner")
		wantErr(t, "GetPartner unknown", err, store.ErrNotFound)

		// Pages in id order, no duplicates or gaps.
		var all []domain.Partner
		page := store.Page{Limit: 3}
		for range 10 {
			ps, err := tx.ListPartners(ctx, page)
			noErr(t, "ListPartners", err)
			if len(ps) > page.Limit {
				t.Fatalf("ListPartners returned %d > limit %d", len(ps), page.Limit)
			}
			all = append(all, ps...)
			if len(ps) < page.Limit {
				break
			}
			page.After = ps[len(ps)-1].ID
		}
		wantEqual(t, "ListPartners pages", all, want)
		return nil
	})

	err := s.ReadWriteTx(ctx, func(tx store.ReadWriter) error { return tx.CreatePartner(ctx, newPartner(want[1].ID)) })
	wantErr(t, "CreatePartner duplicate", err, store.ErrAlreadyExists)

	upd := want[2]
	upd.DisplayName = "Renamed"
	upd.Status = domain.PartnerSuspended
	upd.VerifiedDomains = []string{"new.example"}
	upd.Benefits = []domain.Benefit{domain.BenefitMPN}
	upd.UpdateTime = at(time.Hour)
	write(t, s, func(tx store.ReadWriter) error { return tx.UpdatePartner(ctx, upd) })
	read(t, s, func(tx store.Reader) error {
		got, err := tx.GetPartner(ctx, upd.ID)
		noErr(t, "GetPartner after update", err)
		wantEqual(t, "GetPartner after update", got, upd)
		return nil
	})
	err = s.ReadWriteTx(ctx, func(tx store.ReadWriter) error { return tx.UpdatePartner(ctx, newPartner("no-such-partner")) })
	wantErr(t, "UpdatePartner unknown", err, store.ErrNotFound)
}

func testCustomers(t *testing.T, f Factory) {
	s := f.Open(t)
	ctx := ctxT(t)
	write(t, s, func(tx store.ReadWriter) error {
		if err := tx.CreatePartner(ctx, newPartner(partner1)); err != nil {
			return err
		}
		return tx.CreatePartner(ctx, newPartner(partner2))
	})
	var want []domain.Customer
	write(t, s, func(tx store.ReadWriter) error {
		for i := range 5 {
			c := newCustomer(fmt.Sprintf("c-%02d", i), partner1)
			if i == 1 {
				c.Kind, c.Domains = domain.CustomerPartnerSelf, nil
			}
			if err := tx.CreateCustomer(ctx, c); err != nil {
				return err
			}
			want = append(want, c)
		}
		return tx.CreateCustomer(ctx, newCustomer("c-other", partner2))
	})
	read(t, s, func(tx store.Reader) error {
		for _, c := range want {
			got, err := tx.GetCustomer(ctx, c.ID)
			noErr(t, "GetCustomer", err)
			wantEqual(t, "GetCustomer "+c.ID, got, c)
		}
		_, err := tx.GetCustomer(ctx, "no-such-customer")
		wantErr(t, "GetCustomer unknown", err, store.ErrNotFound)

		var all []domain.Customer
		page := store.Page{Limit: 2}
		for range 10 {
			cs, err := tx.ListCustomers(ctx, partner1, page)
			noErr(t, "ListCustomers", err)
			all = append(all, cs...)
			if len(cs) < page.Limit {
				break
			}
			page.After = cs[len(cs)-1].ID
		}
		wantEqual(t, "ListCustomers pages", all, want)

		other, err := tx.ListCustomers(ctx, partner2, store.Page{})
		noErr(t, "ListCustomers partner2", err)
		if len(other) != 1 || other[0].ID != "c-other" {
			t.Errorf("ListCustomers partner2 = %+v, want only c-other", other)
		}
		none, err := tx.ListCustomers(ctx, "no-such-partner", store.Page{})
		noErr(t, "ListCustomers unknown partner", err)
		if len(none) != 0 {
			t.Errorf("ListCustomers unknown partner = %+v, want none", none)
		}
		return nil
	})
	err := s.ReadWriteTx(ctx, func(tx store.ReadWriter) error { return tx.CreateCustomer(ctx, newCustomer("c-00", partner1)) })
	wantErr(t, "CreateCustomer duplicate", err, store.ErrAlreadyExists)
	err = s.ReadWriteTx(ctx, func(tx store.ReadWriter) error {
		return tx.CreateCustomer(ctx, newCustomer("c-orphan", "no-such-partner"))
	})
	wantErr(t, "CreateCustomer without partner", err, store.ErrNotFound)
	read(t, s, func(tx store.Reader) error {
		_, err := tx.GetCustomer(ctx, "c-orphan")
		wantErr(t, "GetCustomer of failed create", err, store.ErrNotFound)
		return nil
	})
}

func testSubscriptions(t *testing.T, f Factory) {
	s := f.Open(t)
	ctx := ctxT(t)
	seed(t, s)
	subs := []domain.Subscription{
		{ID: "sub-b", CustomerID: customer1, Service: domain.ServiceOffice365, State: domain.SubscriptionActive, CreateTime: at(0), UpdateTime: at(0)},
		{ID: "sub-a", CustomerID: customer1, Service: domain.ServiceAzure, State: domain.SubscriptionActive, CreateTime: at(time.Second), UpdateTime: at(2 * time.Second)},
		{ID: "sub-c", CustomerID: customer2, Service: domain.ServiceAzure, State: domain.SubscriptionSuspended, CreateTime: at(0), UpdateTime: at(0)},
	}
	write(t, s, func(tx store.ReadWriter) error {
		for _, sub := range subs {
			if err := tx.CreateSubscription(ctx, sub); err != nil {
				return err
			}
		}
		return nil
	})
	read(t, s, func(tx store.Reader) error {
		for _, sub := range subs {
			got, err := tx.GetSubscription(ctx, sub.ID)
			noErr(t, "GetSubscription", err)
			wantEqual(t, "GetSubscription "+sub.ID, got, sub)
		}
		_, err := tx.GetSubscription(ctx, "no-such-sub")
		wantErr(t, "GetSubscription unknown", err, store.ErrNotFound)
		got, err := tx.ListSubscriptions(ctx, customer1)
		noErr(t, "ListSubscriptions", err)
		gotIDs := map[string]bool{}
		for _, g := range got {
			gotIDs[g.ID] = true
		}
		if len(got) != 2 || !gotIDs["sub-a"] || !gotIDs["sub-b"] {
			t.Errorf("ListSubscriptions(customer1) = %+v, want sub-a and sub-b", got)
		}
		return nil
	})

	upd := subs[0]
	upd.State = domain.SubscriptionSuspended
	upd.UpdateTime = at(time.Hour)
	write(t, s, func(tx store.ReadWriter) error { return tx.UpdateSubscription(ctx, upd) })
	read(t, s, func(tx store.Reader) error {
		got, err := tx.GetSubscription(ctx, upd.ID)
		noErr(t, "GetSubscription after update", err)
		wantEqual(t, "GetSubscription after update", got, upd)
		return nil
	})
	missing := upd
	missing.ID = "no-such-sub"
	err := s.ReadWriteTx(ctx, func(tx store.ReadWriter) error { return tx.UpdateSubscription(ctx, missing) })
	wantErr(t, "UpdateSubscription unknown", err, store.ErrNotFound)
	err = s.ReadWriteTx(ctx, func(tx store.ReadWriter) error { return tx.CreateSubscription(ctx, subs[2]) })
	wantErr(t, "CreateSubscription duplicate", err, store.ErrAlreadyExists)
	orphan := subs[0]
	orphan.ID, orphan.CustomerID = "sub-orphan", "no-such-customer"
	err = s.ReadWriteTx(ctx, func(tx store.ReadWriter) error { return tx.CreateSubscription(ctx, orphan) })
	wantErr(t, "CreateSubscription without customer", err, store.ErrNotFound)
}

func testContracts(t *testing.T, f Factory) {
	s := f.Open(t)
	ctx := ctxT(t)
	seed(t, s)
	contracts := []domain.Contract{
		{ID: "k-1", PartnerID: partner1, Kind: domain.ProofMPN, Reference: "MPN-123", CreateTime: at(0)},
		{ID: "k-2", PartnerID: partner1, Kind: domain.ProofPremier, Reference: "PREM-9", CreateTime: at(time.Second)},
		{ID: "k-3", PartnerID: partner2, Kind: domain.ProofAzureSupportPlan, Reference: "ASP-1", CreateTime: at(0)},
	}
	write(t, s, func(tx store.ReadWriter) error {
		for _, c := range contracts {
			if err := tx.CreateContract(ctx, c); err != nil {
				return err
			}
		}
		return nil
	})
	read(t, s, func(tx store.Reader) error {
		got, err := tx.ListContracts(ctx, partner1)
		noErr(t, "ListContracts", err)
		byID := map[string]domain.Contract{}
		for _, c := range got {
			byID[c.ID] = c
		}
		if len(got) != 2 {
			t.Errorf("ListContracts(partner1) = %+v, want k-1 and k-2", got)
		}
		for _, c := range contracts[:2] {
			wantEqual(t, "ListContracts "+c.ID, byID[c.ID], c)
		}
		none, err := tx.ListContracts(ctx, "no-such-partner")
		noErr(t, "ListContracts unknown partner", err)
		if len(none) != 0 {
			t.Errorf("ListContracts unknown partner = %+v", none)
		}
		return nil
	})
	err := s.ReadWriteTx(ctx, func(tx store.ReadWriter) error { return tx.CreateContract(ctx, contracts[0]) })
	wantErr(t, "CreateContract duplicate", err, store.ErrAlreadyExists)
	orphan := contracts[0]
	orphan.ID, orphan.PartnerID = "k-orphan", "no-such-partner"
	err = s.ReadWriteTx(ctx, func(tx store.ReadWriter) error { return tx.CreateContract(ctx, orphan) })
	wantErr(t, "CreateContract without partner", err, store.ErrNotFound)
}

func testAPIKeys(t *testing.T, f Factory) {
	s := f.Open(t)
	ctx := ctxT(t)
	seed(t, s)
	keys := []store.APIKey{
		{ID: "key-admin", Hash: []byte{0, 1, 2, 255}, Role: domain.RoleAdmin, CreateTime: at(0)},
		{ID: "key-p1a", Hash: []byte("hash-p1a"), Role: domain.RolePartner, PartnerID: partner1, CreateTime: at(time.Second)},
		{ID: "key-p1b", Hash: []byte("hash-p1b"), Role: domain.RolePartner, PartnerID: partner1, CreateTime: at(2 * time.Second)},
		{ID: "key-p2", Hash: []byte("hash-p2"), Role: domain.RolePartner, PartnerID: partner2, CreateTime: at(time.Second)},
		{ID: "key-agent", Hash: []byte("hash-agent"), Role: domain.RoleAgent, CreateTime: at(3 * time.Second), ExpireTime: at(90 * 24 * time.Hour)},
	}
	write(t, s, func(tx store.ReadWriter) error {
		for _, k := range keys {
			if err := tx.CreateAPIKey(ctx, k); err != nil {
				return err
			}
		}
		return nil
	})
	read(t, s, func(tx store.Reader) error {
		for _, k := range keys {
			got, err := tx.GetAPIKey(ctx, k.ID)
			noErr(t, "GetAPIKey", err)
			wantEqual(t, "GetAPIKey "+k.ID, got, k)
		}
		_, err := tx.GetAPIKey(ctx, "no-such-key")
		wantErr(t, "GetAPIKey unknown", err, store.ErrNotFound)
		got, err := tx.ListAPIKeys(ctx, partner1)
		noErr(t, "ListAPIKeys", err)
		if len(got) != 2 || !equal(got, keys[1:3]) && !equal(got, []store.APIKey{keys[2], keys[1]}) {
			t.Errorf("ListAPIKeys(partner1) = %+v, want key-p1a and key-p1b", got)
		}
		return nil
	})

	revokeAt := at(time.Hour)
	write(t, s, func(tx store.ReadWriter) error { return tx.RevokeAPIKey(ctx, "key-p1a", revokeAt) })
	read(t, s, func(tx store.Reader) error {
		got, err := tx.GetAPIKey(ctx, "key-p1a")
		noErr(t, "GetAPIKey revoked", err)
		want := keys[1]
		want.RevokeTime = revokeAt
		wantEqual(t, "GetAPIKey revoked", got, want)
		other, err := tx.GetAPIKey(ctx, "key-p1b")
		noErr(t, "GetAPIKey other", err)
		if !other.RevokeTime.IsZero() {
			t.Errorf("revoking key-p1a revoked key-p1b too: %v", other.RevokeTime)
		}
		return nil
	})
	err := s.ReadWriteTx(ctx, func(tx store.ReadWriter) error { return tx.RevokeAPIKey(ctx, "no-such-key", revokeAt) })
	wantErr(t, "RevokeAPIKey unknown", err, store.ErrNotFound)
	err = s.ReadWriteTx(ctx, func(tx store.ReadWriter) error { return tx.CreateAPIKey(ctx, keys[0]) })
	wantErr(t, "CreateAPIKey duplicate", err, store.ErrAlreadyExists)
	orphan := keys[1]
	orphan.ID, orphan.PartnerID = "key-orphan", "no-such-partner"
	err = s.ReadWriteTx(ctx, func(tx store.ReadWriter) error { return tx.CreateAPIKey(ctx, orphan) })
	wantErr(t, "CreateAPIKey without partner", err, store.ErrNotFound)
}

func testTopics(t *testing.T, f Factory) {
	s := f.Open(t)
	ctx := ctxT(t)
	// A backend may ship a built-in catalogue: the suite's topics have ids
	// of their own and the checks look at them and at the overall order.
	topics := []domain.Topic{
		{ID: "st-vm", Service: domain.ServiceAzure, Name: "Virtual machines", Category: domain.CategoryTechnical, Rank: 2},
		{ID: "st-bill", Service: domain.ServiceAzure, Name: "Billing", Category: domain.CategoryBilling, Featured: true, Rank: 5},
		{ID: "st-adv", Service: domain.ServiceAzure, Name: "Architecture", Category: domain.CategoryAdvisory, Rank: 1},
		{ID: "st-fraud", Service: domain.ServiceAzure, Name: "Fraud", Category: domain.CategoryFraud, Featured: true, Rank: 3},
		{ID: "st-mail", Service: domain.ServiceOffice365, Name: "Mail", Category: domain.CategoryTechnical, Featured: true, Rank: 1},
	}
	write(t, s, func(tx store.ReadWriter) error {
		for _, tp := range topics {
			if err := tx.UpsertTopic(ctx, tp); err != nil {
				return err
			}
		}
		return nil
	})
	byID := func(id string) domain.Topic {
		for _, tp := range topics {
			if tp.ID == id {
				return tp
			}
		}
		t.Fatalf("no topic %s", id)
		return domain.Topic{}
	}
	// listOwn lists a service's topics, checks the whole list is in
	// catalogue order and returns the suite's own topics.
	listOwn := func(tx store.Reader, service domain.Service) []domain.Topic {
		t.Helper()
		all, err := tx.ListTopics(ctx, service)
		noErr(t, "ListTopics", err)
		var own []domain.Topic
		for i, tp := range all {
			if tp.Service != service {
				t.Errorf("ListTopics(%s) returned %s of %s", service, tp.ID, tp.Service)
			}
			if i > 0 {
				prev := all[i-1]
				if prev.Featured == tp.Featured && prev.Rank > tp.Rank || !prev.Featured && tp.Featured {
					t.Errorf("ListTopics(%s): %+v before %+v: want featured first, then by rank", service, prev, tp)
				}
			}
			if strings.HasPrefix(tp.ID, "st-") {
				own = append(own, tp)
			}
		}
		return own
	}
	read(t, s, func(tx store.Reader) error {
		want := []domain.Topic{byID("st-fraud"), byID("st-bill"), byID("st-adv"), byID("st-vm")}
		wantEqual(t, "ListTopics(AZURE): featured first, then by rank", listOwn(tx, domain.ServiceAzure), want)
		wantEqual(t, "ListTopics(OFFICE_365)", listOwn(tx, domain.ServiceOffice365), []domain.Topic{byID("st-mail")})
		for _, tp := range topics {
			g, err := tx.GetTopic(ctx, tp.ID)
			noErr(t, "GetTopic", err)
			wantEqual(t, "GetTopic "+tp.ID, g, tp)
		}
		_, err := tx.GetTopic(ctx, "no-such-topic")
		wantErr(t, "GetTopic unknown", err, store.ErrNotFound)
		none, err := tx.ListTopics(ctx, domain.Service("NO_SUCH_SERVICE"))
		noErr(t, "ListTopics unknown service", err)
		if len(none) != 0 {
			t.Errorf("ListTopics(unknown service) = %+v, want none", none)
		}
		return nil
	})

	// Upsert replaces: st-vm becomes featured with rank 0, moving it first.
	vm := byID("st-vm")
	vm.Name, vm.Featured, vm.Rank, vm.Category = "Compute", true, 0, domain.CategoryAdvisory
	write(t, s, func(tx store.ReadWriter) error { return tx.UpsertTopic(ctx, vm) })
	read(t, s, func(tx store.Reader) error {
		want := []domain.Topic{vm, byID("st-fraud"), byID("st-bill"), byID("st-adv")}
		wantEqual(t, "ListTopics after upsert", listOwn(tx, domain.ServiceAzure), want)
		g, err := tx.GetTopic(ctx, vm.ID)
		noErr(t, "GetTopic after upsert", err)
		wantEqual(t, "GetTopic after upsert", g, vm)
		return nil
	})
}

func testSettings(t *testing.T, f Factory) {
	s := f.Open(t)
	ctx := ctxT(t)
	read(t, s, func(tx store.Reader) error {
		_, err := tx.GetSetting(ctx, "st-key")
		wantErr(t, "GetSetting unset", err, store.ErrNotFound)
		return nil
	})
	write(t, s, func(tx store.ReadWriter) error {
		if err := tx.PutSetting(ctx, "st-key", []byte{0, 1, 2, 0xff}); err != nil {
			return err
		}
		return tx.PutSetting(ctx, "st-other", []byte("x"))
	})
	get := func(name string) []byte {
		var v []byte
		read(t, s, func(tx store.Reader) (err error) { v, err = tx.GetSetting(ctx, name); return err })
		return v
	}
	if v := get("st-key"); string(v) != "\x00\x01\x02\xff" {
		t.Errorf("GetSetting = %x, want 000102ff", v)
	}
	write(t, s, func(tx store.ReadWriter) error { return tx.PutSetting(ctx, "st-key", []byte("replaced")) })
	err := s.ReadWriteTx(ctx, func(tx store.ReadWriter) error {
		if err := tx.PutSetting(ctx, "st-key", []byte("rolled back")); err != nil {
			return err
		}
		return errBoom
	})
	wantErr(t, "rolled-back PutSetting", err, errBoom)
	if v := get("st-key"); string(v) != "replaced" {
		t.Errorf("GetSetting after replace and rollback = %q, want replaced", v)
	}
	if v := get("st-other"); string(v) != "x" {
		t.Errorf("GetSetting other = %q", v)
	}

	// CreateSetting sets an unset setting only, and a refused create
	// leaves the transaction usable.
	write(t, s, func(tx store.ReadWriter) error {
		wantErr(t, "CreateSetting of a set setting", tx.CreateSetting(ctx, "st-key", []byte("second")), store.ErrAlreadyExists)
		v, err := tx.GetSetting(ctx, "st-key")
		noErr(t, "GetSetting after a refused CreateSetting", err)
		if string(v) != "replaced" {
			t.Errorf("GetSetting after a refused CreateSetting = %q, want replaced", v)
		}
		return tx.CreateSetting(ctx, "st-new", []byte("first"))
	})
	if v := get("st-new"); string(v) != "first" {
		t.Errorf("GetSetting of a created setting = %q, want first", v)
	}
}

func testIdempotency(t *testing.T, f Factory) {
	s := f.Open(t)
	ctx := ctxT(t)
	seed(t, s)
	old := store.Idempotency{PartnerID: partner1, RequestID: "req-1", RequestHash: []byte("h1"), TicketID: "tk-1", CreateTime: at(0)}
	newer := store.Idempotency{PartnerID: partner1, RequestID: "req-2", RequestHash: []byte("h2"), TicketID: "tk-2", CreateTime: at(time.Hour)}
	// The same request id used by another partner is another key.
	other := store.Idempotency{PartnerID: partner2, RequestID: "req-1", RequestHash: []byte("h3"), TicketID: "tk-3", CreateTime: at(2 * time.Hour)}
	write(t, s, func(tx store.ReadWriter) error {
		for _, i := range []store.Idempotency{old, newer, other} {
			if err := tx.PutIdempotency(ctx, i); err != nil {
				return err
			}
		}
		return nil
	})
	read(t, s, func(tx store.Reader) error {
		for _, i := range []store.Idempotency{old, newer, other} {
			got, err := tx.GetIdempotency(ctx, i.PartnerID, i.RequestID)
			noErr(t, "GetIdempotency", err)
			wantEqual(t, "GetIdempotency "+i.PartnerID+"/"+i.RequestID, got, i)
		}
		_, err := tx.GetIdempotency(ctx, partner2, "req-2")
		wantErr(t, "GetIdempotency of another partner's id", err, store.ErrNotFound)
		return nil
	})
	dup := old
	dup.RequestHash, dup.TicketID = []byte("other"), "tk-9"
	err := s.ReadWriteTx(ctx, func(tx store.ReadWriter) error { return tx.PutIdempotency(ctx, dup) })
	wantErr(t, "PutIdempotency duplicate", err, store.ErrAlreadyExists)

	var n int64
	write(t, s, func(tx store.ReadWriter) (err error) {
		n, err = tx.DeleteIdempotencyBefore(ctx, at(time.Hour)) // strictly before: keeps newer
		return err
	})
	if n != 1 {
		t.Errorf("DeleteIdempotencyBefore deleted %d, want 1", n)
	}
	read(t, s, func(tx store.Reader) error {
		_, err := tx.GetIdempotency(ctx, partner1, "req-1")
		wantErr(t, "GetIdempotency deleted", err, store.ErrNotFound)
		for _, i := range []store.Idempotency{newer, other} {
			if _, err := tx.GetIdempotency(ctx, i.PartnerID, i.RequestID); err != nil {
				t.Errorf("GetIdempotency %s/%s kept: %v", i.PartnerID, i.RequestID, err)
			}
		}
		return nil
	})
	// The forgotten request id can be used again.
	write(t, s, func(tx store.ReadWriter) error { return tx.PutIdempotency(ctx, dup) })
}
