package api

import (
	"google.golang.org/protobuf/proto"

	"github.com/supportd/supportd/server/domain"
	"github.com/supportd/supportd/server/store"
	"github.com/supportd/supportd/server/token"
)

// Page sizes of every listing.
const (
	DefaultPageSize = store.DefaultPageSize
	MaxPageSize     = 500
)

// MaxPageBytes bounds the encoded items of one page. A page holds fewer
// than page_size items when more would exceed it (its next_page_token
// continues after the last item sent), so that no listing outgrows the
// 4 MiB a gRPC client receives by default, nor the server's send limit,
// whatever the items hold: one item alone (a ticket of at most ~45 KB, a
// note of at most limits.note_bytes and below the 1 MiB request limit)
// always fits.
const MaxPageBytes = 3 << 20

// fitPage returns how many of items, from the first, fit in MaxPageBytes
// once encoded; at least one.
func fitPage[T proto.Message](items []T) int {
	return fitSizes(len(items), func(i int) int { return proto.Size(items[i]) })
}

// fitSizes is fitPage for n items whose encoded sizes size gives.
func fitSizes(n int, size func(i int) int) int {
	total := 0
	for i := range n {
		total += size(i) + 6 // the field's tag and length prefix
		if total > MaxPageBytes && i > 0 {
			return i
		}
	}
	return n
}

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

// pageCursor decodes a page token for scope (see token.Signer.Cursor); a
// token that does not verify is a violation on page_token.
func pageCursor(s *token.Signer, scope, tok string) (string, error) {
	cursor, err := s.Cursor(scope, tok)
	if err != nil {
		return "", domain.Invalid(domain.FieldViolation{Field: "page_token", Description: err.Error()})
	}
	return cursor, nil
}
