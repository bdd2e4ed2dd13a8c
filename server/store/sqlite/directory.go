package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/supportd/supportd/server/domain"
	"github.com/supportd/supportd/server/store"
)

const partnerCols = `id, display_name, status, verified_domains, benefits, create_time, update_time`

func scanPartner(sc interface{ Scan(...any) error }) (domain.Partner, error) {
	var p domain.Partner
	var domains, benefits []byte
	var created, updated int64
	if err := sc.Scan(&p.ID, &p.DisplayName, &p.Status, &domains, &benefits, &created, &updated); err != nil {
		return p, mapErr(err)
	}
	p.CreateTime, p.UpdateTime = fromNanos(created), fromNanos(updated)
	if err := json.Unmarshal(domains, &p.VerifiedDomains); err != nil {
		return p, err
	}
	return p, json.Unmarshal(benefits, &p.Benefits)
}

// GetPartner implements store.Reader.
func (v *txView) GetPartner(_ context.Context, id string) (domain.Partner, error) {
	return cachedDirectory(v, dirPartners, id, func() (domain.Partner, error) {
		p, err := scanPartner(v.row(`SELECT `+partnerCols+` FROM partners WHERE id = ?`, id))
		if err != nil {
			return p, fmt.Errorf("partner %q: %w", id, err)
		}
		return p, nil
	})
}

// ListPartners implements store.Reader.
func (v *txView) ListPartners(_ context.Context, p store.Page) ([]domain.Partner, error) {
	rows, err := v.query(`SELECT `+partnerCols+` FROM partners WHERE id > ? ORDER BY id LIMIT ?`, p.After, p.Size())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []domain.Partner
	for rows.Next() {
		partner, err := scanPartner(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, partner)
	}
	return out, mapErr(rows.Err())
}

// CreatePartner implements store.Writer.
func (v *txView) CreatePartner(_ context.Context, p domain.Partner) error {
	_, err := v.exec(`INSERT INTO partners(`+partnerCols+`) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		p.ID, p.DisplayName, p.Status, jsonText(nonNil(p.VerifiedDomains)), jsonText(nonNil(p.Benefits)),
		nanos(p.CreateTime), nanos(p.UpdateTime))
	if err != nil {
		return fmt.Errorf("partner %q: %w", p.ID, err)
	}
	return nil
}

// UpdatePartner implements store.Writer.
func (v *txView) UpdatePartner(_ context.Context, p domain.Partner) error {
	res, err := v.exec(`UPDATE partners SET display_name = ?, status = ?, verified_domains = ?, benefits = ?, update_time = ? WHERE id = ?`,
		p.DisplayName, p.Status, jsonText(nonNil(p.VerifiedDomains)), jsonText(nonNil(p.Benefits)), nanos(p.UpdateTime), p.ID)
	if err != nil {
		return err
	}
	return checkAffected(res, fmt.Errorf("partner %q: %w", p.ID, store.ErrNotFound))
}

const customerCols = `id, partner_id, display_name, kind, domains, create_time`

func scanCustomer(sc interface{ Scan(...any) error }) (domain.Customer, error) {
	var c domain.Customer
	var domains []byte
	var created int64
	if err := sc.Scan(&c.ID, &c.PartnerID, &c.DisplayName, &c.Kind, &domains, &created); err != nil {
		return c, mapErr(err)
	}
	c.CreateTime = fromNanos(created)
	return c, json.Unmarshal(domains, &c.Domains)
}

// GetCustomer implements store.Reader.
func (v *txView) GetCustomer(_ context.Context, id string) (domain.Customer, error) {
	return cachedDirectory(v, dirCustomers, id, func() (domain.Customer, error) {
		c, err := scanCustomer(v.row(`SELECT `+customerCols+` FROM customers WHERE id = ?`, id))
		if err != nil {
			return c, fmt.Errorf("customer %q: %w", id, err)
		}
		return c, nil
	})
}

// ListCustomers implements store.Reader.
func (v *txView) ListCustomers(_ context.Context, partnerID string, p store.Page) ([]domain.Customer, error) {
	rows, err := v.query(`SELECT `+customerCols+` FROM customers WHERE partner_id = ? AND id > ? ORDER BY id LIMIT ?`,
		partnerID, p.After, p.Size())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []domain.Customer
	for rows.Next() {
		c, err := scanCustomer(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, mapErr(rows.Err())
}

// CreateCustomer implements store.Writer.
func (v *txView) CreateCustomer(_ context.Context, c domain.Customer) error {
	_, err := v.exec(`INSERT INTO customers(`+customerCols+`) VALUES (?, ?, ?, ?, ?, ?)`,
		c.ID, c.PartnerID, c.DisplayName, c.Kind, jsonText(nonNil(c.Domains)), nanos(c.CreateTime))
	if err != nil {
		return fmt.Errorf("customer %q: %w", c.ID, err)
	}
	return nil
}

const subscriptionCols = `id, customer_id, service, state, create_time, update_time`

func scanSubscription(sc interface{ Scan(...any) error }) (domain.Subscription, error) {
	var s domain.Subscription
	var created, updated int64
	if err := sc.Scan(&s.ID, &s.CustomerID, &s.Service, &s.State, &created, &updated); err != nil {
		return s, mapErr(err)
	}
	s.CreateTime, s.UpdateTime = fromNanos(created), fromNanos(updated)
	return s, nil
}

// GetSubscription implements store.Reader.
func (v *txView) GetSubscription(_ context.Context, id string) (domain.Subscription, error) {
	s, err := scanSubscription(v.row(`SELECT `+subscriptionCols+` FROM subscriptions WHERE id = ?`, id))
	if err != nil {
		return s, fmt.Errorf("subscription %q: %w", id, err)
	}
	return s, nil
}

// ListSubscriptions implements store.Reader.
func (v *txView) ListSubscriptions(_ context.Context, customerID string) ([]domain.Subscription, error) {
	return cachedDirectory(v, dirSubscriptions, customerID, func() ([]domain.Subscription, error) {
		return v.listSubscriptions(customerID)
	})
}

func (v *txView) listSubscriptions(customerID string) ([]domain.Subscription, error) {
	rows, err := v.query(`SELECT `+subscriptionCols+` FROM subscriptions WHERE customer_id = ? ORDER BY id`, customerID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []domain.Subscription
	for rows.Next() {
		s, err := scanSubscription(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, mapErr(rows.Err())
}

// CreateSubscription implements store.Writer.
func (v *txView) CreateSubscription(_ context.Context, s domain.Subscription) error {
	_, err := v.exec(`INSERT INTO subscriptions(`+subscriptionCols+`) VALUES (?, ?, ?, ?, ?, ?)`,
		s.ID, s.CustomerID, s.Service, s.State, nanos(s.CreateTime), nanos(s.UpdateTime))
	if err != nil {
		return fmt.Errorf("subscription %q: %w", s.ID, err)
	}
	return nil
}

// UpdateSubscription implements store.Writer.
func (v *txView) UpdateSubscription(_ context.Context, s domain.Subscription) error {
	res, err := v.exec(`UPDATE subscriptions SET state = ?, update_time = ? WHERE id = ?`, s.State, nanos(s.UpdateTime), s.ID)
	if err != nil {
		return err
	}
	return checkAffected(res, fmt.Errorf("subscription %q: %w", s.ID, store.ErrNotFound))
}

const contractCols = `id, partner_id, kind, reference, create_time`

// ListContracts implements store.Reader.
func (v *txView) ListContracts(_ context.Context, partnerID string) ([]domain.Contract, error) {
	return cachedDirectory(v, dirContracts, partnerID, func() ([]domain.Contract, error) {
		return v.listContracts(partnerID)
	})
}

func (v *txView) listContracts(partnerID string) ([]domain.Contract, error) {
	rows, err := v.query(`SELECT `+contractCols+` FROM contracts WHERE partner_id = ? ORDER BY id`, partnerID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []domain.Contract
	for rows.Next() {
		var c domain.Contract
		var created int64
		if err := rows.Scan(&c.ID, &c.PartnerID, &c.Kind, &c.Reference, &created); err != nil {
			return nil, mapErr(err)
		}
		c.CreateTime = fromNanos(created)
		out = append(out, c)
	}
	return out, mapErr(rows.Err())
}

// CreateContract implements store.Writer.
func (v *txView) CreateContract(_ context.Context, c domain.Contract) error {
	_, err := v.exec(`INSERT INTO contracts(`+contractCols+`) VALUES (?, ?, ?, ?, ?)`,
		c.ID, c.PartnerID, c.Kind, c.Reference, nanos(c.CreateTime))
	if err != nil {
		return fmt.Errorf("contract %q: %w", c.ID, err)
	}
	return nil
}

const apiKeyCols = `id, hash, role, partner_id, create_time, revoke_time, expire_time`

func scanAPIKey(sc interface{ Scan(...any) error }) (store.APIKey, error) {
	var k store.APIKey
	var partner sql.NullString
	var created int64
	var revoked, expires sql.NullInt64
	if err := sc.Scan(&k.ID, &k.Hash, &k.Role, &partner, &created, &revoked, &expires); err != nil {
		return k, mapErr(err)
	}
	k.PartnerID, k.CreateTime, k.RevokeTime = partner.String, fromNanos(created), fromNanos(revoked.Int64)
	k.ExpireTime = fromNanos(expires.Int64)
	return k, nil
}

// GetAPIKey implements store.Reader.
func (v *txView) GetAPIKey(_ context.Context, id string) (store.APIKey, error) {
	k, err := scanAPIKey(v.row(`SELECT `+apiKeyCols+` FROM api_keys WHERE id = ?`, id))
	if err != nil {
		return k, fmt.Errorf("api key %q: %w", id, err)
	}
	return k, nil
}

// ListAPIKeys implements store.Reader.
func (v *txView) ListAPIKeys(_ context.Context, partnerID string) ([]store.APIKey, error) {
	rows, err := v.query(`SELECT `+apiKeyCols+` FROM api_keys WHERE ? = '' OR partner_id = ? ORDER BY create_time, id`, partnerID, partnerID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.APIKey
	for rows.Next() {
		k, err := scanAPIKey(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, mapErr(rows.Err())
}

// CreateAPIKey implements store.Writer.
func (v *txView) CreateAPIKey(_ context.Context, k store.APIKey) error {
	partner := sql.NullString{String: k.PartnerID, Valid: k.PartnerID != ""}
	_, err := v.exec(`INSERT INTO api_keys(`+apiKeyCols+`) VALUES (?, ?, ?, ?, ?, NULL, ?)`,
		k.ID, k.Hash, k.Role, partner, nanos(k.CreateTime), nullNanos(k.ExpireTime))
	if err != nil {
		return fmt.Errorf("api key %q: %w", k.ID, err)
	}
	return nil
}

// RevokeAPIKey implements store.Writer.
func (v *txView) RevokeAPIKey(_ context.Context, id string, at time.Time) error {
	res, err := v.exec(`UPDATE api_keys SET revoke_time = COALESCE(revoke_time, ?) WHERE id = ?`, nanos(at), id)
	if err != nil {
		return err
	}
	return checkAffected(res, fmt.Errorf("api key %q: %w", id, store.ErrNotFound))
}

// nonNil makes nil slices marshal as [] rather than null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
