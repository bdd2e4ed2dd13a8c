package client

import (
	"context"
	"iter"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	supportv1 "github.com/supportd/supportd/gen/support/v1"
)

// Directory is the provisioning side of the API
// (support.v1.DirectoryService, admin keys). Reads and field-mask updates
// are retried on UNAVAILABLE; creations and revocations are not (a retry
// of a creation that went through would fail with ALREADY_EXISTS).
type Directory struct {
	*conn
	svc supportv1.DirectoryServiceClient
}

// NewDirectory connects to the DirectoryService at addr, with the options of New.
func NewDirectory(addr string, opts ...Option) (*Directory, error) {
	c, err := dial(addr, opts)
	if err != nil {
		return nil, err
	}
	return &Directory{conn: c, svc: supportv1.NewDirectoryServiceClient(c.cc)}, nil
}

// Raw returns the generated stub on the directory's connection.
func (d *Directory) Raw() supportv1.DirectoryServiceClient { return d.svc }

func call[Req, Resp any](ctx context.Context, f func(context.Context, Req, ...grpc.CallOption) (Resp, error), req Req, opts ...grpc.CallOption) (Resp, error) {
	resp, err := f(ctx, req, opts...)
	return resp, FromError(err)
}

// CreatePartner creates a partner (id chosen by the caller).
func (d *Directory) CreatePartner(ctx context.Context, p *supportv1.Partner) (*supportv1.Partner, error) {
	resp, err := call(ctx, d.svc.CreatePartner, &supportv1.CreatePartnerRequest{Partner: p}, noRetry)
	return resp.GetPartner(), err
}

// GetPartner returns a partner.
func (d *Directory) GetPartner(ctx context.Context, id string) (*supportv1.Partner, error) {
	resp, err := call(ctx, d.svc.GetPartner, &supportv1.GetPartnerRequest{PartnerId: id})
	return resp.GetPartner(), err
}

// ListPartners returns one page of partners.
func (d *Directory) ListPartners(ctx context.Context, req *supportv1.ListPartnersRequest) (*supportv1.ListPartnersResponse, error) {
	return call(ctx, d.svc.ListPartners, req)
}

// UpdatePartner updates the fields of p named by paths.
func (d *Directory) UpdatePartner(ctx context.Context, req *supportv1.UpdatePartnerRequest) (*supportv1.Partner, error) {
	resp, err := call(ctx, d.svc.UpdatePartner, req)
	return resp.GetPartner(), err
}

// CreateCustomer creates a customer of a partner.
func (d *Directory) CreateCustomer(ctx context.Context, c *supportv1.Customer) (*supportv1.Customer, error) {
	resp, err := call(ctx, d.svc.CreateCustomer, &supportv1.CreateCustomerRequest{Customer: c}, noRetry)
	return resp.GetCustomer(), err
}

// GetCustomer returns a customer.
func (d *Directory) GetCustomer(ctx context.Context, id string) (*supportv1.Customer, error) {
	resp, err := call(ctx, d.svc.GetCustomer, &supportv1.GetCustomerRequest{CustomerId: id})
	return resp.GetCustomer(), err
}

// ListCustomers returns one page of customers.
func (d *Directory) ListCustomers(ctx context.Context, req *supportv1.ListCustomersRequest) (*supportv1.ListCustomersResponse, error) {
	return call(ctx, d.svc.ListCustomers, req)
}

// CreateSubscription creates a subscription of a customer.
func (d *Directory) CreateSubscription(ctx context.Context, s *supportv1.Subscription) (*supportv1.Subscription, error) {
	resp, err := call(ctx, d.svc.CreateSubscription, &supportv1.CreateSubscriptionRequest{Subscription: s}, noRetry)
	return resp.GetSubscription(), err
}

// UpdateSubscription updates the fields named by the request's mask.
func (d *Directory) UpdateSubscription(ctx context.Context, req *supportv1.UpdateSubscriptionRequest) (*supportv1.Subscription, error) {
	resp, err := call(ctx, d.svc.UpdateSubscription, req)
	return resp.GetSubscription(), err
}

// ListSubscriptions lists subscriptions.
func (d *Directory) ListSubscriptions(ctx context.Context, req *supportv1.ListSubscriptionsRequest) (*supportv1.ListSubscriptionsResponse, error) {
	return call(ctx, d.svc.ListSubscriptions, req)
}

// RegisterContract registers a contract (entitlement proof) of a partner.
func (d *Directory) RegisterContract(ctx context.Context, c *supportv1.Contract) (*supportv1.Contract, error) {
	resp, err := call(ctx, d.svc.RegisterContract, &supportv1.RegisterContractRequest{Contract: c}, noRetry)
	return resp.GetContract(), err
}

// ListContracts lists contracts.
func (d *Directory) ListContracts(ctx context.Context, req *supportv1.ListContractsRequest) (*supportv1.ListContractsResponse, error) {
	return call(ctx, d.svc.ListContracts, req)
}

// ListCatalogTopics lists a service's support topic catalogue, featured
// topics first (as partners see it).
func (d *Directory) ListCatalogTopics(ctx context.Context, service supportv1.Service) ([]*supportv1.SupportTopic, error) {
	resp, err := call(ctx, d.svc.ListCatalogTopics, &supportv1.ListCatalogTopicsRequest{Service: service})
	return resp.GetTopics(), err
}

// CreateSupportTopic adds a topic to a service's support catalogue.
func (d *Directory) CreateSupportTopic(ctx context.Context, t *supportv1.SupportTopic) (*supportv1.SupportTopic, error) {
	resp, err := call(ctx, d.svc.CreateSupportTopic, &supportv1.CreateSupportTopicRequest{Topic: t}, noRetry)
	return resp.GetTopic(), err
}

// UpdateSupportTopic updates the fields of a topic named by the request's mask.
func (d *Directory) UpdateSupportTopic(ctx context.Context, req *supportv1.UpdateSupportTopicRequest) (*supportv1.SupportTopic, error) {
	resp, err := call(ctx, d.svc.UpdateSupportTopic, req)
	return resp.GetTopic(), err
}

// KeyOption refines a key to create.
type KeyOption func(*supportv1.CreateApiKeyRequest)

// ExpiresAt makes the key expire at t (in the future, at most five years
// ahead); by default a key does not expire.
func ExpiresAt(t time.Time) KeyOption {
	return func(r *supportv1.CreateApiKeyRequest) { r.ExpireTime = timestamppb.New(t) }
}

// CreateAPIKey creates an API key; the secret is in the response only.
func (d *Directory) CreateAPIKey(ctx context.Context, role supportv1.Role, partnerID string, opts ...KeyOption) (*supportv1.CreateApiKeyResponse, error) {
	req := &supportv1.CreateApiKeyRequest{Role: role, PartnerId: partnerID}
	for _, o := range opts {
		o(req)
	}
	return call(ctx, d.svc.CreateApiKey, req, noRetry)
}

// ListAPIKeys lists API keys (never their secrets).
func (d *Directory) ListAPIKeys(ctx context.Context, req *supportv1.ListApiKeysRequest) (*supportv1.ListApiKeysResponse, error) {
	return call(ctx, d.svc.ListApiKeys, req)
}

// RevokeAPIKey revokes an API key.
func (d *Directory) RevokeAPIKey(ctx context.Context, keyID string) error {
	_, err := call(ctx, d.svc.RevokeApiKey, &supportv1.RevokeApiKeyRequest{KeyId: keyID}, noRetry)
	return err
}

// ListAuditEvents returns one page of the audit trail, newest first.
func (d *Directory) ListAuditEvents(ctx context.Context, req *supportv1.ListAuditEventsRequest) (*supportv1.ListAuditEventsResponse, error) {
	return call(ctx, d.svc.ListAuditEvents, req)
}

// AllAuditEvents iterates over every audit event matching req's filters,
// newest first, fetching pages as needed (from req's page token, if set).
// A failed page ends the iteration with its error.
func (d *Directory) AllAuditEvents(ctx context.Context, req *supportv1.ListAuditEventsRequest) iter.Seq2[*supportv1.AuditEvent, error] {
	return pages(func(token string) ([]*supportv1.AuditEvent, string, error) {
		r := proto.CloneOf(req)
		if r == nil {
			r = &supportv1.ListAuditEventsRequest{}
		}
		r.PageToken = token
		resp, err := d.ListAuditEvents(ctx, r)
		return resp.GetAuditEvents(), resp.GetNextPageToken(), err
	}, req.GetPageToken())
}
