package directory

import (
	"context"
	"time"

	"github.com/supportd/supportd/server/auth"
	"github.com/supportd/supportd/server/domain"
	"github.com/supportd/supportd/server/store"
	"github.com/supportd/supportd/server/validate"
)

// CreateAPIKey creates a key that expires at expire (zero: never) and
// returns its record and its secret, which is not stored and cannot be
// shown again.
func (s *Service) CreateAPIKey(ctx context.Context, actor string, role domain.Role, partnerID string, expire time.Time) (store.APIKey, string, error) {
	now := s.now().UTC()
	if err := validate.KeyRequest(role, partnerID, expire, now); err != nil {
		return store.APIKey{}, "", err
	}
	rec, secret := auth.NewKey(role, partnerID, now)
	rec.ExpireTime = expire.UTC()
	if expire.IsZero() {
		rec.ExpireTime = time.Time{}
	}
	err := s.st.ReadWriteTx(ctx, func(tx store.ReadWriter) error {
		if partnerID != "" {
			if _, err := tx.GetPartner(ctx, partnerID); err != nil {
				return requireParent(err, "partner", partnerID)
			}
		}
		if err := tx.CreateAPIKey(ctx, rec); err != nil {
			return mapStoreErr(err, "api key", rec.ID)
		}
		return s.record(ctx, tx, actor, rec.CreateTime, change{kind: domain.AuditAPIKeyCreated, resource: apiKeyResource(rec.ID), after: rec})
	})
	if err != nil {
		return store.APIKey{}, "", err
	}
	if s.keys != nil {
		// After the commit: an id found unknown before is forgotten
		// (other replicas learn of the creation from the store).
		s.keys.Forget(rec.ID)
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
// moment this returns, and the streams open with it end (see
// auth.Authenticator.Revoked). Revoking a revoked key changes nothing and
// succeeds.
func (s *Service) RevokeAPIKey(ctx context.Context, actor, keyID string) error {
	if err := validate.RecordID("key_id", keyID); err != nil {
		return err
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
		after := k
		after.RevokeTime = now
		return s.record(ctx, tx, actor, now, change{kind: domain.AuditAPIKeyRevoked, resource: apiKeyResource(keyID), before: k, after: after})
	})
	// After the commit, never before: a stream that re-reads the key on
	// this notice must find it revoked.
	if err == nil && s.keys != nil {
		s.keys.Revoked(keyID)
	}
	return err
}
