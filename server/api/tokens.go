package api

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"

	"github.com/supportd/supportd/server/store"
)

// tokenKeySetting names the stored key that signs page and resume tokens,
// so tokens stay valid across restarts.
const tokenKeySetting = "token_key"

// LoadTokenKey returns the token signing key, creating it on first use.
func LoadTokenKey(ctx context.Context, st store.Store) ([]byte, error) {
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
		return tx.PutSetting(ctx, tokenKeySetting, key)
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

// errBadToken is returned for any token that does not verify.
var errBadToken = errors.New("token is malformed, was altered, or belongs to another request")

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

// Verify returns the payload of a token signed for scope, or errBadToken.
func (s *Signer) Verify(scope, token string) ([]byte, error) {
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || len(raw) < 1+macLen || raw[0] != tokenVersion {
		return nil, errBadToken
	}
	payload, sum := raw[1:len(raw)-macLen], raw[len(raw)-macLen:]
	if !hmac.Equal(sum, s.mac(scope, payload)) {
		return nil, errBadToken
	}
	return bytes.Clone(payload), nil
}

// scopeOf builds a scope from a method name and its filter values.
func scopeOf(method string, filters ...any) string {
	return fmt.Sprintf("%s%q", method, filters)
}
