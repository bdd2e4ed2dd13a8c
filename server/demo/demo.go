// Package demo seeds a small demo directory into an empty database: the
// partner Adatum of the worked examples of docs/domain.md, with customers of
// each kind, subscriptions and a contract, plus one key of each role.
package demo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/supportd/supportd/server/directory"
	"github.com/supportd/supportd/server/domain"
	"github.com/supportd/supportd/server/store"
)

// Keys are the secrets of the demo keys, shown once.
type Keys struct {
	Admin, Agent, Partner string
}

// Actor is who the audit trail says made the demo records: the server.
const Actor = "system"

// PartnerID is the demo partner's id.
const PartnerID = "adatum"

// Seed creates the demo directory through the directory service (so every
// record has its audit event) and returns fresh keys.
func Seed(ctx context.Context, dir *directory.Service) (Keys, error) {
	const actor = Actor
	steps := []func() error{
		func() error {
			_, err := dir.CreatePartner(ctx, actor, domain.Partner{ID: PartnerID, DisplayName: "Adatum Corporation",
				Status: domain.PartnerTrial, VerifiedDomains: []string{"adatum.example"}, Benefits: []domain.Benefit{domain.BenefitMPN}})
			return err
		},
		customer(ctx, "litware", "Litware, Inc.", domain.CustomerEndCustomer, "litware.example", dir),
		customer(ctx, "fabrikam", "Fabrikam Reseller", domain.CustomerPartner, "fabrikam.example", dir),
		customer(ctx, "adatum-self", "Adatum (own tenant)", domain.CustomerPartnerSelf, "", dir),
		subscription(ctx, "sub-litware-azure", "litware", domain.ServiceAzure, dir),
		subscription(ctx, "sub-fabrikam-o365", "fabrikam", domain.ServiceOffice365, dir),
		subscription(ctx, "sub-adatum-azure", "adatum-self", domain.ServiceAzure, dir),
		func() error {
			_, err := dir.RegisterContract(ctx, actor, domain.Contract{ID: "asp-7", PartnerID: PartnerID, Kind: domain.ProofAzureSupportPlan, Reference: "ASP-7"})
			return err
		},
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return Keys{}, fmt.Errorf("seed demo directory: %w", err)
		}
	}
	return NewKeys(ctx, dir)
}

// NewKeys mints a fresh admin, agent and partner key for the demo.
func NewKeys(ctx context.Context, dir *directory.Service) (Keys, error) {
	const actor = Actor
	var keys Keys
	for _, k := range []struct {
		role    domain.Role
		partner string
		out     *string
	}{{domain.RoleAdmin, "", &keys.Admin}, {domain.RoleAgent, "", &keys.Agent}, {domain.RolePartner, PartnerID, &keys.Partner}} {
		_, secret, err := dir.CreateAPIKey(ctx, actor, k.role, k.partner, time.Time{})
		if err != nil {
			return Keys{}, fmt.Errorf("create demo key: %w", err)
		}
		*k.out = secret
	}
	return keys, nil
}

// ErrNotDemo: the database holds a directory that is not the demo's, so
// --demo neither seeds it nor adds keys to it.
var ErrNotDemo = errors.New("the database already holds a directory that is not the demo's; not seeding it")

// Ensure prepares the demo: it seeds the demo directory into an empty
// database, or, when the database already holds the demo partner (a
// restart of `serve --demo`), mints fresh demo keys, since secrets are
// shown only once. Any other directory is left alone (ErrNotDemo).
func Ensure(ctx context.Context, dir *directory.Service) (Keys, error) {
	partners, err := dir.ListPartners(ctx, store.Page{Limit: 1})
	if err != nil {
		return Keys{}, err
	}
	if len(partners) == 0 {
		return Seed(ctx, dir)
	}
	var nf *domain.NotFoundError
	if _, err := dir.GetPartner(ctx, PartnerID); errors.As(err, &nf) {
		return Keys{}, ErrNotDemo
	} else if err != nil {
		return Keys{}, err
	}
	return NewKeys(ctx, dir)
}

func customer(ctx context.Context, id, name string, kind domain.CustomerKind, dom string, dir *directory.Service) func() error {
	return func() error {
		c := domain.Customer{ID: id, PartnerID: PartnerID, DisplayName: name, Kind: kind}
		if dom != "" {
			c.Domains = []string{dom}
		}
		_, err := dir.CreateCustomer(ctx, Actor, c)
		return err
	}
}

func subscription(ctx context.Context, id, customerID string, service domain.Service, dir *directory.Service) func() error {
	return func() error {
		_, err := dir.CreateSubscription(ctx, Actor, domain.Subscription{ID: id, CustomerID: customerID, Service: service, State: domain.SubscriptionActive})
		return err
	}
}

// PrintWelcome writes the demo keys and grpcurl examples for addr;
// transport is grpcurl's transport flags ("-plaintext", or "-cacert ..."
// for a TLS server).
func PrintWelcome(w io.Writer, addr, transport string, keys Keys) {
	fmt.Fprintf(w, `supportd demo directory: partner %q (TRIAL, MPN benefit, domain adatum.example)
  customers: litware (end customer, Azure), fabrikam (partner customer, Office 365), adatum-self (own tenant, Azure; contract ASP-7)

demo API keys (shown once):
  admin:   %s
  agent:   %s
  partner: %s

try:
  grpcurl %s %s list
  grpcurl %s -H "authorization: Bearer %s" -d '{"service":"SERVICE_AZURE"}' %s support.v1.SupportService/ListSupportTopics
  grpcurl %s -H "authorization: Bearer %s" -d '{"partner_id":"adatum"}' %s support.v1.DirectoryService/GetPartner
`, PartnerID, keys.Admin, keys.Agent, keys.Partner, transport, addr, transport, keys.Partner, addr, transport, keys.Admin, addr)
}
