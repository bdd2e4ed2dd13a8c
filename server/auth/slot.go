package auth

import (
	"context"
	"sync"
)

// Slot lets interceptors that run before authentication (logging) learn
// the principal once authentication has run further down the chain.
type Slot struct {
	mu sync.Mutex
	p  Principal
	ok bool
}

type slotKey struct{}

// WithSlot returns ctx carrying a fresh slot.
func WithSlot(ctx context.Context) (context.Context, *Slot) {
	s := &Slot{}
	return context.WithValue(ctx, slotKey{}, s), s
}

// SlotFromContext returns the slot put in ctx by WithSlot.
func SlotFromContext(ctx context.Context) (*Slot, bool) {
	s, ok := ctx.Value(slotKey{}).(*Slot)
	return s, ok
}

// Set records the principal.
func (s *Slot) Set(p Principal) {
	s.mu.Lock()
	s.p, s.ok = p, true
	s.mu.Unlock()
}

// Get returns the principal, if authentication set one.
func (s *Slot) Get() (Principal, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.p, s.ok
}
