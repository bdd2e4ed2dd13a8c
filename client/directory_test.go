package client_test

import (
	"context"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/fieldmaskpb"

	"github.com/supportd/supportd/client"
	supportv1 "github.com/supportd/supportd/gen/support/v1"
	"github.com/supportd/supportd/internal/livetest"
)

// TestDirectoryMethods calls every method of the admin side once against
// the in-process server.
func TestDirectoryMethods(t *testing.T) {
	e := start(t)
	d, ctx := e.dir, context.Background()
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	p, err := d.CreatePartner(ctx, &supportv1.Partner{Id: "contoso", DisplayName: "Contoso",
		Status: supportv1.PartnerStatus_PARTNER_STATUS_ACTIVE, VerifiedDomains: []string{"contoso.example"}})
	must("CreatePartner", err)
	p.DisplayName = "Contoso Ltd"
	p, err = d.UpdatePartner(ctx, &supportv1.UpdatePartnerRequest{Partner: p, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"display_name"}}})
	must("UpdatePartner", err)
	if p.GetDisplayName() != "Contoso Ltd" {
		t.Fatalf("UpdatePartner = %v", p)
	}
	ps, err := d.ListPartners(ctx, &supportv1.ListPartnersRequest{})
	must("ListPartners", err)
	if len(ps.GetPartners()) < 2 {
		t.Fatalf("ListPartners = %v", ps)
	}
	c, err := d.CreateCustomer(ctx, &supportv1.Customer{Id: "northwind", PartnerId: "contoso", DisplayName: "Northwind",
		Kind: supportv1.CustomerKind_CUSTOMER_KIND_END_CUSTOMER})
	must("CreateCustomer", err)
	_, err = d.GetCustomer(ctx, c.GetId())
	must("GetCustomer", err)
	cs, err := d.ListCustomers(ctx, &supportv1.ListCustomersRequest{PartnerId: "contoso"})
	must("ListCustomers", err)
	if len(cs.GetCustomers()) != 1 {
		t.Fatalf("ListCustomers = %v", cs)
	}
	s, err := d.CreateSubscription(ctx, &supportv1.Subscription{Id: "nw-azure", CustomerId: "northwind",
		Service: supportv1.Service_SERVICE_AZURE, State: supportv1.SubscriptionState_SUBSCRIPTION_STATE_ACTIVE})
	must("CreateSubscription", err)
	s.State = supportv1.SubscriptionState_SUBSCRIPTION_STATE_SUSPENDED
	s, err = d.UpdateSubscription(ctx, &supportv1.UpdateSubscriptionRequest{Subscription: s, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"state"}}})
	must("UpdateSubscription", err)
	if s.GetState() != supportv1.SubscriptionState_SUBSCRIPTION_STATE_SUSPENDED {
		t.Fatalf("UpdateSubscription = %v", s)
	}
	ss, err := d.ListSubscriptions(ctx, &supportv1.ListSubscriptionsRequest{CustomerId: "northwind"})
	must("ListSubscriptions", err)
	if len(ss.GetSubscriptions()) != 1 {
		t.Fatalf("ListSubscriptions = %v", ss)
	}
	_, err = d.RegisterContract(ctx, &supportv1.Contract{Id: "premier-1", PartnerId: "contoso",
		Kind: supportv1.ProofKind_PROOF_KIND_PREMIER, Reference: "PR-1"})
	must("RegisterContract", err)
	cts, err := d.ListContracts(ctx, &supportv1.ListContractsRequest{PartnerId: "contoso"})
	must("ListContracts", err)
	if len(cts.GetContracts()) != 1 {
		t.Fatalf("ListContracts = %v", cts)
	}
	tp, err := d.CreateSupportTopic(ctx, &supportv1.SupportTopic{Id: "azure-arc", Service: supportv1.Service_SERVICE_AZURE,
		Name: "Azure Arc", Category: supportv1.TopicCategory_TOPIC_CATEGORY_TECHNICAL})
	must("CreateSupportTopic", err)
	tp.Featured = true
	tp, err = d.UpdateSupportTopic(ctx, &supportv1.UpdateSupportTopicRequest{Topic: tp, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"featured"}}})
	must("UpdateSupportTopic", err)
	if !tp.GetFeatured() {
		t.Fatalf("UpdateSupportTopic = %v", tp)
	}
	key, err := d.CreateAPIKey(ctx, supportv1.Role_ROLE_PARTNER, "contoso", client.ExpiresAt(livetest.Now.Add(time.Hour)))
	must("CreateAPIKey", err)
	if !key.GetApiKey().GetExpireTime().AsTime().Equal(livetest.Now.Add(time.Hour)) {
		t.Fatalf("CreateAPIKey expire_time = %v", key.GetApiKey().GetExpireTime())
	}
	keys, err := d.ListAPIKeys(ctx, &supportv1.ListApiKeysRequest{PartnerId: "contoso"})
	must("ListAPIKeys", err)
	if len(keys.GetApiKeys()) != 1 || keys.GetApiKeys()[0].GetKeyId() != key.GetKeyId() {
		t.Fatalf("ListAPIKeys = %v", keys)
	}
	must("RevokeAPIKey", d.RevokeAPIKey(ctx, key.GetKeyId()))

	page, err := d.ListAuditEvents(ctx, &supportv1.ListAuditEventsRequest{Kind: "api_key.revoked"})
	must("ListAuditEvents", err)
	if len(page.GetAuditEvents()) != 1 || page.GetAuditEvents()[0].GetResource() != "apiKeys/"+key.GetKeyId() {
		t.Fatalf("ListAuditEvents = %v", page)
	}
	all, err := d.ListAuditEvents(ctx, &supportv1.ListAuditEventsRequest{PageSize: 500})
	must("ListAuditEvents", err)
	var got []string
	for e, err := range d.AllAuditEvents(ctx, &supportv1.ListAuditEventsRequest{PageSize: 2}) {
		must("AllAuditEvents", err)
		got = append(got, e.GetId())
	}
	if len(got) != len(all.GetAuditEvents()) || len(got) < 10 || got[0] != all.GetAuditEvents()[0].GetId() {
		t.Fatalf("AllAuditEvents = %v, want the %d events of one big page", got, len(all.GetAuditEvents()))
	}
}
