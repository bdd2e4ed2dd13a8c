package api

import (
	"github.com/supportd/supportd/server/domain"
)

// Page sizes of every listing.
const (
	DefaultPageSize = 50
	MaxPageSize     = 500
)

// pageSize validates a requested page size: 0 means the default, sizes
// above the maximum are lowered to it, negative ones are invalid.
func pageSize(n int32) (int, error) {
	switch {
	case n < 0:
		return 0, domain.Invalid(domain.FieldViolation{Field: "page_size", Description: "must not be negative"})
	case n == 0:
		return DefaultPageSize, nil
	case n > MaxPageSize:
		return MaxPageSize, nil
	}
	return int(n), nil
}

// pageCursor decodes a page token for scope; an empty token is the first
// page (empty cursor).
func (s *Signer) pageCursor(scope, token string) (string, error) {
	if token == "" {
		return "", nil
	}
	payload, err := s.Verify(scope, token)
	if err != nil {
		return "", domain.Invalid(domain.FieldViolation{Field: "page_token", Description: err.Error()})
	}
	return string(payload), nil
}

// nextToken returns the token of the page after a page that returned n
// items with last cursor, when a full page (limit) was returned.
func (s *Signer) nextToken(scope string, n, limit int, last string) string {
	if n < limit || last == "" {
		return ""
	}
	return s.Sign(scope, []byte(last))
}
