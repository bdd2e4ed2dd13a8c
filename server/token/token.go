// Package token makes the opaque, tamper-evident tokens of the API: page
// tokens (a listing's keyset cursor, bound to the method and its filters)
// and watch resume tokens (a position in the event log). It knows nothing
// of gRPC: server/api turns a token that does not verify into the field
// violation of its request.
package token

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"reflect"
	"strconv"

	"github.com/supportd/supportd/server/store"
)

// tokenKeySetting names the stored key that signs page and resume tokens,
// so tokens stay valid across restarts.
const tokenKeySetting = "token_key"

// LoadKey returns the token signing key, creating it on first use. Every
// server sharing the database gets the same key, also replicas started at
// once on a new database: the first to create it wins, and the others,
// which read it unset, take the winner's (CreateSetting refuses to
// replace it), so that a token made by one replica verifies on all.
func LoadKey(ctx context.Context, st store.Store) ([]byte, error) {
	var key []byte
	err := st.ReadWriteTx(ctx, func(tx store.ReadWriter) error {
		var err error
		key, err = tx.GetSetting(ctx, tokenKeySetting)
		if err == nil {
			return nil
		}
		if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		key = make([]byte, 32)
		_, _ = rand.Read(key)
		err = tx.CreateSetting(ctx, tokenKeySetting, key)
		if errors.Is(err, store.ErrAlreadyExists) {
			key, err = tx.GetSetting(ctx, tokenKeySetting) // created meanwhile: use that one
		}
		return err
	})
	return key, err
}

// Signer makes opaque, tamper-evident tokens: base64url of a version byte,
// the payload and a truncated HMAC-SHA256 over the scope and the payload.
// The scope binds a token to its use (method and filters): a token from
// another listing or with other filters does not verify.
type Signer struct {
	key []byte
}

// NewSigner returns a signer with the given key.
func NewSigner(key []byte) *Signer { return &Signer{key: key} }

const (
	tokenVersion = 1
	macLen       = 16
)

// ErrBadToken is returned for any token that does not verify.
var ErrBadToken = errors.New("token is malformed, was altered, or belongs to another request")

func (s *Signer) mac(scope string, payload []byte) []byte {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(scope))
	m.Write([]byte{0})
	m.Write(payload)
	return m.Sum(nil)[:macLen]
}

// Sign returns the token for payload in scope.
func (s *Signer) Sign(scope string, payload []byte) string {
	buf := make([]byte, 0, 1+len(payload)+macLen)
	buf = append(buf, tokenVersion)
	buf = append(buf, payload...)
	buf = append(buf, s.mac(scope, payload)...)
	return base64.RawURLEncoding.EncodeToString(buf)
}

// Verify returns the payload of a token signed for scope, or ErrBadToken.
func (s *Signer) Verify(scope, token string) ([]byte, error) {
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || len(raw) < 1+macLen || raw[0] != tokenVersion {
		return nil, ErrBadToken
	}
	payload, sum := raw[1:len(raw)-macLen], raw[len(raw)-macLen:]
	if !hmac.Equal(sum, s.mac(scope, payload)) {
		return nil, ErrBadToken
	}
	return bytes.Clone(payload), nil
}

// Scope builds a page token's scope from a method name and its filter
// values: fmt.Sprintf("%s%q", method, filters). Filters of a string kind
// (the usual case) are quoted directly, which spares fmt's reflection on
// every page (6 % of a ListTickets page's CPU); the scope is the same.
func Scope(method string, filters ...any) string {
	b := make([]byte, 0, len(method)+2+16*len(filters))
	b = append(append(b, method...), '[')
	for i, f := range filters {
		if !plainString(f) {
			return fmt.Sprintf("%s%q", method, filters)
		}
		if i > 0 {
			b = append(b, ' ')
		}
		b = strconv.AppendQuote(b, reflect.ValueOf(f).String())
	}
	return string(append(b, ']'))
}

// plainString reports whether %q formats f as strconv.Quote of its string
// value: a value of a string kind with no formatting method of its own.
func plainString(f any) bool {
	switch f.(type) {
	case nil, fmt.Formatter, fmt.Stringer, error:
		return false
	}
	return reflect.ValueOf(f).Kind() == reflect.String
}

// Cursor returns the keyset cursor of a page token of scope: empty for the
// empty token (the first page), ErrBadToken for a token that does not
// verify.
func (s *Signer) Cursor(scope, token string) (string, error) {
	if token == "" {
		return "", nil
	}
	payload, err := s.Verify(scope, token)
	if err != nil {
		return "", err
	}
	return string(payload), nil
}

// Next returns the token of the page after a page that returned n items
// with last cursor, when a full page (limit) was returned; empty otherwise.
func (s *Signer) Next(scope string, n, limit int, last string) string {
	if n < limit || last == "" {
		return ""
	}
	return s.Sign(scope, []byte(last))
}

// watchScope binds resume tokens to watches. A resume token names a
// position in the event log (the last sequence the stream covered); it is
// the same for every stream, so one event message is built once for all
// streams.
const watchScope = "watch"

// ResumeToken returns the opaque token of log position seq.
func (s *Signer) ResumeToken(seq int64) string {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(seq))
	return s.Sign(watchScope, b[:])
}

// ParseResumeToken returns the log position of a resume token, or
// ErrBadToken.
func (s *Signer) ParseResumeToken(token string) (int64, error) {
	payload, err := s.Verify(watchScope, token)
	if err != nil || len(payload) != 8 {
		return 0, ErrBadToken
	}
	return int64(binary.BigEndian.Uint64(payload)), nil
}
