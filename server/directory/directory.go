// Package directory provisions partners, customers, subscriptions,
// contracts and API keys. Every change is written with an audit event in
// the same transaction. Each operation checks its fields with the pure
// rules of server/validate before it reads anything, then what needs the
// store (a parent that exists, an id not taken); errors are domain errors,
// mapped to gRPC codes by the API layer.
package directory

import (
	"context"
	"errors"
	"time"

	"github.com/supportd/supportd/server/auth"
	"github.com/supportd/supportd/server/domain"
	"github.com/supportd/supportd/server/store"
	"github.com/supportd/supportd/server/validate"
)

// Service is the directory's domain service.
type Service struct {
	st     store.Store
	now    func() time.Time
	keys   *auth.Authenticator // told about key changes; may be nil
	render Renderer
}

// New returns a directory service over st. now is the clock (time.Now in
// production); keys, if not nil, is told about revocations at once (its
// cache forgets the key and the key's open streams end); render gives the
// audit trail the API form of each changed resource (required).
func New(st store.Store, now func() time.Time, keys *auth.Authenticator, render Renderer) *Service {
	if render == nil {
		panic("directory.New: a Renderer is required (api.AuditJSON)")
	}
	return &Service{st: st, now: now, keys: keys, render: render}
}

// mapStoreErr turns store sentinels into domain errors for kind/id.
func mapStoreErr(err error, kind, id string) error {
	switch {
	case errors.Is(err, store.ErrAlreadyExists):
		return &domain.AlreadyExistsError{Kind: kind, ID: id}
	case errors.Is(err, store.ErrNotFound):
		return &domain.NotFoundError{Kind: kind, ID: id}
	}
	return err
}

// requireParent returns NotFound for kind/id when get fails with ErrNotFound.
func requireParent(err error, kind, id string) error {
	if errors.Is(err, store.ErrNotFound) {
		return &domain.NotFoundError{Kind: kind, ID: id}
	}
	return err
}

// CreatePartner stores a new partner.
func (s *Service) CreatePartner(ctx context.Context, actor string, p domain.Partner) (domain.Partner, error) {
	if err := validate.Partner(p, nil); err != nil {
		return p, err
	}
	now := s.now().UTC()
	p.CreateTime, p.UpdateTime = now, now
	err := s.st.ReadWriteTx(ctx, func(tx store.ReadWriter) error {
		if err := tx.CreatePartner(ctx, p); err != nil {
			return mapStoreErr(err, "partner", p.ID)
		}
		return s.record(ctx, tx, actor, now, change{kind: domain.AuditPartnerCreated, resource: partnerResource(p.ID), after: p})
	})
	return p, err
}

// GetPartner returns a partner.
func (s *Service) GetPartner(ctx context.Context, id string) (domain.Partner, error) {
	if err := validate.RecordID("partner_id", id); err != nil {
		return domain.Partner{}, err
	}
	var p domain.Partner
	err := s.st.ReadTx(ctx, func(tx store.Reader) error {
		var err error
		p, err = tx.GetPartner(ctx, id)
		return mapStoreErr(err, "partner", id)
	})
	return p, err
}

// ListPartners lists partners in id order after the id `after`.
func (s *Service) ListPartners(ctx context.Context, page store.Page) ([]domain.Partner, error) {
	var out []domain.Partner
	err := s.st.ReadTx(ctx, func(tx store.Reader) error {
		var err error
		out, err = tx.ListPartners(ctx, page)
		return err
	})
	return out, err
}

// UpdatePartner applies the masked fields of p to the stored partner.
// mask must name at least one of display_name, status, verified_domains,
// benefits.
func (s *Service) UpdatePartner(ctx context.Context, actor string, p domain.Partner, mask []string) (domain.Partner, error) {
	if err := validate.Mask(mask, "display_name", "status", "verified_domains", "benefits"); err != nil {
		return p, err
	}
	if err := validate.Partner(p, mask); err != nil {
		return p, err
	}
	var out domain.Partner
	err := s.st.ReadWriteTx(ctx, func(tx store.ReadWriter) error {
		cur, err := tx.GetPartner(ctx, p.ID)
		if err != nil {
			return mapStoreErr(err, "partner", p.ID)
		}
		before := cur
		for _, f := range mask {
			switch f {
			case "display_name":
				cur.DisplayName = p.DisplayName
			case "status":
				cur.Status = p.Status
			case "verified_domains":
				cur.VerifiedDomains = p.VerifiedDomains
			case "benefits":
				cur.Benefits = p.Benefits
			}
		}
		cur.UpdateTime = s.now().UTC()
		if err := tx.UpdatePartner(ctx, cur); err != nil {
			return mapStoreErr(err, "partner", p.ID)
		}
		out = cur
		return s.record(ctx, tx, actor, cur.UpdateTime, change{kind: domain.AuditPartnerUpdated, resource: partnerResource(p.ID), before: before, after: cur})
	})
	return out, err
}
