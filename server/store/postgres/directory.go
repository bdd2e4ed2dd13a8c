package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/supportd/supportd/server/domain"
	"github.com/supportd/supportd/server/store"
)

const partnerCols = `id, display_name, status, verified_domains, benefits, create_time, update_time`

func scanPartner(sc pgx.Row) (domain.Partner, error) {
	var p domain.Partner
	var domains, benefits string
	var created, updated int64
	if err := sc.Scan(&p.ID, &p.DisplayName, &p.Status, &domains, &benefits, &created, &updated); err != nil {
		return p, mapErr(err)
	}
	p.CreateTime, p.UpdateTime = fromNanos(created), fromNanos(updated)
	if err := json.Unmarshal([]byte(domains), &p.VerifiedDomains); err != nil {
		return p, err
	}
	return p, json.Unmarshal([]byte(benefits), &p.Benefits)
}

// collect scans every row of a query with scan.
func collect[T any](rows pgx.Rows, err error, scan func(pgx.Row) (T, error)) ([]T, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, mapErr(rows.Err())
}

// GetPartner implements store.Reader.
func (v *txView) GetPartner(_ context.Context, id string) (domain.Partner, error) {
	p, err := scanPartner(v.row(`SELECT `+partnerCols+` FROM partners WHERE id = $1`, id))
	if err != nil {
		return p, fmt.Errorf("partner %q: %w", id, err)
	}
	return p, nil
}

// ListPartners implements store.Reader.
func (v *txView) ListPartners(_ context.Context, p store.Page) ([]domain.Partner, error) {
	rows, err := v.query(`SELECT `+partnerCols+` FROM partners WHERE id > $1 ORDER BY id LIMIT $2`, p.After, p.Size())
	return collect(rows, err, scanPartner)
}

// CreatePartner implements store.Writer.
func (v *txView) CreatePartner(_ context.Context, p domain.Partner) error {
	_, err := v.exec(`INSERT INTO partners(`+partnerCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		p.ID, p.DisplayName, p.Status, jsonText(nonNil(p.VerifiedDomains)), jsonText(nonNil(p.Benefits)),
		nanos(p.CreateTime), nanos(p.UpdateTime))
	if err != nil {
		return fmt.Errorf("partner %q: %w", p.ID, err)
	}
	return nil
}

// UpdatePartner implements store.Writer.
func (v *txView) UpdatePartner(_ context.Context, p domain.Partner) error {
	tag, err := v.exec(`UPDATE partners SET display_name = $1, status = $2, verified_domains = $3, benefits = $4, update_time = $5 WHERE id = $6`,
		p.DisplayName, p.Status, jsonText(nonNil(p.VerifiedDomains)), jsonText(nonNil(p.Benefits)), nanos(p.UpdateTime), p.ID)
	if err != nil {
		return err
	}
	return checkAffected(tag, fmt.Errorf("partner %q: %w", p.ID, store.ErrNotFound))
}

const customerCols = `id, partner_id, display_name, kind, domains, create_time`

func scanCustomer(sc pgx.Row) (domain.Customer, error) {
	var c domain.Customer
	var domains string
	var created int64
	if err := sc.Scan(&c.ID, &c.PartnerID, &c.DisplayName, &c.Kind, &domains, &created); err != nil {
		return c, mapErr(err)
	}
	c.CreateTime = fromNanos(created)
	return c, json.Unmarshal([]byte(domains), &c.Domains)
}

// GetCustomer implements store.Reader.
func (v *txView) GetCustomer(_ context.Context, id string) (domain.Customer, error) {
	c, err := scanCustomer(v.row(`SELECT `+customerCols+` FROM customers WHERE id = $1`, id))
	if err != nil {
		return c, fmt.Errorf("customer %q: %w", id, err)
	}
	return c, nil
}

// ListCustomers implements store.Reader.
func (v *txView) ListCustomers(_ context.Context, partnerID string, p store.Page) ([]domain.Customer, error) {
	rows, err := v.query(`SELECT `+customerCols+` FROM customers WHERE partner_id = $1 AND id > $2 ORDER BY id LIMIT $3`,
		partnerID, p.After, p.Size())
	return collect(rows, err, scanCustomer)
}

// CreateCustomer implements store.Writer.
func (v *txView) CreateCustomer(_ context.Context, c domain.Customer) error {
	_, err := v.exec(`INSERT INTO customers(`+customerCols+`) VALUES ($1, $2, $3, $4, $5, $6)`,
		c.ID, c.PartnerID, c.DisplayName, c.Kind, jsonText(nonNil(c.Domains)), nanos(c.CreateTime))
	if err != nil {
		return fmt.Errorf("customer %q: %w", c.ID, err)
	}
	return nil
}

const subscriptionCols = `id, customer_id, service, state, create_time, update_time`

func scanSubscription(sc pgx.Row) (domain.Subscription, error) {
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
	s, err := scanSubscription(v.row(`SELECT `+subscriptionCols+` FROM subscriptions WHERE id = $1`, id))
	if err != nil {
		return s, fmt.Errorf("subscription %q: %w", id, err)
	}
	return s, nil
}

// ListSubscriptions implements store.Reader.
func (v *txView) ListSubscriptions(_ context.Context, customerID string) ([]domain.Subscription, error) {
	rows, err := v.query(`SELECT `+subscriptionCols+` FROM subscriptions WHERE customer_id = $1 ORDER BY id`, customerID)
	return collect(rows, err, scanSubscription)
}

// CreateSubscription implements store.Writer.
func (v *txView) CreateSubscription(_ context.Context, s domain.Subscription) error {
	_, err := v.exec(`INSERT INTO subscriptions(`+subscriptionCols+`) VALUES ($1, $2, $3, $4, $5, $6)`,
		s.ID, s.CustomerID, s.Service, s.State, nanos(s.CreateTime), nanos(s.UpdateTime))
	if err != nil {
		return fmt.Errorf("subscription %q: %w", s.ID, err)
	}
	return nil
}

// UpdateSubscription implements store.Writer.
func (v *txView) UpdateSubscription(_ context.Context, s domain.Subscription) error {
	tag, err := v.exec(`UPDATE subscriptions SET state = $1, update_time = $2 WHERE id = $3`, s.State, nanos(s.UpdateTime), s.ID)
	if err != nil {
		return err
	}
	return checkAffected(tag, fmt.Errorf("subscription %q: %w", s.ID, store.ErrNotFound))
}

const contractCols = `id, partner_id, kind, reference, create_time`

func scanContract(sc pgx.Row) (domain.Contract, error) {
	var c domain.Contract
	var created int64
	if err := sc.Scan(&c.ID, &c.PartnerID, &c.Kind, &c.Reference, &created); err != nil {
		return c, mapErr(err)
	}
	c.CreateTime = fromNanos(created)
	return c, nil
}

// ListContracts implements store.Reader.
func (v *txView) ListContracts(_ context.Context, partnerID string) ([]domain.Contract, error) {
	rows, err := v.query(`SELECT `+contractCols+` FROM contracts WHERE partner_id = $1 ORDER BY id`, partnerID)
	return collect(rows, err, scanContract)
}

// CreateContract implements store.Writer.
func (v *txView) CreateContract(_ context.Context, c domain.Contract) error {
	_, err := v.exec(`INSERT INTO contracts(`+contractCols+`) VALUES ($1, $2, $3, $4, $5)`,
		c.ID, c.PartnerID, c.Kind, c.Reference, nanos(c.CreateTime))
	if err != nil {
		return fmt.Errorf("contract %q: %w", c.ID, err)
	}
	return nil
}

const apiKeyCols = `id, hash, role, partner_id, create_time, revoke_time, expire_time`

func scanAPIKey(sc pgx.Row) (store.APIKey, error) {
	var k store.APIKey
	var partner *string
	var created int64
	var revoked, expires *int64
	if err := sc.Scan(&k.ID, &k.Hash, &k.Role, &partner, &created, &revoked, &expires); err != nil {
		return k, mapErr(err)
	}
	if partner != nil {
		k.PartnerID = *partner
	}
	k.CreateTime = fromNanos(created)
	if revoked != nil {
		k.RevokeTime = fromNanos(*revoked)
	}
	if expires != nil {
		k.ExpireTime = fromNanos(*expires)
	}
	return k, nil
}

// GetAPIKey implements store.Reader.
func (v *txView) GetAPIKey(_ context.Context, id string) (store.APIKey, error) {
	k, err := scanAPIKey(v.row(`SELECT `+apiKeyCols+` FROM api_keys WHERE id = $1`, id))
	if err != nil {
		return k, fmt.Errorf("api key %q: %w", id, err)
	}
	return k, nil
}

// ListAPIKeys implements store.Reader.
func (v *txView) ListAPIKeys(_ context.Context, partnerID string) ([]store.APIKey, error) {
	rows, err := v.query(`SELECT `+apiKeyCols+` FROM api_keys WHERE $1::text = '' OR partner_id = $1 ORDER BY create_time, id`, partnerID)
	return collect(rows, err, scanAPIKey)
}

// CreateAPIKey implements store.Writer. Other replicas learn of it on
// KeysChannel when the transaction commits.
func (v *txView) CreateAPIKey(_ context.Context, k store.APIKey) error {
	var partner *string
	if k.PartnerID != "" {
		partner = &k.PartnerID
	}
	_, err := v.exec(`INSERT INTO api_keys(`+apiKeyCols+`) VALUES ($1, $2, $3, $4, $5, NULL, $6)`,
		k.ID, k.Hash, k.Role, partner, nanos(k.CreateTime), nullNanos(k.ExpireTime))
	if err != nil {
		return fmt.Errorf("api key %q: %w", k.ID, err)
	}
	return v.notify(KeysChannel, keyCreatedPrefix+k.ID)
}

// RevokeAPIKey implements store.Writer. Other replicas learn of it on
// KeysChannel when the transaction commits.
func (v *txView) RevokeAPIKey(_ context.Context, id string, at time.Time) error {
	tag, err := v.exec(`UPDATE api_keys SET revoke_time = COALESCE(revoke_time, $1) WHERE id = $2`, nanos(at), id)
	if err != nil {
		return err
	}
	if err := checkAffected(tag, fmt.Errorf("api key %q: %w", id, store.ErrNotFound)); err != nil {
		return err
	}
	return v.notify(KeysChannel, id)
}

// revokedSince returns the ids of the keys revoked at or after since.
func (v *txView) revokedSince(since time.Time) ([]string, error) {
	rows, err := v.query(`SELECT id FROM api_keys WHERE revoke_time >= $1`, since.UnixNano())
	if err != nil {
		return nil, err
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	return ids, mapErr(err)
}

// KeysChannel is the LISTEN/NOTIFY channel on which a committed key
// revocation announces the key's id, so that every replica forgets the
// key and ends its streams at once, and a committed key creation
// announces keyCreatedPrefix and the key's id, so that no replica goes on
// refusing an id it had found unknown.
const KeysChannel = "supportd_keys"

// keyCreatedPrefix starts the payload of a key creation on KeysChannel
// (a key id is hex: it never contains a space).
const keyCreatedPrefix = "created "
