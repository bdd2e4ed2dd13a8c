package token

import (
	"errors"
	"fmt"
	"testing"
)

func TestTokensVerifyOnlyInTheirScope(t *testing.T) {
	t.Parallel()
	s := NewSigner([]byte("0123456789abcdef0123456789abcdef"))
	other := NewSigner([]byte("another key, another server....."))
	scope := Scope("ListTickets", "p1", "")
	tok := s.Sign(scope, []byte("cursor"))
	if got, err := s.Cursor(scope, tok); err != nil || got != "cursor" {
		t.Fatalf("Cursor of its own token = %q, %v", got, err)
	}
	if got, err := s.Cursor(scope, ""); err != nil || got != "" {
		t.Fatalf("Cursor of the empty token = %q, %v, want the first page", got, err)
	}
	tampered := []byte(tok)
	tampered[3] ^= 1
	for name, bad := range map[string]struct {
		s          *Signer
		scope, tok string
	}{
		"other filters": {s, Scope("ListTickets", "p2", ""), tok},
		"other method":  {s, Scope("ListCustomers", "p1", ""), tok},
		"other key":     {other, scope, tok},
		"tampered":      {s, scope, string(tampered)},
		"not base64":    {s, scope, "%%%"},
		"resume token":  {s, scope, s.ResumeToken(7)},
	} {
		if _, err := bad.s.Cursor(bad.scope, bad.tok); !errors.Is(err, ErrBadToken) {
			t.Errorf("%s: Cursor = %v, want ErrBadToken", name, err)
		}
	}
}

func TestResumeTokensRoundTrip(t *testing.T) {
	t.Parallel()
	s := NewSigner([]byte("0123456789abcdef0123456789abcdef"))
	for _, seq := range []int64{0, 1, 1 << 40} {
		if got, err := s.ParseResumeToken(s.ResumeToken(seq)); err != nil || got != seq {
			t.Errorf("ParseResumeToken(ResumeToken(%d)) = %d, %v", seq, got, err)
		}
	}
	if _, err := s.ParseResumeToken(s.Sign(watchScope, []byte{1, 2})); !errors.Is(err, ErrBadToken) {
		t.Errorf("a resume token of 2 bytes: %v, want ErrBadToken", err)
	}
	if _, err := s.ParseResumeToken(s.Sign("page", make([]byte, 8))); !errors.Is(err, ErrBadToken) {
		t.Errorf("a page token as resume token: %v, want ErrBadToken", err)
	}
	if s.Next("x", 9, 10, "last") != "" || s.Next("x", 10, 10, "") != "" || s.Next("x", 10, 10, "last") == "" {
		t.Error("Next: a token only after a full page with a cursor")
	}
}

type stringer string

func (s stringer) String() string { return "shown as " + string(s) }

type named string

// TestScopeAsFormatted: Scope is fmt.Sprintf("%s%q", method, filters)
// for every kind of filter, so that tokens signed before and after it
// verify alike.
func TestScopeAsFormatted(t *testing.T) {
	for _, filters := range [][]any{
		nil,
		{"adatum"},
		{"adatum", "", named("AZURE"), named("NEW")},
		{`quote " and \ back`, "tab\tnew\nline", "é ü 日本", "\xff invalid"},
		{"agent", named("AUDIT"), int64(1_700_000_000_000_000_000), int64(0)},
		{stringer("x"), nil, 3.5},
	} {
		want := fmt.Sprintf("%s%q", "ListTickets", filters)
		if got := Scope("ListTickets", filters...); got != want {
			t.Errorf("Scope(%#v) = %q, want %q", filters, got, want)
		}
	}
}
