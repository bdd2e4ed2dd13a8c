package directory_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/supportd/supportd/server/directory"
	"github.com/supportd/supportd/server/domain"
)

// fields returns the fields a validation error names, in order; nil for no
// error. Any other error fails the test.
func fields(t *testing.T, err error) []string {
	t.Helper()
	if err == nil {
		return nil
	}
	var v *domain.ValidationError
	if !errors.As(err, &v) {
		t.Fatalf("error %v (%T), want a ValidationError", err, err)
	}
	var out []string
	for _, fv := range v.Violations {
		if fv.Description == "" {
			t.Errorf("violation of %s says nothing", fv.Field)
		}
		out = append(out, fv.Field)
	}
	return out
}

func validPartner() domain.Partner {
	return domain.Partner{ID: "adatum", DisplayName: "Adatum", Status: domain.PartnerActive,
		VerifiedDomains: []string{"adatum.example"}, Benefits: []domain.Benefit{domain.BenefitMPN}}
}

func TestValidatePartner(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		mod  func(*domain.Partner)
		mask []string
		want []string
	}{
		{"valid", func(*domain.Partner) {}, nil, nil},
		{"no id", func(p *domain.Partner) { p.ID = "" }, nil, []string{"partner.id"}},
		{"id with a quote", func(p *domain.Partner) { p.ID = "a'b" }, nil, []string{"partner.id"}},
		{"id of 65", func(p *domain.Partner) { p.ID = strings.Repeat("a", 65) }, nil, []string{"partner.id"}},
		{"id starting with a dot", func(p *domain.Partner) { p.ID = ".a" }, nil, []string{"partner.id"}},
		{"blank name", func(p *domain.Partner) { p.DisplayName = " \t" }, nil, []string{"partner.display_name"}},
		{"name of 201", func(p *domain.Partner) { p.DisplayName = strings.Repeat("é", 201) }, nil, []string{"partner.display_name"}},
		{"name of 200", func(p *domain.Partner) { p.DisplayName = strings.Repeat("é", 200) }, nil, nil},
		{"no status", func(p *domain.Partner) { p.Status = "" }, nil, []string{"partner.status"}},
		{"upper-case domain", func(p *domain.Partner) { p.VerifiedDomains = []string{"Adatum.example"} }, nil, []string{"partner.verified_domains[0]"}},
		{"duplicate domain", func(p *domain.Partner) { p.VerifiedDomains = []string{"a.example", "a.example"} }, nil, []string{"partner.verified_domains[1]"}},
		{"unknown benefit", func(p *domain.Partner) { p.Benefits = []domain.Benefit{"GOLD"} }, nil, []string{"partner.benefits[0]"}},
		{"duplicate benefit", func(p *domain.Partner) {
			p.Benefits = []domain.Benefit{domain.BenefitMPN, domain.BenefitMPN}
		}, nil, []string{"partner.benefits[1]"}},
		{"every field bad, in order", func(p *domain.Partner) { *p = domain.Partner{VerifiedDomains: []string{"x"}} }, nil,
			[]string{"partner.id", "partner.display_name", "partner.status", "partner.verified_domains[0]"}},
		{"mask skips unmasked fields", func(p *domain.Partner) { p.DisplayName, p.Status = "", "" }, []string{"verified_domains"}, nil},
		{"mask checks masked fields", func(p *domain.Partner) { p.DisplayName = "" }, []string{"display_name"}, []string{"partner.display_name"}},
		{"mask still checks the id", func(p *domain.Partner) { p.ID = "" }, []string{"display_name"}, []string{"partner.id"}},
	}
	for _, c := range cases {
		p := validPartner()
		c.mod(&p)
		if got := fields(t, directory.ValidatePartner(p, c.mask)); !slices.Equal(got, c.want) {
			t.Errorf("%s: fields %v, want %v", c.name, got, c.want)
		}
	}
}

func TestValidateContract(t *testing.T) {
	t.Parallel()
	valid := domain.Contract{ID: "k1", PartnerID: "adatum", Kind: domain.ProofMPN, Reference: "MPN-1234"}
	cases := []struct {
		name string
		mod  func(*domain.Contract)
		want []string
	}{
		{"valid", func(*domain.Contract) {}, nil},
		{"no kind", func(c *domain.Contract) { c.Kind = "" }, []string{"contract.kind"}},
		{"blank reference", func(c *domain.Contract) { c.Reference = "  " }, []string{"contract.reference"}},
		{"padded reference", func(c *domain.Contract) { c.Reference = " MPN-1 " }, []string{"contract.reference"}},
		{"reference of 129", func(c *domain.Contract) { c.Reference = strings.Repeat("r", 129) }, []string{"contract.reference"}},
		{"reference of 128", func(c *domain.Contract) { c.Reference = strings.Repeat("r", 128) }, nil},
		{"bad ids", func(c *domain.Contract) { c.ID, c.PartnerID = "", "a b" }, []string{"contract.id", "contract.partner_id"}},
	}
	for _, c := range cases {
		k := valid
		c.mod(&k)
		if got := fields(t, directory.ValidateContract(k)); !slices.Equal(got, c.want) {
			t.Errorf("%s: fields %v, want %v", c.name, got, c.want)
		}
	}
}

func TestValidateKeyRequest(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		name    string
		role    domain.Role
		partner string
		expire  time.Time
		want    []string
	}{
		{"partner key", domain.RolePartner, "adatum", time.Time{}, nil},
		{"partner key without partner", domain.RolePartner, "", time.Time{}, []string{"partner_id"}},
		{"agent key with partner", domain.RoleAgent, "adatum", time.Time{}, []string{"partner_id"}},
		{"admin key", domain.RoleAdmin, "", now.Add(time.Hour), nil},
		{"no role", "", "", time.Time{}, []string{"role"}},
		{"expired", domain.RoleAdmin, "", now, []string{"expire_time"}},
		{"at the longest lifetime", domain.RoleAdmin, "", now.Add(directory.MaxKeyLifetime), nil},
		{"past the longest lifetime", domain.RoleAdmin, "", now.Add(directory.MaxKeyLifetime + time.Second), []string{"expire_time"}},
	}
	for _, c := range cases {
		if got := fields(t, directory.ValidateKeyRequest(c.role, c.partner, c.expire, now)); !slices.Equal(got, c.want) {
			t.Errorf("%s: fields %v, want %v", c.name, got, c.want)
		}
	}
}
