package encoding

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"

	"github.com/supportd/supportd/server/filing"
)

// RequestHashVersion is the version of the canonical filing form that
// RequestHash fingerprints.
const RequestHashVersion = 1

// requestV1 is version 1 of the canonical filing: exactly the fields that
// make two CreateTicket calls "the same request", in this order. Its bytes
// are what earlier releases hashed (the reflective JSON of the filing), so
// the hashes of stored idempotency records stay valid. Adding a field to
// filing.Request does not change it; deciding that a new field belongs to
// the request is a new version (see the package documentation).
type requestV1 struct {
	RequestID              string    `json:"RequestID"`
	CustomerID             string    `json:"CustomerID"`
	Service                string    `json:"Service"`
	SupportTopicID         string    `json:"SupportTopicID"`
	Severity               string    `json:"Severity"`
	Title                  string    `json:"Title"`
	Description            string    `json:"Description"`
	Language               string    `json:"Language"`
	Contact                contactV1 `json:"Contact"`
	PreferredContactMethod string    `json:"PreferredContactMethod"`
	Proof                  *proofV1  `json:"Proof"` // null without a proof
}

type proofV1 struct {
	Kind      string `json:"Kind"`
	Reference string `json:"Reference"`
}

func requestToV1(f filing.Request) requestV1 {
	r := requestV1{
		RequestID:              f.RequestID,
		CustomerID:             f.CustomerID,
		Service:                string(f.Service),
		SupportTopicID:         f.SupportTopicID,
		Severity:               string(f.Severity),
		Title:                  f.Title,
		Description:            f.Description,
		Language:               f.Language,
		Contact:                contactV1{Name: f.Contact.Name, Email: f.Contact.Email, Phone: f.Contact.Phone},
		PreferredContactMethod: string(f.PreferredContactMethod),
	}
	if f.Proof != nil {
		r.Proof = &proofV1{Kind: string(f.Proof.Kind), Reference: f.Proof.Reference}
	}
	return r
}

// RequestHash fingerprints a filing (version RequestHashVersion): the
// SHA-256 of its canonical form. It is what an idempotency record keeps.
func RequestHash(f filing.Request) []byte {
	b, err := json.Marshal(requestToV1(f))
	if err != nil {
		panic(err) // strings only: cannot fail
	}
	sum := sha256.Sum256(b)
	return sum[:]
}

// MatchesRequest reports whether stored, the hash kept with an
// idempotency record, fingerprints the same request as f under any hash
// version still accepted (today only version 1).
func MatchesRequest(stored []byte, f filing.Request) bool {
	return bytes.Equal(stored, RequestHash(f))
}
