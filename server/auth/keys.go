// Package auth issues and checks API keys and authorises calls by role.
//
// A key's secret has the form "sk_<key id>_<random>"; only its SHA-256 hash
// is stored (the random part has 256 bits of entropy, so a fast hash is
// enough). The key id is public: it names the key for listing and revoking.
package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strings"
	"time"

	"github.com/supportd/supportd/server/domain"
	"github.com/supportd/supportd/server/store"
)

const secretPrefix = "sk_"

// NewKey makes a fresh key for role (and partnerID for partner keys): the
// record to store and the secret to show once.
func NewKey(role domain.Role, partnerID string, now time.Time) (rec store.APIKey, secret string) {
	id := make([]byte, 8)
	random := make([]byte, 32)
	_, _ = rand.Read(id) // crypto/rand.Read never fails on supported platforms
	_, _ = rand.Read(random)
	keyID := hex.EncodeToString(id)
	secret = secretPrefix + keyID + "_" + base64.RawURLEncoding.EncodeToString(random)
	return store.APIKey{
		ID:         keyID,
		Hash:       hashSecret(secret),
		Role:       role,
		PartnerID:  partnerID,
		CreateTime: now.UTC(),
	}, secret
}

// ErrMalformedKey is returned for a bearer token that is not a supportd key.
var ErrMalformedKey = errors.New("malformed API key")

// ParseKeyID extracts the key id from a secret.
func ParseKeyID(secret string) (string, error) {
	rest, ok := strings.CutPrefix(secret, secretPrefix)
	if !ok {
		return "", ErrMalformedKey
	}
	id, random, ok := strings.Cut(rest, "_")
	if !ok || len(id) != 16 || random == "" {
		return "", ErrMalformedKey
	}
	return id, nil
}

func hashSecret(secret string) []byte {
	sum := sha256.Sum256([]byte(secret))
	return sum[:]
}

// Matches reports, in constant time, whether secret is the key's secret.
func Matches(k store.APIKey, secret string) bool {
	return subtle.ConstantTimeCompare(k.Hash, hashSecret(secret)) == 1
}
