package directory

import (
	"context"

	"github.com/supportd/supportd/server/domain"
	"github.com/supportd/supportd/server/store"
	"github.com/supportd/supportd/server/validate"
)

// CreateCustomer stores a new customer under an existing partner.
func (s *Service) CreateCustomer(ctx context.Context, actor string, c domain.Customer) (domain.Customer, error) {
	if err := validate.Customer(c); err != nil {
		return c, err
	}
	now := s.now().UTC()
	c.CreateTime = now
	err := s.st.ReadWriteTx(ctx, func(tx store.ReadWriter) error {
		if _, err := tx.GetPartner(ctx, c.PartnerID); err != nil {
			return requireParent(err, "partner", c.PartnerID)
		}
		if err := tx.CreateCustomer(ctx, c); err != nil {
			return mapStoreErr(err, "customer", c.ID)
		}
		return s.record(ctx, tx, actor, now, change{kind: domain.AuditCustomerCreated, resource: customerResource(c.ID), after: c})
	})
	return c, err
}

// GetCustomer returns a customer.
func (s *Service) GetCustomer(ctx context.Context, id string) (domain.Customer, error) {
	if err := validate.RecordID("customer_id", id); err != nil {
		return domain.Customer{}, err
	}
	var c domain.Customer
	err := s.st.ReadTx(ctx, func(tx store.Reader) error {
		var err error
		c, err = tx.GetCustomer(ctx, id)
		return mapStoreErr(err, "customer", id)
	})
	return c, err
}

// ListCustomers lists a partner's customers in id order.
func (s *Service) ListCustomers(ctx context.Context, partnerID string, page store.Page) ([]domain.Customer, error) {
	if err := validate.RecordID("partner_id", partnerID); err != nil {
		return nil, err
	}
	var out []domain.Customer
	err := s.st.ReadTx(ctx, func(tx store.Reader) error {
		if _, err := tx.GetPartner(ctx, partnerID); err != nil {
			return requireParent(err, "partner", partnerID)
		}
		var err error
		out, err = tx.ListCustomers(ctx, partnerID, page)
		return err
	})
	return out, err
}

// CreateSubscription stores a new subscription of an existing customer.
func (s *Service) CreateSubscription(ctx context.Context, actor string, sub domain.Subscription) (domain.Subscription, error) {
	if err := validate.Subscription(sub, nil); err != nil {
		return sub, err
	}
	now := s.now().UTC()
	sub.CreateTime, sub.UpdateTime = now, now
	err := s.st.ReadWriteTx(ctx, func(tx store.ReadWriter) error {
		if _, err := tx.GetCustomer(ctx, sub.CustomerID); err != nil {
			return requireParent(err, "customer", sub.CustomerID)
		}
		if err := tx.CreateSubscription(ctx, sub); err != nil {
			return mapStoreErr(err, "subscription", sub.ID)
		}
		return s.record(ctx, tx, actor, now, change{kind: domain.AuditSubscriptionCreated, resource: subscriptionResource(sub.ID), after: sub})
	})
	return sub, err
}

// UpdateSubscription applies the masked fields (state) of sub.
func (s *Service) UpdateSubscription(ctx context.Context, actor string, sub domain.Subscription, mask []string) (domain.Subscription, error) {
	if err := validate.Mask(mask, "state"); err != nil {
		return sub, err
	}
	if err := validate.Subscription(sub, mask); err != nil {
		return sub, err
	}
	var out domain.Subscription
	err := s.st.ReadWriteTx(ctx, func(tx store.ReadWriter) error {
		cur, err := tx.GetSubscription(ctx, sub.ID)
		if err != nil {
			return mapStoreErr(err, "subscription", sub.ID)
		}
		before := cur
		cur.State, cur.UpdateTime = sub.State, s.now().UTC()
		if err := tx.UpdateSubscription(ctx, cur); err != nil {
			return mapStoreErr(err, "subscription", sub.ID)
		}
		out = cur
		return s.record(ctx, tx, actor, cur.UpdateTime, change{kind: domain.AuditSubscriptionUpdated, resource: subscriptionResource(sub.ID), before: before, after: cur})
	})
	return out, err
}

// ListSubscriptions lists a customer's subscriptions.
func (s *Service) ListSubscriptions(ctx context.Context, customerID string) ([]domain.Subscription, error) {
	if err := validate.RecordID("customer_id", customerID); err != nil {
		return nil, err
	}
	var out []domain.Subscription
	err := s.st.ReadTx(ctx, func(tx store.Reader) error {
		if _, err := tx.GetCustomer(ctx, customerID); err != nil {
			return requireParent(err, "customer", customerID)
		}
		var err error
		out, err = tx.ListSubscriptions(ctx, customerID)
		return err
	})
	return out, err
}

// RegisterContract stores a partner's support contract.
func (s *Service) RegisterContract(ctx context.Context, actor string, c domain.Contract) (domain.Contract, error) {
	if err := validate.Contract(c); err != nil {
		return c, err
	}
	now := s.now().UTC()
	c.CreateTime = now
	err := s.st.ReadWriteTx(ctx, func(tx store.ReadWriter) error {
		if _, err := tx.GetPartner(ctx, c.PartnerID); err != nil {
			return requireParent(err, "partner", c.PartnerID)
		}
		if err := tx.CreateContract(ctx, c); err != nil {
			return mapStoreErr(err, "contract", c.ID)
		}
		return s.record(ctx, tx, actor, now, change{kind: domain.AuditContractRegistered, resource: contractResource(c.ID), after: c})
	})
	return c, err
}

// ListContracts lists a partner's contracts.
func (s *Service) ListContracts(ctx context.Context, partnerID string) ([]domain.Contract, error) {
	if err := validate.RecordID("partner_id", partnerID); err != nil {
		return nil, err
	}
	var out []domain.Contract
	err := s.st.ReadTx(ctx, func(tx store.Reader) error {
		if _, err := tx.GetPartner(ctx, partnerID); err != nil {
			return requireParent(err, "partner", partnerID)
		}
		var err error
		out, err = tx.ListContracts(ctx, partnerID)
		return err
	})
	return out, err
}
