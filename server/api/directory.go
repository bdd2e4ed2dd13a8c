package api

import (
	"context"
	"log/slog"

	supportv1 "github.com/supportd/supportd/gen/support/v1"
	"github.com/supportd/supportd/server/auth"
	"github.com/supportd/supportd/server/directory"
	"github.com/supportd/supportd/server/domain"
	"github.com/supportd/supportd/server/store"
	"github.com/supportd/supportd/server/token"
)

// Directory implements support.v1.DirectoryService.
type Directory struct {
	supportv1.UnimplementedDirectoryServiceServer
	dir    *directory.Service
	tokens *token.Signer
	log    *slog.Logger
}

// NewDirectory returns the DirectoryService handlers.
func NewDirectory(dir *directory.Service, tokens *token.Signer, log *slog.Logger) *Directory {
	return &Directory{dir: dir, tokens: tokens, log: log}
}

func actorOf(ctx context.Context) string {
	p, _ := auth.FromContext(ctx)
	return p.Actor()
}

// requireMessage checks that a request carries a sub-message (a wire
// rule: only the proto form can lack it); the fields inside are the
// domain service's to check.
func requireMessage(field string, present bool) error {
	if !present {
		return domain.Invalid(domain.FieldViolation{Field: field, Description: "required"})
	}
	return nil
}

// CreatePartner implements DirectoryService.CreatePartner.
func (d *Directory) CreatePartner(ctx context.Context, req *supportv1.CreatePartnerRequest) (*supportv1.CreatePartnerResponse, error) {
	if err := requireMessage("partner", req.GetPartner() != nil); err != nil {
		return nil, toStatus(ctx, d.log, err)
	}
	p, err := d.dir.CreatePartner(ctx, actorOf(ctx), partnerOf(req.GetPartner()))
	if err != nil {
		return nil, toStatus(ctx, d.log, err)
	}
	return &supportv1.CreatePartnerResponse{Partner: partnerToProto(p)}, nil
}

// GetPartner implements DirectoryService.GetPartner.
func (d *Directory) GetPartner(ctx context.Context, req *supportv1.GetPartnerRequest) (*supportv1.GetPartnerResponse, error) {
	p, err := d.dir.GetPartner(ctx, req.GetPartnerId())
	if err != nil {
		return nil, toStatus(ctx, d.log, err)
	}
	return &supportv1.GetPartnerResponse{Partner: partnerToProto(p)}, nil
}

// ListPartners implements DirectoryService.ListPartners.
func (d *Directory) ListPartners(ctx context.Context, req *supportv1.ListPartnersRequest) (*supportv1.ListPartnersResponse, error) {
	limit, err := pageSize(req.GetPageSize())
	if err != nil {
		return nil, toStatus(ctx, d.log, err)
	}
	scope := token.Scope("ListPartners")
	after, err := pageCursor(d.tokens, scope, req.GetPageToken())
	if err != nil {
		return nil, toStatus(ctx, d.log, err)
	}
	partners, err := d.dir.ListPartners(ctx, store.Page{After: after, Limit: limit})
	if err != nil {
		return nil, toStatus(ctx, d.log, err)
	}
	resp := &supportv1.ListPartnersResponse{}
	for _, p := range partners {
		resp.Partners = append(resp.Partners, partnerToProto(p))
	}
	if n := len(partners); n > 0 {
		resp.NextPageToken = d.tokens.Next(scope, n, limit, partners[n-1].ID)
	}
	return resp, nil
}

// UpdatePartner implements DirectoryService.UpdatePartner.
func (d *Directory) UpdatePartner(ctx context.Context, req *supportv1.UpdatePartnerRequest) (*supportv1.UpdatePartnerResponse, error) {
	if err := requireMessage("partner", req.GetPartner() != nil); err != nil {
		return nil, toStatus(ctx, d.log, err)
	}
	p, err := d.dir.UpdatePartner(ctx, actorOf(ctx), partnerOf(req.GetPartner()), req.GetUpdateMask().GetPaths())
	if err != nil {
		return nil, toStatus(ctx, d.log, err)
	}
	return &supportv1.UpdatePartnerResponse{Partner: partnerToProto(p)}, nil
}

// CreateCustomer implements DirectoryService.CreateCustomer.
func (d *Directory) CreateCustomer(ctx context.Context, req *supportv1.CreateCustomerRequest) (*supportv1.CreateCustomerResponse, error) {
	if err := requireMessage("customer", req.GetCustomer() != nil); err != nil {
		return nil, toStatus(ctx, d.log, err)
	}
	c, err := d.dir.CreateCustomer(ctx, actorOf(ctx), customerOf(req.GetCustomer()))
	if err != nil {
		return nil, toStatus(ctx, d.log, err)
	}
	return &supportv1.CreateCustomerResponse{Customer: customerToProto(c)}, nil
}

// GetCustomer implements DirectoryService.GetCustomer.
func (d *Directory) GetCustomer(ctx context.Context, req *supportv1.GetCustomerRequest) (*supportv1.GetCustomerResponse, error) {
	c, err := d.dir.GetCustomer(ctx, req.GetCustomerId())
	if err != nil {
		return nil, toStatus(ctx, d.log, err)
	}
	return &supportv1.GetCustomerResponse{Customer: customerToProto(c)}, nil
}

// ListCustomers implements DirectoryService.ListCustomers.
func (d *Directory) ListCustomers(ctx context.Context, req *supportv1.ListCustomersRequest) (*supportv1.ListCustomersResponse, error) {
	limit, err := pageSize(req.GetPageSize())
	if err != nil {
		return nil, toStatus(ctx, d.log, err)
	}
	scope := token.Scope("ListCustomers", req.GetPartnerId())
	after, err := pageCursor(d.tokens, scope, req.GetPageToken())
	if err != nil {
		return nil, toStatus(ctx, d.log, err)
	}
	customers, err := d.dir.ListCustomers(ctx, req.GetPartnerId(), store.Page{After: after, Limit: limit})
	if err != nil {
		return nil, toStatus(ctx, d.log, err)
	}
	resp := &supportv1.ListCustomersResponse{}
	for _, c := range customers {
		resp.Customers = append(resp.Customers, customerToProto(c))
	}
	if n := len(customers); n > 0 {
		resp.NextPageToken = d.tokens.Next(scope, n, limit, customers[n-1].ID)
	}
	return resp, nil
}

// CreateSubscription implements DirectoryService.CreateSubscription.
func (d *Directory) CreateSubscription(ctx context.Context, req *supportv1.CreateSubscriptionRequest) (*supportv1.CreateSubscriptionResponse, error) {
	if err := requireMessage("subscription", req.GetSubscription() != nil); err != nil {
		return nil, toStatus(ctx, d.log, err)
	}
	s, err := d.dir.CreateSubscription(ctx, actorOf(ctx), subscriptionOf(req.GetSubscription()))
	if err != nil {
		return nil, toStatus(ctx, d.log, err)
	}
	return &supportv1.CreateSubscriptionResponse{Subscription: subscriptionToProto(s)}, nil
}

// UpdateSubscription implements DirectoryService.UpdateSubscription.
func (d *Directory) UpdateSubscription(ctx context.Context, req *supportv1.UpdateSubscriptionRequest) (*supportv1.UpdateSubscriptionResponse, error) {
	if err := requireMessage("subscription", req.GetSubscription() != nil); err != nil {
		return nil, toStatus(ctx, d.log, err)
	}
	s, err := d.dir.UpdateSubscription(ctx, actorOf(ctx), subscriptionOf(req.GetSubscription()), req.GetUpdateMask().GetPaths())
	if err != nil {
		return nil, toStatus(ctx, d.log, err)
	}
	return &supportv1.UpdateSubscriptionResponse{Subscription: subscriptionToProto(s)}, nil
}

// ListSubscriptions implements DirectoryService.ListSubscriptions.
func (d *Directory) ListSubscriptions(ctx context.Context, req *supportv1.ListSubscriptionsRequest) (*supportv1.ListSubscriptionsResponse, error) {
	subs, err := d.dir.ListSubscriptions(ctx, req.GetCustomerId())
	if err != nil {
		return nil, toStatus(ctx, d.log, err)
	}
	resp := &supportv1.ListSubscriptionsResponse{}
	for _, s := range subs {
		resp.Subscriptions = append(resp.Subscriptions, subscriptionToProto(s))
	}
	return resp, nil
}

// RegisterContract implements DirectoryService.RegisterContract.
func (d *Directory) RegisterContract(ctx context.Context, req *supportv1.RegisterContractRequest) (*supportv1.RegisterContractResponse, error) {
	if err := requireMessage("contract", req.GetContract() != nil); err != nil {
		return nil, toStatus(ctx, d.log, err)
	}
	c, err := d.dir.RegisterContract(ctx, actorOf(ctx), contractOf(req.GetContract()))
	if err != nil {
		return nil, toStatus(ctx, d.log, err)
	}
	return &supportv1.RegisterContractResponse{Contract: contractToProto(c)}, nil
}

// ListContracts implements DirectoryService.ListContracts.
func (d *Directory) ListContracts(ctx context.Context, req *supportv1.ListContractsRequest) (*supportv1.ListContractsResponse, error) {
	contracts, err := d.dir.ListContracts(ctx, req.GetPartnerId())
	if err != nil {
		return nil, toStatus(ctx, d.log, err)
	}
	resp := &supportv1.ListContractsResponse{}
	for _, c := range contracts {
		resp.Contracts = append(resp.Contracts, contractToProto(c))
	}
	return resp, nil
}

// CreateApiKey implements DirectoryService.CreateApiKey.
func (d *Directory) CreateApiKey(ctx context.Context, req *supportv1.CreateApiKeyRequest) (*supportv1.CreateApiKeyResponse, error) {
	expire, ok := optionalInstant(req.GetExpireTime())
	if !ok {
		return nil, toStatus(ctx, d.log, domain.Invalid(domain.FieldViolation{Field: "expire_time", Description: "not a valid timestamp"}))
	}
	k, secret, err := d.dir.CreateAPIKey(ctx, actorOf(ctx), roleOf(req.GetRole()), req.GetPartnerId(), expire)
	if err != nil {
		return nil, toStatus(ctx, d.log, err)
	}
	return &supportv1.CreateApiKeyResponse{KeyId: k.ID, Secret: secret, ApiKey: apiKeyToProto(k)}, nil
}

// ListApiKeys implements DirectoryService.ListApiKeys.
func (d *Directory) ListApiKeys(ctx context.Context, req *supportv1.ListApiKeysRequest) (*supportv1.ListApiKeysResponse, error) {
	keys, err := d.dir.ListAPIKeys(ctx, req.GetPartnerId())
	if err != nil {
		return nil, toStatus(ctx, d.log, err)
	}
	resp := &supportv1.ListApiKeysResponse{}
	for _, k := range keys {
		resp.ApiKeys = append(resp.ApiKeys, apiKeyToProto(k))
	}
	return resp, nil
}

// RevokeApiKey implements DirectoryService.RevokeApiKey.
func (d *Directory) RevokeApiKey(ctx context.Context, req *supportv1.RevokeApiKeyRequest) (*supportv1.RevokeApiKeyResponse, error) {
	if err := d.dir.RevokeAPIKey(ctx, actorOf(ctx), req.GetKeyId()); err != nil {
		return nil, toStatus(ctx, d.log, err)
	}
	return &supportv1.RevokeApiKeyResponse{}, nil
}

func topicOf(t *supportv1.SupportTopic) domain.Topic {
	return domain.Topic{
		ID:       t.GetId(),
		Service:  serviceOf(t.GetService()),
		Name:     t.GetName(),
		Category: enumName[domain.Category](t.GetCategory(), "TOPIC_CATEGORY_"),
		Featured: t.GetFeatured(),
	}
}

// ListCatalogTopics implements DirectoryService.ListCatalogTopics.
func (d *Directory) ListCatalogTopics(ctx context.Context, req *supportv1.ListCatalogTopicsRequest) (*supportv1.ListCatalogTopicsResponse, error) {
	topics, err := d.dir.ListTopics(ctx, serviceOf(req.GetService()))
	if err != nil {
		return nil, toStatus(ctx, d.log, err)
	}
	resp := &supportv1.ListCatalogTopicsResponse{}
	for _, t := range topics {
		resp.Topics = append(resp.Topics, topicToProto(t))
	}
	return resp, nil
}

// CreateSupportTopic implements DirectoryService.CreateSupportTopic.
func (d *Directory) CreateSupportTopic(ctx context.Context, req *supportv1.CreateSupportTopicRequest) (*supportv1.CreateSupportTopicResponse, error) {
	if err := requireMessage("topic", req.GetTopic() != nil); err != nil {
		return nil, toStatus(ctx, d.log, err)
	}
	t, err := d.dir.CreateTopic(ctx, actorOf(ctx), topicOf(req.GetTopic()))
	if err != nil {
		return nil, toStatus(ctx, d.log, err)
	}
	return &supportv1.CreateSupportTopicResponse{Topic: topicToProto(t)}, nil
}

// UpdateSupportTopic implements DirectoryService.UpdateSupportTopic.
func (d *Directory) UpdateSupportTopic(ctx context.Context, req *supportv1.UpdateSupportTopicRequest) (*supportv1.UpdateSupportTopicResponse, error) {
	if err := requireMessage("topic", req.GetTopic() != nil); err != nil {
		return nil, toStatus(ctx, d.log, err)
	}
	t, err := d.dir.UpdateTopic(ctx, actorOf(ctx), topicOf(req.GetTopic()), req.GetUpdateMask().GetPaths())
	if err != nil {
		return nil, toStatus(ctx, d.log, err)
	}
	return &supportv1.UpdateSupportTopicResponse{Topic: topicToProto(t)}, nil
}
