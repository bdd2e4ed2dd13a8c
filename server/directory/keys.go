package directory

import (
	"context"

	"github.com/supportd/supportd/server/auth"
	"github.com/supportd/supportd/server/domain"
	"github.com/supportd/supportd/server/store"
)

// CreateAPIKey creates a key and returns its record and its secret, which
// is not stored and cannot be shown again.
func (s *Service) CreateAPIKey(ctx context.Context, actor string, role domain.Role, partnerID string) (store.APIKey, string, error) {
	if err := ValidateKeyRequest(role, partnerID); err != nil {
		return store.APIKey{}, "", err
	}
	rec, secret := auth.NewKey(role, partnerID, s.now())
	err := s.st.ReadWriteTx(ctx, func(tx store.ReadWriter) error {
		if partnerID != "" {
			if _, err := tx.GetPartner(ctx, partnerID); err != nil {
				return requireParent(err, "partner", partnerID)
			}
		}
		if err := tx.CreateAPIKey(ctx, rec); err != nil {
			return mapStoreErr(err, "api key", rec.ID)
		}
		return audit(ctx, tx, domain.EventAPIKeyCreated, partnerID, actor, "api key "+rec.ID+" "+string(role), rec.CreateTime)
	})
	if err != nil {
		return store.APIKey{}, "", err
	}
	return rec, secret, nil
}

// ListAPIKeys lists keys, of one partner when partnerID is set; like the
// other listings of a partner's records, an unknown partner is not found
// (rather than an empty list that hides a typo).
func (s *Service) ListAPIKeys(ctx context.Context, partnerID string) ([]store.APIKey, error) {
	var out []store.APIKey
	err := s.st.ReadTx(ctx, func(tx store.Reader) error {
		if partnerID != "" {
			if _, err := tx.GetPartner(ctx, partnerID); err != nil {
				return requireParent(err, "partner", partnerID)
			}
		}
		var err error
		out, err = tx.ListAPIKeys(ctx, partnerID)
		return err
	})
	return out, err
}

// RevokeAPIKey revokes a key; calls made with it are refused from the
// moment this returns. Revoking a revoked key changes nothing and succeeds.
func (s *Service) RevokeAPIKey(ctx context.Context, actor, keyID string) error {
	if keyID == "" {
		return domain.Invalid(domain.FieldViolation{Field: "key_id", Description: "required"})
	}
	now := s.now().UTC()
	err := s.st.ReadWriteTx(ctx, func(tx store.ReadWriter) error {
		k, err := tx.GetAPIKey(ctx, keyID)
		if err != nil {
			return mapStoreErr(err, "api key", keyID)
		}
		if !k.RevokeTime.IsZero() {
			return nil // already revoked: revoking is idempotent, nothing changes
		}
		if err := tx.RevokeAPIKey(ctx, keyID, now); err != nil {
			return mapStoreErr(err, "api key", keyID)
		}
		return audit(ctx, tx, domain.EventAPIKeyRevoked, k.PartnerID, actor, "api key "+keyID, now)
	})
	if err == nil && s.keys != nil {
		s.keys.Forget(keyID)
	}
	return err
}
