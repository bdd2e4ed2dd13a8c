package auth

import (
	"context"
	"time"

	"github.com/supportd/supportd/server/domain"
)

// Principal is the authenticated caller of an RPC.
type Principal struct {
	KeyID      string
	Role       domain.Role
	PartnerID  string    // set for partner keys only
	ExpireTime time.Time // when the key expires; zero: never
	// forgets is the authenticator's Forget count when the key was read:
	// Hold re-reads the key only if a revocation may have come since.
	forgets uint64
}

// Actor is how the principal appears on events and notes:
// "partner:<id>", "agent:<key id>" or "admin:<key id>".
func (p Principal) Actor() string {
	switch p.Role {
	case domain.RolePartner:
		return "partner:" + p.PartnerID
	case domain.RoleAgent:
		return "agent:" + p.KeyID
	default:
		return "admin:" + p.KeyID
	}
}

type principalKey struct{}

// WithPrincipal returns ctx carrying p.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	if slot, ok := ctx.Value(slotKey{}).(*Slot); ok {
		slot.Set(p)
	}
	return context.WithValue(ctx, principalKey{}, p)
}

// FromContext returns the principal of an authenticated call.
func FromContext(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok
}
