package encoding

import (
	"encoding/hex"
	"testing"

	"github.com/supportd/supportd/server/domain"
	"github.com/supportd/supportd/server/filing"
)

// TestRequestHashGolden pins version 1 request hashes. The values are
// what the unversioned code (SHA-256 of the filing's reflective JSON)
// computed, so idempotency records stored before stay valid.
func TestRequestHashGolden(t *testing.T) {
	t.Parallel()
	noProof := fullFiling()
	noProof.Proof = nil
	tests := []struct {
		name string
		f    filing.Request
		want string
	}{
		{"every field", fullFiling(), "f04c7201cf68c7d3d52e977ea8ceb08b77c402630242ae689aeba869a0f43fea"},
		{"empty", filing.Request{}, "0b95ad492e48c746d3427bbd89911ffb36102e9ee802f89292bf6541f4deacbf"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := RequestHash(tc.f)
			if hex.EncodeToString(got) != tc.want {
				t.Errorf("RequestHash = %x, want %s: a change of the canonical filing needs a new hash version", got, tc.want)
			}
			stored, _ := hex.DecodeString(tc.want)
			if !MatchesRequest(stored, tc.f) {
				t.Error("MatchesRequest refuses the stored hash of the same filing")
			}
		})
	}
	if MatchesRequest(RequestHash(fullFiling()), noProof) {
		t.Error("a filing without its proof matches the filing with it")
	}
}

// TestRequestHashFields checks that every canonical field takes part in
// the hash: changing any one of them makes another request.
func TestRequestHashFields(t *testing.T) {
	t.Parallel()
	base := RequestHash(fullFiling())
	mods := map[string]func(*filing.Request){
		"RequestID":              func(f *filing.Request) { f.RequestID += "x" },
		"CustomerID":             func(f *filing.Request) { f.CustomerID += "x" },
		"Service":                func(f *filing.Request) { f.Service = domain.ServiceOffice365 },
		"SupportTopicID":         func(f *filing.Request) { f.SupportTopicID += "x" },
		"Severity":               func(f *filing.Request) { f.Severity = domain.SeverityA },
		"Title":                  func(f *filing.Request) { f.Title += "x" },
		"Description":            func(f *filing.Request) { f.Description += "x" },
		"Language":               func(f *filing.Request) { f.Language = "de-DE" },
		"Contact.Name":           func(f *filing.Request) { f.Contact.Name += "x" },
		"Contact.Email":          func(f *filing.Request) { f.Contact.Email += "x" },
		"Contact.Phone":          func(f *filing.Request) { f.Contact.Phone += "x" },
		"PreferredContactMethod": func(f *filing.Request) { f.PreferredContactMethod = domain.ContactPhone },
		"Proof.Kind":             func(f *filing.Request) { f.Proof.Kind = domain.ProofMPN },
		"Proof.Reference":        func(f *filing.Request) { f.Proof.Reference += "x" },
		"Proof absent":           func(f *filing.Request) { f.Proof = nil },
	}
	for name, mod := range mods {
		f := fullFiling()
		mod(&f)
		if MatchesRequest(base, f) {
			t.Errorf("changing %s keeps the request hash", name)
		}
	}
}
